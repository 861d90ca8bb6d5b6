/**
 * The rendezvous relay of the hosted drivers (workerd, Chromium): their runtimes cannot listen, so
 * a stream pair is two outbound connections from the runtime that the host splices together.
 *
 * Each connection first sends a 32-byte token (`openRendezvousPair` in `@anyrt/conformance` is
 * the client side); the first connection with a token waits (its later
 * bytes buffered, with backpressure) until a second one with the same token arrives, then the two
 * are piped both ways. Half-close is forwarded: when one side sends FIN, the relay ends its write
 * side to the other (`allowHalfOpen`), and the other direction keeps flowing. An error (reset) on
 * one side resets the other. So the pair behaves as one TCP connection between `a` and `b`, with
 * the relay's buffering in between.
 * @module
 */
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { RENDEZVOUS_TOKEN_LENGTH as TOKEN_LENGTH } from "@anyrt/conformance";

/** Starts the rendezvous relay on 127.0.0.1 and resolves its port. */
export function startRelay(): Promise<{ server: Server; port: number }> {
  const waiting = new Map<string, Socket>();
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    let head = Buffer.alloc(0);
    socket.on("error", () => undefined);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (head.length < TOKEN_LENGTH) return;
      socket.off("data", onData);
      socket.pause();
      const token = head.subarray(0, TOKEN_LENGTH).toString("latin1");
      const rest = head.subarray(TOKEN_LENGTH);
      if (rest.length > 0) socket.unshift(rest);
      const peer = waiting.get(token);
      if (peer === undefined) {
        waiting.set(token, socket);
        socket.once("close", () => {
          if (waiting.get(token) === socket) waiting.delete(token);
        });
        return;
      }
      waiting.delete(token);
      splice(peer, socket);
    };
    socket.on("data", onData);
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolvePromise({ server, port: typeof address === "object" && address !== null ? address.port : 0 });
    });
  });
}

/** Pipes `a` and `b` both ways: FIN as FIN (half-close), an error as a reset of the other side. */
function splice(a: Socket, b: Socket): void {
  const oneWay = (from: Socket, to: Socket): void => {
    from.pipe(to, { end: true });
    from.on("error", () => {
      if (!to.destroyed) to.resetAndDestroy();
    });
    // A side closed without an error after its FIN: the other keeps its own write side open.
    from.on("close", (hadError) => {
      if (hadError && !to.destroyed) to.resetAndDestroy();
    });
  };
  oneWay(a, b);
  oneWay(b, a);
  a.resume();
  b.resume();
}

/** The largest value of a Linux `net.ipv4.tcp_[rw]mem` setting; `null` where it cannot be read. */
function tcpMemMax(name: "tcp_rmem" | "tcp_wmem"): number | null {
  try {
    const max = Number(readFileSync(`/proc/sys/net/ipv4/${name}`, "utf8").trim().split(/\s+/)[2]);
    return Number.isSafeInteger(max) && max > 0 ? max : null;
  } catch {
    return null;
  }
}

/** What the relays and the runtime under test may buffer besides the kernel: windows, queues. */
const USER_BUFFERING = 16 * 1024 * 1024;

/**
 * How many bytes a stream pair may hold when its bytes cross `connections` TCP connections on
 * this host: each connection's kernel send and receive buffers can grow (autotuning) to
 * `tcp_wmem` and `tcp_rmem`'s maximums, 4 MiB and 32 MiB on this project's Linux machines (64 MiB
 * per connection where those cannot be read), plus 16 MiB for the relays and the runtime. The
 * hosted drivers pass it as the rendezvous address's `buffering`, so that the backpressure cases
 * write that far before calling the pair unbounded.
 */
export function pairBufferingThrough(connections: number): number {
  const read = tcpMemMax("tcp_rmem");
  const write = tcpMemMax("tcp_wmem");
  const perConnection = read === null || write === null ? 64 * 1024 * 1024 : read + write;
  return connections * perConnection + USER_BUFFERING;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}
