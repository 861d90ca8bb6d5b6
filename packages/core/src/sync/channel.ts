/**
 * `channel(capacity)`: a bounded multi-producer channel of values with backpressure, close from
 * either side, a synchronous `trySend` / `tryReceive` fast path and async iteration (tokio's
 * `mpsc::channel`, Trio's memory channels).
 * @module
 */
import { IoError, invalidInput } from "../error.ts";
import type { OperationOptions } from "../io.ts";
import { checkInteger } from "../validate.ts";
import { signalOf, WaitQueue } from "./wait-queue.ts";

/**
 * Returned by `tryReceive` when no value is ready now but more may come: `receive` would wait.
 * A symbol, so that it cannot be confused with any value sent (sending it is `InvalidInput`).
 */
export const CHANNEL_EMPTY: unique symbol = Symbol("anyrt.channel.empty");

/**
 * Returned by `tryReceive` at the end of a channel: every sender closed and every value sent was
 * received. `receive` resolves `{ done: true }` then. Sending it is `InvalidInput`.
 */
export const CHANNEL_END: unique symbol = Symbol("anyrt.channel.end");

/** @internal The result of a receive at the end of a channel (shared, frozen). */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
/** @internal {@link DONE}, resolved. */
export const DONE_PROMISE: Promise<IteratorReturnResult<undefined>> = Promise.resolve(DONE);
/** @internal A resolved promise shared by operations that completed without waiting. */
export const RESOLVED: Promise<void> = Promise.resolve();

/** @internal The largest capacity a channel accepts (its ring grows to it only as values queue up). */
export const MAX_CAPACITY = 2 ** 30;

/** @internal The smallest power of two `>= n` (for `n >= 1`): ring lengths, so that `& mask` wraps. */
export function nextPowerOfTwo(n: number): number {
  let length = 1;
  while (length < n) length *= 2;
  return length;
}

/** @internal Throws `InvalidInput` for the two sentinels, which a receiver could not tell from the end. */
export function checkValue(operation: string, value: unknown): void {
  if (value === CHANNEL_EMPTY || value === CHANNEL_END) {
    throw invalidInput(`${operation}: ${String(value)} cannot be sent; it is a tryReceive sentinel`);
  }
}

/** The two ends of a {@link channel}. */
export interface Channel<T> {
  /** The sending end. */
  readonly sender: Sender<T>;
  /** The receiving end. */
  readonly receiver: Receiver<T>;
}

/**
 * The sending end of a {@link channel}. One sender may be used by many tasks at once (sends that
 * wait are served in FIFO order), and {@link Sender.clone} makes more handles: the channel ends
 * when every handle was closed. Each producer's values arrive in the order it sent them.
 *
 * Errors: `Closed` when this handle was closed, `BrokenPipe` when the receiver was closed.
 */
export interface Sender<T> extends Disposable {
  /**
   * Sends `value`, waiting while the channel is full. Resolves once the value is queued (or in a
   * waiting receiver's hands).
   *
   * **Cancel safety:** cancel-safe. An aborted send rejects with the signal's reason and queued
   * nothing (the caller still holds the value); it only loses its place among waiting senders. A
   * send that was accepted resolves, even if its signal aborts in the same turn. An already
   * aborted signal rejects at once without sending.
   *
   * Rejects with `Closed` if this handle is closed (also when it is closed while the send waits),
   * with `BrokenPipe` if the receiver is closed (also while waiting).
   */
  send(value: T, options?: OperationOptions): Promise<void>;
  /**
   * Sends `value` if there is room now: `true` when it was accepted, `false` when the channel is
   * full (then nothing changed). Never waits; throws what `send` would reject with.
   */
  trySend(value: T): boolean;
  /** A new handle on the same channel, to be closed on its own. `Closed` if this one is closed. */
  clone(): Sender<T>;
  /**
   * Closes this handle: its waiting sends reject with `Closed`. When it was the last open handle,
   * the receiver drains what was sent, then sees the end. Idempotent.
   */
  close(): void;
  /** Whether this handle was closed. */
  readonly closed: boolean;
  /** The most values the channel queues. */
  readonly capacity: number;
}

/**
 * The receiving end of a {@link channel}. Several tasks may receive from it at once; they are
 * served in FIFO order, each value to one of them.
 *
 * Errors: `Closed` after this receiver was closed.
 */
export interface Receiver<T> extends AsyncIterable<T>, Disposable {
  /**
   * Receives the next value: `{ done: false, value }`, or `{ done: true, value: undefined }` once
   * every sender closed and the channel is drained. Waits while the channel is empty.
   *
   * **Cancel safety:** cancel-safe. An aborted receive rejects with the signal's reason and takes
   * nothing; a value handed to it resolves it, even if its signal aborts in the same turn, so no
   * value is ever lost. An already aborted signal rejects at once without receiving.
   */
  receive(options?: OperationOptions): Promise<IteratorResult<T, undefined>>;
  /**
   * Receives synchronously: the next value, {@link CHANNEL_EMPTY} when `receive` would wait, or
   * {@link CHANNEL_END} at the end. Throws `Closed` after `close()`.
   *
   * @example
   * ```ts
   * // The fast path of a hot loop: the synchronous forms first, one await only when they would wait.
   * import { CHANNEL_EMPTY, CHANNEL_END, channel } from "@anyrt/core";
   * const { sender, receiver } = channel<number>(64);
   * const producer = (async () => {
   *   for (let i = 0; i < 1000; i++) if (!sender.trySend(i)) await sender.send(i);
   *   sender.close();
   * })();
   * let sum = 0;
   * for (;;) {
   *   let value = receiver.tryReceive();
   *   if (value === CHANNEL_END) break;
   *   if (value === CHANNEL_EMPTY) {
   *     const result = await receiver.receive();
   *     if (result.done) break;
   *     value = result.value;
   *   }
   *   sum += value;
   * }
   * await producer;
   * console.assert(sum === 499500);
   * ```
   */
  tryReceive(): T | typeof CHANNEL_EMPTY | typeof CHANNEL_END;
  /**
   * Closes the receiving end: queued values are dropped, senders fail with `BrokenPipe` from now
   * on (waiting ones at once), and receives on this receiver reject with `Closed`. Idempotent.
   */
  close(): void;
  /** Whether this receiver was closed. */
  readonly closed: boolean;
  /** How many values are queued. */
  readonly size: number;
  /** The most values the channel queues. */
  readonly capacity: number;
  /**
   * Iterates the values until the end (every sender closed, everything drained). Leaving the loop
   * early does not close the receiver; a `close()` during the loop makes it throw `Closed`.
   */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined>;
}

/**
 * What the handles of one channel share: the queue (a power-of-two ring, inline so that the fast
 * paths touch one object, grown by doubling up to the capacity) and the waiting operations.
 */
class State<T> {
  readonly capacity: number;
  items: (T | undefined)[];
  mask: number;
  head = 0;
  size = 0;
  /** Receives waiting; only while the ring is empty. */
  readonly receivers = new WaitQueue<IteratorResult<T, undefined>>();
  /** Sends waiting, with their values; only while the ring is full. */
  readonly senders = new WaitQueue<void, T>();
  openSenders = 1;
  receiverClosed = false;

  constructor(capacity: number) {
    this.capacity = capacity;
    const length = Math.min(16, nextPowerOfTwo(capacity));
    this.items = new Array<T | undefined>(length).fill(undefined);
    this.mask = length - 1;
  }

  push(value: T): void {
    const size = this.size;
    if (size === this.items.length) this.#grow();
    this.items[(this.head + size) & this.mask] = value;
    this.size = size + 1;
  }

  shift(): T {
    const items = this.items;
    const head = this.head;
    const value = items[head] as T;
    items[head] = undefined;
    this.head = (head + 1) & this.mask;
    this.size--;
    return value;
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.size = 0;
  }

  #grow(): void {
    const old = this.items;
    const items = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.size; i++) items[i] = old[(this.head + i) & this.mask];
    this.items = items;
    this.mask = items.length - 1;
    this.head = 0;
  }
}

class ChannelSender<T> implements Sender<T> {
  readonly #state: State<T>;
  #closed = false;

  constructor(state: State<T>) {
    this.#state = state;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get capacity(): number {
    return this.#state.capacity;
  }

  trySend(value: T): boolean {
    const state = this.#state;
    if (this.#closed || state.receiverClosed) throw this.#unusable();
    // `typeof` first: comparing every value with the two symbols costs a third of a send.
    if (typeof value === "symbol") checkValue("channel send", value);
    const size = state.size;
    // A receiver waits only while the ring is empty: hand the value over directly.
    if (size === 0 && state.receivers.length > 0) {
      const receiver = state.receivers.shift();
      if (receiver !== null) {
        receiver.resolve({ value, done: false });
        return true;
      }
    }
    // Senders wait only while the ring is full, so room means nobody is ahead of this value.
    if (size < state.capacity) {
      state.push(value);
      return true;
    }
    return false;
  }

  #unusable(): IoError {
    return this.#closed
      ? new IoError("Closed", "channel send: this sender is closed")
      : new IoError("BrokenPipe", "channel send: the receiver is closed");
  }

  send(value: T, options?: OperationOptions): Promise<void> {
    try {
      const signal = signalOf("channel send", options);
      if (this.trySend(value)) return RESOLVED;
      return this.#state.senders.wait(value, this, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  clone(): Sender<T> {
    if (this.#closed) throw new IoError("Closed", "channel clone: this sender is closed");
    this.#state.openSenders++;
    return new ChannelSender(this.#state);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const state = this.#state;
    state.senders.rejectAll(new IoError("Closed", "channel send: the sender was closed while sending"), this);
    // Receivers wait only on an empty ring: with no sender left, that is the end.
    if (--state.openSenders === 0) state.receivers.resolveAll(DONE);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

class ChannelReceiver<T> implements Receiver<T> {
  readonly #state: State<T>;
  #closed = false;

  constructor(state: State<T>) {
    this.#state = state;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get size(): number {
    return this.#state.size;
  }

  get capacity(): number {
    return this.#state.capacity;
  }

  tryReceive(): T | typeof CHANNEL_EMPTY | typeof CHANNEL_END {
    if (this.#closed) throw new IoError("Closed", "channel receive: the receiver is closed");
    const state = this.#state;
    if (state.size > 0) {
      const value = state.shift();
      // The first waiting sender takes the freed slot, so that waiting senders keep their order.
      if (state.senders.length > 0) {
        const sender = state.senders.shift();
        if (sender !== null) {
          state.push(sender.data);
          sender.resolve();
        }
      }
      return value;
    }
    return state.openSenders === 0 ? CHANNEL_END : CHANNEL_EMPTY;
  }

  receive(options?: OperationOptions): Promise<IteratorResult<T, undefined>> {
    try {
      const signal = signalOf("channel receive", options);
      const value = this.tryReceive();
      if (value === CHANNEL_EMPTY) return this.#state.receivers.wait(undefined, this, signal);
      if (value === CHANNEL_END) return DONE_PROMISE;
      return Promise.resolve({ value, done: false });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const state = this.#state;
    state.receiverClosed = true;
    state.clear();
    state.senders.rejectAll(new IoError("BrokenPipe", "channel send: the receiver was closed"));
    state.receivers.rejectAll(new IoError("Closed", "channel receive: the receiver was closed while receiving"));
  }

  [Symbol.dispose](): void {
    this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return { next: () => this.receive(), return: () => DONE_PROMISE };
  }
}

/**
 * Creates a bounded channel: a {@link Sender} and a {@link Receiver} sharing a FIFO of at most
 * `capacity` values (an integer in `1..2^30`, `InvalidInput` otherwise; there is no rendezvous
 * channel of capacity 0). Sends wait while it is full.
 *
 * Closing: when every sender handle is closed, the receiver drains the queued values and then
 * sees the end (`{ done: true }`, {@link CHANNEL_END}, the end of a `for await`). When the
 * receiver is closed, queued values are dropped and every send fails at once with `BrokenPipe`.
 *
 * Cost: a send or receive that does not wait allocates nothing in `trySend` / `tryReceive` (and
 * one result object plus a promise in `receive`); only waits make a promise and a waiter.
 *
 * @example
 * ```ts
 * import { channel } from "@anyrt/core";
 * const { sender, receiver } = channel<number>(2);
 * const producer = (async () => {
 *   for (let i = 1; i <= 5; i++) await sender.send(i); // waits while 2 are queued
 *   sender.close();
 * })();
 * const received: number[] = [];
 * for await (const value of receiver) received.push(value);
 * await producer;
 * console.assert(received.join() === "1,2,3,4,5");
 * ```
 */
export function channel<T>(capacity: number): Channel<T> {
  checkInteger("channel", "capacity", capacity, 1, MAX_CAPACITY);
  const state = new State<T>(capacity);
  return { sender: new ChannelSender(state), receiver: new ChannelReceiver(state) };
}
