/**
 * One relayed connection: the `anyrt.tcp.v1` state machine between an accepted WebSocket and the
 * TCP connection it asked for (the guarded upgrade, connect, both directions with credit, pings,
 * the idle timeout, and the close handshake), on the tasks and time of the runtime it is given.
 * @module
 */
import {
  isIoError,
  type JoinHandle,
  type Runtime,
  type TcpStream,
  type Time,
  type Timer,
  type TlsConnectOptions,
  type TlsStream,
} from "@anyrt/core";
import { checkDuplex } from "@anyrt/core/adapter";
import { CLOSE_FAILURE, parseControl, TCP_SUBPROTOCOL, wireTlsInfo } from "../websocket/protocol.ts";
import { type Destination, destinationOf, tlsRequestOfControl } from "./destination.ts";
import {
  checkRelayRuntime,
  isAllowed,
  type RelayConnectionOptions,
  type RelaySettings,
  relaySettings,
} from "./options.ts";
import { isHostHeader } from "./origin.ts";
import { GrowingBuffer, parseHead, type Refusal, type RequestHead, readHead, respond } from "./request.ts";
import { checkRelayTlsRuntime, grantTls, relayTlsFeatures } from "./tls.ts";
import {
  acceptUpgrade,
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
  parseClose,
  readHeader,
  unmask,
  upgradeRefusal,
} from "./websocket.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
/** Bytes read from TCP at a time, at most (and so the largest data message the relay sends). */
const CHUNK = 64 * 1024;
/** How long the relay waits for the client's close frame after sending its own. */
const CLOSE_WAIT_MS = 5_000;
const EMPTY = new Uint8Array(0);
/**
 * The largest text message: the protocol's control messages are a few dozen bytes of JSON but
 * for `starttls`, which carries the page's CA certificates (about 1 KiB of PEM each; the same
 * 16 KiB as the request head that carries them for a TLS open), and a text message is held until
 * complete, so this bounds what an unfinished one holds.
 */
const MAX_CONTROL_MESSAGE = 16 * 1024;

/** An accepted upgrade: the request's URL, what `authorize` granted, and the bytes after the head. */
interface Accepted<User> {
  readonly url: URL;
  readonly user: User;
  readonly rest: Uint8Array;
}

/**
 * Serves one accepted connection as the relay: checks the upgrade request (its `Host`, its
 * `Origin`, the `authorize` hook; a refusal is an HTTP error response, never a WebSocket),
 * upgrades it to a WebSocket speaking `anyrt.tcp.v1`, connects to the requested destination
 * through `runtime.tcp` if the `allow` policy lets this user go there, and relays both ways with
 * backpressure until both sides are done. Resolves when the connection is finished; `stream` is
 * closed by then. It rejects only for invalid options (`InvalidInput`, at once, and `stream` is
 * left untouched). Use it in your own accept loop, which then also owns the limits on how many
 * connections are open ({@link serveWebSocketRelay} has them). Its timers and tasks are
 * `runtime.time`'s and `runtime.tasks`'.
 *
 * @example
 * ```ts runtimes=node,deno,bun
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
export async function relayConnection<User = undefined>(
  runtime: Runtime,
  stream: TcpStream,
  options: RelayConnectionOptions<User> = {},
): Promise<void> {
  checkRelayRuntime("relayConnection", runtime);
  checkDuplex("relayConnection", "stream", stream);
  const settings = relaySettings("relayConnection", options);
  checkRelayTlsRuntime("relayConnection", runtime, settings.tls);
  await new RelayedConnection(runtime, stream, settings).serve();
}

/** One relayed connection: the upgrade, the WebSocket side, the TCP side, credit and the close handshake. */
export class RelayedConnection<User> {
  readonly #runtime: Runtime;
  readonly #time: Time;
  readonly #ws: TcpStream;
  readonly #settings: RelaySettings<User>;
  readonly #frames: FrameWriter;
  /** The frame reader, made once the upgrade is accepted: nothing is buffered for a client before that. */
  #input: Input | null = null;
  #tcp: TcpStream | null = null;
  #credit = Number.POSITIVE_INFINITY;
  #wakeCredit: (() => void) | null = null;
  #clientEnded = false;
  #tcpEnded = false;
  #closeSent = false;
  /** Cuts the WebSocket off when the client does not answer the close frame in time. */
  #closeTimer: Timer | null = null;
  #pings: JoinHandle<void> | null = null;
  #idle: JoinHandle<void> | null = null;
  /** When data last went through, either way (`Time.now()` milliseconds). */
  #lastData = 0;
  /** The TCP shutdown the client's `end` started, settled either way. */
  #shutdownDone: Promise<void> | null = null;
  /**
   * The client's data taken from the WebSocket and not yet written to TCP, oldest first (copies:
   * the frame reader reuses its buffer). At most about `uploadWindow` bytes: the upload task
   * writes them while the frame reader goes on reading, so the client's `ack`s behind them arrive.
   */
  readonly #upload: Uint8Array[] = [];
  /** Bytes in {@link #upload}. */
  #uploadBytes = 0;
  /** Bytes written to TCP and not acknowledged to the client yet. */
  #uploadUnacked = 0;
  /** Wakes the upload task: data or the client's `end` arrived, or the connection is closing. */
  #wakeUpload: (() => void) | null = null;
  /** Wakes the frame reader waiting for room in the upload window or for the upload to drain. */
  #wakeRoom: (() => void) | null = null;
  /** The upload task, settled when it ended (after the TCP shutdown the client's `end` asked for). */
  #uploadDone: Promise<void> = Promise.resolve();
  /** Where the connection goes and for whom: an upgrade asks the policy again, as TLS. */
  #destination: Destination | null = null;
  #user: User | undefined;
  /** Whether the connection is TLS (opened so, or upgraded). */
  #isTls = false;
  /** Stops the TCP -> WebSocket task's reads for an upgrade; only where the relay upgrades. */
  #downstreamStop: AbortController | null = null;
  /** The TCP -> WebSocket task, the one that runs now. */
  #downstreamDone: Promise<void> = Promise.resolve();
  /** Set by {@link abort}: an upgrade that completes afterwards closes its stream at once. */
  #aborted = false;

  constructor(runtime: Runtime, ws: TcpStream, settings: RelaySettings<User>) {
    this.#runtime = runtime;
    this.#time = runtime.time;
    this.#ws = ws;
    this.#settings = settings;
    this.#frames = new FrameWriter(ws);
  }

  /**
   * Runs the connection to its end, then releases both sockets; never rejects (a relayed
   * connection ends quietly: its errors went to the client as an HTTP status or close codes). An
   * abort of `signal` closes both sockets at once.
   */
  async serve(signal?: AbortSignal): Promise<void> {
    const onAbort = () => void this.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (!signal?.aborted) await this.#run(signal);
    } catch {
      // Nothing more to tell the client: the close frame, if any, is sent.
    } finally {
      signal?.removeEventListener("abort", onAbort);
      await this.abort();
    }
  }

  /** Closes both sockets at once (the relay is shutting down, or the connection is over). */
  async abort(): Promise<void> {
    this.#aborted = true;
    this.#closeTimer?.cancel();
    this.#pings?.abort();
    this.#idle?.abort();
    await Promise.all([this.#ws.close(), this.#tcp?.close()]);
  }

  async #run(signal: AbortSignal | undefined): Promise<void> {
    const settings = this.#settings;
    const accepted = await this.#handshake(signal);
    if (accepted === null) return;
    this.#input = new Input(this.#ws, accepted.rest);
    if (accepted.url.searchParams.get("hello") === "1") {
      // What this relay offers, for a page deciding its capabilities; then a normal close.
      await this.#sendText({ type: "hello", tls: relayTlsFeatures(this.#runtime, settings.tls) }).catch(noop);
      this.#close(1000, "");
      await this.#readFrames();
      return;
    }
    const destination = destinationOf(accepted.url);
    let failure: string | null = null;
    if (destination === null) failure = "InvalidInput";
    else {
      let tlsOptions: Omit<TlsConnectOptions, "hostname" | "port"> | null = null;
      if (destination.tls !== null) {
        const grant = grantTls(settings.tls, destination.tls);
        if ("refusal" in grant) failure = grant.refusal;
        else tlsOptions = grant.options;
      }
      const kind = {
        tls: destination.tls !== null,
        serverName: destination.tls === null ? null : (destination.tls.serverName ?? destination.host),
      };
      // A request the relay's TLS settings refused does not reach the policy.
      if (
        failure === null &&
        !(await isAllowed(settings.allow, destination.host, destination.port, accepted.user, kind))
      ) {
        failure = "PermissionDenied";
      }
      if (failure === null) {
        try {
          this.#tcp = await this.#connect(destination, tlsOptions);
        } catch (error) {
          failure = kindOf(error) ?? "Other";
        }
      }
    }
    const tcp = this.#tcp;
    if (failure !== null || tcp === null || destination === null) {
      this.#close(CLOSE_FAILURE, failure ?? "Other");
      await this.#readFrames();
      return;
    }
    if (destination.window > 0) this.#credit = destination.window;
    this.#destination = destination;
    this.#user = accepted.user;
    this.#isTls = destination.tls !== null;
    const tls = destination.tls === null ? undefined : wireTlsInfo((tcp as TlsStream).tls);
    await this.#sendText({
      type: "open",
      localAddress: tcp.localAddress,
      remoteAddress: tcp.remoteAddress,
      window: settings.uploadWindow,
      ...(tls === undefined ? {} : { tls }),
    }).catch(() => {});
    const tasks = this.#runtime.tasks;
    this.#lastData = this.#time.now();
    this.#startDownstream(tcp);
    const upload = tasks.spawn(() => this.#uploadLoop());
    this.#uploadDone = Promise.resolve(upload).then(noop, noop);
    // Detached and aborted at the end: a ping stuck behind a client that does not read must not
    // hold the connection's end up.
    if (settings.pingIntervalMs > 0) this.#pings = tasks.spawn((signal) => this.#ping(signal));
    if (settings.idleTimeoutMs > 0) this.#idle = tasks.spawn((signal) => this.#watchIdle(signal));
    await this.#readFrames();
    this.#close(1000, "");
    // After an upgrade the connection is the TLS stream's (the plain one was taken over).
    await (this.#tcp ?? tcp).close();
    this.#wake();
    await this.#uploadDone;
    this.#pings?.abort();
    this.#idle?.abort();
    await this.#downstreamDone;
  }

  /**
   * Starts the TCP -> WebSocket task over `tcp`; where the relay upgrades connections, with a
   * signal that stops its reads for an upgrade (cancel-safe: nothing read is lost).
   */
  #startDownstream(tcp: TcpStream): void {
    const stop = relayTlsFeatures(this.#runtime, this.#settings.tls)?.upgrade === true ? new AbortController() : null;
    this.#downstreamStop = stop;
    const task = this.#runtime.tasks.spawn(() => this.#downstream(tcp, stop?.signal));
    this.#downstreamDone = Promise.resolve(task).then(noop, noop);
  }

  /**
   * The upgrade, within `handshakeTimeoutMs` from the start: the accepted request, or `null` when
   * it was refused (with an HTTP response), timed out, or the client went away (both dropped
   * without one).
   */
  async #handshake(signal: AbortSignal | undefined): Promise<Accepted<User> | null> {
    try {
      return await this.#time.timeout(this.#settings.handshakeTimeoutMs, (inner) => this.#upgrade(inner), { signal });
    } catch {
      return null;
    }
  }

  async #upgrade(signal: AbortSignal): Promise<Accepted<User> | null> {
    const settings = this.#settings;
    const ws = this.#ws;
    const read = await readHead(ws, settings.maxHeaderBytes, { signal });
    if (!read.ok) {
      if (read.reason === "too large") {
        await respond(ws, { status: "431 Request Header Fields Too Large", body: "request header too large\n" });
      }
      return null;
    }
    const head = parseHead(read.head);
    if (head === null) {
      await respond(ws, { status: "400 Bad Request", body: "malformed request\n" });
      return null;
    }
    const refusal = this.#refusal(head);
    if (refusal !== null) {
      await respond(ws, refusal);
      return null;
    }
    let url: URL;
    try {
      url = new URL(`http://${head.headers.get("host")}${head.target}`);
    } catch {
      await respond(ws, { status: "400 Bad Request", body: "malformed Host or request target\n" });
      return null;
    }
    let user = undefined as User;
    const authorize = settings.authorize;
    if (authorize !== undefined) {
      let granted: User | false | null | undefined;
      try {
        // Copies: what the hook does to them cannot change what the relay checked and uses.
        granted = await authorize({
          url: new URL(url),
          tls: url.searchParams.has("tls"),
          headers: new Headers(head.headers),
          origin: head.headers.get("origin"),
          remoteAddress: ws.remoteAddress,
          localAddress: ws.localAddress,
          signal,
        });
      } catch {
        granted = false;
      }
      if (granted === false || granted === null || granted === undefined) {
        await respond(ws, { status: "403 Forbidden", body: "not authorized\n" });
        return null;
      }
      user = granted;
    }
    await acceptUpgrade(ws, head, TCP_SUBPROTOCOL);
    return { url, user, rest: read.rest };
  }

  /**
   * Why the relay refuses `head` before asking `authorize`, or `null`: 400 without a well-formed
   * `Host` (RFC 9112 requires one), 403 for a `Host` or an `Origin` that is not allowed, then the
   * WebSocket checks.
   */
  #refusal(head: RequestHead): Refusal | null {
    const settings = this.#settings;
    const host = head.headers.get("host");
    if (host === null || !isHostHeader(host))
      return { status: "400 Bad Request", body: "a well-formed Host is required\n" };
    if (!settings.hosts(host, this.#ws.localAddress)) {
      return { status: "403 Forbidden", body: "this relay is not reached by that name\n" };
    }
    const origin = head.headers.get("origin");
    if (origin !== null && !settings.origins(origin)) {
      return { status: "403 Forbidden", body: "pages of this origin may not use this relay\n" };
    }
    return upgradeRefusal(head, settings.path, TCP_SUBPROTOCOL);
  }

  /**
   * Connects within `connectTimeoutMs` (`TimedOut` after it), with TLS when `tls` is given (the
   * handshake within the same time); a connection that comes late is closed.
   */
  async #connect(
    destination: Destination,
    tls: Omit<TlsConnectOptions, "hostname" | "port"> | null,
  ): Promise<TcpStream> {
    const { host: hostname, port } = destination;
    let connecting: Promise<TcpStream> | undefined;
    try {
      return await this.#time.timeout(this.#settings.connectTimeoutMs, (signal) => {
        connecting =
          tls === null
            ? this.#runtime.tcp.connect({ hostname, port, signal })
            : this.#runtime.tls.connect({ ...tls, hostname, port, signal });
        return connecting;
      });
    } catch (error) {
      connecting?.then((late) => late.close(), noop);
      throw error;
    }
  }

  /**
   * Pings the client every `pingIntervalMs` while the connection is open; one ping at a time (a
   * client that does not read holds it up, and that is no reason to queue more). A ping that
   * fails to be written means the client is gone: both sides are closed, which also ends a TCP
   * write the relay is blocked in.
   */
  async #ping(signal: AbortSignal): Promise<void> {
    for (;;) {
      await this.#time.sleep(this.#settings.pingIntervalMs, { signal });
      if (this.#closeSent) return;
      try {
        await this.#frames.send(OP_PING, EMPTY);
      } catch {
        void this.abort();
        return;
      }
    }
  }

  /**
   * Closes the connection with 4000 `TimedOut` once no data went through, either way, for
   * `idleTimeoutMs`: a client that holds a connection it does not use gives it back.
   */
  async #watchIdle(signal: AbortSignal): Promise<void> {
    const idle = this.#settings.idleTimeoutMs;
    for (;;) {
      const deadline = this.#lastData + idle;
      if (this.#time.now() >= deadline) break;
      await this.#time.sleepUntil(deadline, { signal });
    }
    this.#close(CLOSE_FAILURE, "TimedOut");
  }

  #sendText(message: object): Promise<void> {
    return this.#frames.send(OP_TEXT, encoder.encode(JSON.stringify(message)));
  }

  /**
   * Starts the close handshake (once): sends the close frame (`code` `null`: one without a code)
   * and stops relaying TCP.
   */
  #close(code: number | null, reason: string): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    this.#frames.send(OP_CLOSE, closePayload(code, reason)).catch(noop);
    void this.#tcp?.close();
    this.#wake();
    this.#wakeUploader();
    // The client answers with its close frame; one that does not is cut off.
    const timer = this.#time.timer(CLOSE_WAIT_MS);
    this.#closeTimer = timer;
    timer.then(() => void this.#ws.close(), noop);
  }

  #wake(): void {
    const wake = this.#wakeCredit;
    this.#wakeCredit = null;
    wake?.();
  }

  #wakeUploader(): void {
    const wake = this.#wakeUpload;
    this.#wakeUpload = null;
    wake?.();
    const room = this.#wakeRoom;
    this.#wakeRoom = null;
    room?.();
  }

  /**
   * Takes a chunk of client data for TCP: queued for the upload task (a copy), then, while more
   * than the upload window waits, the frame reader waits too (a client that ignores its window
   * gets backpressure, as before the window existed).
   */
  async #toTcp(chunk: Uint8Array): Promise<void> {
    if (this.#tcp === null || this.#closeSent || this.#clientEnded) return;
    this.#upload.push(chunk.slice());
    this.#uploadBytes += chunk.length;
    this.#wakeUploader();
    while (this.#uploadBytes > this.#settings.uploadWindow && !this.#closeSent) {
      await new Promise<void>((resolve) => {
        this.#wakeRoom = resolve;
      });
    }
  }

  /** Resolves once every chunk taken so far is written to TCP (or the connection is closing). */
  async #uploadDrained(): Promise<void> {
    while (this.#upload.length > 0 && !this.#closeSent) {
      await new Promise<void>((resolve) => {
        this.#wakeRoom = resolve;
      });
    }
  }

  /**
   * WebSocket -> TCP: writes the client's data in order to the TCP stream of the moment (the TLS
   * one after an upgrade), acknowledges it to the client in quarters of the upload window, and
   * once the client's `end` arrived and everything before it is written, shuts TCP's writing side.
   * A failed write ends the connection with its kind.
   */
  async #uploadLoop(): Promise<void> {
    const quarter = Math.max(1, Math.floor(this.#settings.uploadWindow / 4));
    const queue = this.#upload;
    for (;;) {
      while (queue.length === 0 && !this.#clientEnded && !this.#closeSent) {
        await new Promise<void>((resolve) => {
          this.#wakeUpload = resolve;
        });
      }
      const tcp = this.#tcp;
      if (this.#closeSent || tcp === null) return;
      if (queue.length === 0) {
        this.#shutdownDone = tcp.shutdown().then(
          () => this.#maybeFinish(),
          (error: unknown) => {
            if (!this.#closeSent) this.#fail(error);
          },
        );
        return;
      }
      const chunk = queue[0] as Uint8Array;
      try {
        let offset = 0;
        while (offset < chunk.length) offset += await tcp.write(chunk.subarray(offset));
      } catch (error) {
        if (!this.#closeSent) this.#fail(error);
        return;
      }
      queue.shift();
      this.#uploadBytes -= chunk.length;
      this.#uploadUnacked += chunk.length;
      if (this.#uploadUnacked >= quarter && !this.#closeSent) {
        // Not awaited: frames go out in order, and this task must not wait for the client to read.
        this.#sendText({ type: "ack", bytes: this.#uploadUnacked }).catch(noop);
        this.#uploadUnacked = 0;
      }
      const room = this.#wakeRoom;
      this.#wakeRoom = null;
      room?.();
    }
  }

  #maybeFinish(): void {
    if (this.#clientEnded && this.#tcpEnded) this.#close(1000, "");
  }

  /** TCP -> WebSocket, within credit, until `stop` (an upgrade takes the connection over). */
  async #downstream(tcp: TcpStream, stop?: AbortSignal): Promise<void> {
    const buf = new Uint8Array(CHUNK);
    const options = stop === undefined ? undefined : { signal: stop };
    try {
      while (!this.#closeSent) {
        while (this.#credit <= 0 && !this.#closeSent && stop?.aborted !== true) {
          await new Promise<void>((resolve) => {
            this.#wakeCredit = resolve;
          });
        }
        if (this.#closeSent || stop?.aborted === true) return;
        const n = await tcp.read(buf.subarray(0, Math.min(CHUNK, this.#credit)), options);
        if (this.#closeSent) return;
        if (n === 0) {
          await this.#sendText({ type: "end" });
          this.#tcpEnded = true;
          this.#maybeFinish();
          return;
        }
        this.#credit -= n;
        this.#lastData = this.#time.now();
        await this.#frames.send(OP_BINARY, buf.subarray(0, n));
      }
    } catch (error) {
      if (this.#closeSent || stop?.aborted === true || isIoError(error, "Closed")) return;
      this.#fail(error);
    }
  }

  /** Ends the connection for a TCP failure, with its kind (`ConnectionReset` when it has none). */
  #fail(error: unknown): void {
    const kind = kindOf(error);
    this.#close(CLOSE_FAILURE, kind === undefined || kind === "Other" ? "ConnectionReset" : kind);
  }

  /**
   * WebSocket -> TCP, and control frames, until the client's close frame or EOF. Data messages
   * stream through in chunks; a text message (a control message) is held until complete, within
   * {@link MAX_CONTROL_MESSAGE} bytes.
   */
  async #readFrames(): Promise<void> {
    const input = this.#input as Input;
    const maxMessage = this.#settings.maxMessageSize;
    let messageOpcode = -1;
    let messageSize = 0;
    let text = new GrowingBuffer();
    try {
      for (;;) {
        const header = await readHeader(input, maxMessage);
        if (header === null) return;
        const { opcode, length, mask, fin } = header;
        if (opcode >= OP_CLOSE) {
          if (!(await input.need(length))) return;
          const payload = input.take(length).slice();
          unmask(payload, mask, 0);
          if (opcode === OP_CLOSE) {
            await this.#answerClose(payload);
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
        if (messageOpcode === OP_TEXT && messageSize > MAX_CONTROL_MESSAGE) {
          throw new ProtocolError(1009, `text message over ${MAX_CONTROL_MESSAGE} bytes`);
        }
        let offset = 0;
        while (offset < length) {
          const chunk = await input.some(Math.min(length - offset, CHUNK));
          if (chunk === null) return;
          unmask(chunk, mask, offset);
          offset += chunk.length;
          this.#lastData = this.#time.now();
          if (messageOpcode === OP_TEXT) text.append(chunk);
          else await this.#toTcp(chunk);
        }
        if (fin) {
          if (messageOpcode === OP_TEXT) await this.#control(text.bytes.subarray(0, text.length));
          messageOpcode = -1;
          text = new GrowingBuffer();
        }
      }
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.#close(error.code, error.message);
        await this.#frames.settled();
      }
    } finally {
      this.#closeTimer?.cancel();
    }
  }

  /**
   * The client's close frame: answers it with the same code (none for none), after letting a TCP
   * shutdown the client asked for finish; a code that may not be sent is answered with 1002, a
   * reason that is not UTF-8 with 1007. When the relay closed first, this is the answer, and
   * nothing more is sent.
   */
  async #answerClose(payload: Uint8Array): Promise<void> {
    let code: number | null;
    try {
      code = parseClose(payload).code;
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#close(error.code, error.message);
      await this.#frames.settled();
      return;
    }
    // The bytes before the close frame still reach the peer, and after `end` the TCP shutdown
    // finishes; within CLOSE_WAIT_MS, for a peer that does not read.
    await this.#time.moveOnAfter(CLOSE_WAIT_MS, async () => {
      await this.#uploadDrained();
      if (!this.#clientEnded) return;
      await this.#uploadDone;
      await this.#shutdownDone;
    });
    // A client that closes first, without `end`, abandons the connection: TCP is closed.
    this.#close(code, "");
    await this.#frames.settled();
  }

  /**
   * The page's `starttls`: the relay stops reading TCP (bytes already relayed reach the page
   * first, which fails the upgrade there: a TLS server never sends first), checks the request as
   * it checks a TLS open (its TLS settings, then the destination policy, told it is TLS now),
   * runs the client handshake over its TCP connection within `connectTimeoutMs`, answers
   * `upgraded` with the outcome and relays the TLS stream from then on. A refusal or a failed
   * handshake closes with 4000 and the kind.
   */
  async #startTls(message: Readonly<Record<string, unknown>>): Promise<void> {
    const tcp = this.#tcp;
    const destination = this.#destination;
    if (tcp === null || destination === null || this.#closeSent) return;
    const settings = this.#settings;
    if (relayTlsFeatures(this.#runtime, settings.tls)?.upgrade !== true) {
      this.#close(CLOSE_FAILURE, upgradeRefusals.unsupported);
      return;
    }
    const request = tlsRequestOfControl(message);
    // A second upgrade, or one after either side ended, is a client's mistake.
    if (request === undefined || this.#isTls || this.#clientEnded || this.#tcpEnded) {
      this.#close(CLOSE_FAILURE, upgradeRefusals.malformed);
      return;
    }
    const grant = grantTls(settings.tls, request);
    if ("refusal" in grant) {
      this.#close(CLOSE_FAILURE, grant.refusal);
      return;
    }
    const kind = { tls: true, serverName: request.serverName ?? tcp.remoteAddress.hostname };
    if (!(await isAllowed(settings.allow, destination.host, destination.port, this.#user as User, kind))) {
      this.#close(CLOSE_FAILURE, upgradeRefusals.denied);
      return;
    }
    // The data before `starttls` goes out in plaintext first.
    await this.#uploadDrained();
    this.#downstreamStop?.abort();
    this.#wake();
    await this.#downstreamDone;
    if (this.#closeSent) return;
    let secure: TlsStream;
    try {
      secure = await this.#time.timeout(settings.connectTimeoutMs, (signal) =>
        this.#runtime.tls.upgrade(tcp, { ...grant.options, signal }),
      );
    } catch (error) {
      const failure = kindOf(error);
      this.#close(CLOSE_FAILURE, failure === undefined || failure === "Other" ? "HandshakeFailed" : failure);
      return;
    }
    this.#tcp = secure;
    this.#isTls = true;
    if (this.#closeSent || this.#aborted) {
      await secure.close();
      return;
    }
    await this.#sendText({ type: "upgraded", tls: wireTlsInfo(secure.tls) }).catch(noop);
    this.#startDownstream(secure);
  }

  /**
   * Acts on a complete text message: `ack` adds credit, `end` shuts the TCP write side down,
   * `starttls` upgrades the connection (frames are not read meanwhile, so no data can overtake it).
   */
  async #control(bytes: Uint8Array): Promise<void> {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw new ProtocolError(1007, "text message is not UTF-8");
    }
    const message = parseControl(text);
    if (message === null) throw new ProtocolError(1008, "unknown control message");
    if (message.type === "starttls") {
      await this.#startTls(message);
      return;
    }
    if (message.type === "ack") {
      this.#credit += message.bytes;
      this.#wake();
    } else if (message.type === "end" && !this.#clientEnded) {
      // The upload task shuts TCP's writing side once the data before `end` is written.
      this.#clientEnded = true;
      this.#wakeUploader();
    }
  }
}

/** What a `starttls` message may be refused with before the handshake, by what it found. */
const upgradeRefusals = { unsupported: "Unsupported", malformed: "InvalidInput", denied: "PermissionDenied" } as const;

function noop(): void {}
