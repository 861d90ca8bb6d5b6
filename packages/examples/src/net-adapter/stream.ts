// A TCP stream over a `node:net` socket, written with the adapter kit: the read side is a
// `ReadHalf` over a `ChunkQueue` that the socket's `data` events fill, the write side a
// `WriteHalf` over a small `WriteTransport` that hands bytes to `socket.write`. The kit holds the
// contract (EOF, Busy, cancel safety, Closed, BrokenPipe after shutdown, the sticky error); this
// file only connects it to the socket.
import type net from "node:net";
import { IoError, type OperationOptions, type SocketAddress, type TcpStream, WOULD_BLOCK } from "@anyrt/core";
import {
  ChunkQueue,
  checkBoolean,
  checkKeepAlive,
  errnoIoError,
  nodeStyleErrno,
  ReadHalf,
  WriteHalf,
  type WriteTransport,
} from "@anyrt/core/adapter";

/** Unread bytes past which the socket is paused: the receive queue stays bounded. */
const RECEIVE_LIMIT = 256 * 1024;
/** The most one write hands to the socket: the send side stays bounded too. */
const WRITE_CHUNK = 64 * 1024;

/** A native error as an `IoError` of the right kind (`ECONNRESET` is `ConnectionReset`, ...). */
export function toIoError(error: unknown, operation: string): IoError {
  return errnoIoError(nodeStyleErrno, error, operation);
}

/** The socket's endpoint as anyrt's `SocketAddress`. */
export function addressOf(
  hostname: string | undefined,
  port: number | undefined,
  family: string | undefined,
): SocketAddress {
  return { hostname: hostname ?? "", port: port ?? 0, family: family === "IPv6" ? 6 : 4 };
}

/**
 * The write transport: `accept` copies up to 64 KiB into `socket.write` while the socket's own
 * buffer is below its high-water mark, and says `WOULD_BLOCK` otherwise; `drain` then tells the
 * half there is room again.
 */
class SocketTransport implements WriteTransport {
  readonly label: string;
  readonly half: WriteHalf;
  readonly #socket: net.Socket;
  /** Writes handed to the socket whose callback has not run yet. */
  #inFlight = 0;

  constructor(socket: net.Socket, label: string) {
    this.#socket = socket;
    this.label = label;
    this.half = new WriteHalf(this);
    socket.on("drain", () => this.half.room());
  }

  get idle(): boolean {
    return this.#inFlight === 0;
  }

  accept(buf: Uint8Array): number {
    if (this.#socket.writableNeedDrain) return WOULD_BLOCK;
    const n = Math.min(buf.length, WRITE_CHUNK);
    this.#inFlight++;
    // The caller may reuse `buf` at once: the socket gets a copy.
    this.#socket.write(buf.slice(0, n), (error) => {
      this.#inFlight--;
      if (error) this.half.fail(toIoError(error, `write ${this.label}`));
      else if (this.#inFlight === 0) this.half.flushed();
    });
    return n;
  }

  end(): Promise<void> {
    return new Promise((resolve) => this.#socket.end(resolve));
  }
}

/** A connected socket as an anyrt `TcpStream`. Socket options are not declared: they fail with `Unsupported`. */
export class NetStream implements TcpStream {
  readonly localAddress: SocketAddress;
  readonly remoteAddress: SocketAddress;
  readonly #socket: net.Socket;
  readonly #queue = new ChunkQueue();
  readonly #reader: ReadHalf;
  readonly #writer: WriteHalf;

  /** Takes over `socket`, connected and created with `allowHalfOpen: true`. */
  constructor(socket: net.Socket) {
    this.#socket = socket;
    this.localAddress = addressOf(socket.localAddress, socket.localPort, socket.localFamily);
    this.remoteAddress = addressOf(socket.remoteAddress, socket.remotePort, socket.remoteFamily);
    const label = `tcp ${this.remoteAddress.hostname}:${this.remoteAddress.port}`;
    this.#reader = new ReadHalf(this.#queue, {
      label,
      // A read took bytes out: resume a socket paused at the limit.
      onConsumed: () => {
        if (socket.isPaused() && this.#queue.size < RECEIVE_LIMIT) socket.resume();
      },
    });
    this.#writer = new SocketTransport(socket, label).half;
    socket.on("data", (chunk: Buffer) => {
      this.#queue.push(chunk);
      this.#reader.notify();
      if (this.#queue.size >= RECEIVE_LIMIT) socket.pause();
    });
    socket.on("end", () => this.#reader.end()); // the peer's FIN: EOF after the queued bytes
    socket.on("error", (error) => {
      const ioError = toIoError(error, label);
      this.#reader.fail(ioError);
      this.#writer.peerClosed(ioError);
    });
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#reader.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#reader.tryRead(buf);
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#writer.write(buf, options);
  }

  tryWrite(buf: Uint8Array): number {
    return this.#writer.tryWrite(buf);
  }

  flush(options?: OperationOptions): Promise<void> {
    return this.#writer.flush(options);
  }

  shutdown(options?: OperationOptions): Promise<void> {
    return this.#writer.shutdown(options);
  }

  async close(): Promise<void> {
    this.#reader.close();
    this.#writer.close();
    this.#socket.destroy();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // Bad arguments are InvalidInput before anything else, the missing capability included.
  setNoDelay(enable: boolean): void {
    checkBoolean("setNoDelay", "enable", enable);
    this.#unsupported("setNoDelay");
  }

  setKeepAlive(enable: boolean, initialDelayMs?: number): void {
    checkKeepAlive("setKeepAlive", enable, initialDelayMs);
    this.#unsupported("setKeepAlive");
  }

  #unsupported(method: string): never {
    if (this.#reader.closed) throw new IoError("Closed", `${method}: the stream is closed`);
    throw new IoError("Unsupported", `${method}: not supported by the net example adapter (tcp.socketOptions)`);
  }
}
