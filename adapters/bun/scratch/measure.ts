// Scratch measurement (not the official bench): 64 KiB writes over loopback and 1-byte ping-pong,
// anyrt's Bun adapter against raw Bun.connect/Bun.listen handlers and node:net, in one process.
// Run from the repo root after `npx tsc -b adapters/bun`:
//   node_modules/.bin/bun adapters/bun/scratch/measure.ts [MiB=256] [roundTrips=20000]
import net from "node:net";
import { bunNet } from "@anyrt/bun";
import { WOULD_BLOCK } from "@anyrt/core";

const TOTAL = Number(process.argv[2] ?? 256) * 1024 * 1024;
const ROUND_TRIPS = Number(process.argv[3] ?? 20000);
const CHUNK = 64 * 1024;

async function anyrtThroughput(): Promise<number> {
  const listener = await bunNet.listen({ port: 0 });
  const [client, server] = await Promise.all([bunNet.connect({ port: listener.localAddress.port }), listener.accept()]);
  const chunk = new Uint8Array(CHUNK);
  const start = performance.now();
  const reading = (async () => {
    const buf = new Uint8Array(CHUNK);
    let got = 0;
    for (;;) {
      let n = server.tryRead(buf);
      if (n === WOULD_BLOCK) n = await server.read(buf);
      if (n === 0) return got;
      got += n;
    }
  })();
  let sent = 0;
  while (sent < TOTAL) {
    let n = client.tryWrite(chunk);
    if (n === WOULD_BLOCK) n = await client.write(chunk);
    sent += n;
  }
  await client.shutdown();
  const got = await reading;
  const ms = performance.now() - start;
  await Promise.all([client.close(), server.close(), listener.close()]);
  return got / 1048576 / (ms / 1000);
}

async function nativeThroughput(): Promise<number> {
  let got = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    allowHalfOpen: true,
    socket: {
      data(_socket, data) {
        got += data.length;
      },
      end(socket) {
        socket.end();
        done();
      },
    },
  });
  const chunk = new Uint8Array(CHUNK);
  let sent = 0;
  const pump = (socket: Bun.Socket<undefined>) => {
    while (sent < TOTAL) {
      const n = socket.write(chunk);
      if (n <= 0) return;
      sent += n;
      if (n < CHUNK) return;
    }
    socket.shutdown();
  };
  const start = performance.now();
  const client = await Bun.connect({
    hostname: "127.0.0.1",
    port: server.port,
    allowHalfOpen: true,
    socket: { drain: pump },
  });
  pump(client);
  await finished;
  const ms = performance.now() - start;
  client.end();
  server.stop(true);
  return got / 1048576 / (ms / 1000);
}

async function nodeNetThroughput(): Promise<number> {
  let got = 0;
  const server = net.createServer({ allowHalfOpen: true });
  const finished = new Promise<void>((resolve) => {
    server.on("connection", (socket) => {
      socket.on("data", (data: Buffer) => {
        got += data.length;
      });
      socket.on("end", () => {
        socket.destroy();
        resolve();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const client = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  await new Promise((resolve) => client.once("connect", resolve));
  const chunk = Buffer.alloc(CHUNK);
  let sent = 0;
  const start = performance.now();
  const pump = () => {
    while (sent < TOTAL) {
      sent += CHUNK;
      if (!client.write(chunk)) return;
    }
    client.end();
  };
  client.on("drain", pump);
  pump();
  await finished;
  const ms = performance.now() - start;
  client.destroy();
  server.close();
  return got / 1048576 / (ms / 1000);
}

async function anyrtPingPong(): Promise<number> {
  const listener = await bunNet.listen({ port: 0 });
  const [client, server] = await Promise.all([bunNet.connect({ port: listener.localAddress.port }), listener.accept()]);
  const echo = (async () => {
    const buf = new Uint8Array(1);
    for (;;) {
      let n = server.tryRead(buf);
      if (n === WOULD_BLOCK) n = await server.read(buf);
      if (n === 0) return;
      await server.write(buf);
    }
  })();
  const ping = new Uint8Array([1]);
  const pong = new Uint8Array(1);
  const start = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) {
    await client.write(ping);
    let n = client.tryRead(pong);
    if (n === WOULD_BLOCK) n = await client.read(pong);
  }
  const ms = performance.now() - start;
  await client.shutdown();
  await echo;
  await Promise.all([client.close(), server.close(), listener.close()]);
  return ROUND_TRIPS / (ms / 1000);
}

async function nativePingPong(): Promise<number> {
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket, data) {
        socket.write(data);
      },
    },
  });
  let remaining = ROUND_TRIPS;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const ping = new Uint8Array([1]);
  const client = await Bun.connect({
    hostname: "127.0.0.1",
    port: server.port,
    socket: {
      data(socket) {
        if (--remaining === 0) done();
        else socket.write(ping);
      },
    },
  });
  const start = performance.now();
  client.write(ping);
  await finished;
  const ms = performance.now() - start;
  client.end();
  server.stop(true);
  return ROUND_TRIPS / (ms / 1000);
}

const rounds = 3;
const best = async (run: () => Promise<number>) => {
  let top = 0;
  for (let i = 0; i < rounds; i++) top = Math.max(top, await run());
  return top;
};
console.log(
  `Bun ${Bun.version}, ${TOTAL / 1048576} MiB of 64 KiB writes, ${ROUND_TRIPS} round trips, best of ${rounds}`,
);
console.log(
  `throughput MiB/s  anyrt ${(await best(anyrtThroughput)).toFixed(0)}  native handlers ${(await best(nativeThroughput)).toFixed(0)}  node:net ${(await best(nodeNetThroughput)).toFixed(0)}`,
);
console.log(
  `ping-pong round trips/s  anyrt ${(await best(anyrtPingPong)).toFixed(0)}  native handlers ${(await best(nativePingPong)).toFixed(0)}`,
);
