/**
 * `oneshot()`: a channel for exactly one value, from one sender to one receiver (tokio's
 * `oneshot`), typically the reply slot of a request.
 * @module
 */
import { IoError, invalidInput } from "../error.ts";
import type { OperationOptions } from "../io.ts";
import { CHANNEL_EMPTY } from "./channel.ts";
import { signalOf, WaitQueue } from "./wait-queue.ts";

/** The two ends of a {@link oneshot}. */
export interface Oneshot<T> {
  /** The sending end. */
  readonly sender: OneshotSender<T>;
  /** The receiving end. */
  readonly receiver: OneshotReceiver<T>;
}

/** The sending end of a {@link oneshot}. */
export interface OneshotSender<T> extends Disposable {
  /**
   * Delivers `value` (never waits). Throws `Closed` when a value was already sent or this sender
   * was closed, `BrokenPipe` when the receiver was closed (the value is not delivered), and
   * `InvalidInput` for a thenable (a promise would be adopted by `receive`; wrap it in an object).
   */
  send(value: T): void;
  /**
   * Closes the sender. Without a value sent, the receiver fails with `UnexpectedEof`; after
   * `send` it changes nothing. Idempotent.
   */
  close(): void;
  /** Whether a value was sent or the sender was closed. */
  readonly closed: boolean;
  /** Whether the receiver was closed, so that nobody will take a value. */
  readonly receiverClosed: boolean;
}

/** The receiving end of a {@link oneshot}. */
export interface OneshotReceiver<T> extends Disposable {
  /**
   * Waits for the value. Rejects with `UnexpectedEof` when the sender was closed without sending,
   * `Closed` after `close()` or once the value was received, and `Busy` while another receive
   * waits.
   *
   * **Cancel safety:** cancel-safe. An aborted receive rejects with the signal's reason and the
   * value, if it comes, stays for the next receive; a receive handed the value resolves even if
   * its signal aborts in the same turn.
   */
  receive(options?: OperationOptions): Promise<T>;
  /**
   * The value if it was sent, else {@link CHANNEL_EMPTY}. Throws as `receive` rejects (but never
   * `Busy`).
   */
  tryReceive(): T | typeof CHANNEL_EMPTY;
  /**
   * Closes the receiver: a value sent is dropped, the sender's `send` fails with `BrokenPipe`, a
   * waiting receive rejects with `Closed`. Idempotent.
   */
  close(): void;
}

class State<T> {
  value: T | undefined = undefined;
  /** The value was sent and not yet received. */
  full = false;
  /** The value was received. */
  taken = false;
  senderClosed = false;
  receiverClosed = false;
  readonly waiting = new WaitQueue<T>();
}

class Sender<T> implements OneshotSender<T> {
  readonly #state: State<T>;

  constructor(state: State<T>) {
    this.#state = state;
  }

  get closed(): boolean {
    return this.#state.senderClosed;
  }

  get receiverClosed(): boolean {
    return this.#state.receiverClosed;
  }

  send(value: T): void {
    const state = this.#state;
    if (state.senderClosed) throw new IoError("Closed", "oneshot send: a value was already sent or the sender closed");
    if (state.receiverClosed) throw new IoError("BrokenPipe", "oneshot send: the receiver is closed");
    if (typeof (value as { then?: unknown } | null)?.then === "function") {
      throw invalidInput("oneshot send: a thenable would be adopted by receive; wrap it in an object");
    }
    state.senderClosed = true;
    const waiter = state.waiting.shift();
    if (waiter !== null) {
      state.taken = true;
      waiter.resolve(value);
    } else {
      state.value = value;
      state.full = true;
    }
  }

  close(): void {
    const state = this.#state;
    if (state.senderClosed) return;
    state.senderClosed = true;
    state.waiting.rejectAll(noValue());
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

class Receiver<T> implements OneshotReceiver<T> {
  readonly #state: State<T>;

  constructor(state: State<T>) {
    this.#state = state;
  }

  tryReceive(): T | typeof CHANNEL_EMPTY {
    const state = this.#state;
    if (state.receiverClosed) throw new IoError("Closed", "oneshot receive: the receiver is closed");
    if (state.taken) throw new IoError("Closed", "oneshot receive: the value was already received");
    if (state.full) {
      const value = state.value as T;
      state.value = undefined;
      state.full = false;
      state.taken = true;
      return value;
    }
    if (state.senderClosed) throw noValue();
    return CHANNEL_EMPTY;
  }

  receive(options?: OperationOptions): Promise<T> {
    try {
      const signal = signalOf("oneshot receive", options);
      const value = this.tryReceive();
      if (value !== CHANNEL_EMPTY) return Promise.resolve(value);
      const state = this.#state;
      if (state.waiting.length > 0) throw new IoError("Busy", "oneshot receive: another receive is waiting");
      return state.waiting.wait(undefined, this, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  close(): void {
    const state = this.#state;
    if (state.receiverClosed) return;
    state.receiverClosed = true;
    state.value = undefined;
    state.full = false;
    state.waiting.rejectAll(new IoError("Closed", "oneshot receive: the receiver was closed while receiving"));
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function noValue(): IoError {
  return new IoError("UnexpectedEof", "oneshot receive: the sender was closed without sending a value");
}

/**
 * Creates a oneshot channel: one value from a {@link OneshotSender} to a
 * {@link OneshotReceiver}. Sending never waits. A sender closed without a value makes the receive
 * fail with `UnexpectedEof`; a receiver closed first makes `send` fail with `BrokenPipe`.
 *
 * @example
 * ```ts
 * import { createTime, isIoError, oneshot } from "@anyrt/core";
 * const reply = oneshot<string>();
 * createTime().sleep(1).then(() => reply.sender.send("pong"));
 * console.assert((await reply.receiver.receive()) === "pong");
 *
 * const dropped = oneshot<string>();
 * dropped.sender.close();
 * const error = await dropped.receiver.receive().catch((e: unknown) => e);
 * console.assert(isIoError(error, "UnexpectedEof"));
 * ```
 */
export function oneshot<T>(): Oneshot<T> {
  const state = new State<T>();
  return { sender: new Sender(state), receiver: new Receiver(state) };
}
