/**
 * TLS on `node:tls`: connect (reading through `onread` into the TCP stream's adaptive landing, as
 * plain TCP does), upgrade in place (`tls.connect({ socket })`), listen (`tls.createServer`), with
 * verification on by default and Node's error codes mapped onto the TLS kinds. Wrapped and
 * server-side TLS sockets take no `onread` option (nodejs/node#35753): they are switched to the
 * same landing once made (see `readIntoLanding`). Large writes go to the socket without the staging
 * copy, as on plain TCP (`SocketTransport.writeDirect`).
 * @module
 */
import type { X509Certificate } from "node:crypto";
import type net from "node:net";
import tls from "node:tls";
import {
  IoError,
  type TcpStream,
  type Tls,
  type TlsConnectOptions,
  type TlsInfo,
  type TlsListener,
  type TlsListenOptions,
  type TlsStream,
  type TlsUpgradeOptions,
} from "@anyrt/core";
import {
  AcceptQueue,
  abortReason,
  checkTlsConnectOptions,
  checkTlsListenOptions,
  checkTlsUpgradeArguments,
  NodeTlsKit,
  nativeIoError,
  peerCertificateOf,
  QueuedListener,
  throwIfAborted,
  tlsFailureKind,
} from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";
import { AdaptiveLanding, addressOf, NodeTcpStream } from "./tcp.ts";

/**
 * A TLS connection: the Node TCP stream over a `tls.TLSSocket`, with what its handshake settled.
 * The peer's certificate is taken at once (the socket forgets it once closed) and described on
 * first use of `tls`: reading its fields costs more than the rest of a connect.
 */
class NodeTlsStream extends NodeTcpStream implements TlsStream {
  readonly #protocol: string | null;
  readonly #alpnProtocol: string | null;
  #certificate: X509Certificate | undefined;
  #info: TlsInfo | null = null;

  constructor(socket: tls.TLSSocket, landing: AdaptiveLanding) {
    super(socket, landing, `tls ${socket.remoteAddress ?? ""}:${socket.remotePort ?? 0}`);
    this.#protocol = socket.getProtocol() ?? null;
    this.#alpnProtocol = typeof socket.alpnProtocol === "string" ? socket.alpnProtocol : null;
    this.#certificate = socket.getPeerX509Certificate();
  }

  get tls(): TlsInfo {
    if (this.#info === null) {
      const certificate = this.#certificate;
      this.#certificate = undefined;
      this.#info = Object.freeze({
        protocol: this.#protocol,
        alpnProtocol: this.#alpnProtocol,
        peerCertificate: certificate === undefined ? null : peerCertificateOf(certificate),
      });
    }
    return this.#info;
  }
}

/**
 * The `IoError` of a failure during a handshake (`handshaking`) or after it: Node's TLS codes and
 * OpenSSL's verification codes by core's table, everything else by the errno table.
 */
function tlsIoError(error: unknown, operation: string, handshaking: boolean): IoError {
  const kind = tlsFailureKind(error, handshaking);
  if (kind === undefined) return toIoError(error, operation);
  const { code, message } = error as { code?: unknown; message?: unknown };
  return nativeIoError(kind, operation, typeof code === "string" ? code : String(message), error);
}

/** anyrt's TLS options on `node:tls`: secure contexts cached by trust, connect and server options. */
const kit = new NodeTlsKit(tls);

/**
 * Waits for `socket`'s handshake: resolves with the stream once `'secureConnect'` fired, rejects
 * with the mapped failure (or the signal's reason, destroying the socket).
 */
function handshake(
  socket: tls.TLSSocket,
  landing: AdaptiveLanding,
  what: string,
  signal: AbortSignal | undefined,
): Promise<TlsStream> {
  return new Promise<TlsStream>((resolve, reject) => {
    const cleanup = () => {
      socket.off("secureConnect", onSecure);
      socket.off("error", onError);
      socket.off("close", onClose);
      signal?.removeEventListener("abort", onAbort);
    };
    const onSecure = () => {
      cleanup();
      resolve(new NodeTlsStream(socket, landing));
    };
    const onError = (error: unknown) => {
      cleanup();
      socket.destroy();
      reject(tlsIoError(error, what, true));
    };
    const onClose = () => {
      cleanup();
      reject(new IoError("ConnectionAborted", `${what}: the connection closed during the handshake`));
    };
    const onAbort = () => {
      cleanup();
      socket.destroy();
      reject(abortReason(signal as AbortSignal));
    };
    socket.once("secureConnect", onSecure);
    socket.once("error", onError);
    socket.once("close", onClose);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The symbols under which `net.Socket` keeps its `onread` option (`kBuffer`, `kBufferCb`,
 * `kBufferGen`: Node 20 to 24), found on a socket by their descriptions; `null` where a Node keeps
 * them otherwise.
 */
let onreadSymbols: { buffer: symbol; callback: symbol; generator: symbol } | null | undefined;

function findOnreadSymbols(socket: net.Socket): typeof onreadSymbols {
  if (onreadSymbols !== undefined) return onreadSymbols;
  const named = new Map(Object.getOwnPropertySymbols(socket).map((symbol) => [symbol.description, symbol]));
  const buffer = named.get("kBuffer");
  const callback = named.get("kBufferCb");
  const generator = named.get("kBufferGen");
  onreadSymbols =
    buffer === undefined || callback === undefined || generator === undefined ? null : { buffer, callback, generator };
  return onreadSymbols;
}

/**
 * Makes a TLS socket that Node created without `onread` (a server's, or one wrapping a socket:
 * nodejs/node#35753) read into `landing` as `onread` does: the socket's TLS handle lands decrypted
 * bytes in the landing's buffer (`useUserBuffer`, what `onread` sets up) and `net.Socket`'s read
 * callback hands them to the landing's callback, with no `Buffer` allocated per record and no
 * `'data'` event. Node keeps its `onread` option under private symbols, found here by their
 * description; where they or the handle's method are missing the socket feeds its `'data'` chunks
 * to the landing's `received` instead (accepted-stream reads: 147 against 201 MB/s for `node:tls`'s own
 * `'data'` events, decision note 0008). Bytes already buffered by the socket go first.
 */
function readIntoLanding(socket: tls.TLSSocket, landing: AdaptiveLanding): void {
  landing.attach(socket);
  const symbols = findOnreadSymbols(socket);
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (buf: Uint8Array) => void } })._handle;
  if (symbols === null || symbols === undefined || typeof handle?.useUserBuffer !== "function") {
    socket.on("data", (chunk: Buffer) => {
      if (!landing.received(chunk.length, chunk)) socket.pause();
    });
    return;
  }
  for (let chunk: Buffer | null = socket.read(); chunk !== null; chunk = socket.read()) {
    landing.received(chunk.length, chunk);
  }
  const first = landing.nextBuffer;
  const fields = socket as unknown as Record<symbol, unknown>;
  fields[symbols.buffer] = first;
  fields[symbols.callback] = landing.onread.callback;
  fields[symbols.generator] = landing.onread.buffer;
  handle.useUserBuffer(first);
}

/** Connects with TCP, then runs the client handshake. */
function connect(options: TlsConnectOptions): Promise<TlsStream> {
  try {
    checkTlsConnectOptions(options);
    throwIfAborted(options.signal);
  } catch (error) {
    return Promise.reject(error);
  }
  const hostname = options.hostname ?? "127.0.0.1";
  const { port, signal } = options;
  const what = `tls connect ${hostname}:${port}`;
  const landing = new AdaptiveLanding();
  let socket: tls.TLSSocket;
  try {
    socket = tls.connect({
      host: hostname,
      port,
      allowHalfOpen: true,
      noDelay: options.noDelay ?? true,
      onread: landing.onread,
      ...kit.clientOptions(what, options, options.serverName ?? hostname),
    } as tls.ConnectionOptions);
  } catch (error) {
    return Promise.reject(tlsIoError(error, what, true));
  }
  landing.attach(socket);
  return handshake(socket, landing, what, signal);
}

/** Takes a plaintext stream over and runs the client handshake on its socket. */
async function upgrade(stream: TcpStream, options: TlsUpgradeOptions = {}): Promise<TlsStream> {
  checkTlsUpgradeArguments(stream, options);
  throwIfAborted(options.signal);
  const operation = "tls upgrade";
  if (!(stream instanceof NodeTcpStream) || stream instanceof NodeTlsStream) {
    throw new IoError("InvalidInput", `${operation}: stream must be a plaintext TcpStream of @anyrt/node`);
  }
  // Bytes accepted but still in Node's buffer go out in plaintext, before the handshake.
  await stream.flush(options.signal === undefined ? undefined : { signal: options.signal });
  const taken = NodeTcpStream.takeOver(stream, operation, NodeTlsStream);
  const { socket: plain, remoteAddress } = taken;
  const what = `${operation} ${remoteAddress.hostname}:${remoteAddress.port}`;
  if (taken.unread > 0) {
    // A TLS server never speaks first: received bytes nobody read are not TLS.
    plain.destroy();
    throw new IoError(
      "InvalidData",
      `${what}: ${taken.unread} received bytes were not read before the upgrade, and a TLS server never sends first`,
    );
  }
  const landing = new AdaptiveLanding();
  let socket: tls.TLSSocket;
  try {
    socket = tls.connect({
      socket: plain,
      allowHalfOpen: true,
      ...kit.clientOptions(what, options, options.serverName ?? remoteAddress.hostname),
    } as tls.ConnectionOptions);
  } catch (error) {
    plain.destroy();
    throw tlsIoError(error, what, true);
  }
  readIntoLanding(socket, landing);
  return handshake(socket, landing, what, options.signal);
}

/** Binds and listens; accepted streams completed their handshake. */
function listen(options: TlsListenOptions): Promise<TlsListener> {
  try {
    checkTlsListenOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const hostname = options.hostname ?? "127.0.0.1";
  const backlog = options.backlog ?? 511;
  const what = `tls listen ${hostname}:${options.port}`;
  let server: tls.Server;
  try {
    server = kit.createServer(what, options) as tls.Server;
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<TlsListener>((resolve, reject) => {
    const onError = (error: unknown) => {
      server.close();
      reject(toIoError(error, what));
    };
    server.once("error", onError);
    server.listen({ host: hostname, port: options.port, backlog }, () => {
      server.off("error", onError);
      resolve(listenerOf(server, backlog));
    });
  });
}

/**
 * The listener of a TLS server: handshaken connections wait in the kit's bounded accept queue.
 * Closing it stops listening and ends the handshakes still under way; it does not wait for the
 * connections it handed out (Node's `server.close` callback would), which stay open.
 */
function listenerOf(server: tls.Server, backlog: number): TlsListener {
  const address = server.address() as { address: string; port: number; family: string };
  const localAddress = addressOf(address.address, address.port, address.family);
  const queue = new AcceptQueue<NodeTlsStream>(`accept on ${localAddress.hostname}:${localAddress.port}`, backlog);
  // A client that went quiet (or half-closed) mid-handshake would otherwise outlive the listener;
  // one whose handshake failed is never handed out.
  const endHandshakes = kit.trackHandshakes(server);
  server.on("secureConnection", (socket: tls.TLSSocket) => {
    if (queue.refusing) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const landing = new AdaptiveLanding();
    readIntoLanding(socket, landing);
    queue.push(new NodeTlsStream(socket, landing));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close();
      endHandshakes();
      // The listening handle is closed by the next turn of the event loop.
      setImmediate(resolve);
    });
  return new QueuedListener(localAddress, queue, stop);
}

/** The TLS part on `node:tls`. */
export const nodeTls: Tls = { connect, upgrade, listen };
