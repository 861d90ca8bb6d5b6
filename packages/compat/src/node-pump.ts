/**
 * The moving parts the Node bridges share: the `_read` pump over an anyrt reader, the `_write` and
 * `_writev` of a bridged writer, and what destroying a bridge does to the anyrt stream under it.
 * Internal to `@anyrt/compat/node`.
 * @module
 */
import { Buffer } from "node:buffer";
import type { Readable, Writable } from "node:stream";
import { type AsyncRead, type AsyncWrite, WOULD_BLOCK, writeAll, writeAllVectored } from "@anyrt/core";
import { toIoError } from "./errors.ts";

/** Options of `toNodeReadable`, `toNodeWritable` and `toNodeDuplex`. */
export interface ToNodeOptions {
  /** The size of the buffers reads land in (and the largest chunk pushed). Default 64 KiB. */
  readonly chunkSize?: number | undefined;
  /** The Node stream's readable high-water mark in bytes. Default 64 KiB. */
  readonly readableHighWaterMark?: number | undefined;
  /** The Node stream's writable high-water mark in bytes. Default 64 KiB. */
  readonly writableHighWaterMark?: number | undefined;
  /** Whether destroying the Node stream closes the anyrt stream (when it has `close()`). Default `true`. */
  readonly closeOnDestroy?: boolean | undefined;
}

/** The default landing-buffer size and high-water marks of the Node bridges. */
export const DEFAULT_SIZE = 64 * 1024;

export interface ReadPump {
  read(this: Readable): void;
  abort(): void;
  /**
   * Ends the pump for a hand-over (a TLS upgrade takes the reader): aborts the pending read,
   * which then destroys nothing, and resolves once no read is pending. Resolves `true` when a
   * read was pending (Node wanted bytes), so the next pump is started at once. Only a
   * `cancellable` pump can be stopped while a read is pending.
   */
  stop(): Promise<boolean>;
}

/**
 * The `_read` of a bridged Readable: `tryRead` into a landing buffer while Node wants more and
 * bytes are there, one awaited `read` when they are not. A landing buffer that was mostly filled
 * is pushed as it is (a fresh one replaces it); a small read is copied out so that a few bytes
 * never pin 64 KiB. A failed read destroys the stream with `errorOf(error)` (an `IoError` of
 * the read's kind by default; the socket bridge adds Node's `code`). With `cancellable` false the
 * reads take no abort signal and `abort()` leaves a pending read alone: for a bridge whose destroy
 * always closes the reader (which fails that read with `Closed`), it saves an abort listener added
 * and removed per read, about 1.5 us of a driver's round trip on Node.
 */
export function readPump(
  reader: AsyncRead,
  chunkSize: number,
  errorOf: (error: unknown) => Error = (error) => toIoError(error, "read"),
  cancellable = true,
): ReadPump {
  const aborter = new AbortController();
  const options = cancellable ? { signal: aborter.signal } : undefined;
  let landing = Buffer.allocUnsafeSlow(chunkSize);
  let reading = false;
  let stopped = false;
  let pending: Promise<unknown> = Promise.resolve();
  const chunkOf = (n: number): Buffer => {
    if (n * 2 >= chunkSize) {
      const chunk = landing.subarray(0, n);
      landing = Buffer.allocUnsafeSlow(chunkSize);
      return chunk;
    }
    return Buffer.from(landing.subarray(0, n));
  };
  return {
    abort: () => aborter.abort(),
    stop(): Promise<boolean> {
      stopped = true;
      const wasReading = reading;
      aborter.abort();
      return pending.then(() => wasReading);
    },
    read(this: Readable): void {
      if (reading || stopped) return;
      for (;;) {
        let n: number;
        try {
          n = reader.tryRead(landing);
        } catch (error) {
          this.destroy(errorOf(error));
          return;
        }
        if (n === WOULD_BLOCK) break;
        if (n === 0) {
          this.push(null);
          return;
        }
        if (!this.push(chunkOf(n))) return;
      }
      reading = true;
      pending = reader.read(landing, options).then(
        (n) => {
          reading = false;
          if (this.destroyed) return;
          // A read that completed as the pump was stopped still delivers its bytes.
          if (n > 0 || !stopped) this.push(n === 0 ? null : chunkOf(n));
        },
        (error: unknown) => {
          reading = false;
          if (!this.destroyed && !stopped) this.destroy(errorOf(error));
        },
      );
    },
  };
}

/**
 * The `_write` of a bridged Writable: `tryWrite` first, `writeAll` for the rest; the callback
 * runs once the writer accepted every byte and, when nothing else is queued behind the chunk,
 * flushed them (so `'finish'` and a destroy right after a drained write lose nothing).
 */
export function writeChunk(
  stream: Writable,
  writer: AsyncWrite,
  chunk: Buffer,
  signal: AbortSignal,
  callback: (error?: Error | null) => void,
): void {
  let offset = 0;
  try {
    while (offset < chunk.length) {
      const n = writer.tryWrite(offset === 0 ? chunk : chunk.subarray(offset));
      if (n === WOULD_BLOCK) break;
      offset += n;
    }
  } catch (error) {
    callback(toIoError(error, "write"));
    return;
  }
  const last = stream.writableLength <= chunk.length;
  if (offset === chunk.length && !last) {
    callback();
    return;
  }
  const options = { signal };
  const rest = offset === chunk.length ? Promise.resolve() : writeAll(writer, chunk.subarray(offset), options);
  rest
    .then(() => (last ? writer.flush(options) : undefined))
    .then(
      () => callback(),
      (error: unknown) => callback(toIoError(error, "write")),
    );
}

export function closerOf(stream: object, enabled: boolean | undefined): () => Promise<void> {
  const close = (stream as { close?: unknown }).close;
  if (enabled === false || typeof close !== "function") return () => Promise.resolve();
  return () => (close as () => Promise<void>).call(stream);
}

export function destroyWith(
  close: () => Promise<void>,
  error: Error | null,
  callback: (error: Error | null) => void,
): void {
  close().then(
    () => callback(error),
    () => callback(error),
  );
}

/**
 * The `_writev` of a bridged Writable: the chunks Node gathered (corked writes, or writes queued
 * behind a slow one) go down as one vectored write, so a driver's five corked messages are one
 * native write where the writer gathers (`writeVectored`); the callback runs as for
 * {@link writeChunk}.
 */
export function writeChunks(
  stream: Writable,
  writer: AsyncWrite,
  chunks: readonly { chunk: Buffer }[],
  signal: AbortSignal,
  callback: (error?: Error | null) => void,
): void {
  const bufs: Buffer[] = [];
  let total = 0;
  for (const { chunk } of chunks) {
    bufs.push(chunk);
    total += chunk.length;
  }
  const last = stream.writableLength <= total;
  const options = { signal };
  const done = () => (last ? writer.flush(options) : undefined);
  const fail = (error: unknown) => callback(toIoError(error, "write"));
  const vectored = writer.writeVectored;
  if (vectored === undefined) {
    writeAllVectored(writer, bufs, options)
      .then(done)
      .then(() => callback(), fail);
    return;
  }
  // One vectored write first, as writeAllVectored's loop would, without re-checking buffers Node
  // made: a driver's corked query is one small batch that the writer takes whole, and this is
  // its per-query cost. What the writer did not take goes through writeAllVectored.
  vectored
    .call(writer, bufs, options)
    .then((n) => (n === total ? done() : writeAllVectored(writer, rest(bufs, n), options).then(done)))
    .then(() => callback(), fail);
}

/** `bufs` without their first `n` bytes. */
function rest(bufs: readonly Buffer[], n: number): Buffer[] {
  let index = 0;
  let left = n;
  while (index < bufs.length && left >= (bufs[index] as Buffer).length) {
    left -= (bufs[index] as Buffer).length;
    index++;
  }
  const out = bufs.slice(index);
  if (left > 0) out[0] = (out[0] as Buffer).subarray(left);
  return out;
}
