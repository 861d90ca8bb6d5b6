// The memcached client: one connection speaking memcached's binary protocol over any anyrt
// `Duplex`, with requests matched to responses by their opaque, concurrent calls pipelined into
// vectored writes, `getMany` as quiet gets closed by a no-op, per-request signals and timeouts, and
// connection loss reported as an `IoError` of a precise kind. Written against @anyrt/core alone.
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
  encodeRequest,
  MemcachedDecoder,
  MemcachedError,
  type MemcachedResponse,
  Opcode,
  statusNames,
} from "./protocol.ts";

/** Options of {@link MemcachedClient.connect}. */
export interface MemcachedConnectOptions extends MemcachedClientOptions, OperationOptions {
  /** Host name or IP literal; default `"127.0.0.1"`. */
  readonly hostname?: string;
  /** Port; default 11211. */
  readonly port?: number;
}

/** Options of the {@link MemcachedClient} constructor. */
export interface MemcachedClientOptions {
  /** Milliseconds every request may wait for its response; default none. */
  readonly timeout?: number;
  /** The clock of timeouts: `runtime.time` (what `connect` passes); default the system scheduler's. */
  readonly time?: Time;
  /** The largest response body accepted (see `MemcachedDecoder`); default 32 MiB. */
  readonly maxBodyLength?: number;
  /** How errors name this connection (`memcached 127.0.0.1:11211`); default `"memcached"`. */
  readonly name?: string;
}

/** Options of every request. */
export interface RequestOptions extends OperationOptions {
  /** Milliseconds to wait for the response before rejecting with `TimedOut`; overrides the client's. */
  readonly timeout?: number;
}

/** Options of {@link MemcachedClient.set}. */
export interface SetOptions extends RequestOptions {
  /** 32 bits stored with the value and returned by `get`; default 0. */
  readonly flags?: number;
  /** Seconds to live (or a Unix time past 30 days); default 0, no expiry. */
  readonly expires?: number;
  /** Store only if the item's CAS is still this one (`KeyExists` otherwise); default 0n, always. */
  readonly cas?: bigint;
}

/** Options of {@link MemcachedClient.increment} and {@link MemcachedClient.decrement}. */
export interface CounterOptions extends RequestOptions {
  /** The value a missing counter starts at; default: a missing counter fails with `KeyNotFound`. */
  readonly initial?: bigint;
  /** Seconds to live of a counter created from `initial`; default 0, no expiry. */
  readonly expires?: number;
}

/** An item read by `get` or `getMany`. */
export interface MemcachedItem {
  readonly value: Uint8Array;
  /** The flags stored with it. */
  readonly flags: number;
  /** Its compare-and-swap token, for `set(..., { cas })`. */
  readonly cas: bigint;
}

/** A request waiting for its responses: those whose opaque is in `first..last`, the last one ending it. */
class Pending {
  readonly first: number;
  readonly last: number;
  readonly onResponse: (response: MemcachedResponse) => void;
  readonly reject: (error: unknown) => void;
  abandoned = false;
  cleanup: (() => void) | undefined = undefined;

  constructor(
    first: number,
    last: number,
    onResponse: (response: MemcachedResponse) => void,
    reject: (error: unknown) => void,
  ) {
    this.first = first;
    this.last = last;
    this.onResponse = onResponse;
    this.reject = reject;
  }

  owns(opaque: number): boolean {
    return (opaque - this.first) >>> 0 <= (this.last - this.first) >>> 0;
  }

  abandon(reason: unknown): void {
    if (this.abandoned) return;
    this.abandoned = true;
    this.cleanup?.();
    this.reject(reason);
  }
}

const encoder = new TextEncoder();
const MAX_KEY = 250;

/**
 * A connection speaking memcached's binary protocol (memcached started with `-B binary`, or
 * `-B auto`, its default, which tells the two protocols apart by the first byte).
 *
 * **Requests and responses.** `get` resolves the item or `null` for a missing key, `set` the new
 * CAS, `delete` whether the key existed, `increment` / `decrement` the counter's new value. Any
 * other status rejects with a {@link MemcachedError} (`KeyExists` for a stale CAS,
 * `ValueTooLarge`, `NonNumericValue`, ...) and leaves the connection usable.
 *
 * **Pipelining.** Each request carries an opaque number that its response echoes. Calls made
 * without awaiting the previous one are written together in the next vectored write, and their
 * responses are matched in order. `getMany(keys)` sends one quiet get (`GetKQ`) per key and a
 * `Noop` in one write: the server answers only the hits, then the no-op, which ends the batch.
 *
 * **Cancellation, timeouts, connection loss.** As for the RESP client: a request's `signal` or
 * `timeout` rejects it (with the signal's reason, or `TimedOut`) and its response is read and
 * dropped when it comes; a failed connection rejects every waiting request with one `IoError`
 * (`UnexpectedEof` when the server closed it with requests outstanding, `ConnectionReset` /
 * `BrokenPipe` as the runtime reported them, `InvalidData` for bytes that are not the protocol),
 * and every later call with the same kind. After `close()`, calls reject with `Closed`. Invalid
 * arguments (a key over 250 bytes, a value that is not bytes or text) reject with `InvalidInput`
 * and send nothing.
 *
 * @example
 * ```ts not-run="it needs a memcached server; packages/examples/test/memcached.test.ts starts one and runs the same calls"
 * import { runtime } from "@anyrt/auto";
 * import { MemcachedClient } from "@anyrt/examples/memcached";
 * const memcached = await MemcachedClient.connect(runtime, { port: 11211 });
 * await memcached.set("greeting", "hello");
 * const item = await memcached.get("greeting");
 * console.log(new TextDecoder().decode(item?.value)); // hello
 * await memcached.close();
 * ```
 */
export class MemcachedClient {
  readonly #stream: Duplex;
  readonly #frames: FramedRead<MemcachedResponse>;
  readonly #name: string;
  readonly #time: Time | undefined;
  readonly #timeout: number | undefined;
  #opaque = 0;
  /** Requests in the order they were sent; those before `#head` are complete. */
  #queue: Pending[] = [];
  #head = 0;
  #outbox: Uint8Array[] = [];
  #writing = false;
  #reading = false;
  #failure: IoError | undefined;
  #closed = false;

  /** A client over a connected stream; the client owns it from then on (`close()` closes it). */
  constructor(stream: Duplex, options: MemcachedClientOptions = {}) {
    this.#stream = stream;
    const decoderOptions = options.maxBodyLength === undefined ? {} : { maxBodyLength: options.maxBodyLength };
    this.#frames = new FramedRead(stream, new MemcachedDecoder(decoderOptions));
    this.#name = options.name ?? "memcached";
    this.#timeout = options.timeout === undefined ? undefined : checkPositive("timeout", options.timeout);
    this.#time = options.time;
  }

  /** Connects to memcached on `runtime` (default 127.0.0.1:11211). Fails with the connect's `IoError`. */
  static async connect(runtime: Runtime, options: MemcachedConnectOptions = {}): Promise<MemcachedClient> {
    const hostname = options.hostname ?? "127.0.0.1";
    const port = options.port ?? 11211;
    const stream = await runtime.tcp.connect({ hostname, port, signal: options.signal });
    return new MemcachedClient(stream, { time: runtime.time, name: `memcached ${hostname}:${port}`, ...options });
  }

  /** The failure that ended the connection, if it failed. */
  get failure(): IoError | undefined {
    return this.#failure;
  }

  /** The item stored under `key`, or `null` when there is none. */
  get(key: string, options?: RequestOptions): Promise<MemcachedItem | null> {
    return attempt(() =>
      this.#one("get", { opcode: Opcode.Get, key: checkKey(key) }, options, (response) =>
        response.status === 0x01 ? null : item(response),
      ),
    );
  }

  /**
   * The items stored under `keys`, as a map from key to item (missing keys are absent): one quiet
   * get per key and a no-op, in one write.
   */
  getMany(keys: readonly string[], options?: RequestOptions): Promise<Map<string, MemcachedItem>> {
    if (!Array.isArray(keys))
      return Promise.reject(new IoError("InvalidInput", `${this.#name} getMany: keys must be an array`));
    let encoded: Uint8Array[];
    try {
      encoded = keys.map(checkKey);
    } catch (error) {
      return Promise.reject(error);
    }
    const found = new Map<string, MemcachedItem>();
    const first = this.#opaque;
    const chunks: Uint8Array[] = [];
    for (const key of encoded) encodeRequest({ opcode: Opcode.GetKQ, opaque: this.#nextOpaque(), key }, chunks);
    const noop = this.#nextOpaque();
    encodeRequest({ opcode: Opcode.Noop, opaque: noop }, chunks);
    return this.#send("getMany", first, noop, chunks, options, (response, resolve, reject) => {
      if (response.opaque === noop) resolve(found);
      else if (response.status === 0) found.set(new TextDecoder().decode(response.key), item(response));
      else if (response.status !== 0x01) reject(statusError(this.#name, "getMany", response));
    });
  }

  /** Stores `value` (bytes, or text sent as UTF-8) under `key`; resolves the item's new CAS. */
  set(key: string, value: Uint8Array | string, options: SetOptions = {}): Promise<bigint> {
    return this.#store(Opcode.Set, "set", key, value, options);
  }

  /** Removes `key`; resolves `true` if it existed, `false` if it did not. */
  delete(key: string, options?: RequestOptions): Promise<boolean> {
    return attempt(() =>
      this.#one("delete", { opcode: Opcode.Delete, key: checkKey(key) }, options, (response) => response.status === 0),
    );
  }

  /** Adds `delta` (default 1n) to the counter under `key`; resolves its new value. */
  increment(key: string, delta = 1n, options: CounterOptions = {}): Promise<bigint> {
    return this.#counter(Opcode.Increment, "increment", key, delta, options);
  }

  /** Subtracts `delta` (default 1n) from the counter under `key`, stopping at 0; resolves its new value. */
  decrement(key: string, delta = 1n, options: CounterOptions = {}): Promise<bigint> {
    return this.#counter(Opcode.Decrement, "decrement", key, delta, options);
  }

  /** The server's version string (`"1.6.18"`). */
  version(options?: RequestOptions): Promise<string> {
    return this.#one("version", { opcode: Opcode.Version }, options, (response) =>
      new TextDecoder().decode(response.value),
    );
  }

  /** Closes the connection; waiting requests reject with `Closed`. Idempotent. */
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

  #store(
    opcode: number,
    operation: string,
    key: string,
    value: Uint8Array | string,
    options: SetOptions,
  ): Promise<bigint> {
    let extras: Uint8Array;
    let body: Uint8Array;
    let keyBytes: Uint8Array;
    try {
      keyBytes = checkKey(key);
      if (typeof value === "string") body = encoder.encode(value);
      else if (value instanceof Uint8Array) body = value;
      else throw new IoError("InvalidInput", `memcached ${operation}: value must be a Uint8Array or a string`);
      extras = new Uint8Array(8);
      const view = new DataView(extras.buffer);
      view.setUint32(0, checkUint32(operation, "flags", options.flags ?? 0));
      view.setUint32(4, checkUint32(operation, "expires", options.expires ?? 0));
    } catch (error) {
      return Promise.reject(error);
    }
    const request = { opcode, key: keyBytes, extras, value: body, cas: options.cas ?? 0n };
    return this.#one(operation, request, options, (response) => response.cas, false);
  }

  #counter(opcode: number, operation: string, key: string, delta: bigint, options: CounterOptions): Promise<bigint> {
    let extras: Uint8Array;
    let keyBytes: Uint8Array;
    try {
      keyBytes = checkKey(key);
      extras = new Uint8Array(20);
      const view = new DataView(extras.buffer);
      view.setBigUint64(0, checkUint64(operation, "delta", delta));
      view.setBigUint64(8, options.initial === undefined ? 0n : checkUint64(operation, "initial", options.initial));
      // 0xffffffff: do not create a missing counter.
      view.setUint32(
        16,
        options.initial === undefined ? 0xffffffff : checkUint32(operation, "expires", options.expires ?? 0),
      );
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#one(
      operation,
      { opcode, key: keyBytes, extras },
      options,
      (response) => {
        if (response.value.length !== 8) {
          throw new IoError("InvalidData", `${this.#name} ${operation}: a counter of ${response.value.length} bytes`);
        }
        return new DataView(response.value.buffer, response.value.byteOffset, 8).getBigUint64(0);
      },
      false,
    );
  }

  /**
   * One request, one response: `read` turns a `NoError` response (and `KeyNotFound` when
   * `missingIsAnswer`, for get and delete) into the result; any other status rejects.
   */
  #one<T>(
    operation: string,
    request: { opcode: number; key?: Uint8Array; extras?: Uint8Array; value?: Uint8Array; cas?: bigint },
    options: RequestOptions | undefined,
    read: (response: MemcachedResponse) => T,
    missingIsAnswer = true,
  ): Promise<T> {
    const opaque = this.#nextOpaque();
    const chunks: Uint8Array[] = [];
    encodeRequest({ ...request, opaque }, chunks);
    return this.#send(operation, opaque, opaque, chunks, options, (response, resolve, reject) => {
      if (response.status === 0 || (missingIsAnswer && response.status === 0x01)) resolve(read(response));
      else reject(statusError(this.#name, operation, response));
    });
  }

  #nextOpaque(): number {
    const opaque = this.#opaque;
    this.#opaque = (opaque + 1) >>> 0;
    return opaque;
  }

  #send<T>(
    operation: string,
    first: number,
    last: number,
    chunks: Uint8Array[],
    options: RequestOptions | undefined,
    handle: (response: MemcachedResponse, resolve: (value: T) => void, reject: (error: unknown) => void) => void,
  ): Promise<T> {
    const refused = this.#usable();
    if (refused !== undefined) return Promise.reject(refused);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    let timeout: number | undefined;
    try {
      timeout = options?.timeout === undefined ? this.#timeout : checkPositive("timeout", options.timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      let pending: Pending;
      const settle = (value: T) => {
        pending.cleanup?.();
        resolve(value);
      };
      const fail = (error: unknown) => {
        pending.cleanup?.();
        reject(error);
      };
      pending = new Pending(
        first,
        last,
        (response) => {
          if (pending.abandoned) return;
          try {
            handle(response, settle, fail);
          } catch (error) {
            fail(error);
          }
        },
        reject,
      );
      if (signal !== undefined || timeout !== undefined) this.#arm(pending, operation, signal, timeout);
      this.#queue.push(pending);
      this.#write(chunks);
      if (!this.#reading) void this.#readResponses();
    });
  }

  #arm(pending: Pending, operation: string, signal: AbortSignal | undefined, timeout: number | undefined): void {
    const onAbort = () => pending.abandon(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer = timeout === undefined ? undefined : (this.#time ?? defaultTime()).timer(timeout);
    timer?.then(
      () => pending.abandon(new IoError("TimedOut", `${this.#name} ${operation}: no response within ${timeout} ms`)),
      () => {},
    );
    pending.cleanup = () => {
      signal?.removeEventListener("abort", onAbort);
      timer?.cancel();
    };
  }

  #usable(): IoError | undefined {
    if (this.#closed) return new IoError("Closed", `${this.#name}: the client is closed`);
    const failure = this.#failure;
    if (failure === undefined) return undefined;
    return new IoError(failure.kind, `${this.#name}: the connection failed earlier: ${failure.message}`, {
      cause: failure,
    });
  }

  #write(chunks: Uint8Array[]): void {
    if (this.#writing) {
      for (const chunk of chunks) this.#outbox.push(chunk);
      return;
    }
    this.#writing = true;
    void (async () => {
      let batch = chunks;
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
    })();
  }

  async #readResponses(): Promise<void> {
    this.#reading = true;
    const frames = this.#frames;
    try {
      while (this.#head < this.#queue.length && this.#failure === undefined && !this.#closed) {
        let response = frames.tryNext();
        if (response === WOULD_BLOCK) response = await frames.next();
        if (response === null) {
          throw new IoError(
            "UnexpectedEof",
            `the server closed the connection with ${this.#queue.length - this.#head} requests unanswered`,
          );
        }
        const pending = this.#queue[this.#head] as Pending;
        if (!pending.owns(response.opaque)) {
          throw new IoError(
            "InvalidData",
            `a response with opaque ${response.opaque} while waiting for ${pending.first}..${pending.last}`,
          );
        }
        pending.onResponse(response);
        if (response.opaque === pending.last) this.#advance();
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
    for (const pending of waiting) pending.abandon(error);
  }
}

function item(response: MemcachedResponse): MemcachedItem {
  const flags =
    response.extras.length >= 4 ? new DataView(response.extras.buffer, response.extras.byteOffset, 4).getUint32(0) : 0;
  return { value: response.value, flags, cas: response.cas };
}

/** The error of a refused request, with the server's own message when it sent one. */
function statusError(name: string, operation: string, response: MemcachedResponse): MemcachedError {
  const status = statusNames[response.status] ?? `status 0x${response.status.toString(16)}`;
  const text = new TextDecoder().decode(response.value);
  return new MemcachedError(response.status, `${name} ${operation}: ${status}${text === "" ? "" : ` (${text})`}`);
}

/** `start()`, with an argument check it throws turned into a rejection. */
function attempt<T>(start: () => Promise<T>): Promise<T> {
  try {
    return start();
  } catch (error) {
    return Promise.reject(error);
  }
}

function checkKey(key: unknown): Uint8Array {
  if (typeof key !== "string" || key.length === 0) {
    throw new IoError("InvalidInput", `memcached: a key must be a non-empty string, got ${describe(key)}`);
  }
  const bytes = encoder.encode(key);
  if (bytes.length > MAX_KEY) {
    throw new IoError("InvalidInput", `memcached: a key must be at most ${MAX_KEY} bytes, got ${bytes.length}`);
  }
  return bytes;
}

function checkUint32(operation: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new IoError(
      "InvalidInput",
      `memcached ${operation}: ${name} must be an integer in 0..2^32-1, got ${describe(value)}`,
    );
  }
  return value;
}

function checkUint64(operation: string, name: string, value: unknown): bigint {
  if (typeof value !== "bigint" || value < 0n || value > 0xffffffffffffffffn) {
    throw new IoError(
      "InvalidInput",
      `memcached ${operation}: ${name} must be a bigint in 0..2^64-1, got ${describe(value)}`,
    );
  }
  return value;
}

function checkPositive(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new IoError("InvalidInput", `memcached: ${name} must be an integer >= 1, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : typeof value === "bigint" ? `${value}n` : String(value);
}

let systemTime: Time | undefined;

/** The system scheduler's `Time`, made on first use (no timer is touched while this module loads). */
function defaultTime(): Time {
  systemTime ??= createTime();
  return systemTime;
}
