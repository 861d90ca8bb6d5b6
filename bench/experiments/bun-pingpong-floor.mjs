// How far anyrt's Bun round trips are from the least a promise-returning read can cost (decision
// note 0012, "Bun's short rows"): 1-byte TCP or 16-byte UDP round trips between two sockets of one
// process, four programs. `native` is the benchmark's baseline (each reply written inside Bun's
// `data` handler); `native+promise` keeps Bun's handlers but makes each side wait for its next
// message on a promise the handler resolves (one promise per message per side, which any read
// that returns a promise costs); `anyrt` is the benchmark's program (the helper async functions of
// tcp-pingpong-1b, `await send` + `await receive` of udp-pingpong); TCP's `anyrt-inline` is the
// same with `tryWrite` / `tryRead` inline and an `await` only on `WOULD_BLOCK`. CPU time per round
// trip, best and all of ROUNDS rounds, interleaved.
// Build first (`tsc -b`). Run: bun bench/experiments/bun-pingpong-floor.mjs tcp|udp [round trips] [rounds]
import { createBunRuntime } from "@anyrt/bun";
import { WOULD_BLOCK } from "@anyrt/core";

const runtime = createBunRuntime();
const HOST = "127.0.0.1";
const protocol = process.argv[2] ?? "tcp";
const N = Number(process.argv[3] ?? 30_000);
const rounds = Number(process.argv[4] ?? 7);

/** A mailbox the `data` handler fills and `next()` empties, one message at a time. */
function inbox() {
  let resolve = null;
  let pending = null;
  return {
    put(message) {
      if (resolve === null) {
        pending = message;
      } else {
        const r = resolve;
        resolve = null;
        r(message);
      }
    },
    next() {
      if (pending === null) return new Promise((r) => (resolve = r));
      const message = pending;
      pending = null;
      return Promise.resolve(message);
    },
  };
}

async function tcpNative() {
  const ping = new Uint8Array([1]);
  let count = 0;
  let finish = () => {};
  const done = new Promise((resolve) => (finish = resolve));
  const server = Bun.listen({
    hostname: HOST,
    port: 0,
    socket: { open: (socket) => void socket.setNoDelay(true), data: (socket, data) => void socket.write(data) },
  });
  const client = await Bun.connect({
    hostname: HOST,
    port: server.port,
    socket: {
      data(socket, data) {
        count += data.byteLength;
        if (count >= N) finish();
        else socket.write(ping);
      },
    },
  });
  client.setNoDelay(true);
  client.write(ping);
  await done;
  client.end();
  server.stop(true);
}

async function tcpNativePromise() {
  const serverInbox = inbox();
  const clientInbox = inbox();
  let accepted = () => {};
  const opened = new Promise((resolve) => (accepted = resolve));
  const server = Bun.listen({
    hostname: HOST,
    port: 0,
    socket: {
      open(socket) {
        socket.setNoDelay(true);
        accepted(socket);
      },
      data: (_socket, data) => serverInbox.put(data),
    },
  });
  const client = await Bun.connect({
    hostname: HOST,
    port: server.port,
    socket: { data: (_socket, data) => clientInbox.put(data) },
  });
  client.setNoDelay(true);
  const serverSocket = await opened;
  const echo = (async () => {
    for (let i = 0; i < N; i++) serverSocket.write(await serverInbox.next());
  })();
  const ping = new Uint8Array([1]);
  for (let i = 0; i < N; i++) {
    client.write(ping);
    await clientInbox.next();
  }
  await echo;
  client.end();
  server.stop(true);
}

async function anyrtPair() {
  const listener = await runtime.tcp.listen({ hostname: HOST, port: 0 });
  const [client, server] = await Promise.all([
    runtime.tcp.connect({ hostname: HOST, port: listener.localAddress.port, noDelay: true }),
    listener.accept(),
  ]);
  client.setNoDelay(true);
  server.setNoDelay(true);
  return { client, server, listener };
}

async function closePair({ client, server, listener }, echo) {
  await client.shutdown();
  await echo;
  await Promise.all([client.close(), server.close()]);
  await listener.close();
}

async function writeOne(stream, byte) {
  if (stream.tryWrite(byte) === WOULD_BLOCK) await stream.write(byte);
}

async function readOne(stream, buf) {
  let n = stream.tryRead(buf);
  if (n === WOULD_BLOCK) n = await stream.read(buf);
  return n;
}

async function tcpAnyrt() {
  const pair = await anyrtPair();
  const { client, server } = pair;
  const echo = (async () => {
    const buf = new Uint8Array(1);
    while ((await readOne(server, buf)) > 0) await writeOne(server, buf);
  })();
  const ping = new Uint8Array([1]);
  const pong = new Uint8Array(1);
  for (let i = 0; i < N; i++) {
    await writeOne(client, ping);
    if ((await readOne(client, pong)) !== 1) throw new Error("unexpected EOF");
  }
  await closePair(pair, echo);
}

async function tcpAnyrtInline() {
  const pair = await anyrtPair();
  const { client, server } = pair;
  const echo = (async () => {
    const buf = new Uint8Array(1);
    for (;;) {
      let n = server.tryRead(buf);
      if (n === WOULD_BLOCK) n = await server.read(buf);
      if (n === 0) return;
      if (server.tryWrite(buf) === WOULD_BLOCK) await server.write(buf);
    }
  })();
  const ping = new Uint8Array([1]);
  const pong = new Uint8Array(1);
  for (let i = 0; i < N; i++) {
    if (client.tryWrite(ping) === WOULD_BLOCK) await client.write(ping);
    let n = client.tryRead(pong);
    if (n === WOULD_BLOCK) n = await client.read(pong);
    if (n !== 1) throw new Error("unexpected EOF");
  }
  await closePair(pair, echo);
}

const udpSocket = (data) => Bun.udpSocket({ hostname: HOST, port: 0, binaryType: "uint8array", socket: { data } });

async function udpNative() {
  const server = await udpSocket((socket, data, port, address) => void socket.send(data, port, address));
  const ping = new Uint8Array(16).fill(1);
  let count = 0;
  let finish = () => {};
  const done = new Promise((resolve) => (finish = resolve));
  const client = await udpSocket((socket) => {
    if (++count >= N) finish();
    else socket.send(ping, server.port, HOST);
  });
  client.send(ping, server.port, HOST);
  await done;
  server.close();
  client.close();
}

async function udpNativePromise() {
  const serverInbox = inbox();
  const clientInbox = inbox();
  const server = await udpSocket((_socket, data, port, address) => serverInbox.put({ data, port, address }));
  const client = await udpSocket((_socket, data, port, address) => clientInbox.put({ data, port, address }));
  const echo = (async () => {
    for (let i = 0; i < N; i++) {
      const { data, port, address } = await serverInbox.next();
      server.send(data, port, address);
    }
  })();
  const ping = new Uint8Array(16).fill(1);
  for (let i = 0; i < N; i++) {
    client.send(ping, server.port, HOST);
    await clientInbox.next();
  }
  await echo;
  server.close();
  client.close();
}

async function udpAnyrt() {
  const [server, client] = await Promise.all([
    runtime.udp.bind({ hostname: HOST, port: 0 }),
    runtime.udp.bind({ hostname: HOST, port: 0 }),
  ]);
  const echo = (async () => {
    const buffer = new Uint8Array(2048);
    for (;;) {
      const { bytesRead, from } = await server.receive(buffer);
      await server.send(buffer.subarray(0, bytesRead), from);
    }
  })().catch(() => {});
  const ping = new Uint8Array(16).fill(1);
  const pong = new Uint8Array(2048);
  const to = server.localAddress;
  for (let i = 0; i < N; i++) {
    await client.send(ping, to);
    await client.receive(pong);
  }
  await Promise.all([server.close(), client.close()]);
  await echo;
}

const variants =
  protocol === "udp"
    ? { native: udpNative, "native+promise": udpNativePromise, anyrt: udpAnyrt }
    : { native: tcpNative, "native+promise": tcpNativePromise, anyrt: tcpAnyrt, "anyrt-inline": tcpAnyrtInline };
const results = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  const names = Object.keys(variants);
  for (const name of round % 2 === 0 ? names : names.reverse()) {
    const before = process.cpuUsage();
    await variants[name]();
    const used = process.cpuUsage(before);
    results[name].push((used.user + used.system) / N);
  }
}
console.log(`${protocol}: ${N} round trips x ${rounds} rounds, Bun ${Bun.version}`);
const best = Math.min(...results.native);
for (const [name, samples] of Object.entries(results)) {
  const mine = Math.min(...samples);
  const all = samples.map((x) => x.toFixed(2)).join(" ");
  console.log(
    `${name.padEnd(15)} CPU us/rt best ${mine.toFixed(2)} (native / it ${(best / mine).toFixed(3)}) [${all}]`,
  );
}
