/**
 * `broadcast(capacity)`: a multi-producer, multi-consumer channel in which every receiver sees
 * every value, kept in a bounded ring; a receiver that falls more than `capacity` values behind is
 * told how many it missed and continues from the oldest value retained (tokio's `broadcast`).
 * @module
 */
import { IoError } from "../error.ts";
import type { OperationOptions } from "../io.ts";
import { checkInteger } from "../validate.ts";
import { CHANNEL_EMPTY, DONE, DONE_PROMISE, MAX_CAPACITY, nextPowerOfTwo } from "./channel.ts";
import { signalOf, WaitQueue } from "./wait-queue.ts";

/**
 * A value received from a {@link broadcast}, with `missed`: how many values this receiver lost
 * (overwritten before it received them) just before this one. `0` unless it lagged.
 */
export interface BroadcastValue<T> extends IteratorYieldResult<T> {
  /** How many values this receiver lost to lag just before this one (0 when none). */
  readonly missed: number;
}

/** What a broadcast receive gives: a value (with its lag count) or the end. */
export type BroadcastResult<T> = BroadcastValue<T> | IteratorReturnResult<undefined>;

/** The two ends of a {@link broadcast}; more receivers come from {@link BroadcastSender.subscribe}. */
export interface Broadcast<T> {
  /** The sending end; clone it for more senders. */
  readonly sender: BroadcastSender<T>;
  /** The first receiving end; `subscribe` makes more. */
  readonly receiver: BroadcastReceiver<T>;
}

/** A sending handle of a {@link broadcast}. Errors: `Closed` once this handle was closed. */
export interface BroadcastSender<T> extends Disposable {
  /**
   * Sends `value` to every receiver open now; never waits. When the ring is full the oldest value
   * is overwritten (receivers that had not received it will be told they missed it). Returns how
   * many receivers will see it; with none, the value is not kept.
   */
  send(value: T): number;
  /** A new receiver that sees the values sent from now on. `Closed` if this handle is closed. */
  subscribe(): BroadcastReceiver<T>;
  /** A new sending handle; the channel ends when every handle was closed. */
  clone(): BroadcastSender<T>;
  /**
   * Closes this handle. When it was the last open one, receivers receive what is retained, then
   * the end. Idempotent.
   */
  close(): void;
  /** Whether this handle was closed. */
  readonly closed: boolean;
  /** How many receivers are open. */
  readonly receiverCount: number;
}

/**
 * A receiving handle of a {@link broadcast}: its own position in the stream of values.
 * Errors: `Closed` after `close()`, `Busy` for a receive while another one waits.
 */
export interface BroadcastReceiver<T> extends AsyncIterable<T>, Disposable {
  /**
   * The next value (`{ done: false, value, missed }`) or, once every sender closed and this
   * receiver has received everything retained, `{ done: true }`. Waits when it is caught up.
   *
   * **Cancel safety:** cancel-safe: an aborted receive takes nothing and the receiver keeps its
   * position; a receive handed a value resolves even if its signal aborts in the same turn.
   */
  receive(options?: OperationOptions): Promise<BroadcastResult<T>>;
  /** What `receive` would give now, or {@link CHANNEL_EMPTY} when it would wait. */
  tryReceive(): BroadcastResult<T> | typeof CHANNEL_EMPTY;
  /** Closes this receiver (a waiting receive rejects with `Closed`). Idempotent. */
  close(): void;
  /** Whether this receiver was closed. */
  readonly closed: boolean;
  /** How many values this receiver missed in all, through lags. */
  readonly missed: number;
  /**
   * Iterates the values until the end. Lags are skipped (`missed` counts them); use `receive` to
   * see each one. Leaving the loop early does not close the receiver.
   */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined>;
}

/** What the handles of one broadcast share: the ring, indexed by sequence number. */
class State<T> {
  readonly capacity: number;
  items: (T | undefined)[];
  mask: number;
  /** Sequence number of the oldest value retained. */
  head = 0;
  /** Sequence number of the next value sent. */
  tail = 0;
  openSenders = 1;
  receivers = 1;
  /** Receives of caught-up receivers, each with its receiver as owner. */
  readonly waiting = new WaitQueue<BroadcastResult<T>>();

  constructor(capacity: number) {
    this.capacity = capacity;
    const length = Math.min(16, nextPowerOfTwo(capacity));
    this.items = new Array<T | undefined>(length).fill(undefined);
    this.mask = length - 1;
  }

  push(value: T): void {
    const retained = this.tail - this.head;
    if (retained === this.capacity) {
      this.items[this.head & this.mask] = undefined;
      this.head++;
    } else if (retained === this.items.length) {
      this.#grow();
    }
    this.items[this.tail & this.mask] = value;
    this.tail++;
  }

  #grow(): void {
    const items = new Array<T | undefined>(this.items.length * 2).fill(undefined);
    const mask = items.length - 1;
    for (let seq = this.head; seq < this.tail; seq++) items[seq & mask] = this.items[seq & this.mask];
    this.items = items;
    this.mask = mask;
  }

  /** Drops every value: nobody can receive them any more. */
  clear(): void {
    this.items.fill(undefined);
    this.head = this.tail;
  }
}

class Sender<T> implements BroadcastSender<T> {
  readonly #state: State<T>;
  #closed = false;

  constructor(state: State<T>) {
    this.#state = state;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get receiverCount(): number {
    return this.#state.receivers;
  }

  #check(operation: string): void {
    if (this.#closed) throw new IoError("Closed", `broadcast ${operation}: this sender is closed`);
  }

  send(value: T): number {
    this.#check("send");
    const state = this.#state;
    if (state.receivers === 0) return 0;
    state.push(value);
    const tail = state.tail;
    if (state.waiting.length > 0) {
      // Waiting receivers are caught up: this value is their next one.
      for (let waiter = state.waiting.shift(); waiter !== null; waiter = state.waiting.shift()) {
        (waiter.owner as Receiver<T>).position = tail;
        waiter.resolve({ value, done: false, missed: 0 });
      }
    }
    return state.receivers;
  }

  subscribe(): BroadcastReceiver<T> {
    this.#check("subscribe");
    this.#state.receivers++;
    return new Receiver(this.#state);
  }

  clone(): BroadcastSender<T> {
    this.#check("clone");
    this.#state.openSenders++;
    return new Sender(this.#state);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const state = this.#state;
    if (--state.openSenders === 0) state.waiting.resolveAll(DONE);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

class Receiver<T> implements BroadcastReceiver<T> {
  readonly #state: State<T>;
  /** Sequence number of the next value this receiver takes. */
  position: number;
  #missed = 0;
  #closed = false;

  constructor(state: State<T>) {
    this.#state = state;
    this.position = state.tail;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get missed(): number {
    return this.#missed;
  }

  tryReceive(): BroadcastResult<T> | typeof CHANNEL_EMPTY {
    if (this.#closed) throw new IoError("Closed", "broadcast receive: the receiver is closed");
    const state = this.#state;
    let missed = 0;
    if (this.position < state.head) {
      missed = state.head - this.position;
      this.#missed += missed;
      this.position = state.head;
    }
    if (this.position < state.tail) {
      const value = state.items[this.position & state.mask] as T;
      this.position++;
      return { value, done: false, missed };
    }
    return state.openSenders === 0 ? DONE : CHANNEL_EMPTY;
  }

  receive(options?: OperationOptions): Promise<BroadcastResult<T>> {
    try {
      const signal = signalOf("broadcast receive", options);
      const state = this.#state;
      if (!this.#closed && state.waiting.length > 0 && this.#waits()) {
        throw new IoError("Busy", "broadcast receive: another receive of this receiver is waiting");
      }
      const result = this.tryReceive();
      if (result === CHANNEL_EMPTY) return state.waiting.wait(undefined, this, signal);
      return result.done ? DONE_PROMISE : Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Whether a receive of this receiver waits (only caught-up receivers wait, so few do). */
  #waits(): boolean {
    for (let waiter = this.#state.waiting.peek(); waiter !== null; waiter = waiter.next) {
      if (waiter.owner === this) return true;
    }
    return false;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const state = this.#state;
    state.waiting.rejectAll(new IoError("Closed", "broadcast receive: the receiver was closed while receiving"), this);
    if (--state.receivers === 0) state.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return {
      next: () => this.receive(),
      return: () => DONE_PROMISE,
    };
  }
}

/**
 * Creates a broadcast channel of `capacity` retained values (an integer in `1..2^30`,
 * `InvalidInput` otherwise) with one sender and one receiver; `sender.subscribe()` adds
 * receivers, each of which sees every value sent after it subscribed.
 *
 * Sending never waits: a slow receiver does not hold the others back. When it falls behind by
 * more than `capacity` values, its next receive gives the oldest value retained with `missed`
 * set to how many it lost (tokio's `Lagged(n)`), and it continues from there.
 *
 * @example
 * ```ts
 * import { broadcast } from "@anyrt/core";
 * const { sender, receiver: slow } = broadcast<number>(2);
 * const fast = sender.subscribe();
 * for (let i = 1; i <= 3; i++) {
 *   sender.send(i);
 *   const result = await fast.receive();
 *   console.assert(!result.done && result.value === i && result.missed === 0);
 * }
 * const result = await slow.receive(); // 1 was overwritten by 3
 * console.assert(!result.done && result.value === 2 && result.missed === 1);
 * ```
 */
export function broadcast<T>(capacity: number): Broadcast<T> {
  checkInteger("broadcast", "capacity", capacity, 1, MAX_CAPACITY);
  const state = new State<T>(capacity);
  return { sender: new Sender(state), receiver: new Receiver(state) };
}
