// CPU work off the event loop with `spawnBlocking`: counts the primes below 2 000 000 in four
// ranges at once on the runtime's worker pool (worker_threads on Node, Web Workers on Deno and
// Bun), while a timer on the main thread keeps ticking. `node src/blocking.ts`, `deno run
// --allow-read src/blocking.ts` (a worker reads its module) or `bun src/blocking.ts`.
import { runtime } from "@anyrt/auto";

// A task names a module by URL and one of its exports: functions cannot cross threads.
const module = new URL("./blocking-work.ts", import.meta.url).href;
const limit = 2_000_000;
const parts = 4;

let ticks = 0;
const ticker = runtime.time.interval(10);
const ticking = (async () => {
  for await (const _ of ticker) ticks++;
})();

const started = runtime.time.now();
const counts = await Promise.all(
  Array.from({ length: parts }, (_, i) =>
    runtime.blocking.spawnBlocking<number>({
      module,
      export: "countPrimes",
      args: [Math.floor((limit * i) / parts), Math.floor((limit * (i + 1)) / parts)],
    }),
  ),
);
await ticker.return(); // ends the for-await loop
await ticking;
const total = counts.reduce((sum, n) => sum + n, 0);
console.log(`${total} primes below ${limit}`); // 148933 primes below 2000000
console.log(`in ${Math.round(runtime.time.now() - started)} ms; the main thread ticked ${ticks} times meanwhile`);
