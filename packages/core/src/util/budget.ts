/**
 * The cooperative budget of loops over always-ready streams: a loop whose reads and writes all
 * complete synchronously (or on microtasks) would otherwise keep timers and I/O callbacks from
 * ever running, so every few milliseconds it waits for one turn of its scheduler's event loop.
 * @module
 */
import { invalidInput } from "../error.ts";
import type { OperationOptions } from "../io.ts";
import { type Scheduler, systemScheduler } from "../scheduler.ts";

/**
 * Options of the helpers that loop over a stream (`copy`, `copyBidirectional`, `writeAll`,
 * `writeAllVectored`, `readToEnd`, `readToString`, `chunks`), which over always-ready streams
 * let the event loop turn every few milliseconds.
 */
export interface LoopOptions extends OperationOptions {
  /**
   * Whose event loop the helper lets turn, and whose clock measures its quantum: pass
   * `runtime.time.scheduler` to keep a helper on a runtime's scheduler (a virtual one included).
   * Default: the system scheduler (the host's timers and monotonic clock).
   */
  readonly scheduler?: Scheduler | undefined;
}

/** The `scheduler` option of a loop: `InvalidInput` unless it looks like a {@link Scheduler}. */
export function schedulerOption(operation: string, options: LoopOptions | undefined): Scheduler {
  const scheduler = options?.scheduler;
  if (scheduler === undefined) return systemScheduler;
  if (
    typeof scheduler !== "object" ||
    scheduler === null ||
    typeof scheduler.now !== "function" ||
    typeof scheduler.schedule !== "function"
  ) {
    throw invalidInput(`${operation}: scheduler must be a Scheduler (with now and schedule)`);
  }
  return scheduler;
}

/** Iterations between two looks at the clock. */
const CHECK_EVERY = 16;

/**
 * How long a loop may run without the event loop turning. Browsers clamp nested timers to 4 ms,
 * and the marker timer is armed at the start of each quantum, so waiting for it costs little.
 */
const QUANTUM_MS = 4;

/**
 * One loop's budget. Call {@link spend} once per iteration and await what it returns, if
 * anything; call {@link done} when the loop ends (it cancels the marker timer).
 *
 * A marker timer (the scheduler's `schedule(0)`) is armed at the start of each quantum. If it has
 * fired by the end of the quantum, the event loop has been turning (the loop waited on real I/O)
 * and nothing is owed; otherwise the loop waits for it, which lets every timer and callback that
 * became due run first. A timer rather than a macrotask job, because a host runs due timers in a
 * phase of their own (Node runs `setImmediate` callbacks before the timers of the next turn).
 */
export class Budget {
  readonly #scheduler: Scheduler;
  #count = 0;
  #start = 0;
  #armed = false;
  #fired = false;
  #cancel: (() => void) | null = null;
  #wake: (() => void) | null = null;

  constructor(scheduler: Scheduler) {
    this.#scheduler = scheduler;
  }

  /** Counts one iteration; returns a promise to await when the loop owes the event loop a turn. */
  spend(): Promise<void> | undefined {
    if (++this.#count < CHECK_EVERY) return undefined;
    this.#count = 0;
    if (!this.#armed || this.#fired) {
      this.#arm();
      return undefined;
    }
    if (this.#scheduler.now() - this.#start < QUANTUM_MS) return undefined;
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  /** Ends the budget: cancels the marker timer (so it never keeps a process alive). */
  done(): void {
    this.#cancel?.();
    this.#cancel = null;
    this.#armed = false;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #arm(): void {
    this.#armed = true;
    this.#fired = false;
    this.#start = this.#scheduler.now();
    this.#cancel = this.#scheduler.schedule(0, this.#onTimer);
  }

  readonly #onTimer = (): void => {
    this.#cancel = null;
    this.#fired = true;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  };
}
