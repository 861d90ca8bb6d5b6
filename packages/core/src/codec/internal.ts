/**
 * Private helpers of the buffered and framed codec modules: writing a buffer out completely
 * through the `AsyncWrite` contract, and closing an inner stream that has `close()`.
 * @module
 */
import { type AsyncWrite, type OperationOptions, WOULD_BLOCK } from "../io.ts";
import { checkWriteCount } from "../validate.ts";

/**
 * Writes all of `data` to `writer`; calls `onWritten(n)` after every accepted chunk so that the
 * caller can account for what left (an abort midway keeps the rest). Fails with `WriteZero` when
 * a write of a non-empty buffer accepts nothing, and with `InvalidData` when one claims more.
 */
export async function writeOut(
  writer: AsyncWrite,
  data: Uint8Array,
  onWritten: (n: number) => void,
  options: OperationOptions | undefined,
  label: string,
): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const rest = data.subarray(offset);
    let n = writer.tryWrite(rest);
    if (n === WOULD_BLOCK) n = await writer.write(rest, options);
    checkWriteCount(label, n, rest.length);
    offset += n;
    onWritten(n);
  }
}

/** Whether `value` has a `close()` method. */
export function hasClose(value: unknown): value is { close(): Promise<void> } {
  return typeof (value as { close?: unknown }).close === "function";
}
