/**
 * `TimerQueue`: every timer of one `Time` (sleeps, timeouts, intervals) in one binary min-heap
 * keyed by deadline, served by a single `Scheduler.schedule` at a time. A native timer costs 1.8 µs
 * and 565 bytes on Deno (10-30x Node's) and `AbortSignal.timeout` up to 1.25 KB, so anyrt never
 * arms one per wait.
 * @module
 */
import { invalidInput } from "./error.ts";
import type { Clock, Scheduler } from "./scheduler.ts";
import { checkFunction, checkScheduler, describe } from "./validate.ts";

/**
 * One entry of a {@link TimerQueue}. Subclasses are the waits themselves (a sleep is its own heap
 * entry and its own abort listener), so that a wait allocates no closure beyond its promise.
 * `index` is the entry's slot in the heap, `-1` when it is not queued: removal is O(log n) and
 * releases the entry at once, rather than keeping it until its deadline.
 */
export abstract class TimerEntry {
  /** When the entry fires, in the queue's clock milliseconds; set by the queue. */
  deadline = 0;
  /** The order of entries with the same deadline (first scheduled fires first); set by the queue. */
  sequence = 0;
  /** The entry's place in the queue's heap, -1 when not queued; kept by the queue. */
  index = -1;
  /** Called once, when the deadline has passed, after the entry left the queue. */
  abstract fire(): void;
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.sequence < b.sequence);
}

class CallbackEntry extends TimerEntry {
  callback: (() => void) | null;
  constructor(callback: () => void) {
    super();
    this.callback = callback;
  }
  fire(): void {
    const callback = this.callback;
    this.callback = null;
    callback?.();
  }
}

/**
 * A heap of {@link TimerEntry}s over one `Scheduler`. Entries fire in deadline order, equal
 * deadlines in insertion order, each no earlier than its deadline by `scheduler.now()`. The
 * scheduler holds at most one timer of the queue: it is re-armed only when an earlier deadline
 * arrives, left armed when the earliest entry is removed (it then wakes, finds nothing due and
 * re-arms), and cancelled one microtask job after the heap empties, so that a burst of
 * create-and-abort costs no native call per wait and an idle program holds no timer (which would
 * keep a Node or Deno process alive).
 *
 * It is itself a `Clock` (`schedule` returns a cancel function), which lets layers stack.
 */
export class TimerQueue implements Clock {
  /** The scheduler the queue's one timer and its microtask jobs are on. */
  readonly scheduler: Scheduler;
  readonly #heap: TimerEntry[] = [];
  #sequence = 0;
  #armedAt = Number.POSITIVE_INFINITY;
  #cancelArmed: (() => void) | null = null;
  #idleCheckQueued = false;
  readonly #fire = () => this.#onClock();
  readonly #idleCheck = () => this.#onIdle();

  constructor(scheduler: Scheduler) {
    checkScheduler("TimerQueue", scheduler);
    this.scheduler = scheduler;
  }

  /** How many entries are queued. */
  get size(): number {
    return this.#heap.length;
  }

  now(): number {
    return this.scheduler.now();
  }

  /** The entry due first, or `null`. */
  peek(): TimerEntry | null {
    return this.#heap[0] ?? null;
  }

  /** Runs `callback` once after `ms` milliseconds; the returned function cancels it. */
  schedule(ms: number, callback: () => void): () => void {
    if (typeof ms !== "number" || !(ms >= 0)) {
      throw invalidInput(`TimerQueue.schedule: ms must be a number >= 0, got ${describe(ms)}`);
    }
    checkFunction("TimerQueue.schedule", "callback", callback);
    const entry = new CallbackEntry(callback);
    this.insert(entry, this.scheduler.now() + ms);
    return () => {
      entry.callback = null;
      this.remove(entry);
    };
  }

  /** Queues `entry` (not already queued) to fire at `deadline` (clock milliseconds). */
  insert(entry: TimerEntry, deadline: number): void {
    // Two tests per timer: a NaN deadline would corrupt the heap's order for every other timer.
    if (!(entry instanceof TimerEntry) || typeof deadline !== "number" || Number.isNaN(deadline)) {
      throw invalidInput(
        `TimerQueue.insert: needs a TimerEntry and a number deadline, got ${describe(entry)} and ${describe(deadline)}`,
      );
    }
    entry.deadline = deadline;
    entry.sequence = this.#sequence++;
    const heap = this.#heap;
    entry.index = heap.length;
    heap.push(entry);
    this.#siftUp(entry.index);
    if (deadline < this.#armedAt) this.#arm(deadline);
  }

  /** Takes `entry` out of the queue; does nothing when it is not queued. */
  remove(entry: TimerEntry): void {
    if (!(entry instanceof TimerEntry)) {
      throw invalidInput(`TimerQueue.remove: entry must be a TimerEntry, got ${describe(entry)}`);
    }
    const index = entry.index;
    if (index < 0) return;
    const heap = this.#heap;
    entry.index = -1;
    const last = heap.pop() as TimerEntry;
    if (index < heap.length) {
      heap[index] = last;
      last.index = index;
      this.#siftUp(index);
      this.#siftDown(last.index);
    }
    if (heap.length === 0 && this.#cancelArmed !== null && !this.#idleCheckQueued) {
      this.#idleCheckQueued = true;
      this.scheduler.queueMicrotask(this.#idleCheck);
    }
  }

  #onIdle(): void {
    this.#idleCheckQueued = false;
    if (this.#heap.length > 0 || this.#cancelArmed === null) return;
    const cancel = this.#cancelArmed;
    this.#cancelArmed = null;
    this.#armedAt = Number.POSITIVE_INFINITY;
    cancel();
  }

  #arm(deadline: number): void {
    this.#cancelArmed?.();
    this.#armedAt = deadline;
    const delay = Math.max(0, Math.ceil(deadline - this.scheduler.now()));
    this.#cancelArmed = this.scheduler.schedule(delay, this.#fire);
  }

  #onClock(): void {
    this.#cancelArmed = null;
    this.#armedAt = Number.POSITIVE_INFINITY;
    const heap = this.#heap;
    const now = this.scheduler.now();
    let failure: { error: unknown } | null = null;
    // An entry inserted by a callback waits for the next turn, even when already due, so that a
    // callback rescheduling itself with delay 0 cannot hold the loop forever.
    const limit = this.#sequence;
    while (heap.length > 0) {
      const entry = heap[0] as TimerEntry;
      if (entry.deadline > now || entry.sequence >= limit) break;
      this.remove(entry);
      try {
        entry.fire();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (heap.length > 0 && this.#cancelArmed === null) this.#arm((heap[0] as TimerEntry).deadline);
    if (failure !== null) {
      const { error } = failure;
      this.scheduler.queueMicrotask(() => {
        throw error;
      });
    }
  }

  #siftUp(index: number): void {
    const heap = this.#heap;
    const entry = heap[index] as TimerEntry;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent] as TimerEntry;
      if (!before(entry, above)) break;
      heap[index] = above;
      above.index = index;
      index = parent;
    }
    heap[index] = entry;
    entry.index = index;
  }

  #siftDown(index: number): void {
    const heap = this.#heap;
    const length = heap.length;
    const entry = heap[index] as TimerEntry;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(heap[right] as TimerEntry, heap[left] as TimerEntry)) child = right;
      const below = heap[child] as TimerEntry;
      if (!before(below, entry)) break;
      heap[index] = below;
      below.index = index;
      index = child;
    }
    heap[index] = entry;
    entry.index = index;
  }
}
