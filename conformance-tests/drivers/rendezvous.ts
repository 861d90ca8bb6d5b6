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
