/**
 * Running Effects from promise code: `runIo` runs an effect with a context and an optional
 * AbortSignal (which interrupts the fiber) and turns its failure into an `IoError`.
 * @module
 */
import type { IoError } from "@anyrt/core";
import * as Cause from "effect/Cause";
import type * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import type * as Exit from "effect/Exit";
import { toIoError } from "./error.ts";

/** The typed failure of a failed exit, or its squashed cause (a defect, an interruption). */
export function failureOf(exit: Exit.Failure<unknown, unknown>): unknown {
  const error = Cause.findErrorOption(exit.cause);
  return error._tag === "Some" ? error.value : Cause.squash(exit.cause);
}

/**
 * Runs `effect` with `context`. Resolves with its value; rejects with the `IoError` of its failure
 * (`operation` begins the message), or with `signal.reason` when `signal` aborted (the fiber is
 * interrupted then).
 */
export function runIo<A, E>(
  context: Context.Context<never>,
  effect: Effect.Effect<A, E>,
  operation: string,
  signal?: AbortSignal,
): Promise<A> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return Effect.runPromiseExitWith(context)(effect, signal === undefined ? undefined : { signal }).then((exit) => {
    if (exit._tag === "Success") return exit.value;
    if (signal?.aborted) throw signal.reason;
    throw toIoError(failureOf(exit), operation) satisfies IoError;
  });
}
