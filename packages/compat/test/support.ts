// Helpers shared by the compat tests: counting sources, timeouts that turn a hang into a failure.
import { type AsyncRead, type OperationOptions, WOULD_BLOCK } from "@anyrt/core";

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

/** `promise`, or a rejection naming `what` after `ms` (a hang becomes a failure, not a timeout). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Waits `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An endless `AsyncRead` of 7s that counts the bytes it produced and whether it was closed. */
export class CountingReader implements AsyncRead {
  produced = 0;
  closed = false;
  reads = 0;

  tryRead(buf: Uint8Array): number {
    if (this.closed) throw new Error("read after close");
    buf.fill(7);
    this.produced += buf.length;
    this.reads++;
    return buf.length;
  }

  read(buf: Uint8Array, _options?: OperationOptions): Promise<number> {
    return Promise.resolve(this.tryRead(buf));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** An `AsyncRead` whose reads wait until `fail(error)`, recording the signals they got. */
export class FailingReader implements AsyncRead {
  #reject: ((error: unknown) => void) | null = null;
  signals: (AbortSignal | undefined)[] = [];
  closed = false;

  tryRead(): number {
    return WOULD_BLOCK;
  }

  read(_buf: Uint8Array, options?: OperationOptions): Promise<number> {
    this.signals.push(options?.signal);
    return new Promise<number>((_, reject) => {
      this.#reject = reject;
      options?.signal?.addEventListener("abort", () => reject(options.signal?.reason), { once: true });
    });
  }

  fail(error: unknown): void {
    this.#reject?.(error);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** Concatenates chunks. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
