/**
 * `watch(initial)`: a single value that one sender updates and any number of receivers observe,
 * each receiver waiting for a version newer than the last it saw (tokio's `watch`). Intermediate
 * values a receiver did not look at are skipped: only the latest matters.
 * @module
 */
import { IoError } from "../error.ts";
import type { OperationOptions } from "../io.ts";
import { DONE } from "./channel.ts";
import { signalOf, WaitQueue } from "./wait-queue.ts";

/** The two ends of a {@link watch}; more receivers from `subscribe()` or `clone()`. */
export interface Watch<T> {
  /** The sending end. */
  readonly sender: WatchSender<T>;
  /** The receiving end. */
  readonly receiver: WatchReceiver<T>;
}

/** The sending end of a {@link watch}. Errors: `Closed` once it was closed. */
export interface WatchSender<T> extends Disposable {
  /** Replaces the value with a new version and wakes every receiver waiting in `changed()`. */
  send(value: T): void;
  /** The current value. */
  borrow(): T;
  /** A new receiver for which the current value counts as seen. */
  subscribe(): WatchReceiver<T>;
  /**
   * Closes the sender: the value stays readable, and `changed()` resolves `false` once a receiver
   * has seen the last version. Idempotent.
   */
  close(): void;
  /** Whether the sender was closed. */
  readonly closed: boolean;
  /** How many receivers are open. */
  readonly receiverCount: number;
}

/** A receiving end of a {@link watch}. Errors: `Closed` after `close()`. */
export interface WatchReceiver<T> extends AsyncIterable<T>, Disposable {
  /** The current value, without marking it seen. */
  borrow(): T;
  /** The current value, marking it seen. */
  borrowAndUpdate(): T;
  /** Whether a version newer than the last seen exists. */
  readonly hasChanged: boolean;
  /**
   * Waits for a version newer than the last seen, marks it seen and resolves `true`; resolves
   * `false` once the sender is closed and the last version was seen. Read the value with
   * `borrow()`. Several `changed()` of one receiver may wait at once.
   *
   * **Cancel safety:** cancel-safe: an aborted `changed()` marks nothing seen, so the change is
   * reported to the next call.
   */
  changed(options?: OperationOptions): Promise<boolean>;
  /** A new receiver with the same last seen version. */
  clone(): WatchReceiver<T>;
  /** Closes this receiver (its waiting `changed()` reject with `Closed`). Idempotent. */
  close(): void;
  /** Whether this receiver was closed. */
  readonly closed: boolean;
  /**
   * Iterates the current value first, then each newer version as it is noticed, until the sender
   * is closed. Leaving the loop early does not close the receiver.
   */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined>;
}

class State<T> {
  value: T;
  version = 0;
  senderClosed = false;
  receivers = 1;
  /** `changed()` calls waiting, each with its receiver as owner. */
  readonly waiting = new WaitQueue<boolean>();

  constructor(value: T) {
    this.value = value;
  }
}

class Sender<T> implements WatchSender<T> {
  readonly #state: State<T>;

  constructor(state: State<T>) {
    this.#state = state;
  }

  get closed(): boolean {
    return this.#state.senderClosed;
  }

  get receiverCount(): number {
    return this.#state.receivers;
  }

  #check(operation: string): void {
    if (this.#state.senderClosed) throw new IoError("Closed", `watch ${operation}: the sender is closed`);
  }

  send(value: T): void {
    this.#check("send");
    const state = this.#state;
    state.value = value;
    const version = ++state.version;
    for (let waiter = state.waiting.shift(); waiter !== null; waiter = state.waiting.shift()) {
      (waiter.owner as Receiver<T>).seen = version;
      waiter.resolve(true);
    }
  }

  borrow(): T {
    return this.#state.value;
  }

  subscribe(): WatchReceiver<T> {
    this.#check("subscribe");
    this.#state.receivers++;
    return new Receiver(this.#state, this.#state.version);
  }

  close(): void {
    const state = this.#state;
    if (state.senderClosed) return;
    state.senderClosed = true;
    // Waiting receivers have seen the last version.
    state.waiting.resolveAll(false);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

class Receiver<T> implements WatchReceiver<T> {
  readonly #state: State<T>;
  /** The last version this receiver saw. */
  seen: number;
  #closed = false;

  constructor(state: State<T>, seen: number) {
    this.#state = state;
    this.seen = seen;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #check(operation: string): void {
    if (this.#closed) throw new IoError("Closed", `watch ${operation}: the receiver is closed`);
  }

  borrow(): T {
    this.#check("borrow");
    return this.#state.value;
  }

  borrowAndUpdate(): T {
    this.#check("borrow");
    this.seen = this.#state.version;
    return this.#state.value;
  }

  get hasChanged(): boolean {
    this.#check("hasChanged");
    return this.seen !== this.#state.version;
  }

  changed(options?: OperationOptions): Promise<boolean> {
    try {
      const signal = signalOf("watch changed", options);
      this.#check("changed");
      const state = this.#state;
      if (this.seen !== state.version) {
        this.seen = state.version;
        return TRUE;
      }
      if (state.senderClosed) return FALSE;
      return state.waiting.wait(undefined, this, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  clone(): WatchReceiver<T> {
    this.#check("clone");
    this.#state.receivers++;
    return new Receiver(this.#state, this.seen);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#state.receivers--;
    this.#state.waiting.rejectAll(new IoError("Closed", "watch changed: the receiver was closed while waiting"), this);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    let first = true;
    const next = (changed: boolean): IteratorResult<T, undefined> =>
      changed ? { value: this.borrowAndUpdate(), done: false } : DONE;
    return {
      next: () => {
        if (!first) return this.changed().then(next);
        first = false;
        try {
          return Promise.resolve(next(true));
        } catch (error) {
          return Promise.reject(error);
        }
      },
      return: () => Promise.resolve(DONE),
    };
  }
}

const TRUE = Promise.resolve(true);
const FALSE = Promise.resolve(false);

/**
 * Creates a watch channel holding `initial`, with its sender and a first receiver (for which
 * `initial` counts as seen). Sending never waits and never fails for lack of receivers; a
 * receiver that looks only now and then sees the latest value, not every one.
 *
 * @example
 * ```ts
 * import { createTime, watch } from "@anyrt/core";
 * const { sender, receiver } = watch("starting");
 * createTime().sleep(1).then(() => {
 *   sender.send("ready");
 *   sender.close();
 * });
 * console.assert((await receiver.changed()) === true);
 * console.assert(receiver.borrow() === "ready");
 * console.assert((await receiver.changed()) === false); // closed, nothing newer
 * ```
 */
export function watch<T>(initial: T): Watch<T> {
  const state = new State(initial);
  return { sender: new Sender(state), receiver: new Receiver(state, 0) };
}
