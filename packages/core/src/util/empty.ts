/**
 * Streams that need no peer: `empty()` (always at EOF), `sink()` (accepts and discards every
 * byte) and `repeat(byte)` (an endless supply of one byte).
 * @module
 */
import { IoError } from "../error.ts";
import type { AsyncRead, AsyncWrite, OperationOptions } from "../io.ts";
import { abortReason } from "../signal.ts";
import { checkBuffer, checkInteger } from "../validate.ts";

class Empty implements AsyncRead {
  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    try {
      checkBuffer("empty read", buf);
      if (options?.signal?.aborted) throw abortReason(options.signal);
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve(0);
  }

  tryRead(buf: Uint8Array): number {
    checkBuffer("empty read", buf);
    return 0;
  }
}

/**
 * A reader at EOF: every read resolves `0` at once. Cancel-safe (it never waits).
 *
 * @example
 * ```ts
 * import { empty } from "@anyrt/core";
 * console.assert((await empty().read(new Uint8Array(8))) === 0);
 * ```
 */
export function empty(): AsyncRead {
  return new Empty();
}

class Sink implements AsyncWrite {
  #shutdown = false;

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    try {
      checkBuffer("sink write", buf);
      if (options?.signal?.aborted) throw abortReason(options.signal);
      return Promise.resolve(this.tryWrite(buf));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  tryWrite(buf: Uint8Array): number {
    checkBuffer("sink write", buf);
    if (this.#shutdown) throw new IoError("BrokenPipe", "sink write: write side was shut down");
    return buf.length;
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.#shutdown = true;
    return Promise.resolve();
  }
}

/**
 * A writer that accepts and discards every byte at once; `flush` resolves at once. After
 * `shutdown()`, writes fail with `BrokenPipe`, as on every stream. Cancel-safe (it never waits).
 *
 * @example
 * ```ts
 * import { sink } from "@anyrt/core";
 * console.assert((await sink().write(new Uint8Array(100))) === 100);
 * ```
 */
export function sink(): AsyncWrite {
  return new Sink();
}

class Repeat implements AsyncRead {
  readonly #byte: number;

  constructor(byte: number) {
    this.#byte = byte;
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    try {
      checkBuffer("repeat read", buf);
      if (options?.signal?.aborted) throw abortReason(options.signal);
      return Promise.resolve(this.tryRead(buf));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  tryRead(buf: Uint8Array): number {
    checkBuffer("repeat read", buf);
    buf.fill(this.#byte);
    return buf.length;
  }
}

/**
 * An endless reader: every read fills the whole buffer with `byte` (an integer `0..255`, else
 * `InvalidInput` at once). It never reaches EOF; bound it with `take`. Cancel-safe (it never waits).
 *
 * @example
 * ```ts
 * import { repeat } from "@anyrt/core";
 * const buf = new Uint8Array(4);
 * console.assert((await repeat(0xff).read(buf)) === 4 && buf[3] === 0xff);
 * ```
 */
export function repeat(byte: number): AsyncRead {
  return new Repeat(checkInteger("repeat", "byte", byte, 0, 255));
}
