// The RESP client: one connection to Redis (or any server speaking RESP) over any anyrt `Duplex`,
// with commands and pipelines sent as vectored writes, replies read through a `FramedRead` over
// the shared `RespDecoder`, per-command signals and timeouts, and connection loss reported as an
// `IoError` of a precise kind. Written against @anyrt/core alone.
import {
  createTime,
  type Duplex,
  FramedRead,
  IoError,
  isIoError,
  type OperationOptions,
  type Runtime,
  type Time,
  WOULD_BLOCK,
  writeAllVectored,
} from "@anyrt/core";
import {
  checkCount,
  RESP_NIL,
  type RespArgument,
  RespDecoder,
  RespEncoder,
  RespError,
  type RespFrame,
  RespPush,
  type RespValue,
} from "./codec.ts";

/** Options of {@link RespClient.connect}. */
export interface RespConnectOptions extends RespClientOptions, OperationOptions {
  /** Host name or IP literal; default `"127.0.0.1"`. */
  readonly hostname?: string;
  /** Port; default 6379. */
  readonly port?: number;
  /**
   * `3` switches the connection to RESP3 with `HELLO 3` once connected (maps, sets, doubles,
   * booleans, pushes); default `2`, the protocol every server speaks first.
   */
  readonly protocol?: 2 | 3;
}

/** Options of the {@link RespClient} constructor. */
export interface RespClientOptions {
  /** Bulk strings as `Uint8Array` rather than UTF-8 text; default `false`. */
  readonly bytes?: boolean;
  /** Milliseconds every command may wait for its reply (see {@link CommandOptions.timeout}); default none. */
  readonly timeout?: number;
  /** The clock of timeouts: `runtime.time` (what `connect` passes); default the system scheduler's. */
  readonly time?: Time;
  /** Receives RESP3 pushes (Pub/Sub messages, invalidations) that arrive while replies are awaited. */
  readonly onPush?: (push: RespPush) => void;
  /** How errors name this connection (`redis 127.0.0.1:6379`); default `"redis"`. */
  readonly name?: string;
}

/** Options of {@link RespClient.command} and {@link RespClient.pipeline}. */
export interface CommandOptions extends OperationOptions {
  /**
   * Milliseconds to wait for the reply (all replies, for a pipeline) before rejecting with
   * `TimedOut`; overrides the client's `timeout`. The connection stays usable.
   */
  readonly timeout?: number;
}

/** One command or pipeline waiting for its replies, in the order it was sent. */
class Request {
  /** Replies still to read for it. */
  remaining: number;
  /** Its replies so far (a pipeline's), or the one reply (a command's). */
  readonly replies: RespValue[] = [];
  /** Rejected already (aborted, timed out): its replies are read and dropped. */
  abandoned = false;
  cleanup: (() => void) | undefined = undefined;
  readonly pipeline: boolean;
  readonly resolve: (value: never) => void;
  readonly reject: (error: unknown) => void;

  constructor(count: number, pipeline: boolean, resolve: (value: never) => void, reject: (error: unknown) => void) {
    this.remaining = count;
    this.pipeline = pipeline;
    this.resolve = resolve;
    this.reject = reject;
  }

  /** Takes one reply; returns whether the request is complete (and settled). */
  accept(reply: RespValue): boolean {
    if (!this.abandoned) this.replies.push(reply);
    if (--this.remaining > 0) return false;
    this.settle();
    return true;
  }

  /** After its last reply: resolves (or rejects, a command's error reply) unless abandoned. */
  settle(): void {
    if (this.abandoned) return;
    this.cleanup?.();
    if (this.pipeline) (this.resolve as (value: RespValue[]) => void)(this.replies);
    else {
      const reply = this.replies[0] as RespValue;
      if (reply instanceof RespError) this.reject(reply);
      else (this.resolve as (value: RespValue) => void)(reply);
    }
  }

  abandon(reason: unknown): void {
    if (this.abandoned) return;
    this.abandoned = true;
    this.replies.length = 0;
    this.cleanup?.();
    this.reject(reason);
  }
}

/**
 * A connection speaking RESP: `command` for one command, `pipeline` for many in one write.
 *
 * **Ordering and pipelining.** Commands are written in call order and Redis answers in the same
 * order, so calls made without awaiting the previous one are pipelined: while one vectored write
 * is in flight the next commands queue and go out together in the following one. `pipeline(...)`
 * encodes its commands into one buffer and sends it in one vectored write, then resolves when all
 * of their replies are in.
 *
 * **Replies and server errors.** `command` resolves the reply ({@link RespValue}: nil is `null`)
 * and rejects with a {@link RespError} when the server answers with an error; `pipeline` resolves
 * every reply in order, an error reply as a `RespError` in its place, so one failing command does
 * not hide the others' results. A server error leaves the connection usable.
 *
 * **Cancellation and timeouts.** A command's `signal` or `timeout` rejects its promise (with the
 * signal's reason, or `IoError` `TimedOut`) without closing the connection. The command may
 * already be on its way and may still run on the server: its reply is read when it comes and
 * dropped, so the replies of later commands stay matched. A signal that is already aborted
 * rejects at once and sends nothing.
 *
 * **Connection loss.** When the connection fails (the server closed it or was killed, a read or a
 * write failed, the bytes are not RESP), every waiting command rejects with one `IoError` whose
 * kind says what happened: `UnexpectedEof` when the server closed the connection with replies
 * outstanding, `ConnectionReset` / `BrokenPipe` as the runtime reported them, `InvalidData` for
 * bytes that are not RESP; the runtime's error is its `cause`. The failure sticks: every later
 * call rejects with an error of the same kind at once. Connect again to go on (`RespClient.connect`).
 * After `close()`, calls reject with `Closed`.
 *
 * @example
 * ```ts in=packages/examples/src/redis-client.ts
 * const redis = where.includes("/")
 *   ? new RespClient(await runtime.unix.connect({ path: where }))
 *   : await RespClient.connect(runtime, { port });
 * ```
 */
export class RespClient {
  readonly #stream: Duplex;
  readonly #frames: FramedRead<RespFrame>;
  readonly #encoder = new RespEncoder();
  readonly #name: string;
  readonly #time: Time | undefined;
  readonly #timeout: number | undefined;
  readonly #onPush: ((push: RespPush) => void) | undefined;
  /** Requests in the order they were sent; those before `#head` are complete. */
  #queue: Request[] = [];
  #head = 0;
  /** Encoded commands waiting for the write in flight to finish. */
  #outbox: Uint8Array[] = [];
  #writing = false;
  #reading = false;
  #failure: IoError | undefined;
  #closed = false;

  /**
   * A client over a connected stream (a `TcpStream`, or an in-memory pipe in tests). The client
   * owns the stream from then on: `close()` closes it.
   */
  constructor(stream: Duplex, options: RespClientOptions = {}) {
    this.#stream = stream;
    this.#frames = new FramedRead(stream, new RespDecoder({ bytes: options.bytes === true }));
    this.#name = options.name ?? "redis";
    this.#timeout = options.timeout === undefined ? undefined : checkTimeout(options.timeout);
    this.#time = options.time;
    this.#onPush = options.onPush;
  }

  /**
   * Connects to a RESP server on `runtime` (default 127.0.0.1:6379), and with `protocol: 3`
   * switches the connection to RESP3. Fails with the `IoError` of the connect (`ConnectionRefused`,
   * ...), or with the server's `RespError` to `HELLO 3`.
   */
  static async connect(runtime: Runtime, options: RespConnectOptions = {}): Promise<RespClient> {
    const hostname = options.hostname ?? "127.0.0.1";
    const port = options.port ?? 6379;
    const stream = await runtime.tcp.connect({ hostname, port, signal: options.signal });
    const client = new RespClient(stream, { time: runtime.time, name: `redis ${hostname}:${port}`, ...options });
    if (options.protocol === 3) {
      try {
        await client.command(["HELLO", 3], { signal: options.signal });
      } catch (error) {
        await client.close();
        throw error;
      }
    }
    return client;
  }

  /** The failure that ended the connection, if it failed. */
  get failure(): IoError | undefined {
    return this.#failure;
  }

  /**
   * Sends one command and resolves its reply (nil is `null`); an error reply rejects with a
   * {@link RespError}. Cancel-safe in the sense of the class's contract: an aborted command's reply
   * is dropped, the connection goes on.
   */
  command(args: readonly RespArgument[], options?: CommandOptions): Promise<RespValue> {
    return this.#request([args], false, options) as Promise<RespValue>;
  }

  /**
   * Sends `commands` in one vectored write and resolves their replies in order, error replies as
   * {@link RespError} values in their places. An empty list resolves `[]` at once.
   */
  pipeline(commands: readonly (readonly RespArgument[])[], options?: CommandOptions): Promise<RespValue[]> {
    if (Array.isArray(commands) && commands.length === 0 && this.#usable() === undefined) return Promise.resolve([]);
    return this.#request(commands, true, options) as Promise<RespValue[]>;
  }

  /** Closes the connection; waiting commands reject with `Closed`. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#rejectAll(new IoError("Closed", `${this.#name}: the client was closed`));
    await this.#frames.close();
  }

  /** Closes the client (`await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Why no command can be sent now, or undefined. */
  #usable(): IoError | undefined {
    if (this.#closed) return new IoError("Closed", `${this.#name}: the client is closed`);
    const failure = this.#failure;
    if (failure !== undefined) {
      return new IoError(failure.kind, `${this.#name}: the connection failed earlier: ${failure.message}`, {
        cause: failure,
      });
    }
    return undefined;
  }

  #request(
    commands: readonly (readonly RespArgument[])[],
    pipeline: boolean,
    options?: CommandOptions,
  ): Promise<unknown> {
    const refused = this.#usable();
    if (refused !== undefined) return Promise.reject(refused);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const timeout = options?.timeout === undefined ? this.#timeout : checkTimeout(options.timeout);
    if (!Array.isArray(commands)) {
      return Promise.reject(new IoError("InvalidInput", `${this.#name}: commands must be an array`));
    }
    try {
      for (const args of commands) this.#encoder.add(args);
    } catch (error) {
      this.#encoder.take();
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      const request = new Request(commands.length, pipeline, resolve, reject);
      if (signal !== undefined || timeout !== undefined) this.#arm(request, commands[0]?.[0], signal, timeout);
      this.#queue.push(request);
      this.#send(this.#encoder.take());
      if (!this.#reading) void this.#readReplies();
    });
  }

  /** Rejects `request` on its signal or when its timeout passes; undone once it completes. */
  #arm(request: Request, name: RespArgument | undefined, signal: AbortSignal | undefined, timeout: number | undefined) {
    const onAbort = () => request.abandon(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer = timeout === undefined ? undefined : (this.#time ?? defaultTime()).timer(timeout);
    timer?.then(
      () => request.abandon(new IoError("TimedOut", `${this.#name} ${String(name)}: no reply within ${timeout} ms`)),
      () => {},
    );
    request.cleanup = () => {
      signal?.removeEventListener("abort", onAbort);
      timer?.cancel();
    };
  }

  /** Writes `chunks` now, or after the write in flight together with what queued meanwhile. */
  #send(chunks: Uint8Array[]): void {
    if (this.#writing) {
      for (const chunk of chunks) this.#outbox.push(chunk);
      return;
    }
    this.#writing = true;
    void this.#write(chunks);
  }

  async #write(first: Uint8Array[]): Promise<void> {
    let batch = first;
    try {
      for (;;) {
        await writeAllVectored(this.#stream, batch);
        if (this.#outbox.length === 0) return;
        batch = this.#outbox;
        this.#outbox = [];
      }
    } catch (error) {
      this.#fail(error, "write");
    } finally {
      this.#writing = false;
    }
  }

  /**
   * Reads replies while requests wait for them, handing each to the oldest request. The replies
   * already buffered go to the request at the head in one tight loop that calls the decoder on
   * `FramedRead`'s buffer, as a loop over a `ByteBuffer` does: per reply that is the decoder and
   * a push, where a `tryNext` and an `accept` per reply cost the client 8-9% more CPU per
   * pipelined command than that loop (bench/experiments/redis-client-cpu.mjs). `FramedRead`
   * is asked only when the decoder needs more bytes: it reads, or waits, and delivers the end of
   * the stream. A decoder error thrown here ends the connection as one thrown there would.
   */
  async #readReplies(): Promise<void> {
    this.#reading = true;
    const frames = this.#frames;
    const decoder = frames.decoder;
    const buffer = frames.buffer;
    try {
      while (this.#head < this.#queue.length && this.#failure === undefined && !this.#closed) {
        const request = this.#queue[this.#head] as Request;
        const replies = request.replies;
        let frame: RespFrame | null | typeof WOULD_BLOCK;
        for (;;) {
          frame = decoder.decode(buffer);
          // A push is not a reply (strings, the common replies, skip the class test).
          if (frame === null || (typeof frame === "object" && frame instanceof RespPush)) break;
          if (!request.abandoned) replies.push(frame === RESP_NIL ? null : frame);
          if (--request.remaining === 0) break;
        }
        if (request.remaining === 0) {
          request.settle();
          this.#advance();
          continue;
        }
        if (frame === null) {
          frame = frames.tryNext();
          if (frame === WOULD_BLOCK) frame = await frames.next();
          if (frame === null) {
            throw new IoError(
              "UnexpectedEof",
              `the server closed the connection with ${this.#queue.length - this.#head} requests unanswered`,
            );
          }
        }
        if (frame instanceof RespPush) {
          this.#onPush?.(frame);
          continue;
        }
        const head = this.#queue[this.#head] as Request;
        if (head.accept(frame === RESP_NIL ? null : frame)) this.#advance();
      }
    } catch (error) {
      if (!this.#closed) this.#fail(error, "read");
    } finally {
      this.#reading = false;
    }
  }

  #advance(): void {
    this.#head++;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Ends the connection after a failure: every waiting request and every later call gets its kind. */
  #fail(error: unknown, during: "read" | "write"): void {
    if (this.#failure !== undefined || this.#closed) return;
    const kind = isIoError(error) ? error.kind : "Other";
    const detail = error instanceof Error ? error.message : String(error);
    const failure = new IoError(kind, `${this.#name}: connection lost (${during}): ${detail}`, { cause: error });
    this.#failure = failure;
    this.#rejectAll(failure);
    this.#frames.close().catch(() => {});
  }

  #rejectAll(error: IoError): void {
    const waiting = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    this.#outbox = [];
    for (const request of waiting) request.abandon(error);
  }
}

let systemTime: Time | undefined;

/** The system scheduler's `Time`, made on first use (no timer is touched while this module loads). */
function defaultTime(): Time {
  systemTime ??= createTime();
  return systemTime;
}

function checkTimeout(value: unknown): number {
  return checkCount("RespClient", "timeout", value, 0);
}
