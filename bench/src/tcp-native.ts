/**
 * Small `node:net` helpers shared by the TCP benchmarks: a listening server on 127.0.0.1 with a
 * free port, the accepted socket of the next connection, and a backpressure-honouring writer.
 * @module
 */
import { once } from "node:events";
import net from "node:net";

export const HOST = "127.0.0.1";

/**
 * A `node:net` server on 127.0.0.1 with a free port; with `pauseOnConnect` its sockets read
 * nothing until resumed (or re-wrapped by {@link readWithOnread}).
 */
export async function listenNative(pauseOnConnect = false): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer({ pauseOnConnect });
  server.listen(0, HOST);
  await once(server, "listening");
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** Resolves the next connection accepted by `server`. */
export function nextConnection(server: net.Server): Promise<net.Socket> {
  return new Promise((resolve) => server.once("connection", resolve));
}

/**
 * Moves an accepted socket's native handle (from a server with `pauseOnConnect`, so nothing was
 * read yet) to a `net.Socket` that reads through `onread`, which `net.Server` does not offer: the
 * accepted end's fastest receive path, as anyrt's Node adapter uses it.
 */
export function readWithOnread(
  accepted: net.Socket,
  onread: { buffer: Uint8Array; callback: (n: number) => boolean },
): net.Socket {
  const wrapper = accepted as net.Socket & { _handle: unknown };
  const handle = wrapper._handle;
  wrapper._handle = null;
  accepted.destroy();
  return new net.Socket({ handle, onread } as net.SocketConstructorOpts);
}

/** Writes `total` bytes of `chunk`, repeated, waiting for `'drain'` whenever `write` says so. */
export async function writeNative(socket: net.Socket, chunk: Buffer, total: number): Promise<void> {
  const size = chunk.length;
  let left = total;
  while (left > 0) {
    const piece = left >= size ? chunk : chunk.subarray(0, left);
    left -= piece.length;
    if (!socket.write(piece)) await once(socket, "drain");
  }
}

/** Closes a server and waits until it is closed (connections are destroyed by their owners). */
export function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
