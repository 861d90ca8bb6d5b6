/**
 * An anyrt `TcpStream` over an Effect `Socket`: reads pull the socket's reader into a bounded
 * chunk queue (core's `ReadHalf` keeps EOF, Busy and cancel safety), writes go through the
 * socket's writer with its native backpressure, and `shutdown()` releases the writer's scope,
 * which half-closes the connection.
 * @module
 */
import { IoError, type OperationOptions, type SocketAddress, type TcpStream, WOULD_BLOCK } from "@anyrt/core";
import { ChunkQueue, checkBuffer, ReadHalf, raceSignal, WaitList } from "@anyrt/core/adapter";
import type { NonEmptyReadonlyArray } from "effect/Array";
import type * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import type * as Fiber from "effect/Fiber";
import * as Scope from "effect/Scope";
import * as Socket from "effect/socket/Socket";
import { toIoError } from "./error.ts";

/** Unread bytes pulled from the socket before pulling stops. */
const HIGH_WATER = 256 * 1024;

/**
 * What the transport knows beyond Effect's `Socket` interface (which has no addresses, socket
 * options or flush): the addresses, the option setters, a flush, and the connection's end.
 */
export interface SocketDetails {
  readonly localAddress: SocketAddress;
  readonly remoteAddress: SocketAddress;
  /** Sets TCP_NODELAY; absent where the transport cannot. */
  readonly setNoDelay?: ((enable: boolean) => void) | undefined;
  /** Sets keep-alive; absent where the transport cannot. */
  readonly setKeepAlive?: ((enable: boolean, initialDelayMs?: number) => void) | undefined;
  /** Resolves once every written byte has left the transport's own buffer. */
  readonly flush?: (() => Promise<void>) | undefined;
  /** Registers a callback for the connection's end (with its error, if any). */
  readonly onClose?: ((callback: (error: unknown) => void) => void) | undefined;
}

/**
 * Acquires `socket`'s reader (which, for a client socket, opens the connection) and writer in
 * scopes of their own, and wraps them as a `TcpStream`. `details` is called once the connection is
 * open. The `IoError` of a failed open is the effect's failure.
 */
export function openSocketStream(
  socket: Socket.Socket,
  context: Context.Context<never>,
  label: string,
  details: () => SocketDetails,
): Effect.Effect<TcpStream, IoError> {
  return Effect.suspend(() => {
    const readScope = Scope.makeUnsafe();
    const writeScope = Scope.makeUnsafe();
    return Effect.gen(function* () {
      const reader = yield* Scope.provide(Socket.readerBytes(socket), readScope);
      const writer = yield* Scope.provide(socket.writer, writeScope);
      return new SocketStream(reader, writer, readScope, writeScope, context, label, details()) as TcpStream;
    }).pipe(
      Effect.onError(() => Effect.andThen(Scope.close(writeScope, Exit.void), Scope.close(readScope, Exit.void))),
      Effect.mapError((error) => toIoError(error, `connect ${label}`)),
    );
  });
}

class SocketStream implements TcpStream {
  readonly localAddress: SocketAddress;
  readonly remoteAddress: SocketAddress;
  readonly #pull: Effect.Effect<NonEmptyReadonlyArray<Uint8Array>, Socket.SocketError>;
  readonly #writer: Socket.Writer;
  readonly #readScope: Scope.Closeable;
  readonly #writeScope: Scope.Closeable;
  readonly #run: <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>;
  readonly #label: string;
  readonly #details: SocketDetails;
  readonly #queue = new ChunkQueue();
  readonly #half: ReadHalf;
  #pulling = false;
  #pumping = false;
  /** The write whose bytes were accepted but which still waits for the transport to drain. */
  #draining: Fiber.Fiber<void, Socket.SocketError> | null = null;
  readonly #drained = new WaitList();
  #writeError: IoError | null = null;
  #writing = false;
  #shutdown: Promise<void> | null = null;
  #closed = false;
  #closing: Promise<void> | null = null;

  constructor(
    reader: Effect.Effect<NonEmptyReadonlyArray<Uint8Array>, Socket.SocketError>,
    writer: Socket.Writer,
    readScope: Scope.Closeable,
    writeScope: Scope.Closeable,
    context: Context.Context<never>,
    label: string,
    details: SocketDetails,
  ) {
    this.#pull = reader;
    this.#writer = writer;
    this.#readScope = readScope;
    this.#writeScope = writeScope;
    this.#run = Effect.runForkWith(context);
    this.#label = label;
    this.#details = details;
    this.localAddress = details.localAddress;
    this.remoteAddress = details.remoteAddress;
    this.#half = new ReadHalf(this.#queue, {
      label,
      onConsumed: () => this.#pump(),
      onWait: () => this.#pump(),
    });
    details.onClose?.((error) => {
      if (error !== undefined) this.#failWrites(toIoError(error, `write ${label}`));
    });
    this.#pump();
  }

  /** Pulls while the queue is below its high-water mark and the stream is open. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (!this.#pulling && !this.#half.finished && this.#queue.size < HIGH_WATER) {
        this.#pulling = true;
        let synchronous = true;
        let done = false;
        const fiber = this.#run(this.#pull);
        fiber.addObserver((exit) => {
          this.#pulling = false;
          done = true;
          this.#received(exit);
          if (!synchronous) this.#pump();
        });
        synchronous = false;
        if (!done) break;
      }
    } finally {
      this.#pumping = false;
    }
  }

  #received(exit: Exit.Exit<NonEmptyReadonlyArray<Uint8Array>, Socket.SocketError>): void {
    if (this.#half.closed) return;
    if (exit._tag === "Success") {
      for (const chunk of exit.value) this.#queue.push(chunk);
      this.#half.notify();
      return;
    }
    const error = exit.cause.reasons.find((reason) => reason._tag === "Fail");
    const failure = error?._tag === "Fail" ? error.error : undefined;
    if (failure === undefined) {
      this.#half.fail(new IoError("Other", `read ${this.#label}: the socket's reader was interrupted`));
      return;
    }
    const reason = failure.reason;
    if (reason._tag === "SocketCloseError" && reason.code === 1000) {
      this.#half.end();
      return;
    }
    const mapped = toIoError(failure, `read ${this.#label}`);
    const kind = mapped.kind === "Other" && reason._tag === "SocketCloseError" ? "ConnectionReset" : mapped.kind;
    const io = kind === mapped.kind ? mapped : new IoError(kind, mapped.message, { cause: failure });
    this.#half.fail(io);
    this.#failWrites(io);
  }

  /** The connection failed: a draining write wakes with `error`, later writes fail with it. */
  #failWrites(error: IoError): void {
    this.#writeError ??= error;
    const draining = this.#draining;
    this.#draining = null;
    draining?.interruptUnsafe();
    this.#drained.rejectAll(this.#writeError);
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#half.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#half.tryRead(buf);
  }

  #checkWrite(operation: string): void {
    if (this.#closed) throw new IoError("Closed", `${operation} ${this.#label}: stream is closed`);
    if (this.#writeError !== null) throw this.#writeError;
    if (this.#shutdown !== null) {
      throw new IoError("BrokenPipe", `${operation} ${this.#label}: the write side was shut down`);
    }
  }

  tryWrite(buf: Uint8Array): number {
    checkBuffer("write", buf);
    this.#checkWrite("write");
    if (this.#writing) throw new IoError("Busy", `write ${this.#label}: another write is pending`);
    if (buf.length === 0) return 0;
    if (this.#draining !== null) return WOULD_BLOCK;
    return this.#accept(buf);
  }

  /** Hands a copy of `buf` to the writer; a write the transport must drain first keeps going. */
  #accept(buf: Uint8Array): number {
    const fiber = this.#run(this.#writer.write(buf.slice()));
    const exit = fiber.pollUnsafe();
    if (exit !== undefined) {
      if (exit._tag === "Failure") {
        const error = toIoError(Exit.isFailure(exit) ? failureOf(exit) : undefined, `write ${this.#label}`);
        this.#writeError ??= error;
        throw error;
      }
      return buf.length;
    }
    this.#draining = fiber;
    fiber.addObserver((drained) => {
      if (this.#draining !== fiber) return;
      this.#draining = null;
      if (drained._tag === "Failure") this.#failWrites(toIoError(failureOf(drained), `write ${this.#label}`));
      else this.#drained.resolveAll();
    });
    return buf.length;
  }

  async write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    checkBuffer("write", buf);
    if (options?.signal?.aborted) throw options.signal.reason;
    const n = this.tryWrite(buf);
    if (n !== WOULD_BLOCK) return n;
    this.#writing = true;
    try {
      while (this.#draining !== null) await this.#drained.wait(options?.signal);
    } finally {
      this.#writing = false;
    }
    this.#checkWrite("write");
    return this.#accept(buf);
  }

  async flush(options?: OperationOptions): Promise<void> {
    if (this.#closed) throw new IoError("Closed", `flush ${this.#label}: stream is closed`);
    while (this.#draining !== null) await this.#drained.wait(options?.signal);
    if (this.#writeError !== null) throw this.#writeError;
    const flush = this.#details.flush;
    if (flush !== undefined) {
      await raceSignal(
        flush().catch((error: unknown) => {
          throw toIoError(error, `flush ${this.#label}`);
        }),
        options?.signal,
      );
    }
  }

  shutdown(options?: OperationOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new IoError("Closed", `shutdown ${this.#label}: stream is closed`));
    if (this.#shutdown !== null) return this.#shutdown;
    const flushed = this.flush(options);
    this.#shutdown = flushed.then(() => Effect.runPromise(Scope.close(this.#writeScope, Exit.void)));
    this.#shutdown.catch(() => {});
    return this.#shutdown;
  }

  setNoDelay(enable: boolean): void {
    if (this.#closed) throw new IoError("Closed", `setNoDelay ${this.#label}: stream is closed`);
    const set = this.#details.setNoDelay;
    if (set === undefined) throw new IoError("Unsupported", `setNoDelay ${this.#label}: not supported`);
    set(enable);
  }

  setKeepAlive(enable: boolean, initialDelayMs?: number): void {
    if (this.#closed) throw new IoError("Closed", `setKeepAlive ${this.#label}: stream is closed`);
    const set = this.#details.setKeepAlive;
    if (set === undefined) throw new IoError("Unsupported", `setKeepAlive ${this.#label}: not supported`);
    set(enable, initialDelayMs);
  }

  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#closed = true;
    this.#half.close();
    this.#queue.clear();
    this.#failWrites(new IoError("Closed", `write ${this.#label}: stream was closed`));
    this.#closing = Effect.runPromise(
      Effect.andThen(Scope.close(this.#writeScope, Exit.void), Scope.close(this.#readScope, Exit.void)),
    ).catch(() => {});
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The typed failure of `exit`, or its squashed cause. */
function failureOf(exit: Exit.Failure<unknown, unknown>): unknown {
  const reason = exit.cause.reasons.find((candidate) => candidate._tag === "Fail");
  return reason?._tag === "Fail" ? reason.error : exit.cause;
}
