/**
 * An anyrt `TcpStream` over an Effect `Socket`: reads pull the socket's reader into a bounded
 * chunk queue (core's `ReadHalf` keeps EOF, Busy and cancel safety), writes go through the
 * socket's writer with its native backpressure (core's `WriteHalf` over a
 * {@link EffectSocketTransport}), and `shutdown()` releases the writer's scope, which half-closes
 * the connection.
 * @module
 */
import { IoError, type OperationOptions, type SocketAddress, type TcpStream, WOULD_BLOCK } from "@anyrt/core";
import {
  ChunkQueue,
  checkBoolean,
  checkKeepAlive,
  ReadHalf,
  WriteHalf,
  type WriteTransport,
} from "@anyrt/core/adapter";
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

/**
 * The write transport of an Effect `Socket.Writer`, under core's `WriteHalf`. A write hands a copy
 * of all its bytes to the writer; when the writer's effect does not complete at once (the
 * transport must drain first), the bytes stay accepted and later writes wait until it completes.
 * `shutdown` closes the writer's scope.
 */
class EffectSocketTransport implements WriteTransport {
  readonly half = new WriteHalf(this);
  readonly label: string;
  readonly flushNative: (() => Promise<void>) | undefined;
  readonly #writer: Socket.Writer;
  readonly #scope: Scope.Closeable;
  readonly #run: <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>;
  /** The write whose bytes were accepted but which still waits for the transport to drain. */
  #draining: Fiber.Fiber<void, Socket.SocketError> | null = null;

  constructor(
    writer: Socket.Writer,
    scope: Scope.Closeable,
    run: <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>,
    label: string,
    flush: (() => Promise<void>) | undefined,
  ) {
    this.#writer = writer;
    this.#scope = scope;
    this.#run = run;
    this.label = label;
    this.flushNative =
      flush === undefined
        ? undefined
        : () =>
            flush().catch((error: unknown) => {
              throw toIoError(error, `flush ${label}`);
            });
  }

  get idle(): boolean {
    return this.#draining === null;
  }

  /** Hands a copy of `buf` to the writer; a write the transport must drain first keeps going. */
  accept(buf: Uint8Array): number {
    if (this.#draining !== null) return WOULD_BLOCK;
    const fiber = this.#run(this.#writer.write(buf.slice()));
    const exit = fiber.pollUnsafe();
    if (exit !== undefined) {
      if (exit._tag === "Failure") {
        throw this.half.fail(toIoError(failureOf(exit), `write ${this.label}`));
      }
      return buf.length;
    }
    this.#draining = fiber;
    fiber.addObserver((drained) => {
      if (this.#draining !== fiber) return;
      this.#draining = null;
      if (drained._tag === "Failure") {
        this.half.fail(toIoError(failureOf(drained), `write ${this.label}`));
      } else {
        this.half.flushed();
        this.half.room();
      }
    });
    return buf.length;
  }

  end(): Promise<void> {
    return Effect.runPromise(Scope.close(this.#scope, Exit.void));
  }

  /** The connection failed: a draining write wakes with `error`, later writes fail with it. */
  fail(error: IoError): void {
    this.onClose();
    this.half.fail(error);
  }

  /** Stops a write still draining. */
  onClose(): void {
    const draining = this.#draining;
    this.#draining = null;
    draining?.interruptUnsafe();
  }
}

class SocketStream implements TcpStream {
  readonly localAddress: SocketAddress;
  readonly remoteAddress: SocketAddress;
  readonly #pull: Effect.Effect<NonEmptyReadonlyArray<Uint8Array>, Socket.SocketError>;
  readonly #transport: EffectSocketTransport;
  readonly #writer: WriteHalf;
  readonly #readScope: Scope.Closeable;
  readonly #writeScope: Scope.Closeable;
  readonly #run: <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>;
  readonly #label: string;
  readonly #details: SocketDetails;
  readonly #queue = new ChunkQueue();
  readonly #half: ReadHalf;
  #pulling = false;
  #pumping = false;
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
    this.#readScope = readScope;
    this.#writeScope = writeScope;
    this.#run = Effect.runForkWith(context);
    this.#transport = new EffectSocketTransport(writer, writeScope, this.#run, label, details.flush);
    this.#writer = this.#transport.half;
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
      if (error !== undefined) this.#transport.fail(toIoError(error, `write ${label}`));
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
    this.#transport.fail(io);
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#half.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#half.tryRead(buf);
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#writer.write(buf, options);
  }

  tryWrite(buf: Uint8Array): number {
    return this.#writer.tryWrite(buf);
  }

  writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    return this.#writer.writeVectored(bufs, options);
  }

  flush(options?: OperationOptions): Promise<void> {
    return this.#writer.flush(options);
  }

  shutdown(options?: OperationOptions): Promise<void> {
    return this.#writer.shutdown(options);
  }

  setNoDelay(enable: boolean): void {
    checkBoolean(`setNoDelay ${this.#label}`, "enable", enable);
    if (this.#closed) throw new IoError("Closed", `setNoDelay ${this.#label}: stream is closed`);
    const set = this.#details.setNoDelay;
    if (set === undefined) throw new IoError("Unsupported", `setNoDelay ${this.#label}: not supported`);
    set(enable);
  }

  setKeepAlive(enable: boolean, initialDelayMs?: number): void {
    checkKeepAlive(`setKeepAlive ${this.#label}`, enable, initialDelayMs);
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
    this.#writer.close();
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
