// length-delimited-decode (decision note 0012): CPU time per frame of the benchmark's own two
// loops (`codecLoop`: `LengthDelimited.decode` over a `ByteBuffer` fed 64 KiB at a time;
// `handLoop`: a header read and a `slice` per frame over one `Uint8Array`), 32-byte frames,
// interleaved in one process and alternating which runs first, so that load from other processes
// falls on both alike. Prints the least and the median ns/frame of each and their ratio.
// `ONLY=codec|hand` runs one loop `ROUNDS` times, for `valgrind --tool=callgrind` instruction
// counts (repeatable under load; divide by the frames to get instructions per frame).
// Build first (`tsc -b`). Run: node | deno run -A | bun  bench/experiments/length-delimited-cpu.mjs
import { codecLoop, encodeFrames, handLoop } from "../dist/length-delimited-decode.js";

const FRAMES = Number(process.env.FRAMES ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const data = encodeFrames(FRAMES, 32);
const loops = { codec: codecLoop, hand: handLoop };

const cpu = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
};

const only = process.env.ONLY;
if (only !== undefined) {
  for (let round = 0; round < ROUNDS; round++) loops[only](data, FRAMES);
} else {
  const times = { codec: [], hand: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ["codec", "hand"] : ["hand", "codec"];
    for (const name of order) {
      const start = cpu();
      loops[name](data, FRAMES);
      times[name].push((cpu() - start) / FRAMES);
    }
  }
  const sorted = (values) => [...values].sort((a, b) => a - b);
  const least = (values) => sorted(values)[0];
  const median = (values) => sorted(values)[values.length >> 1];
  for (const name of ["codec", "hand"]) {
    console.log(`${name}: least ${least(times[name]).toFixed(2)} median ${median(times[name]).toFixed(2)} ns/frame`);
  }
  console.log(
    `hand/codec (the benchmark's ratio): least ${(least(times.hand) / least(times.codec)).toFixed(3)} median ${(median(times.hand) / median(times.codec)).toFixed(3)}`,
  );
}
