/**
 * The argument checks of the Effect bridges and layers, for what core's checks cannot know: an
 * Effect `Context`, `Effect`, `Stream`, `Sink` and `Fiber`, and an anyrt `Runtime` with the part a
 * layer builds on. Each throws `InvalidInput` at once, in core's wording, before any Effect runs.
 * @module
 */
import { invalidInput } from "@anyrt/core";
import { checkObject, describe } from "@anyrt/core/adapter";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import * as Sink from "effect/Sink";
import * as Stream from "effect/Stream";

/** Throws `InvalidInput` unless `value` is an Effect `Context`. */
export function checkContext(operation: string, value: unknown, name = "context"): void {
  if (!Context.isContext(value))
    throw invalidInput(`${operation}: ${name} must be an Effect Context, got ${describe(value)}`);
}

/** Throws `InvalidInput` unless `value` is an `Effect`. */
export function checkEffect(operation: string, name: string, value: unknown): void {
  if (!Effect.isEffect(value)) throw invalidInput(`${operation}: ${name} must be an Effect, got ${describe(value)}`);
}

/** Throws `InvalidInput` unless `value` is a `Stream`. */
export function checkStream(operation: string, value: unknown): void {
  if (!Stream.isStream(value))
    throw invalidInput(`${operation}: stream must be an Effect Stream, got ${describe(value)}`);
}

/** Throws `InvalidInput` unless `value` is a `Sink`. */
export function checkSink(operation: string, value: unknown): void {
  if (!Sink.isSink(value)) throw invalidInput(`${operation}: sink must be an Effect Sink, got ${describe(value)}`);
}

/** Throws `InvalidInput` unless `value` is a `Fiber`. */
export function checkFiber(operation: string, value: unknown): void {
  if (!Fiber.isFiber(value)) throw invalidInput(`${operation}: fiber must be an Effect Fiber, got ${describe(value)}`);
}

/**
 * Throws `InvalidInput` unless `runtime` is an anyrt `Runtime` with each of `parts` (`"tcp"`,
 * `"fs"`, `"process"`): the parts a layer or constructor builds on.
 */
export function checkRuntime(operation: string, runtime: unknown, parts: readonly string[]): void {
  checkObject(operation, "runtime", runtime);
  for (const part of parts) {
    const value = (runtime as Readonly<Record<string, unknown>>)[part];
    if (typeof value !== "object" || value === null) {
      throw invalidInput(`${operation}: runtime must be an anyrt Runtime with ${part}, got ${describe(runtime)}`);
    }
  }
}
