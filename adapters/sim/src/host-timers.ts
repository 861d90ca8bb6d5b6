/**
 * The host's own timers, kept apart from the global ones a world can take over: while a world
 * intercepts `setTimeout` and friends (`World.interceptTimers`), code that calls them gets the
 * world's virtual timers, and the world's own machinery (the turns of a drive, the autopilot)
 * keeps the host's real ones saved here.
 * @module
 */
import { IoError, type Scheduler } from "@anyrt/core";

/** The timer globals a world intercepts, as every runtime with timers has them. */
interface TimerGlobals {
  setTimeout(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): unknown;
  clearInterval(handle: unknown): void;
}

/**
 * The host's timers while a world intercepts the globals; `null` when none does. They are called
 * with `globalThis` as `this`: Deno's refuse any other receiver.
 */
let saved: TimerGlobals | null = null;

/** The host's real timers: the saved ones while a world intercepts the globals, else the globals. */
function hostTimers(): TimerGlobals {
  return saved ?? (globalThis as unknown as TimerGlobals);
}

/**
 * The host's scheduler for the world's machinery, as core's `systemScheduler` but always on the
 * host's real timers: `setImmediate` where the host has one (Node, Deno, Bun), a real
 * `setTimeout(0)` elsewhere (workerd), whether or not a world intercepts the globals at the time.
 */
export const hostScheduler: Scheduler = Object.freeze({
  now: () => performance.now(),
  schedule(ms: number, callback: () => void): () => void {
    const timers = hostTimers();
    const handle = timers.setTimeout.call(globalThis, callback, ms);
    return () => timers.clearTimeout.call(globalThis, handle);
  },
  queueMicrotask: (callback: () => void) => queueMicrotask(callback),
  queueMacrotask(callback: () => void): void {
    const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
    if (typeof immediate === "function") immediate.call(globalThis, callback);
    else hostTimers().setTimeout.call(globalThis, callback, 0);
  },
});

/**
 * The handle of an intercepted timer. Its number (`+handle`, as Node's timers have one) is
 * negative, never a host timer's id, so that a host `clearTimeout` given it after the
 * interception ended cancels nothing of the host's.
 */
class VirtualTimer {
  constructor(readonly id: number) {}
  /** As Node's: timers of a world never keep the host alive anyway. */
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return false;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

/**
 * Replaces `globalThis.setTimeout`, `clearTimeout`, `setInterval` and `clearInterval` with timers
 * on `scheduler` until the returned function restores them (calling it again does nothing).
 * Clearing a host timer made before the interception still works. A callback that throws is
 * reported as an uncaught error on a host timer, as a host timer's would be. One interception at
 * a time: a second fails with `Busy`, naming `owner`.
 */
export function interceptTimers(scheduler: Scheduler, owner: string): () => void {
  if (saved !== null) {
    throw new IoError("Busy", `${owner}: the host's timers are intercepted already (by another world)`);
  }
  const globals = globalThis as unknown as TimerGlobals;
  const originals: TimerGlobals = {
    setTimeout: globals.setTimeout,
    clearTimeout: globals.clearTimeout,
    setInterval: globals.setInterval,
    clearInterval: globals.clearInterval,
  };
  saved = originals;
  const cancels = new Map<number, () => void>();
  let lastId = 0;

  const start = (callback: unknown, ms: unknown, args: unknown[], repeat: boolean): VirtualTimer => {
    if (typeof callback !== "function") {
      throw new TypeError(`${repeat ? "setInterval" : "setTimeout"}: the callback must be a function`);
    }
    const id = --lastId;
    // biome-ignore lint/complexity/useMathMinMax: a delay that is not a number means 0, as for a host timer; Math.max keeps NaN.
    const delay = Number(ms) > 0 ? Number(ms) : 0;
    const arm = (): void => {
      const cancel = scheduler.schedule(delay, () => {
        if (repeat) arm();
        else cancels.delete(id);
        try {
          (callback as (...args: unknown[]) => void)(...args);
        } catch (error) {
          originals.setTimeout.call(
            globalThis,
            () => {
              throw error;
            },
            0,
          );
        }
      });
      cancels.set(id, cancel);
    };
    arm();
    return new VirtualTimer(id);
  };
  const clear = (handle: unknown, host: (handle: unknown) => void): void => {
    const id = handle instanceof VirtualTimer ? handle.id : typeof handle === "number" ? handle : Number.NaN;
    const cancel = cancels.get(id);
    if (cancel === undefined) {
      if (!(handle instanceof VirtualTimer)) host.call(globalThis, handle);
      return;
    }
    cancels.delete(id);
    cancel();
  };

  globals.setTimeout = (callback, ms, ...args) => start(callback, ms, args, false);
  globals.setInterval = (callback, ms, ...args) => start(callback, ms, args, true);
  globals.clearTimeout = (handle) => clear(handle, originals.clearTimeout);
  globals.clearInterval = (handle) => clear(handle, originals.clearInterval);
  return () => {
    if (saved !== originals) return;
    Object.assign(globals, originals);
    saved = null;
  };
}
