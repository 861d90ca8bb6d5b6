// What anyrt's Bun TCP read path costs beyond the copy that `AsyncRead`'s contract requires
// (decision note 0012, "Bun's short rows"), without a socket: Bun hands the `data` handler one
// fresh buffer per arrival, up to 512 KiB on loopback, and a reader takes it 64 KiB at a time into
// its one reused buffer. Three loops get the same arrivals, one per macrotask (as the socket's
// handler runs): `bare` only receives them (the native program), `copy` also copies each into the
// reused buffer 64 KiB at a time (the least any `AsyncRead` does), `anyrt` feeds them to a
// `BunTcpStream`'s `data` handler (a stub socket in place of Bun's) and reads with `tryRead` /
// `read`. CPU time per MiB, the best and all of ROUNDS rounds, interleaved.
// Build first (`tsc -b`). Run: bun bench/experiments/bun-tcp-read-floor.mjs [MiB] [rounds]
import { WOULD_BLOCK } from "@anyrt/core";
import { BunTcpStream } from "../../adapters/bun/dist/tcp.js";

const CHUNK = 64 * 1024;
const ARRIVAL = 512 * 1024;
const arrivals = (Number(process.argv[2] ?? 1024) * 1024 * 1024) / ARRIVAL;
const rounds = Number(process.argv[3] ?? 7);
const sources = Array.from({ length: 8 }, (_, i) => new Uint8Array(ARRIVAL).fill(i));
/** A fresh buffer per arrival, as Bun's handler gets. */
const arrival = (i) => sources[i & 7].slice();

/** Calls `onArrival` with each arrival, one per macrotask; resolves after the last. */
function feed(onArrival) {
  return new Promise((resolve) => {
    let fed = 0;
    const next = () => {
      onArrival(arrival(fed));
      fed++;
      if (fed < arrivals) setImmediate(next);
      else resolve();
    };
    setImmediate(next);
  });
}

/** Receives each arrival and keeps its length, as the native program's handler counts bytes. */
let lastLength = 0;
async function bare() {
  await feed((data) => {
    lastLength = data.length;
  });
}

async function copy() {
  const buf = new Uint8Array(CHUNK);
  await feed((data) => {
    for (let offset = 0; offset < data.length; offset += CHUNK) buf.set(data.subarray(offset, offset + CHUNK));
  });
}

async function anyrt() {
  const stream = new BunTcpStream("tcp stub");
  const socket = {
    data: stream,
    localAddress: "127.0.0.1",
    localPort: 1,
    localFamily: "IPv4",
    remoteAddress: "127.0.0.1",
    remotePort: 2,
    remoteFamily: "IPv4",
    pause() {},
    resume() {},
  };
  BunTcpStream.handlers.open(socket);
  const buf = new Uint8Array(CHUNK);
  const total = arrivals * ARRIVAL;
  const fed = feed((data) => BunTcpStream.handlers.data(socket, data));
  let received = 0;
  while (received < total) {
    let n = stream.tryRead(buf);
    if (n === WOULD_BLOCK) n = await stream.read(buf);
    received += n;
  }
  await fed;
}

const variants = { bare, copy, anyrt };
const results = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  const names = Object.keys(variants);
  for (const name of round % 2 === 0 ? names : names.reverse()) {
    const before = process.cpuUsage();
    await variants[name]();
    const used = process.cpuUsage(before);
    results[name].push((used.user + used.system) / ((arrivals * ARRIVAL) / 1024 / 1024));
  }
}
console.log(`${(arrivals * ARRIVAL) / 1024 / 1024} MiB in ${lastLength / 1024} KiB arrivals x ${rounds} rounds`);
for (const [name, samples] of Object.entries(results)) {
  const all = samples.map((x) => x.toFixed(0)).join(" ");
  console.log(`${name.padEnd(6)} CPU us/MiB best ${Math.min(...samples).toFixed(1)} [${all}]`);
}
