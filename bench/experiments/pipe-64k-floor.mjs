// The floor of pipe-64k (decision note 0011): 64 KiB chunks from a writer's reused buffer into a
// reader's reused buffer, each side a loop in an async function, against one
// `Uint8Array.prototype.set` per chunk (the benchmark's baseline). A pipe must copy every byte at
// least once (the caller owns both buffers), and with one copy per chunk the byte goes from the
// writer's buffer straight into the reader's, so one side must be parked waiting for the other:
// a task switch per chunk. The smallest such pipe below (a slot per side, a copy, a promise per
// wait, no checks, no cancellation, no EOF) measures what that switch costs by itself; a ring
// variant lets the writer run one chunk ahead at the price of a second copy. CPU time per chunk
// (process CPU, which other processes on a loaded machine disturb less than the wall clock),
// the best of 15 rounds interleaved (see `timeAll`).
// Build first (`tsc -b`). Run: [ALIAS=1] node | deno run -A | bun  bench/experiments/pipe-64k-floor.mjs
// `ONLY=<index> ROUNDS=<n> [CHUNKS=<n>]` runs one variant alone (see the end).
import { duplex } from "../../packages/core/dist/index.js";
import { readCounting, writeRepeated } from "../dist/loops.js";

const CHUNK = 64 * 1024;
const CHUNKS = Number(process.env.CHUNKS ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 15);
/**
 * The writer's and the reader's buffers, placed in one allocation so that their distance is known:
 * a 64 KiB copy here takes about 1.4 µs, but about 24 µs (15x) when the destination starts 1 to
 * 63 bytes past the source modulo 4096 (the memmove's forward copy then meets 4K aliasing on
 * every store). Two buffers allocated one after the other by the engine can land exactly so
 * (64 KiB plus a 16-byte allocator header apart), and every process places them differently, so
 * `ALIAS=1` puts them 16 bytes apart modulo 4096 to show that mode; by default 2 KiB apart.
 */
const GAP = process.env.ALIAS === "1" ? 16 : 2048;
const backing = new Uint8Array(2 * CHUNK + 4096 + GAP);
const source = backing.subarray(0, CHUNK).fill(7);
const target = backing.subarray(CHUNK + 4096 + GAP, 2 * CHUNK + 4096 + GAP);

const cpu = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** One copy per chunk: a write lands in a parked read's buffer, a read takes a parked write's bytes. */
class HandOffPipe {
  /** The parked read (its buffer and resolver), or null. */
  reading = null;
  /** The parked write, or null. */
  writing = null;

  /** Resolves (or returns) how many bytes of `buf` were taken. */
  write(buf) {
    const read = this.reading;
    if (read !== null) {
      this.reading = null;
      const n = Math.min(buf.length, read.buf.length);
      read.buf.set(n === buf.length ? buf : buf.subarray(0, n));
      read.resolve(n);
      return n;
    }
    return new Promise((resolve) => {
      this.writing = { buf, resolve };
    });
  }

  read(buf) {
    const write = this.writing;
    if (write !== null) {
      this.writing = null;
      const n = Math.min(buf.length, write.buf.length);
      buf.set(n === write.buf.length ? write.buf : write.buf.subarray(0, n));
      write.resolve(n);
      return n;
    }
    return new Promise((resolve) => {
      this.reading = { buf, resolve };
    });
  }
}

/** Two copies per chunk through a one-chunk ring: the writer may run one chunk ahead. */
class RingPipe {
  ring = new Uint8Array(CHUNK);
  size = 0;
  reading = null;
  writing = null;

  write(buf) {
    if (this.size === 0) {
      this.ring.set(buf);
      this.size = buf.length;
      const read = this.reading;
      if (read !== null) {
        this.reading = null;
        read.resolve(this.read(read.buf));
      }
      return buf.length;
    }
    return new Promise((resolve) => {
      this.writing = { buf, resolve };
    });
  }

  read(buf) {
    if (this.size !== 0) {
      const n = this.size;
      buf.set(n === this.ring.length ? this.ring : this.ring.subarray(0, n));
      this.size = 0;
      const write = this.writing;
      if (write !== null) {
        this.writing = null;
        write.resolve(this.write(write.buf));
      }
      return n;
    }
    return new Promise((resolve) => {
      this.reading = { buf, resolve };
    });
  }
}

/** The bench's loops over a minimal pipe whose calls return a number or a promise of one. */
async function minimal(pipe) {
  const writer = async () => {
    for (let i = 0; i < CHUNKS; i++) {
      let n = pipe.write(source);
      if (typeof n !== "number") n = await n;
    }
  };
  const reader = async () => {
    let received = 0;
    while (received < CHUNKS * CHUNK) {
      let n = pipe.read(target);
      if (typeof n !== "number") n = await n;
      received += n;
    }
  };
  await Promise.all([writer(), reader()]);
}

/** The bench's own loops (`writeRepeated`, `readCounting` from bench/dist/loops.js) over core's `duplex(64 KiB)`. */
async function corePipe() {
  const [a, b] = duplex(CHUNK);
  const [, received] = await Promise.all([
    writeRepeated(a, source, CHUNKS * CHUNK),
    readCounting(b, target, CHUNKS * CHUNK),
  ]);
  if (received !== CHUNKS * CHUNK) throw new Error(`read ${received} of ${CHUNKS * CHUNK} bytes`);
  await a.close();
  await b.close();
}

async function memcpy() {
  for (let i = 0; i < CHUNKS; i++) target.set(source);
}

/**
 * CPU µs per chunk of each variant over `ROUNDS` rounds, the variants interleaved round by round
 * (so that a burst of load from other processes meets them all), after one warm-up round each.
 * The best round is the figure compared: on a loaded machine the copies' cost rises and falls
 * with the memory traffic of other processes, and the best round is the one least disturbed.
 */
async function timeAll(variants) {
  for (const [, run] of variants) await run();
  const samples = variants.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < variants.length; i++) {
      const start = cpu();
      await variants[i][1]();
      samples[i].push(((cpu() - start) * 1000) / CHUNKS);
    }
  }
  return samples.map((list) => {
    list.sort((x, y) => x - y);
    return { best: list[0], median: list[list.length >> 1] };
  });
}

const variants = [
  ["Uint8Array.prototype.set (the baseline)", memcpy],
  ["hand-off pipe (one copy, a wait per chunk)", () => minimal(new HandOffPipe())],
  ["one-chunk ring (two copies)", () => minimal(new RingPipe())],
  ["core duplex(64 KiB), the bench's loops", corePipe],
];
if (process.env.ONLY !== undefined) {
  // One variant (its index in `variants`) ROUNDS times, nothing printed: for a profiler, or for
  // `valgrind --tool=callgrind` instruction counts (two runs with different ROUNDS, subtracted).
  const [, run] = variants[Number(process.env.ONLY)];
  for (let round = 0; round <= ROUNDS; round++) await run();
  process.exit(0);
}
const results = await timeAll(variants);
const baseline = results[0];
for (let i = 0; i < variants.length; i++) {
  const { best, median } = results[i];
  console.log(
    `${variants[i][0].padEnd(44)} best ${best.toFixed(3)} µs/chunk (ratio ${(baseline.best / best).toFixed(3)}), median ${median.toFixed(3)} (ratio ${(baseline.median / median).toFixed(3)})`,
  );
}
