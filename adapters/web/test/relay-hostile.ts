// The relay's hostile-client measurement: what slow-header clients and clients holding a
// half-sent message cost a relay, and whether the relay lets go of them. The relay runs in this
// process (so its memory is all that is measured), the clients and their TCP destination in a
// child process. `hostileClients` is for harnesses (the stress suite); run directly, it prints
// one JSON line of figures:
//
//   node --expose-gc adapters/web/test/relay-hostile.ts [slowHeaders=1000] [halfSent=100] [binary|text]
import { fork } from "node:child_process";
import { once } from "node:events";
import { createServer, type Socket, connect as tcpConnect } from "node:net";
import { fileURLToPath } from "node:url";
import { nodeRuntime } from "@anyrt/node";
import { serveWebSocketRelay } from "../src/relay/index.ts";

/** Memory of this process, in MiB, after a full collection. */
export interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly arrayBuffers: number;
  readonly external: number;
}

/** The figures of one run. */
export interface HostileFigures {
  readonly slowHeaders: number;
  readonly halfSent: number;
  readonly messageKind: "binary" | "text";
  readonly baseline: Memory;
  /** With every slow-header client connected and dribbling. */
  readonly withSlowHeaders: Memory;
  /** Slow-header clients the relay still held 15 s after they connected. */
  readonly slowStillOpenAfter15s: number;
  /** With every client holding an unfinished 1 MiB message, half of it sent. */
  readonly withHalfSent: Memory;
  /** Half-sent clients the relay still held 2 s after they stopped sending. */
  readonly halfSentStillOpenAfter2s: number;
}

const MIB = 1024 * 1024;

async function memory(): Promise<Memory> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const usage = process.memoryUsage();
  const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;
  return {
    rss: mib(usage.rss),
    heapUsed: mib(usage.heapUsed),
    arrayBuffers: mib(usage.arrayBuffers),
    external: mib(usage.external),
  };
}

/** Messages between the relay process and the clients' process. */
type Command =
  | { readonly type: "slow"; readonly count: number }
  | { readonly type: "half"; readonly count: number; readonly kind: "binary" | "text" }
  | { readonly type: "count" }
  | { readonly type: "drop" };

/**
 * Runs the measurement against a relay with its default options in this process, with
 * `slowHeaders` clients that send a request head a byte a second and `halfSent` clients that
 * upgrade, then send half of a 1 MiB message of `messageKind` and stop. Needs `--expose-gc` for
 * figures worth comparing.
 */
export async function hostileClients(
  slowHeaders: number,
  halfSent: number,
  messageKind: "binary" | "text" = "binary",
): Promise<HostileFigures> {
  await using relay = await serveWebSocketRelay(nodeRuntime, { port: 0, path: "/tcp" });
  const child = fork(fileURLToPath(import.meta.url), ["--clients", String(relay.localAddress.port)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ask = async (command: Command): Promise<number> => {
    const answer = once(child, "message");
    child.send(command);
    return (await answer)[0] as number;
  };
  try {
    await once(child, "message"); // ready
    const baseline = await memory();
    const started = Date.now();
    await ask({ type: "slow", count: slowHeaders });
    const withSlowHeaders = await memory();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 15_000 - Date.now())));
    const slowStillOpenAfter15s = await ask({ type: "count" });
    await ask({ type: "drop" });
    await ask({ type: "half", count: halfSent, kind: messageKind });
    const withHalfSent = await memory();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const halfSentStillOpenAfter2s = await ask({ type: "count" });
    await ask({ type: "drop" });
    return {
      slowHeaders,
      halfSent,
      messageKind,
      baseline,
      withSlowHeaders,
      slowStillOpenAfter15s,
      withHalfSent,
      halfSentStillOpenAfter2s,
    };
  } finally {
    child.kill();
  }
}

/** The clients' side: a TCP destination that never reads, and the hostile clients. */
async function clients(relayPort: number): Promise<void> {
  const held: Socket[] = [];
  const sink = createServer((socket) => {
    socket.pause();
    held.push(socket);
  });
  sink.listen(0, "127.0.0.1");
  await once(sink, "listening");
  const sinkPort = (sink.address() as { port: number }).port;
  let open: Socket[] = [];
  const request =
    `GET /tcp?host=127.0.0.1&port=${sinkPort} HTTP/1.1\r\nHost: 127.0.0.1:${relayPort}\r\n` +
    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: anyrt.tcp.v1\r\n";
  const connectOne = async (): Promise<Socket> => {
    const socket = tcpConnect(relayPort, "127.0.0.1");
    socket.on("error", () => undefined);
    await once(socket, "connect");
    open.push(socket);
    return socket;
  };
  const still = () => open.filter((socket) => !socket.readableEnded && !socket.destroyed && !socket.closed).length;
  let dribble: NodeJS.Timeout | undefined;
  process.on("message", async (command: Command) => {
    if (command.type === "slow") {
      for (let i = 0; i < command.count; i++) {
        const socket = await connectOne();
        socket.resume(); // reads the relay's answer, if any, so that its close is seen
        socket.write(request.slice(0, 20));
      }
      let at = 20;
      dribble = setInterval(() => {
        const byte = request.slice(at, at + 1) || "X";
        at++;
        for (const socket of open) if (!socket.destroyed) socket.write(byte);
      }, 1000);
      process.send?.(open.length);
    } else if (command.type === "half") {
      const payload = new Uint8Array(MIB / 2).fill(command.kind === "text" ? 0x20 : 7);
      // A masked frame header announcing 1 MiB (mask all zero, so the payload goes as is).
      const header = Uint8Array.of(
        0x80 | (command.kind === "text" ? 1 : 2),
        0x80 | 127,
        0,
        0,
        0,
        0,
        0,
        0x10,
        0,
        0,
        0,
        0,
        0,
        0,
      );
      for (let i = 0; i < command.count; i++) {
        const socket = await connectOne();
        socket.resume();
        socket.write(`${request}\r\n`);
        socket.write(header);
        socket.write(payload);
      }
      // Let the bytes reach the relay before it is measured.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      process.send?.(open.length);
    } else if (command.type === "count") {
      process.send?.(still());
    } else {
      clearInterval(dribble);
      for (const socket of open) socket.destroy();
      for (const socket of held.splice(0)) socket.destroy();
      open = [];
      await new Promise((resolve) => setTimeout(resolve, 500));
      process.send?.(0);
    }
  });
  process.send?.("ready");
}

if (process.argv[2] === "--clients") {
  await clients(Number(process.argv[3]));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [slow = "1000", half = "100", kind = "binary"] = process.argv.slice(2);
  console.log(JSON.stringify(await hostileClients(Number(slow), Number(half), kind === "text" ? "text" : "binary")));
}
