/**
 * TCP over WebSocket for browsers: `webSocketTcp` opens TCP connections through a relay (see
 * `@anyrt/web/relay`) speaking `anyrt.tcp.v1`, on `WebSocketStream` where the browser has it and
 * on the classic `WebSocket` otherwise, with backpressure both ways.
 * @module
 */
import {
  IoError,
  isIoError,
  type SocketAddress,
  type Tcp,
  type TcpConnectOptions,
  type TcpListener,
  type TcpListenOptions,
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
  abortReason,
  BufferPool,
  ChunkQueue,
  checkBoolean,
  checkCallback,
  checkConnectOptions,
  checkInteger,
  checkKeepAlive,
  checkListenOptions,
  checkObject,
  checkTlsClientOptions,
  checkTlsListenOptions,
  checkTlsUpgradeArguments,
  describe,
  hostnameOf,
  ReadHalf,
  StagedStream,
  StagingTransport,
  throwIfAborted,
  type WriteHalf,
} from "@anyrt/core/adapter";
import {
  CLOSE_FAILURE,
  closeError,
  DEFAULT_WINDOW,
  parseControl,
  type RelayFeatures,
  relayFeaturesOf,
  TCP_SUBPROTOCOL,
  tlsInfoOf,
} from "./protocol.ts";

export { type RelayFeatures, type RelayTlsFeatures, TCP_SUBPROTOCOL } from "./protocol.ts";

/** The `WebSocket` constructor shape the transport needs (the global one by default). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

/** Options of {@link webSocketTcp}. */
export interface WebSocketTcpOptions {
  /** The relay's URL, `ws:` or `wss:`, such as `wss://example.com/tcp`. */
  readonly relay: string | URL;
  /**
   * Which browser API carries the connection: `"websocket-stream"` (`WebSocketStream`, with
   * real backpressure on its streams), `"websocket"` (the classic `WebSocket`), or `"auto"`
   * (the default): `WebSocketStream` where the global exists.
   */
  readonly transport?: "auto" | "websocket-stream" | "websocket";
  /**
   * The flow-control window in bytes: how far the relay may send ahead of what the application
   * read, so also the most unread bytes a connection holds in the page; 0 lets the relay send
   * without limit. Default 4 MiB, on both transports. The client acknowledges in quarters of the
   * window; a smaller window stalls the relay while acknowledgements travel back (in Chromium 156,
   * `websocket-throughput-64k`: 256 KiB gave 0.72 of a bare WebSocket, 1 MiB 0.85, 4 MiB 0.90,
   * the same as no window).
   */
  readonly window?: number;
  /** The `WebSocket` constructor to use (for tests); default `globalThis.WebSocket`. */
  readonly WebSocket?: WebSocketConstructor;
  /**
   * What the relay offers besides TCP, as {@link relayFeatures} learnt it from the relay: with
   * `features.tls`, `createWebRuntime` gives the runtime `runtime.tls` ({@link webSocketTls}) and
   * declares the `tls.*` capabilities the relay offers. Without it, no TLS.
   */
  readonly features?: RelayFeatures;
}

/** Largest data message the client sends. */
const MAX_MESSAGE = 256 * 1024;
/** The classic `WebSocket` waits while more than this many bytes are queued in `bufferedAmount`. */
const HIGH_WATER = 1024 * 1024;
/** How often `bufferedAmount` is polled while waiting (there is no drain event). */
const POLL_MS = 1;
/** A `WebSocketStream` reader of a connection without a window (0) stops pulling while this many bytes wait to be read. */
const READ_HIGH_WATER = 1024 * 1024;

/**
 * The relay's `open` message: the addresses of its socket, for TLS the handshake's outcome, and
 * the client's upload window.
 */
interface OpenMessage {
  readonly localAddress: unknown;
  readonly remoteAddress: unknown;
  readonly tls?: unknown;
  readonly window?: unknown;
}

/**
 * The client's side of the upload window the relay announced in `open`: how many more bytes may
 * be sent before the relay acknowledges what it wrote to TCP. The relay keeps reading the
 * WebSocket while its TCP write waits, up to the window, so the client's own `ack`s behind the
 * data reach it and a connection that writes and reads at once through an echoing server never
 * stalls both ways. Unlimited when the relay announced no window (it then pushes back by not
 * reading). Owned by the link, so an upgrade's new stream goes on with the same credit.
 */
class UploadCredit {
  #available: number;
  #waiter: (() => void) | null = null;
  #ended = false;

  constructor(window: unknown) {
    const valid = typeof window === "number" && Number.isSafeInteger(window) && window > 0;
    this.#available = valid ? window : Number.POSITIVE_INFINITY;
  }

  /** Bytes that may be sent now. */
  get available(): number {
    return this.#available;
  }

  /** Resolves once some bytes may be sent, or the link ended. */
  async room(): Promise<void> {
    while (this.#available <= 0 && !this.#ended) {
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
    }
  }

  /** `n` bytes went out. */
  sent(n: number): void {
    this.#available -= n;
  }

  /** Takes the relay's `ack`s out of the text messages: `true` when `message` was one. */
  take(message: string): boolean {
    const control = parseControl(message);
    if (control?.type !== "ack") return false;
    this.#available += control.bytes;
    this.#wake();
    return true;
  }

  /** The link ended: a write waiting for room goes on (and fails). */
  end(): void {
    this.#ended = true;
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }
}

/** Makes the stream of a connection the relay opened; throws an `IoError` to refuse it. */
type StreamFactory = (link: Link, open: OpenMessage, window: number, pool: BufferPool) => RelayedTcpStream;

/** What a connected stream needs from the WebSocket carrying it. */
interface Link {
  /** Sends a prefix of `buf` as one binary message and resolves its length once there is room. */
  write(buf: Uint8Array): Promise<number>;
  /** Sends a text control message (fire and forget). */
  control(text: string): void;
  /** Resolves once everything sent was handed to the network. */
  drain(): Promise<void>;
  /** Closes the WebSocket (the relay then closes the TCP side). */
  close(): void;
}

/** Events a link delivers to its stream. */
interface LinkEvents {
  data(bytes: Uint8Array): void;
  text(text: string): void;
  closed(code: number, reason: string): void;
}

function addressOf(value: unknown): SocketAddress {
  const v = (typeof value === "object" && value !== null ? value : {}) as Partial<SocketAddress>;
  const hostname = typeof v.hostname === "string" ? v.hostname : "";
  return {
    hostname,
    port: typeof v.port === "number" ? v.port : 0,
    family: v.family === 6 || hostname.includes(":") ? 6 : 4,
  };
}

function passIoError(error: unknown, operation: string): IoError {
  if (isIoError(error)) return error;
  return new IoError("Other", `${operation}: ${String(error)}`, { cause: error });
}

/**
 * A TCP stream relayed over a WebSocket. Reads come from a queue the link fills (cancel-safe,
 * `Busy`, EOF at the relay's `end`), with credit given back to the relay as the application
 * consumes; writes go through core's `WriteHalf` over a `StagingTransport` onto the link. `shutdown()` flushes then
 * sends `end`; `close()` closes the WebSocket.
 */
class RelayedTcpStream extends StagedStream implements TcpStream, LinkEvents {
  readonly localAddress: SocketAddress;
  readonly remoteAddress: SocketAddress;
  readonly label: string;
  readonly #store = new ChunkQueue();
  protected readonly reader: ReadHalf;
  protected readonly writer: WriteHalf;
  readonly #link: Link;
  readonly #window: number;

  /** The flow-control window the connection was opened with. */
  get window(): number {
    return this.#window;
  }
  #received = 0;
  #acked = 0;
  #gone: IoError | null = null;
  /**
   * Where the link's events go once an upgrade took the connection over (the upgrade waiting for
   * the relay, then the TLS stream); `null` while this stream owns it.
   */
  #forward: (LinkEvents & { readonly buffered: number }) | null = null;
  /** Set by {@link takeOver}: `close()` then leaves the WebSocket to the new owner. */
  #handedOver = false;
  /** The relay's URL: an upgrade goes to the relay that opened the connection. */
  relay = "";
  /** Called when the store drained below the high-water mark (a paused link may resume). */
  onRoom: (() => void) | null = null;

  constructor(
    link: Link,
    open: OpenMessage,
    window: number,
    pool: BufferPool,
    protocol: "tcp" | "tls" = "tcp",
    carried = 0,
  ) {
    super();
    this.#link = link;
    this.#window = window;
    // Bytes the connection's previous owner read but did not acknowledge yet are acknowledged here.
    this.#acked = -carried;
    this.localAddress = addressOf(open.localAddress);
    this.remoteAddress = addressOf(open.remoteAddress);
    const over = protocol === "tls" ? "opened by the relay" : "over WebSocket";
    const label = `${protocol} ${this.remoteAddress.hostname}:${this.remoteAddress.port} (${over})`;
    this.label = label;
    this.reader = new ReadHalf(this.#store, {
      label,
      onConsumed: () => this.#consumed(),
      onWait: () => this.onRoom?.(),
    });
    this.writer = new StagingTransport(
      {
        write: (buf) =>
          this.#link.write(buf).catch((error: unknown) => {
            // The WebSocket closed under the write: the peer or the relay is gone.
            throw this.#gone ?? new IoError("BrokenPipe", `write ${label}: the connection is gone`, { cause: error });
          }),
        // `flush` waits for the WebSocket to hand everything to the network too.
        drain: () => this.#link.drain(),
        closeWrite: async () => {
          this.#checkGone();
          this.#link.control('{"type":"end"}');
        },
      },
      () => label,
      passIoError,
      pool,
    ).half;
  }

  /** Bytes received but not read yet. */
  get buffered(): number {
    return this.#forward === null ? this.#store.size : this.#forward.buffered;
  }

  /**
   * Takes the connection over for an upgrade: fails with `Closed` after `close()` and with `Busy`
   * while a read or write is pending (the stream then goes on as it was); otherwise this stream
   * is closed for its owner, but not its WebSocket, whose events go to `next` from now on.
   * Returns the link, how many received bytes were never read, and the bytes read but not yet
   * acknowledged to the relay (the new owner acknowledges them).
   */
  takeOver(
    operation: string,
    next: LinkEvents & { readonly buffered: number },
  ): { link: Link; unread: number; carried: number } {
    if (this.isClosed) throw new IoError("Closed", `${operation} ${this.label}: stream is closed`);
    if (this.reader.waiting !== null || this.writer.waiting !== null) {
      throw new IoError("Busy", `${operation} ${this.label}: a read or write is pending`);
    }
    const unread = this.#store.size;
    const carried = this.#received - unread - this.#acked;
    this.#handedOver = true;
    void this.close();
    this.#forward = next;
    return { link: this.#link, unread, carried };
  }

  /** Sends the link's events to `next` (the upgrade's TLS stream, once the relay answered). */
  forwardTo(next: LinkEvents & { readonly buffered: number }): void {
    this.#forward = next;
  }

  #checkGone(): void {
    if (this.#gone !== null) throw this.#gone;
  }

  #consumed(): void {
    if (this.#window > 0 && this.#gone === null && !this.isClosed) {
      const consumed = this.#received - this.#store.size;
      if (consumed - this.#acked >= this.#window / 4) {
        this.#link.control(`{"type":"ack","bytes":${consumed - this.#acked}}`);
        this.#acked = consumed;
      }
    }
    if (this.#store.size < READ_HIGH_WATER) this.onRoom?.();
  }

  data(bytes: Uint8Array): void {
    if (this.#forward !== null) {
      this.#forward.data(bytes);
      return;
    }
    if (this.isClosed || this.reader.finished) return;
    this.#received += bytes.length;
    this.#store.push(bytes);
    this.reader.notify();
  }

  text(text: string): void {
    if (this.#forward !== null) {
      this.#forward.text(text);
      return;
    }
    if (parseControl(text)?.type === "end") this.reader.end();
  }

  closed(code: number, reason: string): void {
    if (this.#forward !== null) {
      this.#forward.closed(code, reason);
      return;
    }
    const error = closeError(code, reason, "ConnectionReset", this.label);
    if (error === null) this.reader.end();
    else this.reader.fail(error);
    this.writesClosed(code, reason);
  }

  /**
   * The WebSocket closed with `code` and `reason`: writes fail from now on, with `ConnectionReset`
   * after a reset and `BrokenPipe` otherwise. Reads are left to {@link closed}, which comes once
   * the reader took what arrived before the close.
   */
  writesClosed(code: number, reason: string): void {
    const forward = this.#forward;
    if (forward !== null) {
      if (forward instanceof RelayedTcpStream) forward.writesClosed(code, reason);
      return;
    }
    const error = closeError(code, reason, "ConnectionReset", this.label);
    if (error === null) this.#gone = new IoError("BrokenPipe", `write ${this.label}: the connection was closed`);
    else if (error.kind === "ConnectionReset") this.#gone = error;
    else this.#gone = new IoError("BrokenPipe", error.message, { cause: error });
    this.writer.fail(this.#gone);
  }

  protected release(): void {
    this.#store.clear();
    if (!this.#handedOver) this.#link.close();
  }

  setNoDelay(enable: boolean): void {
    checkBoolean(`setNoDelay ${this.label}`, "enable", enable);
    this.noSocketOptions("setNoDelay", "over a WebSocket relay");
  }

  setKeepAlive(enable: boolean, initialDelayMs?: number): void {
    checkKeepAlive(`setKeepAlive ${this.label}`, enable, initialDelayMs);
    this.noSocketOptions("setKeepAlive", "over a WebSocket relay");
  }
}

/**
 * A TLS connection the relay opened for the page: the page's bytes travel in clear to the relay,
 * which speaks TLS to the server, and {@link RelayedTlsStream.tls} is what the relay reported of
 * the handshake. Otherwise exactly a {@link RelayedTcpStream}; `shutdown()` makes the relay send
 * close_notify.
 */
class RelayedTlsStream extends RelayedTcpStream implements TlsStream {
  readonly tls: TlsInfo;

  constructor(link: Link, open: OpenMessage, window: number, pool: BufferPool, tls: TlsInfo, carried = 0) {
    super(link, open, window, pool, "tls", carried);
    this.tls = tls;
  }
}

/**
 * The link's events while an upgrade waits for the relay's answer: `upgraded` with the
 * handshake's outcome, or a close with the kind of the failure. Bytes that arrive meanwhile were
 * sent by the server in plaintext after the caller's last read, and a TLS server never sends
 * first, so they fail the upgrade with `InvalidData`.
 */
class PendingUpgrade implements LinkEvents {
  readonly buffered = 0;
  #stray = 0;
  #resolve: ((tls: TlsInfo) => void) | null = null;
  #reject: (error: unknown) => void = () => {};
  /** The handshake's outcome as the relay reported it, or why the upgrade failed. */
  readonly outcome: Promise<TlsInfo>;
  readonly #operation: string;

  constructor(operation: string) {
    this.#operation = operation;
    this.outcome = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // An upgrade refused before it asked the relay never awaits the outcome; the close still settles it.
    this.outcome.catch(() => {});
  }

  #fail(error: unknown): void {
    if (this.#resolve === null) return;
    this.#resolve = null;
    this.#reject(error);
  }

  data(bytes: Uint8Array): void {
    this.#stray += bytes.length;
  }

  text(text: string): void {
    const message = parseControl(text);
    const operation = this.#operation;
    if (message?.type === "end") {
      this.#fail(new IoError("UnexpectedEof", `${operation}: the server ended the connection before the handshake`));
      return;
    }
    if (message?.type !== "upgraded") return;
    const tls = tlsInfoOf(message.tls);
    if (this.#stray > 0) {
      this.#fail(
        new IoError(
          "InvalidData",
          `${operation}: ${this.#stray} received bytes were not read before the upgrade, and a TLS server never sends first`,
        ),
      );
    } else if (tls === null) {
      this.#fail(new IoError("InvalidData", `${operation}: the relay's answer does not describe a handshake`));
    } else {
      const resolve = this.#resolve;
      this.#resolve = null;
      resolve?.(tls);
    }
  }

  closed(code: number, reason: string): void {
    this.#fail(
      closeError(code, reason, "ConnectionReset", this.#operation) ??
        new IoError("ConnectionReset", `${this.#operation}: the relay closed the connection during the upgrade`),
    );
  }

  /** The signal aborted: the upgrade fails with its reason. */
  abort(reason: unknown): void {
    this.#fail(reason);
  }
}

const tcpStream: StreamFactory = (link, open, window, pool) => new RelayedTcpStream(link, open, window, pool);

/**
 * The factory of TLS streams: the relay must report the handshake's outcome, or the page cannot
 * tell that it got TLS at all (a relay that ignored `tls=1` would hand out plain TCP), so an
 * `open` without it is refused with `Unsupported`.
 */
function tlsStream(operation: string): StreamFactory {
  return (link, open, window, pool) => {
    const tls = tlsInfoOf(open.tls);
    if (tls === null) {
      throw new IoError(
        "Unsupported",
        `${operation}: the relay did not report a TLS handshake (it opens no TLS for pages)`,
      );
    }
    return new RelayedTlsStream(link, open, window, pool, tls);
  };
}

/** Waits `POLL_MS` then checks `done` again, until it holds. */
function pollUntil(done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const tick = () => {
      if (done()) resolve();
      else setTimeout(tick, POLL_MS);
    };
    tick();
  });
}

/** Connects over the classic `WebSocket`. */
function connectClassic(
  url: string,
  Ctor: WebSocketConstructor,
  window: number,
  operation: string,
  signal: AbortSignal | undefined,
  pool: BufferPool,
  make: StreamFactory,
): Promise<TcpStream> {
  return new Promise<TcpStream>((resolve, reject) => {
    let ws: WebSocket;
    try {
      ws = new Ctor(url, TCP_SUBPROTOCOL);
    } catch (error) {
      reject(new IoError("InvalidInput", `${operation}: ${String(error)}`, { cause: error }));
      return;
    }
    ws.binaryType = "arraybuffer";
    let stream: RelayedTcpStream | null = null;
    let closedCode = -1;
    const isOpen = () => ws.readyState === 1 && closedCode < 0;
    const goneError = () => new IoError("BrokenPipe", `${operation}: the WebSocket is closed`);
    let credit = new UploadCredit(undefined);
    const link: Link = {
      async write(buf) {
        if (credit.available <= 0) await credit.room();
        if (!isOpen()) throw goneError();
        const n = Math.min(buf.length, MAX_MESSAGE, credit.available);
        ws.send((n === buf.length ? buf : buf.subarray(0, n)) as Uint8Array<ArrayBuffer>);
        credit.sent(n);
        if (ws.bufferedAmount <= HIGH_WATER) return n;
        return pollUntil(() => !isOpen() || ws.bufferedAmount <= HIGH_WATER).then(() => {
          if (!isOpen()) throw goneError();
          return n;
        });
      },
      control(text) {
        if (isOpen()) ws.send(text);
      },
      drain() {
        return pollUntil(() => !isOpen() || ws.bufferedAmount === 0);
      },
      close() {
        if (ws.readyState <= 1) ws.close(1000);
      },
    };
    let settled = false;
    const onAbort = () => {
      settled = true;
      reject(abortReason(signal as AbortSignal));
      ws.close();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    ws.onmessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      if (stream !== null) {
        if (typeof data !== "string") stream.data(new Uint8Array(data as ArrayBuffer));
        else if (!credit.take(data)) stream.text(data);
        return;
      }
      const message = typeof data === "string" ? parseControl(data) : null;
      if (message?.type !== "open") {
        signal?.removeEventListener("abort", onAbort);
        if (!settled) {
          settled = true;
          reject(new IoError("InvalidData", `${operation}: the relay does not speak ${TCP_SUBPROTOCOL}`));
        }
        ws.close();
        return;
      }
      signal?.removeEventListener("abort", onAbort);
      if (settled) return;
      settled = true;
      credit = new UploadCredit(message.window);
      try {
        stream = make(link, message, window, pool);
      } catch (error) {
        reject(error);
        ws.close();
        return;
      }
      resolve(stream);
    };
    ws.onclose = (event: CloseEvent) => {
      closedCode = event.code;
      credit.end();
      if (stream !== null) {
        stream.closed(event.code, event.reason);
        return;
      }
      signal?.removeEventListener("abort", onAbort);
      if (settled) return;
      settled = true;
      reject(
        closeError(event.code, event.reason, "ConnectionRefused", operation) ??
          new IoError("ConnectionRefused", `${operation}: the relay closed before the connection opened`),
      );
    };
  });
}

/** The parts of `WebSocketStream` the transport uses (not yet in TypeScript's DOM library). */
interface WebSocketStreamLike {
  readonly opened: Promise<{ readable: ReadableStream<string | Uint8Array>; writable: WritableStream }>;
  readonly closed: Promise<{ closeCode?: number; reason?: string }>;
  close(info?: { closeCode?: number; reason?: string }): void;
}
type WebSocketStreamConstructor = new (
  url: string,
  options?: { protocols?: string[]; signal?: AbortSignal },
) => WebSocketStreamLike;

function webSocketStreamCtor(): WebSocketStreamConstructor | undefined {
  return (globalThis as { WebSocketStream?: WebSocketStreamConstructor }).WebSocketStream;
}

/** The close code and reason of a `WebSocketStream` that ended, however it ended. */
async function closeInfo(wss: WebSocketStreamLike): Promise<{ code: number; reason: string }> {
  try {
    const info = await wss.closed;
    return { code: info.closeCode ?? 1005, reason: info.reason ?? "" };
  } catch (error) {
    const e = error as { closeCode?: number; reason?: string };
    return { code: e?.closeCode ?? 1006, reason: e?.reason ?? "" };
  }
}

/** Connects over `WebSocketStream`. */
async function connectStream(
  url: string,
  window: number,
  operation: string,
  signal: AbortSignal | undefined,
  pool: BufferPool,
  make: StreamFactory,
): Promise<TcpStream> {
  const Ctor = webSocketStreamCtor() as WebSocketStreamConstructor;
  const wss = new Ctor(url, { protocols: [TCP_SUBPROTOCOL] });
  // An abort rejects at once: the close handshake it starts can take seconds (a relay busy with a
  // TLS handshake for this connection answers the close only once that ends), and `opened`,
  // the first read and `closed` wait for it.
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      reject(abortReason(signal as AbortSignal));
      wss.close();
    };
  });
  aborted.catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    let opened: Awaited<WebSocketStreamLike["opened"]>;
    try {
      opened = await Promise.race([wss.opened, aborted]);
    } catch {
      throwIfAborted(signal);
      const { code, reason } = await closeInfo(wss);
      throw closeError(code, reason, "ConnectionRefused", operation) ?? new IoError("ConnectionRefused", operation);
    }
    const reader = opened.readable.getReader();
    const writer = opened.writable.getWriter();
    const first = await Promise.race([reader.read(), aborted]).catch(() => ({ done: true, value: undefined }));
    throwIfAborted(signal);
    const message = typeof first.value === "string" ? parseControl(first.value) : null;
    if (first.done === true || message?.type !== "open") {
      const { code, reason } = await closeInfo(wss);
      throw (
        closeError(code, reason, "ConnectionRefused", operation) ??
        new IoError("ConnectionRefused", `${operation}: the relay closed before the connection opened`)
      );
    }
    let gone = false;
    let lastWrite: Promise<void> = Promise.resolve();
    const credit = new UploadCredit(message.window);
    /**
     * Whether the connection is closing: the readable ended (the relay's close frame arrived) or
     * the writable refused a message. Once it is, writes wait for {@link writesEnded}.
     */
    let closeSeen = false;
    let seeClose = () => {};
    const closeSeenNow = new Promise<void>((resolve) => {
      seeClose = () => {
        closeSeen = true;
        resolve();
      };
    });
    let ending: Promise<void> | null = null;
    /** Fails the stream's writes with the close's kind, once `closed` says what it is. */
    const writesEnded = (): Promise<void> => {
      ending ??= closeInfo(wss).then(({ code, reason }) => stream.writesClosed(code, reason));
      return ending;
    };
    const link: Link = {
      async write(buf) {
        // Once the relay's close frame arrived, Chromium closes the writable: `ready` resolves at
        // once and `write` rejects, while `closed` (and so the kind of the failure) settles only
        // when the handshake completes, up to seconds later. Every write in between succeeded
        // (issue 16, at full stress size), and so did every write of a page that stopped reading
        // (the read loop below waits for it, and sees no close). It waits for the close instead,
        // and fails with its kind.
        if (credit.available <= 0) await Promise.race([credit.room(), closeSeenNow]);
        await Promise.race([writer.ready.catch(() => {}), closeSeenNow]);
        if (closeSeen) {
          await writesEnded();
          throw new IoError("BrokenPipe", `${operation}: the WebSocket is closed`);
        }
        const n = Math.min(buf.length, MAX_MESSAGE, credit.available);
        // The writable keeps the chunk until it is sent: give it a copy.
        lastWrite = writer.write(buf.slice(0, n));
        credit.sent(n);
        lastWrite.catch(seeClose);
        return n;
      },
      control(text) {
        if (!gone) writer.write(text).catch(() => {});
      },
      drain: () => lastWrite.catch(() => {}),
      close() {
        gone = true;
        wss.close({ closeCode: 1000 });
      },
    };
    const stream = make(link, message, window, pool);
    let resume: (() => void) | null = null;
    stream.onRoom = () => {
      const r = resume;
      resume = null;
      r?.();
    };
    void (async () => {
      try {
        for (;;) {
          // With a window the relay sends no more than it allows, so reading on is bounded, and
          // must go on: the relay's `ack`s of the upload come in between its data.
          while (window === 0 && stream.buffered >= READ_HIGH_WATER) await new Promise<void>((r) => (resume = r));
          const { done, value } = await reader.read();
          if (done) break;
          if (typeof value !== "string") {
            stream.data(value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer));
          } else if (!credit.take(value)) stream.text(value);
        }
      } catch {
        // The close information below says why.
      }
      gone = true;
      seeClose();
      credit.end();
      const { code, reason } = await closeInfo(wss);
      stream.closed(code, reason);
    })();
    return stream;
  } catch (error) {
    wss.close();
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/** Opens connections through one relay: its options checked once, its connections' buffer pool. */
interface RelayConnector {
  /** The relay's URL. */
  readonly relay: URL;
  /** The buffer pool of its connections' staging rings. */
  readonly pool: BufferPool;
  /**
   * Opens `hostname:port` through the relay, with `params` added to the request (the TLS ones),
   * the stream made by `make`; checks the connect options first (`InvalidInput`).
   */
  open(
    connectOptions: TcpConnectOptions,
    protocol: "tcp" | "tls",
    params: (url: URL) => void,
    make: (operation: string) => StreamFactory,
  ): Promise<TcpStream>;
}

/** Checks `webSocketTcp`'s (and `webSocketTls`'s) options at once and makes their connector. */
function relayConnector(operation: string, options: WebSocketTcpOptions): RelayConnector {
  checkObject(operation, "options", options);
  const transport = options.transport === undefined ? "auto" : options.transport;
  if (transport !== "auto" && transport !== "websocket" && transport !== "websocket-stream") {
    throw new IoError(
      "InvalidInput",
      `${operation}: transport must be "auto", "websocket" or "websocket-stream", got ${describe(transport)}`,
    );
  }
  checkCallback(operation, "WebSocket", options.WebSocket);
  const givenWindow = options.window;
  if (givenWindow !== undefined) checkInteger(operation, "window", givenWindow, 0);
  if (options.features !== undefined) checkObject(operation, "features", options.features);
  const relay = relayUrl(operation, options.relay);
  // This relay's connections take their staging rings from one pool of their own.
  const pool = new BufferPool();
  const open: RelayConnector["open"] = (connectOptions, protocol, params, make) => {
    const hostname = hostnameOf("connect", connectOptions);
    throwIfAborted(connectOptions.signal);
    const operation = `${protocol === "tls" ? "tls connect" : "connect"} ${hostname}:${connectOptions.port} via ${relay.host}`;
    const url = new URL(relay.href);
    url.searchParams.set("host", hostname);
    url.searchParams.set("port", String(connectOptions.port));
    const useStream = transport === "websocket-stream" || (transport === "auto" && webSocketStreamCtor() !== undefined);
    const window = givenWindow ?? DEFAULT_WINDOW;
    url.searchParams.set("window", String(window));
    params(url);
    const made = make(operation);
    const tagged: StreamFactory = (link, message, size, buffers) => {
      const stream = made(link, message, size, buffers);
      stream.relay = relay.href;
      return stream;
    };
    if (useStream) {
      if (webSocketStreamCtor() === undefined) {
        throw new IoError("Unsupported", `${operation}: this runtime has no WebSocketStream`);
      }
      return connectStream(url.href, window, operation, connectOptions.signal, pool, tagged);
    }
    const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (Ctor === undefined) throw new IoError("Unsupported", `${operation}: this runtime has no WebSocket`);
    return connectClassic(url.href, Ctor, window, operation, connectOptions.signal, pool, tagged);
  };
  return { relay, pool, open };
}

/** The relay's URL, which must be `ws:` or `wss:` (`InvalidInput` otherwise). */
function relayUrl(operation: string, value: unknown): URL {
  let relay: URL;
  try {
    relay = new URL(String(value));
  } catch (error) {
    throw new IoError("InvalidInput", `${operation}: relay must be a URL, got ${describe(value)}`, { cause: error });
  }
  if (relay.protocol !== "ws:" && relay.protocol !== "wss:") {
    throw new IoError("InvalidInput", `${operation}: relay must be a ws: or wss: URL, got ${relay.protocol}`);
  }
  return relay;
}

/**
 * The TCP capability of a browser, through a relay that speaks `anyrt.tcp.v1` (run one with
 * `serveWebSocketRelay` from `@anyrt/web/relay`).
 *
 * `connect` fails at once with `InvalidInput` for a port outside 1..65535, a bad host name or a
 * relay URL that is not `ws:`/`wss:`. It resolves once the relay has connected, and fails with the
 * kind the relay reports (`ConnectionRefused`, `TimedOut`, `NotFound`, `PermissionDenied` when
 * the relay's policy refuses the destination), or `ConnectionRefused` when the relay cannot be
 * reached. The stream follows the whole `TcpStream` contract: partial and cancel-safe reads,
 * `Busy`, EOF, writes with backpressure (the classic `WebSocket`'s `bufferedAmount` is polled),
 * `flush` (waits until the browser handed everything to the network), half-close (`shutdown`),
 * `close`. A relay or TCP failure reads as `ConnectionReset` (or the reported kind) and writes
 * fail with `BrokenPipe`. Socket options and `listen` are `Unsupported`.
 *
 * @example
 * ```ts
 * import { isIoError } from "@anyrt/core";
 * import { webSocketTcp } from "@anyrt/web";
 * // The relay (`serveWebSocketRelay` from "@anyrt/web/relay") runs on your server at this URL.
 * const tcp = webSocketTcp({ relay: "ws://127.0.0.1:9/tcp" });
 * try {
 *   await using stream = await tcp.connect({ hostname: "127.0.0.1", port: 6379 });
 *   await stream.write(new TextEncoder().encode("PING\r\n"));
 *   await stream.shutdown(); // the relay sends FIN; reading goes on until the server's EOF
 *   const buf = new Uint8Array(64);
 *   console.assert((await stream.read(buf)) > 0);
 * } catch (error) {
 *   // Where this example is tested nobody relays at 127.0.0.1:9: the relay is unreachable.
 *   console.assert(isIoError(error, "ConnectionRefused"));
 * }
 * // Bad arguments fail at once, opening nothing.
 * const bad = await tcp.connect({ port: 0 }).catch((error: unknown) => error);
 * console.assert(isIoError(bad, "InvalidInput"));
 * ```
 */
export function webSocketTcp(options: WebSocketTcpOptions): Tcp {
  const connector = relayConnector("webSocketTcp", options);
  const connect = (connectOptions: TcpConnectOptions): Promise<TcpStream> => {
    try {
      checkConnectOptions(connectOptions);
      return connector.open(
        connectOptions,
        "tcp",
        () => {},
        () => tcpStream,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const listen = (listenOptions: TcpListenOptions): Promise<TcpListener> => {
    try {
      // Bad input is InvalidInput before the capability, as on every adapter.
      checkListenOptions(listenOptions);
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.reject(new IoError("Unsupported", "listen: a browser cannot accept TCP connections (tcp.listen)"));
  };
  return { connect, listen };
}

/** Adds a TLS connect's options to the relay request (`tls=1&servername=&alpn=&ca=&system=0&insecure=1`). */
function tlsParams(options: TlsConnectOptions): (url: URL) => void {
  return (url) => {
    const params = url.searchParams;
    params.set("tls", "1");
    if (options.serverName !== undefined) params.set("servername", options.serverName);
    for (const protocol of options.alpnProtocols ?? []) params.append("alpn", protocol);
    for (const pem of options.caCertificates ?? []) params.append("ca", pem);
    if (options.systemCertificates === false) params.set("system", "0");
    if (options.dangerouslyAcceptInvalidCertificates === true) params.set("insecure", "1");
  };
}

/**
 * TLS for a browser, opened by the relay on the page's behalf (a relay started with its `tls`
 * option; `options.features` must be what {@link relayFeatures} learnt from it, with `tls`).
 *
 * **Trust is the relay's.** The relay connects, runs the handshake and verifies the server
 * against its own trust store (plus the page's `caCertificates` only where it allows pages to add
 * CAs); the page's bytes travel to the relay in clear inside the WebSocket (`wss:` protects
 * them on the way), and the relay reads and could alter every one. `tls.peerCertificate`,
 * `tls.protocol` and `tls.alpnProtocol` are what the relay reports.
 *
 * `connect` takes `runtime.tls.connect`'s options and fails with the kind the relay reports:
 * the TLS kinds (`UntrustedCertificate`, `CertificateNameMismatch`, `ExpiredCertificate`,
 * `HandshakeFailed`, `InvalidData`) as its runtime tells them, `PermissionDenied` for a
 * destination its policy refuses and for page CAs or `dangerouslyAcceptInvalidCertificates` it
 * does not allow, `Unsupported` from a relay that opens no TLS for pages (never a plain TCP
 * connection in its place). `clientCertificate` is `Unsupported` (the key would have to go to the
 * relay), and so is `listen`.
 *
 * `upgrade` (where the relay offers it, `features.tls.upgrade`) takes a plaintext stream of this
 * relay's (`webSocketTcp` with the same relay URL; `InvalidInput` otherwise) over after flushing
 * what was written to it, and asks the relay to upgrade the connection in place; the stream is
 * `Closed` for its owner from then on, even if the handshake fails (which closes the connection).
 * A pending read or write is `Busy` (the stream goes on as it was); received bytes never read, or
 * bytes the server sends before the handshake, are `InvalidData` (a TLS server never sends first).
 * Cancel safety: aborting the signal during the handshake closes the connection.
 *
 * @example
 * ```ts
 * import { isIoError } from "@anyrt/core";
 * import { relayFeatures, webSocketTls } from "@anyrt/web";
 * // Where this example is tested nobody relays at 127.0.0.1:9: the relay is unreachable.
 * const relay = "ws://127.0.0.1:9/tcp";
 * const features = await relayFeatures({ relay }).catch(() => null);
 * if (features?.tls) {
 *   const tls = webSocketTls({ relay, features });
 *   await using stream = await tls.connect({ hostname: "example.com", port: 443 });
 *   console.log(stream.tls.protocol, stream.tls.peerCertificate?.issuer);
 * }
 * const bad = await webSocketTls({ relay, features: { tls: null } }).connect({ hostname: "x", port: 1 }).catch((e: unknown) => e);
 * console.assert(isIoError(bad, "Unsupported"));
 * ```
 */
export function webSocketTls(options: WebSocketTcpOptions): Tls {
  const connector = relayConnector("webSocketTls", options);
  const offered = options.features?.tls != null;
  const connect = (connectOptions: TlsConnectOptions): Promise<TlsStream> => {
    try {
      checkConnectOptions(connectOptions);
      checkTlsClientOptions("tls connect", connectOptions);
      if (!offered) {
        throw new IoError("Unsupported", `tls connect via ${connector.relay.host}: the relay opens no TLS for pages`);
      }
      if (connectOptions.clientCertificate !== undefined) {
        throw new IoError(
          "Unsupported",
          "tls connect: a page's client certificate would have to go to the relay (tls.clientCertificates)",
        );
      }
      return connector.open(connectOptions, "tls", tlsParams(connectOptions), tlsStream) as Promise<TlsStream>;
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const upgrade = async (stream: TcpStream, upgradeOptions: TlsUpgradeOptions = {}): Promise<TlsStream> => {
    checkTlsUpgradeArguments(stream, upgradeOptions);
    const operation = "tls upgrade";
    if (options.features?.tls?.upgrade !== true) {
      throw new IoError("Unsupported", `${operation}: the relay does not upgrade connections (tls.upgrade)`);
    }
    if (upgradeOptions.clientCertificate !== undefined) {
      throw new IoError("Unsupported", `${operation}: a page's client certificate would have to go to the relay`);
    }
    if (
      !(stream instanceof RelayedTcpStream) ||
      stream instanceof RelayedTlsStream ||
      stream.relay !== connector.relay.href
    ) {
      throw new IoError(
        "InvalidInput",
        `${operation}: stream must be a plaintext TcpStream through ${connector.relay.host}`,
      );
    }
    const signal = upgradeOptions.signal;
    throwIfAborted(signal);
    // Bytes the caller wrote go out in plaintext, before the relay is asked to start TLS.
    await stream.flush(signal === undefined ? undefined : { signal });
    const what = `${operation} ${stream.remoteAddress.hostname}:${stream.remoteAddress.port}`;
    const pending = new PendingUpgrade(what);
    const taken = stream.takeOver(operation, pending);
    const { link } = taken;
    if (taken.unread > 0) {
      // A TLS server never speaks first: received bytes nobody read are not TLS.
      link.close();
      throw new IoError(
        "InvalidData",
        `${what}: ${taken.unread} received bytes were not read before the upgrade, and a TLS server never sends first`,
      );
    }
    const onAbort = () => pending.abort(abortReason(signal as AbortSignal));
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      link.control(
        JSON.stringify({
          type: "starttls",
          ...(upgradeOptions.serverName === undefined ? {} : { serverName: upgradeOptions.serverName }),
          ...(upgradeOptions.alpnProtocols === undefined ? {} : { alpnProtocols: upgradeOptions.alpnProtocols }),
          ...(upgradeOptions.caCertificates === undefined ? {} : { caCertificates: upgradeOptions.caCertificates }),
          ...(upgradeOptions.systemCertificates === false ? { systemCertificates: false } : {}),
          ...(upgradeOptions.dangerouslyAcceptInvalidCertificates === true
            ? { dangerouslyAcceptInvalidCertificates: true }
            : {}),
        }),
      );
      const tls = await pending.outcome;
      const secure = new RelayedTlsStream(
        link,
        { localAddress: stream.localAddress, remoteAddress: stream.remoteAddress },
        stream.window,
        connector.pool,
        tls,
        taken.carried,
      );
      secure.relay = stream.relay;
      secure.onRoom = stream.onRoom;
      stream.forwardTo(secure);
      return secure;
    } catch (error) {
      // A failed or aborted handshake closes the connection.
      link.close();
      throw error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  };
  const listen = (listenOptions: TlsListenOptions): Promise<TlsListener> => {
    try {
      checkTlsListenOptions(listenOptions);
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.reject(new IoError("Unsupported", "tls listen: a browser cannot accept connections (tls.listen)"));
  };
  return { connect, upgrade, listen };
}

/**
 * Asks the relay what it offers besides TCP: it answers `hello` (`?hello=1`) after the same
 * checks as any connection (`Host`, `Origin`, `authorize`), then closes. A relay from before
 * `hello` answers `InvalidInput`, which reads as "no TLS". Rejects with `ConnectionRefused` when
 * the relay cannot be reached or refuses the page, and with the signal's reason on abort. Uses
 * the classic `WebSocket` (or `options.WebSocket`).
 *
 * @example
 * ```ts
 * import { createWebRuntime, relayFeatures } from "@anyrt/web";
 * const relay = "ws://127.0.0.1:9/tcp"; // where this is tested, nobody relays there
 * const features = await relayFeatures({ relay }).catch(() => ({ tls: null }));
 * const runtime = createWebRuntime({ relay: { relay, features } });
 * console.assert(runtime.supports("tls.connect") === (features.tls !== null));
 * ```
 */
export function relayFeatures(
  options: Pick<WebSocketTcpOptions, "relay" | "WebSocket">,
  operationOptions: { readonly signal?: AbortSignal } = {},
): Promise<RelayFeatures> {
  try {
    checkObject("relayFeatures", "options", options);
    checkCallback("relayFeatures", "WebSocket", options.WebSocket);
    const url = relayUrl("relayFeatures", options.relay);
    const signal = operationOptions.signal;
    throwIfAborted(signal);
    url.searchParams.set("hello", "1");
    const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (Ctor === undefined) throw new IoError("Unsupported", "relayFeatures: this runtime has no WebSocket");
    const operation = `relayFeatures ${url.host}`;
    return new Promise<RelayFeatures>((resolve, reject) => {
      const ws = new Ctor(url.href, TCP_SUBPROTOCOL);
      let answer: RelayFeatures | null = null;
      const onAbort = () => {
        reject(abortReason(signal as AbortSignal));
        ws.close();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      ws.onmessage = (event: MessageEvent) => {
        const message = typeof event.data === "string" ? parseControl(event.data) : null;
        if (message?.type === "hello") answer = relayFeaturesOf(message);
      };
      ws.onclose = (event: CloseEvent) => {
        signal?.removeEventListener("abort", onAbort);
        if (answer !== null) resolve(answer);
        // A relay from before `hello` reads it as a destination without a host.
        else if (event.code === CLOSE_FAILURE && event.reason === "InvalidInput") resolve(Object.freeze({ tls: null }));
        else {
          reject(
            closeError(event.code, event.reason, "ConnectionRefused", operation) ??
              new IoError("ConnectionRefused", `${operation}: the relay closed without a hello`),
          );
        }
      };
    });
  } catch (error) {
    return Promise.reject(error);
  }
}
