/**
 * Byte streams across the bridge. anyrt to Effect: `toStream(reader)` is a `Stream<Uint8Array>`
 * and `toSink(writer)` a `Sink` (reads and writes carry an AbortSignal that the fiber's
 * interruption aborts). Effect to anyrt: `fromStream(stream)` is a `ReadStream` and
 * `fromSink(sink)` a `WriteStream`. Backpressure carries across (a stream is pulled only while the
 * anyrt side's buffer is below its high-water mark; a sink is fed through a bounded queue), EOF
 * carries across (the end of a `Stream` is `read() === 0`, `read() === 0` ends the `Stream`), and
 * errors carry across as `IoError` kinds and `PlatformError` reasons.
 * @module
 */
import type { AsyncRead, AsyncWrite, OperationOptions, ReadStream, WriteStream } from "@anyrt/core";
import { IoError, WOULD_BLOCK } from "@anyrt/core";
import {
  ChunkQueue,
  checkFlags,
  checkOptions,
  checkReader,
  checkSize,
  checkString,
  checkWriter,
  ReadHalf,
  WriteHalf,
  WriteHalfStream,
  type WriteTransport,
} from "@anyrt/core/adapter";
import type { NonEmptyReadonlyArray } from "effect/Array";
import * as Cause from "effect/Cause";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import type * as Fiber from "effect/Fiber";
import type * as PlatformError from "effect/PlatformError";
import * as Pull from "effect/Pull";
import * as Queue from "effect/Queue";
import * as Scope from "effect/Scope";
import * as Sink from "effect/Sink";
import * as Stream from "effect/Stream";
import { checkContext, checkSink, checkStream } from "./arguments.ts";
import { toIoError, toPlatformError } from "./error.ts";
import { failureOf } from "./run.ts";

/** Bytes pulled from a `Stream` ahead of the reader before pulling stops. */
const HIGH_WATER = 256 * 1024;

/** Throws `InvalidInput` for {@link BridgeOptions} that are not: an object, a `Context`, a string label. */
function checkBridgeOptions(operation: string, options: BridgeOptions): void {
  checkOptions(operation, options);
  if (options.context !== undefined) checkContext(operation, options.context, "context");
  if (options.label !== undefined) checkString(operation, "label", options.label);
}

/** Options of {@link fromStream} and {@link fromSink}. */
export interface BridgeOptions {
  /** The Effect context the stream or sink runs with (its services, clock, scheduler). */
  readonly context?: Context.Context<never> | undefined;
  /** Names the stream in error messages. */
  readonly label?: string | undefined;
}

/**
 * An anyrt `ReadStream` over an Effect `Stream` of bytes. The stream is pulled while fewer than
 * 256 KiB wait unread (and not at all once closed). The stream's end is EOF (`read` resolves 0);
 * its failure is the reads' `IoError` (by `toIoError`), after the bytes before it. `read` is
 * cancel-safe (bytes pulled are kept for the next read). `close()` interrupts the stream (its
 * scope closes, releasing what it holds).
 *
 * @example
 * ```ts
 * import { Stream } from "effect";
 * import { fromStream } from "@anyrt/effect";
 * const reader = fromStream(Stream.make(new Uint8Array([1, 2]), new Uint8Array([3])));
 * const buf = new Uint8Array(8);
 * console.assert((await reader.read(buf)) === 3 && (await reader.read(buf)) === 0);
 * ```
 */
export function fromStream<E>(stream: Stream.Stream<Uint8Array, E>, options: BridgeOptions = {}): ReadStream {
  checkStream("fromStream", stream);
  checkBridgeOptions("fromStream", options);
  return new StreamReadStream(
    stream as Stream.Stream<Uint8Array, unknown>,
    options.context ?? Context.empty(),
    options.label ?? "effect stream",
  );
}

/** The `ReadStream` of {@link fromStream}. */
class StreamReadStream implements ReadStream {
  readonly #queue = new ChunkQueue();
  readonly #half: ReadHalf;
  readonly #scope = Scope.makeUnsafe();
  readonly #run: <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>;
  readonly #label: string;
  #pull: Effect.Effect<NonEmptyReadonlyArray<Uint8Array>, unknown, never>;
  #pulling = false;
  #pumping = false;

  constructor(stream: Stream.Stream<Uint8Array, unknown>, context: Context.Context<never>, label: string) {
    this.#label = label;
    this.#run = Effect.runForkWith(context);
    const pull = Scope.provide(Stream.toPull(stream), this.#scope);
    this.#pull = Effect.flatten(pull) as Effect.Effect<NonEmptyReadonlyArray<Uint8Array>, unknown, never>;
    // The first pull also acquires the stream; later pulls reuse it.
    let acquired: Effect.Effect<NonEmptyReadonlyArray<Uint8Array>, unknown, never> | null = null;
    this.#pull = Effect.suspend(() =>
      acquired !== null
        ? acquired
        : Effect.flatMap(pull, (next) => {
            acquired = next as Effect.Effect<NonEmptyReadonlyArray<Uint8Array>, unknown, never>;
            return acquired;
          }),
    );
    this.#half = new ReadHalf(this.#queue, { label, onConsumed: () => this.#pump(), onWait: () => this.#pump() });
    // Pull ahead from the start, so that polling with `tryRead` alone sees the bytes.
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (!this.#pulling && !this.#half.finished && this.#queue.size < HIGH_WATER) {
        this.#pulling = true;
        let synchronous = true;
        let done = false;
        this.#run(this.#pull).addObserver((exit) => {
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

  #received(exit: Exit.Exit<NonEmptyReadonlyArray<Uint8Array>, unknown>): void {
    if (this.#half.closed) return;
    if (exit._tag === "Success") {
      for (const chunk of exit.value) this.#queue.pushCopy(chunk);
      this.#half.notify();
    } else if (Pull.isDoneCause(exit.cause)) {
      this.#half.end();
    } else {
      this.#half.fail(toIoError(failureOf(exit), `read ${this.#label}`));
    }
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#half.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#half.tryRead(buf);
  }

  close(): Promise<void> {
    this.#half.close();
    this.#queue.clear();
    return Effect.runPromise(Scope.close(this.#scope, Exit.void));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Options of {@link fromSink}. */
export interface SinkOptions extends BridgeOptions {
  /** How many written chunks may wait for the sink before writes wait. Default 16. */
  readonly capacity?: number | undefined;
}

/**
 * An anyrt `WriteStream` feeding an Effect `Sink` of bytes. Each accepted write hands a copy of its
 * bytes to a bounded queue (at most `capacity` chunks wait: a writer to a slow sink waits);
 * `flush()` resolves once the sink has taken every queued chunk; `shutdown()` ends the sink's input
 * and resolves when the sink has finished. When the sink fails, waiting and later writes fail with
 * its `IoError`. A write cancelled by its signal while it waited for room accepted nothing.
 *
 * @example
 * ```ts
 * import { Effect, Sink } from "effect";
 * import { fromSink } from "@anyrt/effect";
 * const seen: number[] = [];
 * const writer = fromSink(Sink.forEach((chunk: Uint8Array) => Effect.sync(() => seen.push(...chunk))));
 * await writer.write(new Uint8Array([1, 2]));
 * await writer.shutdown();
 * console.assert(seen.join() === "1,2");
 * ```
 */
export function fromSink<E>(sink: Sink.Sink<unknown, Uint8Array, unknown, E>, options: SinkOptions = {}): WriteStream {
  checkSink("fromSink", sink);
  checkBridgeOptions("fromSink", options);
  checkSize("fromSink", "capacity", options.capacity, 16);
  const transport = new SinkTransport(
    sink as Sink.Sink<unknown, Uint8Array, unknown, unknown>,
    options.context ?? Context.empty(),
    options.label ?? "effect sink",
    options.capacity ?? 16,
  );
  return new WriteHalfStream(transport.half);
}

/**
 * The write transport of {@link fromSink}, under core's `WriteHalf`: a bounded queue the sink's
 * fiber takes from. A write offers a copy of its bytes; a full queue makes it wait until the sink
 * takes a chunk. `shutdown` ends the queue and waits for the sink to finish.
 */
class SinkTransport implements WriteTransport {
  readonly half = new WriteHalf(this);
  readonly label: string;
  readonly #queue: Queue.Queue<Uint8Array, Cause.Done>;
  readonly #fiber: Fiber.Fiber<unknown, unknown>;
  #ended = false;
  #taken = 0;
  #offered = 0;

  constructor(
    sink: Sink.Sink<unknown, Uint8Array, unknown, unknown>,
    context: Context.Context<never>,
    label: string,
    capacity: number,
  ) {
    this.label = label;
    this.#queue = Effect.runSync(Queue.bounded<Uint8Array, Cause.Done>(capacity));
    const counted = Stream.fromQueue(this.#queue).pipe(
      Stream.tap(() =>
        Effect.sync(() => {
          if (++this.#taken === this.#offered) this.half.flushed();
          this.half.room();
        }),
      ),
    );
    this.#fiber = Effect.runForkWith(context)(Stream.run(counted, sink));
    this.#fiber.addObserver((exit) => {
      if (exit._tag === "Failure" && !Cause.hasInterruptsOnly(exit.cause)) {
        this.half.fail(toIoError(failureOf(exit), `write ${label}`));
      } else if (!this.#ended) {
        this.half.fail(new IoError("BrokenPipe", `write ${label}: the sink finished`));
      }
    });
  }

  get idle(): boolean {
    return this.#taken === this.#offered;
  }

  accept(buf: Uint8Array): number {
    if (!Queue.offerUnsafe(this.#queue, buf.slice())) return WOULD_BLOCK;
    this.#offered++;
    return buf.length;
  }

  end(): Promise<void> {
    this.#ended = true;
    Queue.endUnsafe(this.#queue);
    return new Promise<void>((resolve, reject) => {
      this.#fiber.addObserver((exit) => {
        if (exit._tag === "Success" || Cause.hasInterruptsOnly(exit.cause)) resolve();
        else reject(toIoError(failureOf(exit), `shutdown ${this.label}`));
      });
    });
  }

  onClose(): void {
    this.#fiber.interruptUnsafe();
  }
}

/** Options of {@link toStream}. */
export interface ToStreamOptions {
  /** The size of each read, and so the largest chunk; default 64 KiB. */
  readonly chunkSize?: number | undefined;
}

/**
 * An Effect `Stream` of the bytes of an anyrt reader: each pull is one `read` into a fresh buffer
 * of `chunkSize` bytes; `read() === 0` (EOF) ends the stream; a failed read fails it with the
 * `PlatformError` of the `IoError` (`toPlatformError`). Interrupting the consumer aborts the
 * pending read (cancel-safe on anyrt streams: no byte is lost to the reader). The reader is not
 * closed by the stream.
 *
 * @example
 * ```ts
 * import { duplex } from "@anyrt/core";
 * import { Effect, Stream } from "effect";
 * import { toStream } from "@anyrt/effect";
 * const [a, b] = duplex(64);
 * await a.write(new Uint8Array([7]));
 * await a.shutdown();
 * const chunks = await Effect.runPromise(Stream.runCollect(toStream(b)));
 * console.assert(chunks.length === 1);
 * ```
 */
export function toStream(
  reader: AsyncRead,
  options: ToStreamOptions = {},
): Stream.Stream<Uint8Array, PlatformError.PlatformError> {
  checkReader("toStream", "reader", reader);
  checkOptions("toStream", options);
  const chunkSize = checkSize("toStream", "chunkSize", options.chunkSize, 64 * 1024);
  const pull: Pull.Pull<NonEmptyReadonlyArray<Uint8Array>, PlatformError.PlatformError> = Effect.suspend(() => {
    const buf = new Uint8Array(chunkSize);
    const n = (() => {
      try {
        return reader.tryRead(buf);
      } catch (error) {
        return error;
      }
    })();
    if (typeof n === "number" && n !== WOULD_BLOCK) {
      return n === 0 ? Cause.done() : Effect.succeed([buf.subarray(0, n)] as const);
    }
    if (typeof n !== "number") return Effect.fail(toPlatformError(n, "Stream", "read"));
    return Effect.flatMap(
      Effect.tryPromise({
        try: (signal) => reader.read(buf, { signal }),
        catch: (error) => toPlatformError(error, "Stream", "read"),
      }),
      (count) => (count === 0 ? Cause.done() : Effect.succeed([buf.subarray(0, count)] as const)),
    );
  });
  return Stream.fromPull(Effect.succeed(pull));
}

/** Options of {@link toSink}. */
export interface ToSinkOptions {
  /** Call `shutdown()` on the writer when the stream ends (half-close). Default `false`. */
  readonly shutdown?: boolean | undefined;
}

/**
 * An Effect `Sink` writing every chunk to an anyrt writer with `writeAll` semantics (partial
 * writes loop; a zero-byte write fails with `WriteZero`), each write waiting for the writer's
 * backpressure. With `shutdown: true` the writer is half-closed when the input ends. Interrupting
 * the sink aborts the pending write (its bytes may have been partly accepted). Failures are
 * `PlatformError`s (`toPlatformError`).
 *
 * @example
 * ```ts
 * import { duplex } from "@anyrt/core";
 * import { Effect, Stream } from "effect";
 * import { toSink } from "@anyrt/effect";
 * const [a, b] = duplex(64);
 * await Effect.runPromise(Stream.run(Stream.make(new Uint8Array([1, 2])), toSink(a, { shutdown: true })));
 * console.assert((await b.read(new Uint8Array(8))) === 2);
 * ```
 */
export function toSink(
  writer: AsyncWrite,
  options: ToSinkOptions = {},
): Sink.Sink<void, Uint8Array, never, PlatformError.PlatformError> {
  checkWriter("toSink", "writer", writer);
  checkFlags("toSink", options, ["shutdown"]);
  const writeAll = (chunk: Uint8Array) =>
    Effect.tryPromise({
      try: async (signal) => {
        let offset = 0;
        while (offset < chunk.length) {
          const view = offset === 0 ? chunk : chunk.subarray(offset);
          const n = writer.tryWrite(view);
          const written = n === WOULD_BLOCK ? await writer.write(view, { signal }) : n;
          if (written === 0) throw new IoError("WriteZero", "write: zero bytes accepted");
          offset += written;
        }
      },
      catch: (error) => toPlatformError(error, "Sink", "write"),
    });
  const each = Sink.forEach(writeAll);
  if (options.shutdown !== true) return each;
  return Sink.mapEffect(each, () =>
    Effect.tryPromise({
      try: (signal) => writer.shutdown({ signal }),
      catch: (error) => toPlatformError(error, "Sink", "shutdown"),
    }),
  );
}
