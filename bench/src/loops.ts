/**
 * The consumer loops every anyrt benchmark uses, written the way the contract recommends: the
 * synchronous `tryRead` / `tryWrite` first, and one `await` only when they return `WOULD_BLOCK`.
 * @module
 */
import { type AsyncRead, type AsyncWrite, WOULD_BLOCK } from "@anyrt/core";

/** Writes `total` bytes taken from `chunk` over and over (the last piece may be shorter). */
export async function writeRepeated(stream: AsyncWrite, chunk: Uint8Array, total: number): Promise<void> {
  const size = chunk.length;
  let left = total;
  while (left > 0) {
    const piece = left >= size ? chunk : chunk.subarray(0, left);
    let n = stream.tryWrite(piece);
    if (n === WOULD_BLOCK) n = await stream.write(piece);
    // A partial write is legal; finish the piece before the next one.
    let offset = n;
    while (offset < piece.length) {
      const rest = piece.subarray(offset);
      let m = stream.tryWrite(rest);
      if (m === WOULD_BLOCK) m = await stream.write(rest);
      offset += m;
    }
    left -= piece.length;
  }
}

/** Reads into the one reused `buf` until EOF or until `total` bytes arrived; resolves the count. */
export async function readCounting(
  stream: AsyncRead,
  buf: Uint8Array,
  total = Number.POSITIVE_INFINITY,
): Promise<number> {
  let received = 0;
  while (received < total) {
    let n = stream.tryRead(buf);
    if (n === WOULD_BLOCK) n = await stream.read(buf);
    if (n === 0) break;
    received += n;
  }
  return received;
}
