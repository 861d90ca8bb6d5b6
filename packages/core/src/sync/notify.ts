/**
 * `Notify`: wakes tasks waiting for an event, without data (tokio's `Notify`). `notifyOne` wakes
 * one waiter or, when nobody waits, stores a single permit for the next `notified()`;
 * `notifyWaiters` wakes everyone waiting now.
 * @module
 */
import type { OperationOptions } from "../io.ts";
import { RESOLVED } from "./channel.ts";
import { signalOf, WaitQueue } from "./wait-queue.ts";

/**
 * A notification point. `notified()` registers the caller at once (when it is called, not when
 * it is first awaited), so a notification sent right after the call is never missed.
 *
 * @example
 * ```ts
 * import { Notify } from "@anyrt/core";
 * const ready = new Notify();
 * ready.notifyOne(); // nobody waits: a permit is stored
 * await ready.notified(); // takes it at once
 *
 * const first = ready.notified();
 * const second = ready.notified();
 * ready.notifyWaiters(); // wakes both, stores nothing
 * await Promise.all([first, second]);
 * console.assert(ready.waiting === 0);
 * ```
 */
export class Notify {
  #permit = false;
  readonly #waiting = new WaitQueue<void>();

  /** How many `notified()` calls wait. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Waits for a notification; takes the stored permit at once if there is one.
   *
   * **Cancel safety:** cancel-safe: an aborted `notified()` consumes nothing, so a later
   * `notifyOne` wakes another waiter or stores its permit; one that was woken resolves even if its
   * signal aborts in the same turn.
   */
  notified(options?: OperationOptions): Promise<void> {
    try {
      const signal = signalOf("notify notified", options);
      if (this.#permit) {
        this.#permit = false;
        return RESOLVED;
      }
      return this.#waiting.wait(undefined, this, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Wakes the first waiter (FIFO); with none, stores one permit for the next `notified()`
   * (several calls still store one).
   */
  notifyOne(): void {
    const waiter = this.#waiting.shift();
    if (waiter !== null) waiter.resolve();
    else this.#permit = true;
  }

  /** Wakes every waiter registered now; stores no permit. */
  notifyWaiters(): void {
    this.#waiting.resolveAll(undefined);
  }
}
