/**
 * `stress/peer-*`, `stress/slow-consumer-*`, `stress/abort-*`: faults over real TCP. Peers that
 * reset or are killed (a real child process, SIGKILL) while a write waits, a consumer slower than
 * its producer with memory measured, and reads, writes and connects aborted at random moments,
 * every byte accounted for.
 * @module
 */
import { isIoError, type Runtime } from "@anyrt/core";
import { AssertionError, equal, ioErrorKind, ok, rejectsWithKind } from "../assert.ts";
import { delay, fillUntilPending, writeUntilFailure } from "../cases/util.ts";
import type { StressCase } from "./stress-case.ts";
import {
  checkPattern,
  fillPattern,
  forEachLimited,
  Random,
  readPattern,
  sampleMemory,
  settledMemory,
  within,
  writePattern,
} from "./util.ts";

const peerGone = ["BrokenPipe", "ConnectionReset"] as const;

/** How long a fault may take to show: far above any loaded machine's latency, it only catches hangs. */
const SETTLE_MS = 15_000;

/**
 * Bytes the realm may hold beyond its baseline while the consumer stalls, measured after
 * collections: what anyrt's queues, rings and windows hold (the WebSocket transport's receive
 * window is 4 MiB) is below it, while a stream buffering without bound takes whatever the producer
 * writes during a stall, tens of MiB.
 */
const SLOW_CONSUMER_BOUND = 8 * 1024 * 1024;

/** The slow consumer stalls this long at the start and after every {@link SLOW_CONSUMER_STALL_EVERY} bytes. */
const SLOW_CONSUMER_STALL_MS = 300;
const SLOW_CONSUMER_STALL_EVERY = 8 * 1024 * 1024;

/** The outcome of a promise as a value: what it resolved with, or `{ error }`. */
async function outcomeOf<T>(promise: Promise<T>): Promise<T | { readonly error: unknown }> {
  try {
    return await promise;
  } catch (error) {
    return { error };
  }
}

function failed(outcome: unknown): outcome is { readonly error: unknown } {
  return typeof outcome === "object" && outcome !== null && "error" in outcome;
}

/**
 * Aborts `controller` at a moment chosen by `random`: at once (the operation already started),
 * after a microtask, after a macrotask, after a millisecond or two, or not at all.
 */
function abortSometime(controller: AbortController, random: Random): void {
  switch (random.int(0, 4)) {
    case 0:
      controller.abort();
      break;
    case 1:
      queueMicrotask(() => controller.abort());
      break;
    case 2:
      setTimeout(() => controller.abort(), 0);
      break;
    case 3:
      setTimeout(() => controller.abort(), random.int(1, 2));
      break;
    default:
      break;
  }
}

/** A pause of no time, a microtask or a macrotask, chosen by `random`, so that the two sides interleave differently. */
async function jitter(random: Random): Promise<void> {
  const choice = random.int(0, 3);
  if (choice === 1) await Promise.resolve();
  else if (choice === 2) await delay(0);
}

/** Checks that a rejection is the abort's reason, as the web's convention says. */
function isReason(error: unknown, controller: AbortController, what: string): void {
  if (error !== controller.signal.reason) {
    const shown = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new AssertionError(`${what} rejected with ${shown}, not the signal's reason`);
  }
}

async function listenerOf(runtime: Runtime, defer: (cleanup: () => unknown) => void) {
  const listener = await runtime.tcp.listen({ hostname: "127.0.0.1", port: 0, backlog: 1024 });
  defer(() => listener.close());
  return listener;
}

/** Faults over real TCP: resets, killed peers, a stalling consumer, aborted reads, writes and connects. */
export const faultCases: StressCase[] = [
  {
    id: "stress/peer-reset-wakes-reader-and-writer",
    title:
      "pairs reset by their peer at once each wake a waiting write with BrokenPipe or ConnectionReset and settle a waiting read",
    requires: ["tcp.pair", "stream.backpressure"],
    async run({ tcpPair, pairBuffering }, stress) {
      let sawReset = 0;
      let sawBrokenPipe = 0;
      let sawEof = 0;
      const count = stress.scale.resets;
      await forEachLimited(count, count, async (index) => {
        const { a, b } = await tcpPair();
        const reading = outcomeOf(a.read(new Uint8Array(1024)));
        const { written, pending } = await fillUntilPending(a, { limit: pairBuffering });
        ok(pending !== null, `pair ${index}: no write waited after ${written} bytes`);
        // `b` closes holding bytes it never read: its side answers with a reset.
        await b.close();
        const write = await within(outcomeOf(pending), SETTLE_MS, `pair ${index}: the waiting write`);
        // A write that was only slow may complete; the writes after it are the ones that must fail.
        const error = failed(write) ? write.error : await writeUntilFailure(a, new Uint8Array(64 * 1024));
        ioErrorKind(error, peerGone, `pair ${index}: the write waiting when the peer reset`);
        await rejectsWithKind(a.write(new Uint8Array(1)), peerGone, `pair ${index}: a later write`);
        const read = await within(reading, SETTLE_MS, `pair ${index}: the waiting read`);
        // The read's kind is the conformance suite's to hold (a reset reads as EOF on some
        // runtimes, as BrokenPipe through the WebSocket relay); here it must settle, with the
        // peer gone or an end, and is counted.
        if (read === 0) sawEof++;
        else if (failed(read) && isIoError(read.error, "ConnectionReset")) sawReset++;
        else if (failed(read) && isIoError(read.error, "BrokenPipe")) sawBrokenPipe++;
        else ioErrorKind(failed(read) ? read.error : read, peerGone, `pair ${index}: the waiting read`);
      });
      stress.metric("pairs", count);
      stress.metric("readsSawReset", sawReset);
      stress.metric("readsSawBrokenPipe", sawBrokenPipe);
      stress.metric("readsSawEof", sawEof);
    },
  },
  {
    id: "stress/peer-killed-wakes-blocked-writer",
    title:
      "a write waiting on a peer process killed with SIGKILL rejects with BrokenPipe or ConnectionReset, and so do later writes",
    requires: ["process", "tcp.listen"],
    async run({ runtime, defer, pairBuffering }, stress) {
      const listener = await listenerOf(runtime, defer);
      let blockedAfter = 0;
      for (let index = 0; index < stress.scale.kills; index++) {
        const child = await runtime.process.spawn({
          command: stress.peer.command,
          args: stress.peer.args(listener.localAddress.port),
          stdin: "null",
          stdout: "null",
          stderr: "null",
        });
        defer(() => child.kill("SIGKILL"));
        const stream = await within(
          listener.accept(),
          SETTLE_MS,
          `peer ${index} (${stress.peer.command}): its connection`,
        );
        defer(() => stream.close());
        const { written, pending } = await fillUntilPending(stream, { limit: pairBuffering });
        ok(pending !== null, `peer ${index}: no write waited after ${written} bytes`);
        blockedAfter = Math.max(blockedAfter, written);
        child.kill("SIGKILL");
        const status = await within(child.status, SETTLE_MS, `peer ${index}: its exit after SIGKILL`);
        equal(status.signal, "SIGKILL", `peer ${index}: the signal that ended it`);
        const write = await within(
          outcomeOf(pending),
          SETTLE_MS,
          `peer ${index}: the write waiting on the killed peer`,
        );
        const error = failed(write) ? write.error : await writeUntilFailure(stream, new Uint8Array(64 * 1024));
        ioErrorKind(error, peerGone, `peer ${index}: the write waiting when the peer was killed`);
        await rejectsWithKind(stream.write(new Uint8Array(1)), peerGone, `peer ${index}: a later write`);
      }
      stress.metric("killed", stress.scale.kills);
      stress.metric("bytesBeforeWriterBlocked", blockedAfter);
    },
  },
  {
    id: "stress/slow-consumer-bounded-memory",
    title:
      "a producer far ahead of a slow consumer waits instead of buffering: memory stays bounded and every byte arrives",
    requires: ["stream.pair", "stream.backpressure"],
    needs: ["memory.external"],
    async run({ pair }, stress) {
      const probe = stress.memory as NonNullable<typeof stress.memory>;
      const { a, b } = await pair();
      const total = stress.scale.slowBytes;
      const before = await settledMemory(probe);
      const sampler = sampleMemory(probe, 100, true);
      const started = performance.now();
      let reads = 0;
      try {
        const writing = writePattern(a, 0, total, new Random(stress.seed), 64 * 1024).then(() => a.shutdown());
        const reading = (async () => {
          const buf = new Uint8Array(64 * 1024);
          let position = 0;
          let stalls = 0;
          for (;;) {
            if (position >= stalls * SLOW_CONSUMER_STALL_EVERY) {
              // The producer runs ahead as far as the stream lets it; the samples see what that holds.
              stalls++;
              await delay(SLOW_CONSUMER_STALL_MS);
            }
            const n = await b.read(buf);
            if (n === 0) break;
            checkPattern(buf.subarray(0, n), 0, position, "slow consumer");
            position += n;
            reads++;
          }
          equal(position, total, "bytes the slow consumer read");
        })();
        await Promise.all([writing, reading]);
      } finally {
        const peaks = sampler.stop();
        stress.metric("bytes", total);
        stress.metric("reads", reads);
        stress.metric("ms", Math.round(performance.now() - started));
        stress.metric("heapBeforeBytes", before);
        stress.metric("heapPeakBytes", peaks.used);
        if (peaks.rss !== undefined) stress.metric("rssPeakBytes", peaks.rss);
        const bound = SLOW_CONSUMER_BOUND + stress.scale.pairHeldBytes;
        ok(
          peaks.used - before < bound,
          `memory grew by ${peaks.used - before} bytes while ${total} went to a slow consumer (bound ${bound})`,
        );
      }
    },
  },
  {
    id: "stress/abort-mid-read-loses-nothing",
    title: "reads aborted at random moments while bytes arrive lose, repeat and reorder nothing",
    requires: ["stream.pair"],
    async run({ pair }, stress) {
      let aborted = 0;
      let reads = 0;
      const total = stress.scale.abortReadBytes;
      await forEachLimited(stress.scale.abortPairs, stress.scale.abortPairs, async (index) => {
        const { a, b } = await pair();
        const random = new Random(stress.seed + index);
        const writing = (async () => {
          const writer = new Random(stress.seed + index + 0x5bd1e995);
          const piece = new Uint8Array(4096);
          for (let position = 0; position < total; ) {
            const chunk = piece.subarray(0, Math.min(writer.int(1, piece.length), total - position));
            fillPattern(chunk, index, position);
            for (let offset = 0; offset < chunk.length; ) offset += await a.write(chunk.subarray(offset));
            position += chunk.length;
            await jitter(writer);
          }
          await a.shutdown();
        })();
        const reading = (async () => {
          const buf = new Uint8Array(8192);
          let position = 0;
          for (;;) {
            const controller = new AbortController();
            const read = b.read(buf.subarray(0, random.int(1, buf.length)), { signal: controller.signal });
            abortSometime(controller, random);
            reads++;
            const n = await outcomeOf(read);
            if (failed(n)) {
              isReason(n.error, controller, `pair ${index}: an aborted read`);
              aborted++;
              continue;
            }
            if (n === 0) break;
            checkPattern(buf.subarray(0, n), index, position, `pair ${index}`);
            position += n;
          }
          equal(position, total, `pair ${index}: bytes read`);
        })();
        await Promise.all([writing, reading]);
      });
      stress.metric("bytes", total * stress.scale.abortPairs);
      stress.metric("reads", reads);
      stress.metric("abortedReads", aborted);
    },
  },
  {
    id: "stress/abort-mid-write-accounts-every-byte",
    title:
      "writes aborted at random moments, many while waiting, either accepted nothing or report what they accepted: the peer reads exactly the bytes accepted",
    requires: ["stream.pair", "stream.backpressure"],
    async run({ pair }, stress) {
      let aborted = 0;
      let writes = 0;
      let waited = 0;
      /** Per pair: the writes aborted (each was waiting: a write that accepts at once has resolved). */
      const abortedOfPair: number[] = [];
      const total = stress.scale.abortWriteBytes;
      await forEachLimited(stress.scale.abortPairs, stress.scale.abortPairs, async (index) => {
        const { a, b } = await pair();
        const random = new Random(stress.seed + index);
        /** Bumped when a write is still pending a macrotask after it started: the pair is full. */
        let waits = 0;
        let done = false;
        abortedOfPair[index] = 0;
        const writing = (async () => {
          const piece = new Uint8Array(64 * 1024);
          let position = 0;
          while (position < total) {
            const chunk = piece.subarray(0, Math.min(random.int(1, piece.length), total - position));
            fillPattern(chunk, index, position);
            const controller = new AbortController();
            const write = a.write(chunk, { signal: controller.signal });
            let settled = false;
            const outcome = outcomeOf(write).finally(() => {
              settled = true;
            });
            setTimeout(() => {
              if (settled) return;
              waits++;
              // Until the pair has one, a write still waiting a macrotask later is aborted here: a
              // pair whose buffers fill only once or twice (Bun's loopback sockets hold about 4 MiB)
              // may otherwise draw "never" for each waiting write, as seed 52224184 does on Bun,
              // and hold no abort mid-write at all.
              if (abortedOfPair[index] === 0) controller.abort();
            }, 0);
            abortSometime(controller, random);
            writes++;
            const n = await outcome;
            if (failed(n)) {
              // Nothing accepted: the same bytes go again.
              isReason(n.error, controller, `pair ${index}: an aborted write`);
              aborted++;
              abortedOfPair[index] = (abortedOfPair[index] ?? 0) + 1;
              continue;
            }
            ok(n >= 1 && n <= chunk.length, `pair ${index}: a write of ${chunk.length} bytes resolved ${n}`);
            position += n;
          }
          await a.shutdown();
          done = true;
        })();
        const reading = (async () => {
          const reader = new Random(stress.seed + index + 0x5bd1e995);
          const buf = new Uint8Array(64 * 1024);
          let position = 0;
          for (;;) {
            // Stall until the writer waits (its writes are then aborted while waiting), then drain a little.
            const seen = waits;
            for (let polls = 0; waits === seen && !done && polls < 100; polls++) await delay(1);
            if (waits !== seen) waited++;
            for (let burst = reader.int(1, 512 * 1024); burst > 0; ) {
              const n = await b.read(buf.subarray(0, Math.min(burst, buf.length)));
              if (n === 0) {
                equal(position, total, `pair ${index}: bytes read`);
                return;
              }
              checkPattern(buf.subarray(0, n), index, position, `pair ${index}`);
              position += n;
              burst -= n;
            }
          }
        })();
        await Promise.all([writing, reading]);
      });
      stress.metric("bytes", total * stress.scale.abortPairs);
      stress.metric("writes", writes);
      stress.metric("abortedWrites", aborted);
      stress.metric("stallsEndedByAWaitingWrite", waited);
      for (const [index, count] of abortedOfPair.entries()) {
        ok(
          count > 0,
          `pair ${index}: none of its writes was aborted before it resolved (${aborted} of ${writes} in all): the pair never filled`,
        );
      }
    },
  },
  {
    id: "stress/abort-mid-connect-leaves-nothing-open",
    title:
      "connects aborted at random moments reject with the signal's reason, and every connection the listener got from them is closed",
    requires: ["tcp.connect", "tcp.listen"],
    async run({ runtime, defer }, stress) {
      const listener = await listenerOf(runtime, defer);
      const port = listener.localAddress.port;
      const endings: Promise<unknown>[] = [];
      const accepting = (async () => {
        for (;;) {
          const stream = await outcomeOf(listener.accept());
          if (failed(stream)) return;
          defer(() => stream.close());
          // The client closes what it got, or its adapter what it gave up: either way the server reads an end.
          endings.push(outcomeOf(readPattern(stream, 0, 0, "an accepted connection")));
        }
      })();
      let resolved = 0;
      let aborted = 0;
      const random = new Random(stress.seed);
      await forEachLimited(stress.scale.abortedConnects, 32, async (index) => {
        const controller = new AbortController();
        const connect = runtime.tcp.connect({ hostname: "127.0.0.1", port, signal: controller.signal });
        abortSometime(controller, random);
        const stream = await outcomeOf(connect);
        if (failed(stream)) {
          isReason(stream.error, controller, `connect ${index}`);
          aborted++;
          return;
        }
        resolved++;
        await stream.close();
      });
      // Connections the kernel completed reach the accept loop a little later.
      await delay(100);
      const ended = await within(
        Promise.all(endings),
        SETTLE_MS,
        `${endings.length} accepted connections: one was never closed`,
      );
      for (const ending of ended) {
        if (failed(ending) && !isIoError(ending.error, "ConnectionReset")) throw ending.error;
      }
      await listener.close();
      await accepting;
      stress.metric("connects", stress.scale.abortedConnects);
      stress.metric("resolved", resolved);
      stress.metric("aborted", aborted);
      stress.metric("accepted", endings.length);
    },
  },
];
