/**
 * The relay of TCP over WebSocket: a small RFC 6455 server that tunnels each WebSocket to a TCP
 * connection, written only against `@anyrt/core` so that it runs on Node, Deno and Bun.
 *
 * ## The `anyrt.tcp.v1` protocol
 *
 * The client opens `ws://<relay>/<path>?host=<hostname>&port=<port>[&window=<bytes>]` asking for
 * the subprotocol `anyrt.tcp.v1` (a request without it gets HTTP 400).
 *
 * - The relay checks `host` and `port` (`InvalidInput`), then the `allow(hostname, port)` policy
 *   (default: loopback only, `127.0.0.0/8`, `::1`, `localhost`; a refusal is `PermissionDenied`),
 *   then connects. On success it sends the text message
 *   `{"type":"open","localAddress":{...},"remoteAddress":{...}}` (the addresses of its TCP socket).
 * - A failure closes the WebSocket with code 4000 and the `IoErrorKind` as reason
 *   (`ConnectionRefused`, `TimedOut`, `NotFound`, `PermissionDenied`, `InvalidInput`, ...).
 * - Binary messages carry data both ways. Text messages are JSON control messages:
 *   `{"type":"end"}` means "I send no more data" (from the client, the relay shuts the TCP write
 *   side down; the relay sends it when TCP reads EOF), and `{"type":"ack","bytes":N}` gives the
 *   relay `N` bytes of credit.
 * - Flow control: the relay sends at most `window` bytes (default 4 MiB; 0 means unlimited)
 *   beyond what the client acknowledged, and does not read its TCP socket while out of credit, so
 *   the TCP peer blocks when the browser does not read.
 * - A TCP error closes the WebSocket with 4000 and the kind (`ConnectionReset`). A client that
 *   closes without `end` makes the relay close the TCP socket. When both directions have ended,
 *   the relay closes the WebSocket with 1000 and the TCP socket.
 * - The relay pings the client every `pingIntervalMs` (default 30 s); a ping that cannot be
 *   written means the client is gone, and the relay closes both sides.
 *
 * @module
 */
import { IoError, isIoError, type Runtime, type SocketAddress, type TcpListener, type TcpStream } from "@anyrt/core";
import { CLOSE_FAILURE, DEFAULT_WINDOW, parseControl, TCP_SUBPROTOCOL } from "../websocket/protocol.ts";
import {
  closePayload,
  FrameWriter,
  Input,
  kindOf,
  OP_BINARY,
  OP_CLOSE,
  OP_CONTINUATION,
  OP_PING,
  OP_PONG,
  OP_TEXT,
  ProtocolError,
  readHeader,
  unmask,
  upgrade,
} from "./websocket.ts";

export { TCP_SUBPROTOCOL } from "../websocket/protocol.ts";

/** Decides whether the relay may connect to `hostname:port`. */
export type RelayPolicy = (hostname: string, port: number) => boolean | Promise<boolean>;

/** Options of {@link relayConnection}. */
export interface RelayConnectionOptions {
  /** The URL path the relay answers on. Default `"/"`. */
  readonly path?: string;
  /** Which destinations are allowed. Default {@link loopbackOnly}. */
  readonly allow?: RelayPolicy;
  /** How long a TCP connect may take before the client gets `TimedOut`. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** The largest WebSocket message accepted from a client; larger ones close with 1009. Default 1 MiB. */
  readonly maxMessageSize?: number;
  /** The largest HTTP request header block; larger ones get 431. Default 16 KiB. */
  readonly maxHeaderBytes?: number;
  /**
   * How often the relay pings the client (an RFC 6455 ping; browsers answer on their own), in
   * milliseconds; 0 turns pings off. Default 30 000. Besides keeping idle connections open through
   * proxies, a ping is how the relay notices a client that went away while the relay was blocked
   * writing to a TCP peer that does not read (and so was not reading the WebSocket either): the
   * ping's write fails, and the relay closes both sides.
   */
  readonly pingIntervalMs?: number;
}

/** Options of {@link serveWebSocketRelay}. */
export interface WebSocketRelayOptions extends RelayConnectionOptions {
  /** Address to bind. Default `"127.0.0.1"`. */
  readonly hostname?: string;
  /** Port to bind; 0 picks a free one. */
  readonly port: number;
}

/** A running relay (see {@link serveWebSocketRelay}). */
export interface WebSocketRelay extends AsyncDisposable {
  /** The bound address. */
  readonly localAddress: SocketAddress;
  /** The relay's base URL, such as `ws://127.0.0.1:8080/`; clients add `?host=&port=`. */
  readonly url: string;
  /** Stops accepting and closes every relayed connection. Idempotent. */
  close(): Promise<void>;
}

/** The default policy: loopback destinations only (`127.0.0.0/8`, `::1`, `localhost`). */
export function loopbackOnly(hostname: string, _port: number): boolean {
  const host = hostname.toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
/** Bytes read from TCP at a time, at most (and so the largest data message the relay sends). */
const CHUNK = 64 * 1024;
/** How long the relay waits for the client's close frame after sending its own. */
const CLOSE_WAIT_MS = 5_000;

/** The numeric options and the smallest value each takes. */
const numericOptions = [
  ["connectTimeoutMs", 1],
  ["maxMessageSize", 1],
  ["maxHeaderBytes", 1],
  ["pingIntervalMs", 0],
] as const;

/** Checks the options of a relay at once: each numeric option is a safe integer in range. */
function checkOptions(operation: string, options: RelayConnectionOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new IoError("InvalidInput", `${operation}: options must be an object`);
  }
  for (const [name, min] of numericOptions) {
    const value = options[name];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= min)) {
      throw new IoError("InvalidInput", `${operation}: ${name} must be an integer >= ${min}, got ${String(value)}`);
    }
  }
  if (options.allow !== undefined && typeof options.allow !== "function") {
    throw new IoError("InvalidInput", `${operation}: allow must be a function`);
  }
}

/** Asks the policy; a policy that throws refuses. */
async function allowed(policy: RelayPolicy, hostname: string, port: number): Promise<boolean> {
  try {
    return (await policy(hostname, port)) === true;
  } catch {
    return false;
  }
}

/** Checks a `host` query parameter: a host name or an IP literal (IPv6 possibly in brackets). */
function parseHost(value: string | null): string | null {
  if (value === null || value === "" || value.length > 253) return null;
  const host = value.startsWith("[") && value.endsWith("]") ? value.slice(1, -1) : value;
  return /^[A-Za-z0-9._:%-]+$/.test(host) ? host : null;
}

/** Parses a decimal integer parameter in `min..max`; `null` when it is not one. */
function parseInteger(value: string | null, min: number, max: number): number | null {
  if (value === null || !/^\d{1,10}$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
}

/**
 * Serves one accepted connection as the relay: upgrades it to a WebSocket speaking
 * `anyrt.tcp.v1`, connects to the requested destination through `runtime.tcp`, and relays both
 * ways with backpressure until both sides are done. Resolves when the connection is finished;
 * `stream` is closed by then. It rejects only for invalid options (`InvalidInput`, at once, and
 * `stream` is left untouched). Use it in your own accept loop.
 *
 * @example
 * ```ts
 * import { runtime } from "@anyrt/auto";
 * import { relayConnection } from "@anyrt/web/relay";
 * // On the server (Node, Deno, Bun): a page cannot listen.
 * if (runtime.supports("tcp.listen")) {
 *   await using listener = await runtime.tcp.listen({ port: 0 });
 *   void (async () => {
 *     for await (const stream of listener) void relayConnection(runtime, stream, { path: "/tcp" });
 *   })();
 *   console.assert(listener.localAddress.port > 0);
 * }
 * ```
 */
export async function relayConnection(
  runtime: Runtime,
  stream: TcpStream,
  options: RelayConnectionOptions = {},
): Promise<void> {
  checkOptions("relayConnection", options);
  await runRelayed(new RelayedConnection(runtime, stream, options));
}

/** Runs a relayed connection to its end, then releases both sockets. */
async function runRelayed(connection: RelayedConnection): Promise<void> {
  try {
    await connection.run();
  } catch {
    // A relay connection ends quietly: its errors went to the client as close codes.
  } finally {
    await connection.abort();
  }
}

/** One relayed connection: the WebSocket side, the TCP side, credit and the close handshake. */
class RelayedConnection {
  readonly #runtime: Runtime;
  readonly #ws: TcpStream;
  readonly #options: RelayConnectionOptions;
  readonly #input: Input;
  readonly #frames: FrameWriter;
  #tcp: TcpStream | null = null;
  #credit = Number.POSITIVE_INFINITY;
  #wakeCredit: (() => void) | null = null;
  #clientEnded = false;
  #tcpEnded = false;
  #closeSent = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  /** The TCP shutdown the client's `end` started, settled either way. */
  #shutdownDone: Promise<void> | null = null;

  constructor(runtime: Runtime, ws: TcpStream, options: RelayConnectionOptions) {
    this.#runtime = runtime;
    this.#ws = ws;
    this.#options = options;
    this.#input = new Input(ws);
    this.#frames = new FrameWriter(ws);
  }

  /** Closes both sockets at once (the relay is shutting down, or the connection is over). */
  async abort(): Promise<void> {
    clearTimeout(this.#closeTimer);
    clearInterval(this.#pingTimer);
    await Promise.all([this.#ws.close(), this.#tcp?.close()]);
  }

  async run(): Promise<void> {
    const upgraded = await upgrade(
      this.#input,
      this.#ws,
      this.#options.path ?? "/",
      TCP_SUBPROTOCOL,
      this.#options.maxHeaderBytes ?? 16 * 1024,
    );
    if (!upgraded.ok) return;
    const params = upgraded.url.searchParams;
    const host = parseHost(params.get("host"));
    const port = parseInteger(params.get("port"), 1, 65535);
    const windowParam = params.get("window");
    const window = windowParam === null ? DEFAULT_WINDOW : parseInteger(windowParam, 0, 2 ** 31);
    let failure: string | null = null;
    if (host === null || port === null || window === null) failure = "InvalidInput";
    else if (!(await allowed(this.#options.allow ?? loopbackOnly, host, port))) failure = "PermissionDenied";
    else {
      try {
        this.#tcp = await this.#connect(host, port);
      } catch (error) {
        failure = kindOf(error) ?? "Other";
      }
    }
    if (failure !== null || this.#tcp === null) {
      this.#close(CLOSE_FAILURE, failure ?? "Other");
      await this.#readFrames();
      return;
    }
    const tcp = this.#tcp;
    if (window !== null && window > 0) this.#credit = window;
    await this.#sendText({
      type: "open",
      localAddress: tcp.localAddress,
      remoteAddress: tcp.remoteAddress,
    }).catch(() => {});
    const downstream = this.#downstream(tcp);
    this.#startPings();
    await this.#readFrames();
    this.#close(1000, "");
    await tcp.close();
    this.#wake();
    await downstream;
  }

  async #connect(hostname: string, port: number): Promise<TcpStream> {
    const timeoutMs = this.#options.connectTimeoutMs ?? 10_000;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new IoError("TimedOut", "connect timed out")), timeoutMs);
    try {
      return await this.#runtime.tcp.connect({ hostname, port, signal: controller.signal });
    } catch (error) {
      if (controller.signal.aborted) throw new IoError("TimedOut", `connect ${hostname}:${port}: timed out`);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Pings the client every `pingIntervalMs` while the connection is open; one ping at a time (a
   * client that does not read holds it up, and that is no reason to queue more). A ping that
   * fails to be written means the client is gone: both sides are closed, which also ends a TCP
   * write the relay is blocked in.
   */
  #startPings(): void {
    const interval = this.#options.pingIntervalMs ?? 30_000;
    if (interval <= 0) return;
    let inFlight = false;
    this.#pingTimer = setInterval(() => {
      if (this.#closeSent) {
        clearInterval(this.#pingTimer);
        return;
      }
      if (inFlight) return;
      inFlight = true;
      this.#frames.send(OP_PING, new Uint8Array(0)).then(
        () => {
          inFlight = false;
        },
        () => {
          clearInterval(this.#pingTimer);
          void this.abort();
        },
      );
    }, interval);
  }

  #sendText(message: object): Promise<void> {
    return this.#frames.send(OP_TEXT, encoder.encode(JSON.stringify(message)));
  }

  /** Starts the close handshake (once): sends the close frame and stops relaying TCP. */
  #close(code: number, reason: string): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    this.#frames.send(OP_CLOSE, closePayload(code, reason)).catch(() => {});
    void this.#tcp?.close();
    this.#wake();
    // The client answers with its close frame; one that does not is cut off.
    this.#closeTimer = setTimeout(() => void this.#ws.close(), CLOSE_WAIT_MS);
  }

  #wake(): void {
    const wake = this.#wakeCredit;
    this.#wakeCredit = null;
    wake?.();
  }

  #maybeFinish(): void {
    if (this.#clientEnded && this.#tcpEnded) this.#close(1000, "");
  }

  /** TCP -> WebSocket, within credit. */
  async #downstream(tcp: TcpStream): Promise<void> {
    const buf = new Uint8Array(CHUNK);
    try {
      while (!this.#closeSent) {
        while (this.#credit <= 0 && !this.#closeSent) {
          await new Promise<void>((resolve) => {
            this.#wakeCredit = resolve;
          });
        }
        if (this.#closeSent) return;
        const n = await tcp.read(buf.subarray(0, Math.min(CHUNK, this.#credit)));
        if (this.#closeSent) return;
        if (n === 0) {
          await this.#sendText({ type: "end" });
          this.#tcpEnded = true;
          this.#maybeFinish();
          return;
        }
        this.#credit -= n;
        await this.#frames.send(OP_BINARY, buf.subarray(0, n));
      }
    } catch (error) {
      if (this.#closeSent || isIoError(error, "Closed")) return;
      const kind = kindOf(error);
      this.#close(CLOSE_FAILURE, kind === undefined || kind === "Other" ? "ConnectionReset" : kind);
    }
  }

  /** WebSocket -> TCP, and control frames, until the client's close frame or EOF. */
  async #readFrames(): Promise<void> {
    const maxMessage = this.#options.maxMessageSize ?? 1024 * 1024;
    let messageOpcode = -1;
    let messageSize = 0;
    let text: Uint8Array[] = [];
    try {
      for (;;) {
        const header = await readHeader(this.#input, maxMessage);
        if (header === null) return;
        const { opcode, length, mask, fin } = header;
        if (opcode >= OP_CLOSE) {
          if (!(await this.#input.need(length))) return;
          const payload = this.#input.take(length).slice();
          unmask(payload, mask, 0);
          if (opcode === OP_CLOSE) {
            if (payload.length === 1) this.#close(1002, "bad close payload");
            const code = payload.length >= 2 ? (payload[0] as number) * 256 + (payload[1] as number) : 1000;
            // After `end`, the bytes before it still reach the peer: let the TCP shutdown finish.
            if (this.#shutdownDone !== null) {
              let timer: ReturnType<typeof setTimeout> | undefined;
              const timeout = new Promise<void>((resolve) => {
                timer = setTimeout(resolve, CLOSE_WAIT_MS);
              });
              await Promise.race([this.#shutdownDone, timeout]);
              clearTimeout(timer);
            }
            // A client that closes first, without `end`, abandons the connection: TCP is closed.
            this.#close(code === 1005 || code === 1006 ? 1000 : code, "");
            await this.#frames.settled();
            return;
          }
          if (opcode === OP_PING && !this.#closeSent) await this.#frames.send(OP_PONG, payload);
          continue;
        }
        if (opcode === OP_CONTINUATION) {
          if (messageOpcode < 0) throw new ProtocolError(1002, "continuation without a message");
        } else {
          if (messageOpcode >= 0) throw new ProtocolError(1002, "a new message inside a fragmented one");
          messageOpcode = opcode;
          messageSize = 0;
        }
        messageSize += length;
        if (messageSize > maxMessage) throw new ProtocolError(1009, `message over ${maxMessage} bytes`);
        let offset = 0;
        while (offset < length) {
          const chunk = await this.#input.some(Math.min(length - offset, CHUNK));
          if (chunk === null) return;
          unmask(chunk, mask, offset);
          offset += chunk.length;
          if (messageOpcode === OP_TEXT) text.push(chunk.slice());
          else await this.#toTcp(chunk);
        }
        if (fin) {
          if (messageOpcode === OP_TEXT) this.#control(text);
          messageOpcode = -1;
          text = [];
        }
      }
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.#close(error.code, error.message);
        await this.#frames.settled();
      }
    } finally {
      clearTimeout(this.#closeTimer);
    }
  }

  /** Writes client data to TCP; a failure ends the connection with its kind. */
  async #toTcp(chunk: Uint8Array): Promise<void> {
    const tcp = this.#tcp;
    if (tcp === null || this.#closeSent || this.#clientEnded) return;
    try {
      let offset = 0;
      while (offset < chunk.length) offset += await tcp.write(chunk.subarray(offset));
    } catch (error) {
      if (this.#closeSent) return;
      const kind = kindOf(error);
      this.#close(CLOSE_FAILURE, kind === undefined || kind === "Other" ? "ConnectionReset" : kind);
    }
  }

  #control(parts: Uint8Array[]): void {
    let text: string;
    try {
      const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
      let at = 0;
      for (const part of parts) {
        bytes.set(part, at);
        at += part.length;
      }
      text = decoder.decode(bytes);
    } catch {
      throw new ProtocolError(1007, "text message is not UTF-8");
    }
    const message = parseControl(text);
    if (message === null) throw new ProtocolError(1008, "unknown control message");
    if (message.type === "ack") {
      this.#credit += message.bytes;
      this.#wake();
    } else if (message.type === "end" && !this.#clientEnded) {
      this.#clientEnded = true;
      const tcp = this.#tcp;
      if (tcp === null || this.#closeSent) return;
      this.#shutdownDone = tcp.shutdown().then(
        () => this.#maybeFinish(),
        (error: unknown) => {
          if (this.#closeSent) return;
          const kind = kindOf(error);
          this.#close(CLOSE_FAILURE, kind === undefined || kind === "Other" ? "ConnectionReset" : kind);
        },
      );
    }
  }
}

/**
 * Listens on `hostname:port` (default `127.0.0.1`) and relays every WebSocket that asks for
 * `anyrt.tcp.v1` on `path` (default `/`) to TCP, as {@link relayConnection} does. `close()` stops
 * listening and closes every relayed connection.
 *
 * @example
 * ```ts
 * import { runtime } from "@anyrt/auto";
 * import { serveWebSocketRelay } from "@anyrt/web/relay";
 * // On the server (Node, Deno, Bun): a page cannot listen.
 * if (runtime.supports("tcp.listen")) {
 *   await using relay = await serveWebSocketRelay(runtime, { port: 0, path: "/tcp" });
 *   console.assert(relay.url.startsWith("ws://127.0.0.1:")); // give it to webSocketTcp({ relay: relay.url })
 * }
 * ```
 */
export async function serveWebSocketRelay(runtime: Runtime, options: WebSocketRelayOptions): Promise<WebSocketRelay> {
  checkOptions("serveWebSocketRelay", options);
  const hostname = options.hostname ?? "127.0.0.1";
  const path = options.path ?? "/";
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new IoError("InvalidInput", `serveWebSocketRelay: path must start with "/", got ${String(path)}`);
  }
  const listener: TcpListener = await runtime.tcp.listen({ hostname, port: options.port });
  const connections = new Set<RelayedConnection>();
  const tasks = new Set<Promise<void>>();
  const accepting = (async () => {
    try {
      for await (const stream of listener) {
        const connection = new RelayedConnection(runtime, stream, options);
        connections.add(connection);
        const task = runRelayed(connection).finally(() => {
          connections.delete(connection);
          tasks.delete(task);
        });
        tasks.add(task);
      }
    } catch {
      // The listener failed or closed: stop accepting.
    }
  })();
  const { localAddress } = listener;
  const host = localAddress.family === 6 ? `[${localAddress.hostname}]` : localAddress.hostname;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await listener.close();
      await accepting;
      await Promise.all([...connections].map((connection) => connection.abort()));
      await Promise.all([...tasks]);
    })();
    return closing;
  };
  return {
    localAddress,
    url: `ws://${host}:${localAddress.port}${path}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}
