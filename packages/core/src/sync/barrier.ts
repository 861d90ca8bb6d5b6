/**
 * `Barrier`: makes a fixed number of parties wait for each other, then releases them together
 * and tells exactly one of them that it is the leader (tokio's `Barrier`). Reusable: after a
 * release, the next `parties` arrivals form the next generation.
 * @module
 */
import type { OperationOptions } from "../io.ts";
import { checkInteger } from "../validate.ts";
import { signalOf, WaitQueue } from "./wait-queue.ts";

/** What {@link Barrier.wait} resolves with. */
export interface BarrierWaitResult {
  /** Whether this party's arrival released the barrier (exactly one per generation). */
  readonly isLeader: boolean;
}

const LEADER: BarrierWaitResult = Object.freeze({ isLeader: true });
const FOLLOWER: BarrierWaitResult = Object.freeze({ isLeader: false });

/**
 * A barrier for `parties` parties (an integer in `1..2^32`, `InvalidInput` otherwise).
 *
 * @example
 * ```ts
 * import { Barrier } from "@anyrt/core";
 * const barrier = new Barrier(3);
 * const results = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
 * console.assert(results.filter((result) => result.isLeader).length === 1);
 * console.assert(results[2]?.isLeader === true); // the last to arrive
 * ```
 */
export class Barrier {
  readonly #parties: number;
  readonly #waiting = new WaitQueue<BarrierWaitResult>();

  constructor(parties: number) {
    this.#parties = checkInteger("Barrier", "parties", parties, 1, 2 ** 32);
  }

  /** How many parties each generation needs. */
  get parties(): number {
    return this.#parties;
  }

  /** How many parties of the current generation wait. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Arrives at the barrier and waits until `parties` have arrived; the last arrival is the leader
   * and resolves at once.
   *
   * **Cancel safety:** an aborted wait leaves the barrier: it no longer counts as arrived, so the
   * generation needs one more party. A wait that was released resolves even if its signal aborts
   * in the same turn.
   */
  wait(options?: OperationOptions): Promise<BarrierWaitResult> {
    try {
      const signal = signalOf("barrier wait", options);
      if (this.#waiting.length + 1 < this.#parties) return this.#waiting.wait(undefined, this, signal);
      this.#waiting.resolveAll(FOLLOWER);
      return Promise.resolve(LEADER);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
