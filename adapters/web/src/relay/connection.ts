/**
 * One relayed connection: the `anyrt.tcp.v1` state machine between an accepted WebSocket and the
 * TCP connection it asked for (upgrade, connect, both directions with credit, pings, and the close
 * handshake), on the tasks and time of the runtime it is given.
 * @module
 */
import { isIoError, type JoinHandle, type Runtime, type TcpStream, type Time, type Timer } from "@anyrt/core";
import { CLOSE_FAILURE, parseControl, TCP_SUBPROTOCOL } from "../websocket/protocol.ts";
import { destinationOf } from "./destination.ts";
import { isAllowed, type RelayConnectionOptions, type RelaySettings, relaySettings } from "./options.ts";
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

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
/** Bytes read from TCP at a time, at most (and so the largest data message the relay sends). */
const CHUNK = 64 * 1024;
/** How long the relay waits for the client's close frame after sending its own. */
const CLOSE_WAIT_MS = 5_000;
const EMPTY = new Uint8Array(0);

/**
 * Serves one accepted connection as the relay: upgrades it to a WebSocket speaking
 * `anyrt.tcp.v1`, connects to the requested destination through `runtime.tcp`, and relays both
 * ways with backpressure until both sides are done. Resolves when the connection is finished;
 * `stream` is closed by then. It rejects only for invalid options (`InvalidInput`, at once, and
 * `stream` is left untouched). Use it in your own accept loop. Its timers and tasks are
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
export async function relayConnection(
  runtime: Runtime,
  stream: TcpStream,
  options: RelayConnectionOptions = {},
): Promise<void> {
  const settings = relaySettings("relayConnection", options);
  await new RelayedConnection(runtime, stream, settings).serve();
}

/** One relayed connection: the WebSocket side, the TCP side, credit and the close handshake. */
export class RelayedConnection {
  readonly #runtime: Runtime;
  readonly #time: Time;
  readonly #ws: TcpStream;
  readonly #settings: RelaySettings;
  readonly #input: Input;
  readonly #frames: FrameWriter;
  #tcp: TcpStream | null = null;
  #credit = Number.POSITIVE_INFINITY;
  #wakeCredit: (() => void) | null = null;
  #clientEnded = false;
  #tcpEnded = false;
  #closeSent = false;
  /** Cuts the WebSocket off when the client does not answer the close frame in time. */
  #closeTimer: Timer | null = null;
  #pings: JoinHandle<void> | null = null;
  /** The TCP shutdown the client's `end` started, settled either way. */
  #shutdownDone: Promise<void> | null = null;

  constructor(runtime: Runtime, ws: TcpStream, settings: RelaySettings) {
    this.#runtime = runtime;
    this.#time = runtime.time;
    this.#ws = ws;
    this.#settings = settings;
    this.#input = new Input(ws);
    this.#frames = new FrameWriter(ws);
  }

  /**
   * Runs the connection to its end, then releases both sockets; never rejects (a relayed
   * connection ends quietly: its errors went to the client as close codes). An abort of `signal`
   * closes both sockets at once.
   */
  async serve(signal?: AbortSignal): Promise<void> {
    const onAbort = () => void this.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (!signal?.aborted) await this.#run();
    } catch {
      // Nothing more to tell the client: the close frame, if any, is sent.
    } finally {
      signal?.removeEventListener("abort", onAbort);
      await this.abort();
    }
  }

  /** Closes both sockets at once (the relay is shutting down, or the connection is over). */
  async abort(): Promise<void> {
    this.#closeTimer?.cancel();
    this.#pings?.abort();
    await Promise.all([this.#ws.close(), this.#tcp?.close()]);
  }

  async #run(): Promise<void> {
    const settings = this.#settings;
    const upgraded = await upgrade(this.#input, this.#ws, settings.path, TCP_SUBPROTOCOL, settings.maxHeaderBytes);
    if (!upgraded.ok) return;
    const destination = destinationOf(upgraded.url);
    let failure: string | null = null;
    if (destination === null) failure = "InvalidInput";
    else if (!(await isAllowed(settings.allow, destination.host, destination.port))) failure = "PermissionDenied";
    else {
      try {
        this.#tcp = await this.#connect(destination.host, destination.port);
      } catch (error) {
        failure = kindOf(error) ?? "Other";
      }
    }
    const tcp = this.#tcp;
    if (failure !== null || tcp === null || destination === null) {
      this.#close(CLOSE_FAILURE, failure ?? "Other");
      await this.#readFrames();
      return;
    }
    if (destination.window > 0) this.#credit = destination.window;
    await this.#sendText({
      type: "open",
      localAddress: tcp.localAddress,
      remoteAddress: tcp.remoteAddress,
    }).catch(() => {});
    const tasks = this.#runtime.tasks;
    const downstream = tasks.spawn(() => this.#downstream(tcp));
    // Detached and aborted at the end: a ping stuck behind a client that does not read must not
    // hold the connection's end up.
    if (settings.pingIntervalMs > 0) this.#pings = tasks.spawn((signal) => this.#ping(signal));
    await this.#readFrames();
    this.#close(1000, "");
    await tcp.close();
    this.#wake();
    this.#pings?.abort();
    await downstream;
  }

  /** Connects within `connectTimeoutMs` (`TimedOut` after it); a connection that comes late is closed. */
  async #connect(hostname: string, port: number): Promise<TcpStream> {
    let connecting: Promise<TcpStream> | undefined;
    try {
      return await this.#time.timeout(this.#settings.connectTimeoutMs, (signal) => {
        connecting = this.#runtime.tcp.connect({ hostname, port, signal });
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

  #sendText(message: object): Promise<void> {
    return this.#frames.send(OP_TEXT, encoder.encode(JSON.stringify(message)));
  }

  /** Starts the close handshake (once): sends the close frame and stops relaying TCP. */
  #close(code: number, reason: string): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    this.#frames.send(OP_CLOSE, closePayload(code, reason)).catch(noop);
    void this.#tcp?.close();
    this.#wake();
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
      this.#fail(error);
    }
  }

  /** Ends the connection for a TCP failure, with its kind (`ConnectionReset` when it has none). */
  #fail(error: unknown): void {
    const kind = kindOf(error);
    this.#close(CLOSE_FAILURE, kind === undefined || kind === "Other" ? "ConnectionReset" : kind);
  }

  /** WebSocket -> TCP, and control frames, until the client's close frame or EOF. */
  async #readFrames(): Promise<void> {
    const maxMessage = this.#settings.maxMessageSize;
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
      this.#closeTimer?.cancel();
    }
  }

  /** The client's close frame: answers it, after letting a TCP shutdown the client asked for finish. */
  async #answerClose(payload: Uint8Array): Promise<void> {
    if (payload.length === 1) this.#close(1002, "bad close payload");
    const code = payload.length >= 2 ? (payload[0] as number) * 256 + (payload[1] as number) : 1000;
    // After `end`, the bytes before it still reach the peer: let the TCP shutdown finish.
    const shutdownDone = this.#shutdownDone;
    if (shutdownDone !== null) await this.#time.moveOnAfter(CLOSE_WAIT_MS, () => shutdownDone);
    // A client that closes first, without `end`, abandons the connection: TCP is closed.
    this.#close(code === 1005 || code === 1006 ? 1000 : code, "");
    await this.#frames.settled();
  }

  /** Writes client data to TCP; a failure ends the connection with its kind. */
  async #toTcp(chunk: Uint8Array): Promise<void> {
    const tcp = this.#tcp;
    if (tcp === null || this.#closeSent || this.#clientEnded) return;
    try {
      let offset = 0;
      while (offset < chunk.length) offset += await tcp.write(chunk.subarray(offset));
    } catch (error) {
      if (!this.#closeSent) this.#fail(error);
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
          if (!this.#closeSent) this.#fail(error);
        },
      );
    }
  }
}

function noop(): void {}
