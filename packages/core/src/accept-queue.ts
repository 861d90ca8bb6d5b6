/**
 * `AcceptQueue`: the accept side of a listener, written once. Connections the runtime has accepted
 * wait here, at most `backlog` of them, until `accept()` takes them; one `accept` may wait at a
 * time (`Busy` otherwise), an aborted `accept` loses no connection, and `close()` rejects the
 * waiting `accept` with `Closed` and closes the connections nobody took. Also the argument checks
 * of TCP's `connect` and `listen`, which every adapter makes the same way, and `QueuedListener`,
 * the `Listener` over an accept queue (a `TcpListener` when its streams are `TcpStream`s).
 * @module
 */
import { IoError, invalidInput, isIoError } from "./error.ts";
import type { OperationOptions } from "./io.ts";
import type { Listener, SocketAddress } from "./net.ts";
import { abortReason } from "./signal.ts";
import type { TcpConnectOptions, TcpListenOptions } from "./tcp.ts";
import {
  checkBoolean,
  checkCallback,
  checkFunction,
  checkInteger,
  checkMethods,
  checkObject,
  checkPort,
  checkSignal,
  checkText,
  describe,
  invalidSignal,
  signalOf,
} from "./validate.ts";
import { WaitSlot } from "./wait-slot.ts";

/**
 * A bounded queue of accepted connections with one cancellable waiting `accept`.
 *
 * The runtime's side offers connections with {@link AcceptQueue.push} (after checking
 * {@link AcceptQueue.refusing}: a full or closed queue refuses, as a full kernel backlog would) and
 * native accept failures with {@link AcceptQueue.fail}. `onTake`, when given, runs after every
 * `accept` that took a connection or a failure or started to wait: an adapter that accepts natively
 * on demand (one native accept in flight) starts the next one there.
 *
 * @example
 * ```ts
 * import { AcceptQueue } from "@anyrt/core/adapter";
 * const queue = new AcceptQueue<{ close(): Promise<void> }>("accept on test", 1);
 * const waiting = queue.accept();
 * queue.push({ close: async () => {} });
 * await waiting;
 * queue.push({ close: async () => {} });
 * console.assert(queue.refusing); // backlog of 1 reached
 * await queue.close();
 * console.assert((await queue.accept().catch((e) => e.kind)) === "Closed");
 * ```
 */
export class AcceptQueue<
  S extends {
    /** Closes a stream the queue drops. */
    close(): Promise<void>;
  },
> {
  readonly #label: string;
  readonly #backlog: number;
  readonly #onTake: (() => void) | undefined;
  readonly #ready: S[] = [];
  readonly #pending = new WaitSlot<S>();
  #error: IoError | null = null;
  #closed = false;

  /** `label` begins error messages (`"accept on 127.0.0.1:8080"`). */
  constructor(label: string, backlog: number, onTake?: () => void) {
    checkText("AcceptQueue", "label", label);
    checkInteger("AcceptQueue", "backlog", backlog, 0);
    checkCallback("AcceptQueue", "onTake", onTake);
    this.#label = label;
    this.#backlog = backlog;
    this.#onTake = onTake;
  }

  /** Whether `close` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether a new connection must be refused: the queue is closed or holds `backlog` connections. */
  get refusing(): boolean {
    return this.#closed || this.#ready.length >= this.#backlog;
  }

  /** Whether a native accept failure is held for the next `accept`. */
  get failed(): boolean {
    return this.#error !== null;
  }

  /** Hands `stream` to the waiting `accept`, or queues it for the next one. */
  push(stream: S): void {
    checkMethods(`${this.#label}: push`, "stream", stream, ["close"]);
    if (this.#pending.busy) this.#pending.resolve(stream);
    else this.#ready.push(stream);
  }

  /** Reports a native accept failure to the waiting `accept`, or holds it for the next one. */
  fail(error: IoError): void {
    if (!isIoError(error)) throw invalidInput(`${this.#label}: fail: error must be an IoError, got ${describe(error)}`);
    if (this.#pending.busy) this.#pending.reject(error);
    else this.#error = error;
  }

  /**
   * The next connection: a queued one at once, else a held failure, else waits. Rejects with
   * `Closed` after `close`, `Busy` while another `accept` waits, and the signal's reason when
   * `signal` aborts (cancel-safe: a connection arriving later waits for the next `accept`); a
   * signal that is not an `AbortSignal` rejects with `InvalidInput` and takes nothing.
   */
  accept(signal?: AbortSignal): Promise<S> {
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      return Promise.reject(invalidSignal(this.#label, signal));
    }
    if (this.#closed) return Promise.reject(new IoError("Closed", `${this.#label}: listener is closed`));
    if (this.#pending.busy) return Promise.reject(new IoError("Busy", `${this.#label}: another accept is pending`));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const ready = this.#ready.shift();
    if (ready !== undefined) {
      this.#onTake?.();
      return Promise.resolve(ready);
    }
    const error = this.#error;
    if (error !== null) {
      this.#error = null;
      this.#onTake?.();
      return Promise.reject(error);
    }
    const waiting = this.#pending.wait(undefined, signal);
    this.#onTake?.();
    return waiting;
  }

  /** Accepts until the queue is closed (then ends); any other failure is thrown. */
  async *[Symbol.asyncIterator](): AsyncGenerator<S, void, undefined> {
    for (;;) {
      try {
        yield await this.accept();
      } catch (error) {
        if (isIoError(error, "Closed")) return;
        throw error;
      }
    }
  }

  /**
   * Closes the queue: the waiting `accept` rejects with `Closed`, later ones too, and the queued
   * connections are closed (the promise settles when they are). Idempotent.
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#pending.reject(new IoError("Closed", `${this.#label}: listener was closed`));
    return Promise.all(this.#ready.splice(0).map((stream) => stream.close())).then(() => undefined);
  }
}

/**
 * A {@link Listener} whose `accept` and async iteration are `queue`'s: a `TcpListener` when `S` is
 * `TcpStream`, and the listener of any other stream type the same way. `close()` closes the queue
 * (rejecting a waiting `accept` with `Closed`, closing the connections nobody accepted) and then
 * calls `stop`, the runtime's "stop listening"; it settles when both are done and returns the same
 * promise when called again.
 *
 * @example
 * ```ts
 * import { AcceptQueue, QueuedListener } from "@anyrt/core/adapter";
 * import type { TcpListener, TcpStream } from "@anyrt/core";
 * const queue = new AcceptQueue<TcpStream>("accept on test", 8);
 * let stopped = 0;
 * const listener: TcpListener = new QueuedListener({ hostname: "127.0.0.1", port: 1, family: 4 }, queue, () => {
 *   stopped++;
 * });
 * await Promise.all([listener.close(), listener.close()]);
 * console.assert(stopped === 1 && (await listener.accept().catch((e) => e.kind)) === "Closed");
 * ```
 */
export class QueuedListener<
  S extends {
    /** Closes a stream the queue drops. */
    close(): Promise<void>;
  },
  A = SocketAddress,
> implements Listener<S, A>
{
  readonly localAddress: A;
  readonly #queue: AcceptQueue<S>;
  readonly #stop: () => unknown;
  #closing: Promise<void> | null = null;

  constructor(localAddress: A, queue: AcceptQueue<S>, stop: () => unknown) {
    if (!(queue instanceof AcceptQueue)) {
      throw invalidInput(`QueuedListener: queue must be an AcceptQueue, got ${describe(queue)}`);
    }
    checkFunction("QueuedListener", "stop", stop);
    this.localAddress = localAddress;
    this.#queue = queue;
    this.#stop = stop;
  }

  accept(options?: OperationOptions): Promise<S> {
    let signal: AbortSignal | undefined;
    try {
      signal = signalOf("accept", options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#queue.accept(signal);
  }

  /** Accepts connections until the listener closes (`for await`). */
  [Symbol.asyncIterator](): AsyncIterator<S> {
    return this.#queue[Symbol.asyncIterator]();
  }

  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    const unaccepted = this.#queue.close();
    this.#closing = Promise.all([unaccepted, this.#stop()]).then(() => undefined);
    return this.#closing;
  }

  /** Closes the listener (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * The host name of checked connect or listen options: `"127.0.0.1"` when absent. Anything but a
 * non-empty string of at most 253 characters (the longest DNS name) throws `InvalidInput`.
 */
export function hostnameOf(operation: "connect" | "listen", options: { readonly hostname?: unknown }): string {
  if (operation !== "connect" && operation !== "listen") {
    throw invalidInput(`hostnameOf: operation must be "connect" or "listen", got ${describe(operation)}`);
  }
  checkObject(operation, "options", options);
  const hostname = options.hostname === undefined ? "127.0.0.1" : options.hostname;
  if (typeof hostname !== "string" || hostname.length === 0 || hostname.length > 253) {
    throw new IoError("InvalidInput", `${operation}: hostname must be a non-empty string, got ${describe(hostname)}`);
  }
  return hostname;
}

/**
 * Checks the options of `Tcp.connect` and throws `InvalidInput` unless they are an object with a
 * host name as {@link hostnameOf} accepts it, a port in 1..65535, `noDelay` absent or a boolean,
 * `timeoutMs` absent or an integer in 1..2^31-1, `happyEyeballs` absent, a boolean or options with
 * integer delays and a `lookup` function, and `signal` absent or an `AbortSignal`. Every adapter calls it before anything native, so no
 * bad option reaches a runtime's own checks (which on some runtimes abort the process or coerce
 * a non-string host name).
 */
export function checkConnectOptions(options: unknown): asserts options is TcpConnectOptions {
  checkObject("connect", "options", options);
  hostnameOf("connect", options);
  const { port, noDelay, signal, timeoutMs, happyEyeballs } = options as TcpConnectOptions;
  checkPort("connect", port, 1);
  if (noDelay !== undefined) checkBoolean("connect", "noDelay", noDelay);
  if (timeoutMs !== undefined) checkInteger("connect", "timeoutMs", timeoutMs, 1, 2 ** 31 - 1);
  if (happyEyeballs !== undefined && typeof happyEyeballs !== "boolean") {
    checkObject("connect", "happyEyeballs", happyEyeballs);
    const { attemptDelayMs, attemptTimeoutMs, lookup } = happyEyeballs;
    if (attemptDelayMs !== undefined)
      checkInteger("connect", "happyEyeballs.attemptDelayMs", attemptDelayMs, 0, 2 ** 31 - 1);
    if (attemptTimeoutMs !== undefined) {
      checkInteger("connect", "happyEyeballs.attemptTimeoutMs", attemptTimeoutMs, 1, 2 ** 31 - 1);
    }
    if (lookup !== undefined) checkFunction("connect", "happyEyeballs.lookup", lookup);
  }
  checkSignal("connect", signal);
}

/**
 * Checks the options of `Tcp.listen` and throws `InvalidInput` unless they are an object with a
 * host name as {@link hostnameOf} accepts it, a port in 0..65535 and, if given, a backlog in
 * 0..65535.
 */
export function checkListenOptions(options: unknown): asserts options is TcpListenOptions {
  checkObject("listen", "options", options);
  hostnameOf("listen", options);
  const { port, backlog } = options as TcpListenOptions;
  checkPort("listen", port, 0);
  if (backlog !== undefined) checkInteger("listen", "backlog", backlog, 0, 65535);
}
