// The floor of memory per connection (decision note 0012, "Memory per connection: the floor,
// measured"): in one process, N loopback pairs held open, measured three ways per runtime:
//   native   the runtime's sockets alone (node:net, Deno.connect/listen, Bun.connect/listen), as
//            tcp-scaling's native program holds them;
//   minimal  the smallest stream written for this experiment that keeps the state of the
//            TcpStream contract over those sockets: a read side (a queue of unread bytes, made at
//            its first chunk, and a waiting read), a write side (a pending-write slot), the
//            shutdown and close state, the stored error, and the two addresses where the runtime
//            forgets them (Node and Bun, read as the stream is made); every socket's listeners and
//            handlers are functions shared by all, finding the stream through one field;
//   anyrt    anyrt's TcpStream from this runtime's adapter.
// The measure is tcp-scaling's: live memory after a full collection, 20 ms, another (V8's
// heapUsed + external on Node and Deno, the heap on Bun), after opening N pairs minus before,
// divided by N (a pair is both ends, as tcp-scaling sums its two processes). Both ends are in
// this process, as in one of tcp-scaling's two. Rounds rotate the order of the variants; each
// variant first moves a few bytes both ways over one pair, so that the minimal stream is shown
// to work and every variant's code is warm before it is measured.
// Run after `tsc -b`, from the repository root:
//   node_modules/.bin/node --expose-gc bench/experiments/scaling-memory-floor.mjs [pairs] [rounds]
//   node_modules/.bin/deno run -A --v8-flags=--expose-gc bench/experiments/scaling-memory-floor.mjs [pairs] [rounds]
//   node_modules/.bin/bun bench/experiments/scaling-memory-floor.mjs [pairs] [rounds]
import net from "node:net";
import process from "node:process";

const host = globalThis;
const runtimeName = host.Bun ? "bun" : host.Deno ? "deno" : "node";
const PAIRS = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 3);
const HOST = "127.0.0.1";
const BATCH = 250;

const gc = () => (host.Bun ? host.Bun.gc(true) : host.gc());
async function settledMemory() {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
  gc();
  const usage = process.memoryUsage();
  return host.Bun ? usage.heapUsed : usage.heapUsed + usage.external;
}

const adapter = await import(`@anyrt/${runtimeName}`);
const anyrtRuntime = adapter[`create${runtimeName[0].toUpperCase()}${runtimeName.slice(1)}Runtime`]();

// The minimal stream's state, shared by the three runtimes' versions.
const ENDED = 1;
const SHUT = 2;
const CLOSED = 4;

/**
 * The contract's state and the least code that keeps it: unread bytes (`chunks`, made at the
 * first one), the waiting read (`reader`), the pending write (`writer`), shutdown/close/EOF bits,
 * the error. `read` resolves at least one byte or 0 at EOF; `write` resolves once the runtime took
 * the bytes; `shutdown` half-closes; `close` releases.
 */
class MinimalState {
  chunks = null;
  size = 0;
  reader = null;
  writer = null;
  flags = 0;
  error = null;

  /** Bytes arrived: into the waiting read's buffer, the rest queued (copied: the runtime reuses its buffer). */
  arrived(bytes) {
    const reader = this.reader;
    let offset = 0;
    if (reader !== null && this.size === 0) {
      offset = Math.min(bytes.length, reader.buf.length);
      reader.buf.set(bytes.subarray(0, offset));
      this.reader = null;
      reader.resolve(offset);
    }
    if (offset < bytes.length) {
      this.chunks ??= [];
      this.chunks.push(bytes.slice(offset));
      this.size += bytes.length - offset;
    }
  }

  take(buf) {
    let n = 0;
    while (n < buf.length && this.size > 0) {
      const head = this.chunks[0];
      const count = Math.min(head.length, buf.length - n);
      buf.set(head.subarray(0, count), n);
      n += count;
      this.size -= count;
      if (count === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(count);
    }
    if (this.size === 0) this.chunks = null;
    return n;
  }

  ended() {
    this.flags |= ENDED;
    this.settleReader();
  }

  failed(error) {
    this.error ??= error;
    this.settleReader();
    const writer = this.writer;
    this.writer = null;
    writer?.reject(error);
  }

  settleReader() {
    const reader = this.reader;
    if (reader === null) return;
    this.reader = null;
    if (this.error !== null) reader.reject(this.error);
    else reader.resolve(0);
  }

  read(buf) {
    if (this.flags & CLOSED) return Promise.reject(new Error("closed"));
    if (this.size > 0) return Promise.resolve(this.take(buf));
    if (this.error !== null) return Promise.reject(this.error);
    if (this.flags & ENDED) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      this.reader = { buf, resolve, reject };
      this.wantRead();
    });
  }

  wantRead() {}
}

// ---- Node ----------------------------------------------------------------------------------

const MINIMAL = Symbol("minimal stream");
const nodeLanding = Buffer.alloc(64 * 1024);
/** `onread` shared by every minimal Node socket (callback: the socket is `this`). */
const nodeOnread = {
  buffer: nodeLanding,
  callback(n, buf) {
    this[MINIMAL].arrived(buf.subarray(0, n));
    return true;
  },
};
function nodeOnEnd() {
  this[MINIMAL].ended();
}
function nodeOnError(error) {
  this[MINIMAL].failed(error);
}
function nodeOnClose() {
  this[MINIMAL].failed(new Error("closed"));
}

class MinimalNodeStream extends MinimalState {
  constructor(socket) {
    super();
    this.socket = socket;
    socket[MINIMAL] = this;
    const peer = {};
    const local = {};
    socket._handle.getpeername(peer);
    socket._handle.getsockname(local);
    this.remoteHost = peer.address;
    this.remotePort = peer.port;
    this.localHost = local.address;
    this.localPort = local.port;
    socket.on("end", nodeOnEnd);
    socket.on("error", nodeOnError);
    socket.on("close", nodeOnClose);
    socket.resume();
  }

  write(buf) {
    if (this.flags & (CLOSED | SHUT)) return Promise.reject(new Error("shut down or closed"));
    if (this.error !== null) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      this.writer = { resolve, reject };
      this.socket.write(Buffer.from(buf), () => {
        this.writer = null;
        resolve(buf.length);
      });
    });
  }

  shutdown() {
    this.flags |= SHUT;
    return new Promise((resolve) => this.socket.end(resolve));
  }

  close() {
    this.flags |= CLOSED;
    this.socket.destroy();
  }
}

function nodeVariants() {
  return {
    native: () => {
      const server = net.createServer();
      const accepted = [];
      server.on("connection", (socket) => accepted.push(socket));
      return {
        listen: () => new Promise((resolve) => server.listen(0, HOST, () => resolve(server.address().port))),
        async pair(port, count) {
          const clients = [];
          const connects = [];
          for (let i = 0; i < count; i++) {
            const socket = net.connect({ host: HOST, port });
            clients.push(socket);
            connects.push(new Promise((resolve) => socket.once("connect", resolve)));
          }
          await Promise.all(connects);
          while (accepted.length < count) await new Promise((resolve) => setTimeout(resolve, 1));
          return zip(clients, accepted.splice(0, count));
        },
        exchange: nativeNodeExchange,
        close: (pairs) => {
          for (const [a, b] of pairs) {
            a.destroy();
            b.destroy();
          }
          server.close();
        },
      };
    },
    minimal: () => {
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
      const accepted = [];
      server.on("connection", (socket) => {
        const handle = socket._handle;
        socket._handle = null;
        socket.destroy();
        const adopted = new net.Socket({ handle, allowHalfOpen: true, onread: nodeOnread });
        accepted.push(new MinimalNodeStream(adopted));
      });
      return {
        listen: () => new Promise((resolve) => server.listen(0, HOST, () => resolve(server.address().port))),
        async pair(port, count) {
          const connects = [];
          for (let i = 0; i < count; i++) {
            const socket = net.connect({ host: HOST, port, allowHalfOpen: true, onread: nodeOnread });
            connects.push(
              new Promise((resolve) => socket.once("connect", () => resolve(new MinimalNodeStream(socket)))),
            );
          }
          const clients = await Promise.all(connects);
          while (accepted.length < count) await new Promise((resolve) => setTimeout(resolve, 1));
          return zip(clients, accepted.splice(0, count));
        },
        exchange: streamExchange,
        close: (pairs) => {
          for (const [a, b] of pairs) {
            a.close();
            b.close();
          }
          server.close();
        },
      };
    },
  };
}

async function nativeNodeExchange([client, server]) {
  const got = new Promise((resolve) => server.once("data", (data) => resolve(data.length)));
  client.write(Buffer.from("ping"));
  return got;
}

// ---- Deno ----------------------------------------------------------------------------------

class MinimalDenoStream extends MinimalState {
  reading = false;

  constructor(conn) {
    super();
    this.conn = conn;
  }

  /** Deno reads on demand: one native read while a read waits, into a buffer of its own. */
  wantRead() {
    if (this.reading) return;
    this.reading = true;
    const landing = new Uint8Array(16 * 1024);
    this.conn.read(landing).then(
      (n) => {
        this.reading = false;
        if (n === null) this.ended();
        else this.arrived(landing.subarray(0, n));
      },
      (error) => {
        this.reading = false;
        this.failed(error);
      },
    );
  }

  get localAddress() {
    return this.conn.localAddr;
  }

  get remoteAddress() {
    return this.conn.remoteAddr;
  }

  write(buf) {
    if (this.flags & (CLOSED | SHUT)) return Promise.reject(new Error("shut down or closed"));
    if (this.error !== null) return Promise.reject(this.error);
    const copy = buf.slice();
    return new Promise((resolve, reject) => {
      this.writer = { resolve, reject };
      this.conn.write(copy).then((n) => {
        this.writer = null;
        resolve(n);
      }, reject);
    });
  }

  shutdown() {
    this.flags |= SHUT;
    return this.conn.closeWrite();
  }

  close() {
    this.flags |= CLOSED;
    try {
      this.conn.close();
    } catch {
      // Closed already.
    }
  }
}

function denoVariants() {
  const make = (wrap) => () => {
    let listener;
    return {
      listen() {
        listener = Deno.listen({ hostname: HOST, port: 0 });
        return Promise.resolve(listener.addr.port);
      },
      async pair(port, count) {
        const connects = [];
        for (let i = 0; i < count; i++) connects.push(Deno.connect({ hostname: HOST, port }));
        const accepted = [];
        while (accepted.length < count) accepted.push(wrap(await listener.accept()));
        return zip((await Promise.all(connects)).map(wrap), accepted);
      },
      exchange: wrap === identity ? nativeDenoExchange : streamExchange,
      close(pairs) {
        for (const [a, b] of pairs) {
          a.close();
          b.close();
        }
        listener.close();
      },
    };
  };
  return { native: make(identity), minimal: make((conn) => new MinimalDenoStream(conn)) };
}

async function nativeDenoExchange([client, server]) {
  await client.write(new TextEncoder().encode("ping"));
  return server.read(new Uint8Array(16));
}

// ---- Bun -----------------------------------------------------------------------------------

class MinimalBunStream extends MinimalState {
  socket = null;
  localHost = "";
  localPort = 0;
  remoteHost = "";
  remotePort = 0;

  attach(socket) {
    this.socket = socket;
    socket.data = this;
    // Bun forgets them once the socket closes.
    this.localHost = socket.localAddress;
    this.localPort = socket.localPort;
    this.remoteHost = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    return this;
  }

  write(buf) {
    if (this.flags & (CLOSED | SHUT)) return Promise.reject(new Error("shut down or closed"));
    if (this.error !== null) return Promise.reject(this.error);
    const n = this.socket.write(buf);
    if (n > 0) return Promise.resolve(n);
    return new Promise((resolve, reject) => {
      this.writer = { buf, resolve, reject };
    });
  }

  drained() {
    const writer = this.writer;
    if (writer === null) return;
    const n = this.socket.write(writer.buf);
    if (n > 0) {
      this.writer = null;
      writer.resolve(n);
    }
  }

  shutdown() {
    this.flags |= SHUT;
    this.socket.shutdown();
    return Promise.resolve();
  }

  close() {
    this.flags |= CLOSED;
    this.socket.end();
  }
}

/** The handlers of every minimal Bun socket: `socket.data` is its stream. */
const bunHandlers = {
  data(socket, data) {
    socket.data.arrived(data);
  },
  drain(socket) {
    socket.data.drained();
  },
  end(socket) {
    socket.data.ended();
  },
  close(socket, error) {
    socket.data?.failed(error ?? new Error("closed"));
  },
};

function bunVariants() {
  return {
    native: () => {
      let server;
      const accepted = [];
      const handlers = {
        open(socket) {
          socket.data = { received: 0 };
          accepted.push(socket);
        },
        data(socket, data) {
          socket.data.received += data.byteLength;
        },
      };
      const clientHandlers = { drain() {} };
      return {
        listen() {
          server = Bun.listen({ hostname: HOST, port: 0, socket: handlers });
          return Promise.resolve(server.port);
        },
        async pair(port, count) {
          const connects = [];
          for (let i = 0; i < count; i++) connects.push(Bun.connect({ hostname: HOST, port, socket: clientHandlers }));
          const clients = await Promise.all(connects);
          for (const client of clients) client.data = { received: 0 };
          while (accepted.length < count) await new Promise((resolve) => setTimeout(resolve, 1));
          return zip(clients, accepted.splice(0, count));
        },
        async exchange([client, server]) {
          client.write("ping");
          while (server.data.received === 0) await new Promise((resolve) => setTimeout(resolve, 1));
          return server.data.received;
        },
        close(pairs) {
          for (const [a, b] of pairs) {
            a.end();
            b.end();
          }
          server.stop(true);
        },
      };
    },
    minimal: () => {
      let server;
      const accepted = [];
      return {
        listen() {
          server = Bun.listen({
            hostname: HOST,
            port: 0,
            allowHalfOpen: true,
            socket: {
              ...bunHandlers,
              open(socket) {
                accepted.push(new MinimalBunStream().attach(socket));
              },
            },
          });
          return Promise.resolve(server.port);
        },
        async pair(port, count) {
          const connects = [];
          for (let i = 0; i < count; i++) {
            const stream = new MinimalBunStream();
            connects.push(
              Bun.connect({ hostname: HOST, port, allowHalfOpen: true, data: stream, socket: bunHandlers }).then(
                (socket) => stream.attach(socket),
              ),
            );
          }
          const clients = await Promise.all(connects);
          while (accepted.length < count) await new Promise((resolve) => setTimeout(resolve, 1));
          return zip(clients, accepted.splice(0, count));
        },
        exchange: streamExchange,
        close(pairs) {
          for (const [a, b] of pairs) {
            a.close();
            b.close();
          }
          server.stop(true);
        },
      };
    },
  };
}

// ---- anyrt and the driver ------------------------------------------------------------------

function anyrtVariant() {
  let listener;
  return {
    async listen() {
      listener = await anyrtRuntime.tcp.listen({ hostname: HOST, port: 0 });
      return listener.localAddress.port;
    },
    async pair(port, count) {
      const connects = [];
      for (let i = 0; i < count; i++) connects.push(anyrtRuntime.tcp.connect({ hostname: HOST, port }));
      const accepted = [];
      while (accepted.length < count) accepted.push(await listener.accept());
      return zip(await Promise.all(connects), accepted);
    },
    exchange: streamExchange,
    close(pairs) {
      for (const [a, b] of pairs) {
        void a.close();
        void b.close();
      }
      void listener.close();
    },
  };
}

/** A stream pair works: "ping" one way, "pong" back, then the client's shutdown is the server's EOF. */
async function streamExchange([client, server]) {
  const buf = new Uint8Array(16);
  await client.write(new TextEncoder().encode("ping"));
  if ((await server.read(buf)) !== 4) throw new Error("ping lost");
  await server.write(new TextEncoder().encode("pong"));
  if ((await client.read(buf)) !== 4) throw new Error("pong lost");
  await client.shutdown();
  if ((await server.read(buf)) !== 0) throw new Error("no EOF after shutdown");
  return 4;
}

function zip(a, b) {
  return a.map((x, i) => [x, b[i]]);
}

function identity(x) {
  return x;
}

const variants = {
  ...(runtimeName === "node" ? nodeVariants() : runtimeName === "deno" ? denoVariants() : bunVariants()),
  anyrt: anyrtVariant,
};

/** Bytes per pair held by `PAIRS` pairs of `make()`'s program, after a working exchange on one pair. */
async function measure(make) {
  const program = make();
  const port = await program.listen();
  const warm = await program.pair(port, 1);
  await program.exchange(warm[0]);
  program.close(warm);
  const second = make();
  const port2 = await second.listen();
  const before = await settledMemory();
  const pairs = [];
  for (let opened = 0; opened < PAIRS; opened += BATCH)
    pairs.push(...(await second.pair(port2, Math.min(BATCH, PAIRS - opened))));
  const after = await settledMemory();
  second.close(pairs);
  pairs.length = 0;
  await new Promise((resolve) => setTimeout(resolve, 50));
  return (after - before) / PAIRS;
}

const names = Object.keys(variants);
const samples = Object.fromEntries(names.map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const order = names.map((_, i) => names[(i + round) % names.length]);
  for (const name of order) samples[name].push(await measure(variants[name]));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const native = median(samples.native);
console.log(`${runtimeName}: ${PAIRS} pairs, ${ROUNDS} rounds, bytes per pair (median; samples)`);
for (const name of names) {
  const value = median(samples[name]);
  console.log(
    `  ${name.padEnd(8)} ${Math.round(value).toString().padStart(6)}  ${(value / native).toFixed(2)}x native  (${samples[name].map(Math.round).join(", ")})`,
  );
}
process.exit(0);
