// Helpers shared by core's unit tests: text bytes, settling checks, error kinds, microtask flushing,
// catching a throw, and a writer that cuts data into pieces of given sizes.
import { type AsyncWrite, isIoError } from "@anyrt/core";
import { expect } from "vitest";

const encoder = new TextEncoder();

/** UTF-8 bytes of `text`. */
export const bytes = (text: string): Uint8Array => encoder.encode(text);

/** The kind of an IoError, or the error as a string. */
export const kindOf = (error: unknown): string => (isIoError(error) ? error.kind : String(error));

/** Resolves the rejection of `promise`, or the string "resolved". */
export const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => "resolved",
    (e: unknown) => e,
  );

/** Lets ten rounds of microtasks run (promise chains settle without a timer). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** What `fn` throws, or the string "returned". */
export function catching(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return "returned";
}

/** Resolves after `ms` milliseconds of real time. */
export const tick = (ms = 1): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` has settled after 5 ms of real time. */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await tick(5);
  return done;
}

/**
 * Writes `data` in pieces of the given sizes (cycled), then shuts the writer down. A size of 0
 * makes an empty write followed by a 1-byte one, so that every round makes progress.
 */
export async function writeInPieces(writer: AsyncWrite, data: Uint8Array, sizes: readonly number[]): Promise<void> {
  let offset = 0;
  let i = 0;
  while (offset < data.length) {
    let size = sizes[i++ % sizes.length] as number;
    if (size === 0) {
      expect(await writer.write(new Uint8Array(0))).toBe(0);
      size = 1;
    }
    const piece = data.subarray(offset, Math.min(data.length, offset + size));
    let done = 0;
    do {
      done += await writer.write(piece.subarray(done));
    } while (done < piece.length);
    offset += piece.length;
  }
  await writer.shutdown();
}
