/**
 * The cooperative budget of loops over always-ready streams: a loop whose reads and writes all
 * complete synchronously (or on microtasks) would otherwise keep timers and I/O callbacks from
 * ever running, so every few milliseconds it waits for one turn of the event loop.
 * @module
 */

/** Iterations between two looks at the clock. */
const CHECK_EVERY = 16;

/**
 * How long a loop may run without the event loop turning. Browsers clamp nested timers to 4 ms,
 * and the marker timer is armed at the start of each quantum, so waiting for it costs little.
 */
const QUANTUM_MS = 4;

/**
 * One loop's budget. Call {@link spend} once per iteration and await what it returns, if
 * anything; call {@link done} when the loop ends (it clears the marker timer).
 *
 * A marker timer (`setTimeout(0)`, a web standard on every runtime) is armed at the start of each
 * quantum. If it has fired by the end of the quantum, the event loop has been turning (the loop
 * waited on real I/O) and nothing is owed; otherwise the loop waits for it, which lets every
 * timer and callback that became due run first.
 */
export class Budget {
  #count = 0;
  #start = 0;
  #armed = false;
  #fired = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | null = null;

  /** Counts one iteration; returns a promise to await when the loop owes the event loop a turn. */
  spend(): Promise<void> | undefined {
    if (++this.#count < CHECK_EVERY) return undefined;
    this.#count = 0;
    if (!this.#armed || this.#fired) {
      this.#arm();
      return undefined;
    }
    if (performance.now() - this.#start < QUANTUM_MS) return undefined;
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  /** Ends the budget: clears the marker timer (so it never keeps a process alive). */
  done(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armed = false;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #arm(): void {
    this.#armed = true;
    this.#fired = false;
    this.#start = performance.now();
    this.#timer = setTimeout(this.#onTimer, 0);
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#fired = true;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  };
}
