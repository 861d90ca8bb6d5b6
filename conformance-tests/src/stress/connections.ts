/**
 * `stress/connections*`: many connections open at once, every byte of each checked both ways:
 * clients of an echo server outside the runtime, and connections the runtime serves itself.
 * @module
 */
import { copy, type Duplex, type Runtime, type TcpListener } from "@anyrt/core";
import type { CaseContext, StreamPair } from "../case.ts";
import type { StressCase, StressContext } from "./stress-case.ts";
import {
  forEachLimited,
  type MemoryPeaks,
  Random,
  readPattern,
  sampleMemory,
  settledMemory,
  writePattern,
} from "./util.ts";

/** Connects started at once while opening: enough to keep the backlog busy, few enough not to overflow it. */
const CONNECTS_IN_FLIGHT = 64;

/**
 * Sends stream `index`'s pattern on `stream` while reading the echo back and checking it, then
 * half-closes; resolves once the echo's EOF came after every byte.
 */
async function exchange(stream: Duplex, index: number, length: number, seed: number): Promise<void> {
  const writing = writePattern(stream, index, length, new Random(seed + index), 8 * 1024).then(() => stream.shutdown());
  await Promise.all([writing, readPattern(stream, index, length, `connection ${index}`, 8 * 1024)]);
}

/**
 * Runs the three phases and records the figures: connections, bytes both ways, times, and with a
 * memory probe the settled memory before, while the connections are open and idle after their
 * exchange, and after they were closed and dropped, with the peaks sampled in between.
 */
async function measure(
  stress: StressContext,
  count: number,
  open: () => Promise<void>,
  transfer: () => Promise<void>,
  close: () => Promise<void>,
): Promise<void> {
  const probe = stress.memory;
  const before = probe === undefined ? undefined : await settledMemory(probe);
  const sampler = probe === undefined ? undefined : sampleMemory(probe, 100);
  let peaks: MemoryPeaks | undefined;
  const started = performance.now();
  try {
    await open();
    const opened = performance.now();
    await transfer();
    const transferred = performance.now();
    stress.metric("connections", count);
    stress.metric("bytes", 2 * count * stress.scale.bytesPerConnection);
    stress.metric("openMs", Math.round(opened - started));
    stress.metric("transferMs", Math.round(transferred - opened));
    peaks = sampler?.stop();
    if (probe !== undefined && before !== undefined) {
      const idle = await settledMemory(probe);
      stress.metric("heapIdleOpenBytes", idle);
      stress.metric("idleBytesPerConnection", Math.round((idle - before) / count));
    }
  } finally {
    peaks ??= sampler?.stop();
    await close();
  }
  if (probe !== undefined && before !== undefined && peaks !== undefined) {
    stress.metric("heapBeforeBytes", before);
    stress.metric("heapPeakBytes", peaks.used);
    stress.metric("heapAfterBytes", await settledMemory(probe));
    if (peaks.rss !== undefined) stress.metric("rssPeakBytes", peaks.rss);
  }
}

/** Opens `count` streams with at most {@link CONNECTS_IN_FLIGHT} connects at once; all stay open. */
async function openAll<T>(count: number, connect: (index: number) => Promise<T>, opened: T[]): Promise<void> {
  await forEachLimited(count, CONNECTS_IN_FLIGHT, async (index) => {
    opened[index] = await connect(index);
  });
}

/** Closes every stream and drops them, so that the memory measured after is what closing left behind. */
async function closeAll(streams: (Duplex | undefined)[]): Promise<void> {
  await Promise.all(streams.map((stream) => stream?.close().catch(() => undefined)));
  streams.length = 0;
}

/** Echoes every byte of `stream` back, then its EOF as a half-close. */
async function echo(stream: Duplex): Promise<void> {
  await copy(stream, stream);
  await stream.shutdown();
}

/** Accepts and echoes until the listener closes; each echo's outcome goes to `served`. */
async function serveEcho(listener: TcpListener, served: Promise<void>[]): Promise<void> {
  for (;;) {
    let stream: Duplex;
    try {
      stream = await listener.accept();
    } catch {
      return;
    }
    served.push(echo(stream).finally(() => stream.close()));
  }
}

async function servedPairs(
  runtime: Runtime,
  context: CaseContext,
  count: number,
  stress: StressContext,
): Promise<void> {
  const clients: Duplex[] = [];
  const served: Promise<void>[] = [];
  if (runtime.supports("tcp.listen")) {
    const listener = await runtime.tcp.listen({ hostname: "127.0.0.1", port: 0, backlog: 1024 });
    const accepting = serveEcho(listener, served);
    const port = listener.localAddress.port;
    await measure(
      stress,
      count,
      () => openAll(count, () => runtime.tcp.connect({ hostname: "127.0.0.1", port }), clients),
      async () => {
        await Promise.all(
          clients.map((stream, index) => exchange(stream, index, stress.scale.bytesPerConnection, stress.seed)),
        );
        await Promise.all(served);
      },
      async () => {
        await closeAll(clients);
        await listener.close();
        await accepting;
      },
    );
    return;
  }
  // A runtime that cannot listen serves through the pairs its fixture gives (the rendezvous relay).
  const pairs: StreamPair[] = [];
  await measure(
    stress,
    count,
    () => openAll(count, () => context.pair(), pairs),
    async () => {
      await Promise.all(
        pairs.map(({ a, b }, index) =>
          Promise.all([exchange(a, index, stress.scale.bytesPerConnection, stress.seed), echo(b)]),
        ),
      );
    },
    async () => {
      await closeAll(pairs.flatMap(({ a, b }) => [a, b]));
      pairs.length = 0;
    },
  );
}

/** `stress/connections` and `stress/connections-served`. */
export const connectionCases: StressCase[] = [
  {
    id: "stress/connections",
    title: "thousands of connections to an echo server, open at once, get every byte back in order",
    requires: ["tcp.connect"],
    needs: ["echo"],
    async run({ runtime }, stress) {
      const address = stress.echo as NonNullable<StressContext["echo"]>;
      const count = stress.scale.connections;
      const clients: Duplex[] = [];
      await measure(
        stress,
        count,
        () => openAll(count, () => runtime.tcp.connect({ hostname: address.hostname, port: address.port }), clients),
        () =>
          Promise.all(
            clients.map((stream, index) => exchange(stream, index, stress.scale.bytesPerConnection, stress.seed)),
          ).then(() => undefined),
        () => closeAll(clients),
      );
    },
  },
  {
    id: "stress/connections-served",
    title: "connections the runtime both serves (echoing) and makes, open at once, carry every byte both ways",
    requires: ["stream.pair"],
    async run(context, stress) {
      await servedPairs(context.runtime, context, stress.scale.servedConnections, stress);
    },
  },
];
