/**
 * `stress/leak-*`: the heap is flat after collection once many connections were made and closed,
 * tasks spawned and aborted, timers set and abandoned. Each check has a control, the same loop
 * keeping one buffer per cycle on purpose, which must be caught: the measure can fail.
 * @module
 */
import type { Runtime, TcpListener } from "@anyrt/core";
import { checkInteger } from "@anyrt/core/adapter";
import { ok } from "../assert.ts";
import type { CaseContext, Requirement } from "../case.ts";
import { delay, readExactly } from "../cases/util.ts";
import type { StressCase, StressContext, StressNeed } from "./stress-case.ts";
import { settledMemory } from "./util.ts";

/** What the measure forgives outright: the collector's own noise after a full collection. */
const SLACK = 256 * 1024;

/** Cycles run at once where a check allows it (a listener accepts one connection at a time). */
const BATCH = 16;

/** Batches run before the baseline is measured, so that code, caches and pools are in it. */
const WARM_UP_BATCHES = 4;

/**
 * The growth a check forgives: {@link SLACK} plus half of `unit` per cycle, where `unit` is the
 * size of the buffer its control keeps per cycle. A real leak of one such buffer per cycle
 * exceeds it by half a buffer per cycle, which the control proves.
 */
export function leakTolerance(cycles: number, unit: number): number {
  checkInteger("leakTolerance", "cycles", cycles, 0);
  checkInteger("leakTolerance", "unit", unit, 0);
  return SLACK + (cycles * unit) / 2;
}

/** One leak check: what a cycle does, how many, and the buffer its control keeps per cycle. */
interface LeakCheck {
  readonly id: string;
  /** What is repeated, for the titles: "connect, exchange and close cycles". */
  readonly what: string;
  readonly requires: readonly Requirement[];
  readonly needs: readonly StressNeed[];
  /** Bytes of the buffer the control keeps per cycle. */
  readonly unit: number;
  /** Cycles run at once: {@link BATCH}, or 1 where cycles cannot overlap. */
  readonly batch: number;
  cycles(stress: StressContext): number;
  /** Makes what the cycles share (a listener), registered for cleanup. */
  prepare(context: CaseContext): Promise<() => Promise<void> | void>;
}

/**
 * Runs `cycles` cycles, `size` at a time, after {@link WARM_UP_BATCHES} warm-up batches, and
 * resolves the probe's settled readings before and after; `keep` holds what the control retains.
 */
async function growth(
  stress: StressContext,
  cycles: number,
  size: number,
  cycle: () => Promise<void> | void,
  keep: (() => void) | undefined,
): Promise<{ before: number; after: number }> {
  const probe = stress.memory as NonNullable<StressContext["memory"]>;
  const batch = async () => {
    const running: (Promise<void> | void)[] = [];
    for (let index = 0; index < size; index++) {
      running.push(cycle());
      keep?.();
    }
    await Promise.all(running);
  };
  for (let index = 0; index < WARM_UP_BATCHES; index++) await batch();
  await delay(0);
  const before = await settledMemory(probe);
  for (let index = 0; index < cycles; index += size) {
    await batch();
    // Lets the closes, aborts and timers of the batches before finish now and then.
    if (index % (size * 64) === 0) await delay(0);
  }
  await delay(0);
  return { before, after: await settledMemory(probe) };
}

function leakCases(check: LeakCheck): StressCase[] {
  const measure = async (context: CaseContext, stress: StressContext, control: boolean) => {
    const cycles = check.cycles(stress);
    const cycle = await check.prepare(context);
    const kept: Uint8Array[] = [];
    const { before, after } = await growth(
      stress,
      cycles,
      check.batch,
      cycle,
      control ? () => kept.push(new Uint8Array(check.unit)) : undefined,
    );
    const tolerance = leakTolerance(cycles, check.unit);
    stress.metric("cycles", cycles);
    stress.metric("heapBeforeBytes", before);
    stress.metric("heapAfterBytes", after);
    stress.metric("toleranceBytes", tolerance);
    return { grown: after - before, tolerance, cycles, kept: kept.length };
  };
  return [
    {
      id: check.id,
      title: `${check.what} leave the heap flat after collection`,
      requires: check.requires,
      needs: check.needs,
      async run(context, stress) {
        const { grown, tolerance, cycles } = await measure(context, stress, false);
        ok(
          grown < tolerance,
          `the heap grew by ${grown} bytes over ${cycles} ${check.what} (tolerance ${tolerance}: less than one ${check.unit}-byte buffer per cycle)`,
        );
      },
    },
    {
      id: `${check.id}-control`,
      title: `the same ${check.what}, keeping one ${check.unit}-byte buffer per cycle on purpose, are caught as a leak`,
      requires: check.requires,
      needs: check.needs,
      async run(context, stress) {
        const { grown, tolerance, cycles, kept } = await measure(context, stress, true);
        ok(kept >= cycles, `the control kept ${kept} buffers`);
        ok(
          grown >= tolerance,
          `a leak of one ${check.unit}-byte buffer per cycle went unseen: the heap grew by ${grown} bytes over ${cycles} cycles, under the tolerance ${tolerance}`,
        );
      },
    },
  ];
}

async function connectCycle(runtime: Runtime, listener: TcpListener): Promise<void> {
  const [a, b] = await Promise.all([
    runtime.tcp.connect({ hostname: "127.0.0.1", port: listener.localAddress.port }),
    listener.accept(),
  ]);
  await a.write(new Uint8Array([1]));
  await readExactly(b, 1);
  await Promise.all([a.close(), b.close()]);
}

const noop = (): void => undefined;

/** The leak checks, each followed by its `-control`. */
export const leakChecks: StressCase[] = [
  ...leakCases({
    id: "stress/leak-connect-close",
    what: "connect, exchange and close cycles",
    requires: ["tcp.connect", "tcp.listen"],
    needs: ["memory.external"],
    unit: 8 * 1024,
    batch: 1,
    cycles: (stress) => stress.scale.leakConnections,
    async prepare({ runtime, defer }) {
      const listener = await runtime.tcp.listen({ hostname: "127.0.0.1", port: 0, backlog: 1024 });
      defer(() => listener.close());
      return () => connectCycle(runtime, listener);
    },
  }),
  ...leakCases({
    id: "stress/leak-aborted-tasks",
    what: "spawn-and-abort cycles",
    requires: [],
    needs: ["memory"],
    unit: 64,
    batch: BATCH,
    cycles: (stress) => stress.scale.leakCycles,
    async prepare({ runtime }) {
      const never = (signal: AbortSignal) =>
        new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      return () => {
        const handle = runtime.tasks.spawn(never);
        handle.abort();
        // Awaited as users do; the rejection is expected.
        handle.then(undefined, noop);
      };
    },
  }),
  ...leakCases({
    id: "stress/leak-abandoned-timers",
    what: "timeouts that never fire and aborted sleeps",
    requires: [],
    needs: ["memory"],
    unit: 64,
    batch: BATCH,
    cycles: (stress) => stress.scale.leakCycles,
    async prepare({ runtime }) {
      return () => {
        void runtime.time.timeout(60_000, () => 1).then(undefined, noop);
        const controller = new AbortController();
        runtime.time.sleep(60_000, { signal: controller.signal }).catch(noop);
        controller.abort();
      };
    },
  }),
];
