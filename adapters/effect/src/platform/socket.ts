/**
 * Effect's `Socket` and `SocketServer` services on any anyrt `Runtime`: the reader pulls with
 * anyrt reads (cancel-safe, so an interrupted pull loses no byte), the writer writes with anyrt
 * writes (their backpressure), and releasing the writer half-closes the stream with `shutdown()`.
 * This gives Effect programs TCP on Deno, Bun and every runtime anyrt has an adapter for.
 * @module
 */
import type { Runtime, TcpConnectOptions, TcpListenOptions, TcpStream } from "@anyrt/core";
import { isIoError, WOULD_BLOCK } from "@anyrt/core";
import {
  checkConnectOptions,
  checkListenOptions,
  checkObject,
  checkSize,
  isChunkReadable,
  readChunk,
} from "@anyrt/core/adapter";
import type { NonEmptyReadonlyArray } from "effect/Array";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Latch from "effect/Latch";
import * as Layer from "effect/Layer";
import * as NetAddress from "effect/net/NetAddress";
import * as Scope from "effect/Scope";
import * as Socket from "effect/socket/Socket";
import * as SocketServer from "effect/socket/SocketServer";
import { checkEffect, checkRuntime } from "../arguments.ts";
import { toSocketError } from "../error.ts";

/** Checks `makeSocket`'s and `layerSocket`'s arguments as `connect` would, before any Effect runs. */
function checkSocketArguments(operation: string, runtime: unknown, options: unknown): void {
  checkRuntime(operation, runtime, ["tcp"]);
  checkObject(operation, "options", options);
  const { chunkSize, ...connect } = options as SocketOptions;
  checkConnectOptions(connect);
  checkSize(operation, "chunkSize", chunkSize, 64 * 1024);
}

/** Options of {@link makeSocket}: where to connect, and the size of each read. */
export interface SocketOptions extends Omit<TcpConnectOptions, "signal"> {
  /** The largest chunk one pull returns; default 64 KiB. */
  readonly chunkSize?: number | undefined;
}

const encoder = new TextEncoder();

/** Bytes of each slab a reader copies its reads into (see the reader's `window`). */
const SLAB_SIZE = 256 * 1024;

/**
 * The most bytes a `Socket`'s writer holds in its write chain when a write returns: Node's
 * default high-water mark for streams, so a write returns as `node:net`'s does for Effect's own
 * sockets.
 */
const WRITE_HIGH_WATER = 64 * 1024;

/**
 * An Effect `Socket` over an anyrt stream that `open` makes when the reader is acquired (and closes
 * when the reader's scope closes, failing a pull in flight). A write while there is no connection
 * waits for an open in flight, or else opens the connection itself (failing with that open's
 * `SocketError` if it fails) instead of waiting for a reader that may never be acquired; a reader
 * acquired later takes that connection over, and releasing the writer closes it if none did. `pull` yields what one read gives
 * (several chunks when more is ready at once) and fails with a `SocketCloseError` of code 1000 at
 * EOF, as Effect's sockets do; a failed read is a `SocketReadError` whose cause is the `IoError`.
 * A stream that offers the zero-copy read (`readChunk` in `@anyrt/core/adapter`, as Bun's does)
 * hands over its own receive buffers, which pulls pass on as they are; other streams' bytes are
 * copied into views of shared slabs of 256 KiB (as Node's `Buffer`s are views into its pool): a
 * consumer that keeps many small chunks for long should copy them, or it keeps their slabs alive.
 *
 * A write returns once the stream took its bytes or, when it could not at once, while at most
 * 64 KiB wait to be written after it (Node's default high-water mark; past it the write waits
 * until none do), as `node:net`'s write does for Effect's own sockets. Waiting bytes are the
 * caller's buffers, not copies: do not change a buffer after writing it. A write that fails after
 * its call returned fails the next write; releasing the writer half-closes after the waiting
 * bytes; closing the reader's scope (or writing a `CloseEvent`) closes the stream at once,
 * discarding bytes not yet written. An interrupted write leaves its bytes to be written.
 */
export function fromTcpStream(
  open: Effect.Effect<TcpStream, Socket.SocketError>,
  chunkSize = 64 * 1024,
): Socket.Socket {
  checkEffect("fromTcpStream", "open", open);
  checkSize("fromTcpStream", "chunkSize", chunkSize, 64 * 1024);
  // The connection writes go to, and whether a reader's scope owns it (a connection a write opened
  // is the writer's until a reader takes it over). The latch is open exactly while there is one.
  let current: TcpStream | undefined;
  let claimed = false;
  // Opens in flight: writes wait for one rather than open a second connection; a failed or
  // interrupted open releases them, and each then opens again and reports its own outcome.
  let readersOpening = 0;
  let writerOpening = false;
  const latch = Latch.makeUnsafe(false);
  const connected = (stream: TcpStream, byReader: boolean) => {
    current = stream;
    claimed = byReader;
    latch.openUnsafe();
  };
  const disconnected = (stream: TcpStream) => {
    if (current !== stream) return;
    current = undefined;
    claimed = false;
    latch.closeUnsafe();
  };
  const releaseWaitersOnFailure = <A, E, R>(effect: Effect.Effect<A, E, R>, done: () => void) =>
    Effect.onExit(effect, (exit) => {
      done();
      return Exit.isSuccess(exit) ? Effect.void : Effect.asVoid(latch.release);
    });
  // A reader takes over a connection a write opened, waits for a write's open in flight, or opens one.
  const openForReader: Effect.Effect<TcpStream, Socket.SocketError> = Effect.suspend(() => {
    if (current !== undefined && !claimed) {
      claimed = true;
      return Effect.succeed(current);
    }
    if (writerOpening) return Effect.andThen(latch.await, openForReader);
    readersOpening++;
    return releaseWaitersOnFailure(open, () => {
      readersOpening--;
    });
  });
  const reader: Socket.Socket["reader"] = Effect.gen(function* () {
    const scope = yield* Effect.scope;
    const stream = yield* openForReader;
    let closed = false;
    yield* Scope.addFinalizer(
      scope,
      Effect.promise(() => {
        closed = true;
        disconnected(stream);
        return stream.close();
      }),
    );
    connected(stream, true);
    // Where the stream hands over the chunks it holds, pulls take them as they are: the copy into
    // a slab would cost fresh memory per byte (on Bun, 64 KiB chunks moved at about 60% of the rate
    // of the same loop without it; bench/experiments/effect-socket-paths.mjs).
    const chunked = isChunkReadable(stream) ? stream : null;
    const eof = new Socket.SocketError({ reason: new Socket.SocketCloseError({ code: 1000 }) });
    const mapRead = (error: unknown) =>
      isIoError(error, "Closed")
        ? new Socket.SocketError({ reason: new Socket.SocketCloseError({ code: 1006 }) })
        : toSocketError(error, "read");
    // A read still in flight when its pull was interrupted: the next pull takes its outcome, so
    // an interrupted pull loses no byte and no AbortSignal is made per pull.
    type Resume = (effect: Effect.Effect<NonEmptyReadonlyArray<Uint8Array>, Socket.SocketError>) => void;
    interface Inflight {
      outcome: Effect.Effect<NonEmptyReadonlyArray<Uint8Array>, Socket.SocketError> | null;
      waiter: Resume | null;
    }
    let inflight: Inflight | null = null;
    // `first`, then (from a chunked stream) whatever else it holds now, up to 16 chunks: an error
    // is left for the next pull, where the read throws it again.
    const gather = (first: Uint8Array): NonEmptyReadonlyArray<Uint8Array> => {
      const chunks: [Uint8Array, ...Uint8Array[]] = [first];
      if (chunked === null) return chunks;
      while (chunks.length < 16) {
        let next: Uint8Array | number;
        try {
          next = chunked[readChunk](chunkSize);
        } catch {
          break;
        }
        if (typeof next === "number") break;
        chunks.push(next);
      }
      return chunks;
    };
    const settle = (
      buf: Uint8Array,
      n: number,
    ): Effect.Effect<NonEmptyReadonlyArray<Uint8Array>, Socket.SocketError> =>
      n === 0 ? Effect.fail(eof) : Effect.succeed(gather(buf.subarray(0, n)));
    const awaitRead = (read: Inflight) =>
      Effect.callback<NonEmptyReadonlyArray<Uint8Array>, Socket.SocketError>((resume) => {
        if (read.outcome !== null) {
          inflight = null;
          resume(read.outcome);
          return;
        }
        read.waiter = resume;
        return Effect.sync(() => {
          if (read.waiter === resume) read.waiter = null;
        });
      });
    // `inSlab`: `buf` is the slab's current window, whose bytes the read then takes from the slab.
    const startRead = (buf: Uint8Array, inSlab: boolean): Inflight => {
      const read: Inflight = { outcome: null, waiter: null };
      const finish = (outcome: Effect.Effect<NonEmptyReadonlyArray<Uint8Array>, Socket.SocketError>) => {
        const waiter = read.waiter;
        if (waiter === null) {
          read.outcome = outcome;
          return;
        }
        read.waiter = null;
        inflight = null;
        waiter(outcome);
      };
      stream.read(buf).then(
        (n) => {
          if (inSlab) consume(n);
          finish(settle(buf, n));
        },
        (error: unknown) => finish(Effect.fail(mapRead(error))),
      );
      return read;
    };
    // Reads land in windows of one slab, each read taking only the bytes it got (as Node's buffer
    // pool does), rather than in a fresh zero-filled buffer per pull: a chunk handed out is a view
    // that is never written again. A slab is four 64 KiB reads: zeroing a 1 MiB slab pushed it out
    // of the cache before most of its reads copied into it, which cost the reader about 15% of its
    // main-thread CPU per 64 KiB chunk on Node (bench/experiments/effect-socket-paths.mjs).
    let slab = new Uint8Array(0);
    let slabOffset = 0;
    const slabSize = Math.max(SLAB_SIZE, chunkSize);
    const window = () => {
      if (slab.length - slabOffset < chunkSize) {
        slab = new Uint8Array(slabSize);
        slabOffset = 0;
      }
      return slab.subarray(slabOffset, slabOffset + chunkSize);
    };
    const consume = (n: number) => {
      slabOffset += n;
    };
    const pull: Socket.Reader["pull"] = Effect.suspend(() => {
      if (closed) return Effect.fail(new Socket.SocketError({ reason: new Socket.SocketCloseError({ code: 1006 }) }));
      if (inflight !== null) return awaitRead(inflight);
      if (chunked !== null) {
        let first: Uint8Array | number;
        try {
          first = chunked[readChunk](chunkSize);
        } catch (error) {
          return Effect.fail(mapRead(error));
        }
        if (typeof first !== "number") return Effect.succeed(gather(first));
        if (first === 0) return Effect.fail(eof);
        // Nothing held: wait with a one-byte read, which leaves the rest of what arrives in the
        // stream for `gather` to take without a copy.
        inflight = startRead(new Uint8Array(1), false);
        return awaitRead(inflight);
      }
      const buf = window();
      let n: number;
      try {
        n = stream.tryRead(buf);
      } catch (error) {
        return Effect.fail(mapRead(error));
      }
      if (n === WOULD_BLOCK) {
        inflight = startRead(buf, true);
        return awaitRead(inflight);
      }
      consume(n);
      if (n < buf.length) return settle(buf, n);
      // A full window: whatever else is ready joins this pull, without waiting.
      const chunks: [Uint8Array, ...Uint8Array[]] = [buf];
      while (chunks.length < 16) {
        const next = window();
        let more: number;
        try {
          more = stream.tryRead(next);
        } catch {
          // The error is the next pull's: tryRead throws it again.
          break;
        }
        if (more <= 0) break;
        consume(more);
        chunks.push(next.subarray(0, more));
        if (more < next.length) break;
      }
      return Effect.succeed(chunks);
    });
    return { pull, upgrade: Socket.SocketUpgradeError.unsupported };
  });

  // What a write could not hand over at once goes to a promise chain of anyrt writes, and the write
  // returns while the chain holds at most WRITE_HIGH_WATER bytes, as `node:net` takes a write below
  // its high-water mark for Effect's own sockets; past it, the write waits for the chain to empty
  // (Node's 'drain'). The chain writes the caller's buffers as they are, as `node:net` does. A
  // write that waited for every 64 KiB cost a fiber suspension per write on Node, whose `tryWrite`
  // declines 64 KiB on an idle socket so that `write` takes it without the staging copy: 116-119
  // against 101-107 µs of main-thread CPU per chunk (bench/experiments/effect-socket-paths.mjs).
  // A failed chain fails the next write. The state is the connection's: a connection opened later
  // starts with none.
  let owner: TcpStream | undefined;
  let backlog: Promise<void> | null = null;
  let queued = 0;
  let failure: Socket.SocketError | null = null;
  const awaitPromise = (promise: Promise<void>) =>
    Effect.callback<void, Socket.SocketError>((resume) => {
      promise.then(
        () => resume(Effect.void),
        (error: unknown) => resume(Effect.fail(toSocketError(error, "write"))),
      );
    });
  const writeOut = async (stream: TcpStream, bytes: Uint8Array): Promise<void> => {
    let offset = 0;
    while (offset < bytes.length) offset += await stream.write(offset === 0 ? bytes : bytes.subarray(offset));
  };
  const writeBytes = (stream: TcpStream, bytes: Uint8Array): Effect.Effect<void, Socket.SocketError> => {
    if (stream !== owner) {
      owner = stream;
      backlog = null;
      queued = 0;
      failure = null;
    }
    if (failure !== null) return Effect.fail(failure);
    const previous = backlog;
    let rest = bytes;
    if (previous === null) {
      let n: number;
      try {
        n = stream.tryWrite(bytes);
      } catch (error) {
        return Effect.fail(toSocketError(error, "write"));
      }
      if (n === bytes.length) return Effect.void;
      if (n !== WOULD_BLOCK) rest = bytes.subarray(n);
    }
    const link = previous === null ? writeOut(stream, rest) : previous.then(() => writeOut(stream, rest));
    const length = rest.length;
    queued += length;
    backlog = link;
    link.then(
      () => {
        if (owner !== stream) return;
        queued -= length;
        if (backlog === link) backlog = null;
      },
      (error: unknown) => {
        if (owner !== stream) return;
        failure ??= toSocketError(error, "write");
        if (backlog === link) backlog = null;
      },
    );
    return queued <= WRITE_HIGH_WATER ? Effect.void : awaitPromise(link);
  };
  // A write with no connection waits for an open in flight, or opens the connection itself: a
  // write that waited for a reader that nobody acquires would wait forever.
  const openForWriter: Effect.Effect<TcpStream, Socket.SocketError> = Effect.suspend(() => {
    if (current !== undefined) return Effect.succeed(current);
    if (writerOpening || readersOpening > 0) return Effect.andThen(latch.await, openForWriter);
    writerOpening = true;
    return Effect.tap(
      releaseWaitersOnFailure(open, () => {
        writerOpening = false;
      }),
      (stream) => Effect.sync(() => connected(stream, false)),
    );
  });
  const write = (chunk: Uint8Array | string | Socket.CloseEvent): Effect.Effect<void, Socket.SocketError> =>
    Effect.suspend(() => {
      const stream = current;
      if (stream === undefined) return Effect.andThen(openForWriter, write(chunk));
      if (Socket.isCloseEvent(chunk)) return Effect.promise(() => stream.close());
      return writeBytes(stream, typeof chunk === "string" ? encoder.encode(chunk) : chunk);
    });
  const writeAll = (chunks: NonEmptyReadonlyArray<Uint8Array | string>): Effect.Effect<void, Socket.SocketError> =>
    Effect.forEach(chunks, (chunk) => write(chunk), { discard: true });
  // Releasing the writer starts the half-close and does not wait for it, as Node's `end()` does in
  // Effect's own sockets: a peer that never reads must not hang the scope. A connection that a
  // write opened and no reader took over is the writer's: it is closed once the half-close is done.
  const writer: Socket.Socket["writer"] = Effect.acquireRelease(Effect.succeed({ write, writeAll }), () =>
    Effect.sync(() => {
      const stream = current;
      if (stream === undefined) return;
      // After what the write chain still holds: a shutdown while one of its writes waits is `Busy`.
      const pending = stream === owner ? backlog : null;
      const shutdown = (pending === null ? stream.shutdown() : pending.then(() => stream.shutdown())).catch(() => {});
      if (claimed) return;
      disconnected(stream);
      void shutdown.then(() => stream.close());
    }),
  );
  return Socket.make({ reader, writer });
}

/**
 * An Effect `Socket` that connects with `runtime.tcp.connect(options)` when its reader is
 * acquired. Interrupting the acquisition aborts the connect. A failed connect is a
 * `SocketOpenError` whose cause is the `IoError` (`ConnectionRefused`, ...).
 *
 * @example
 * ```ts
 * import { Effect, Socket } from "effect";
 * import { nodeRuntime } from "@anyrt/node";
 * import { makeSocket } from "@anyrt/effect";
 * const socket = makeSocket(nodeRuntime, { port: 1 });
 * const exit = await Effect.runPromiseExit(Effect.scoped(socket.reader));
 * console.assert(exit._tag === "Failure");
 * ```
 */
export function makeSocket(runtime: Runtime, options: SocketOptions): Socket.Socket {
  checkSocketArguments("makeSocket", runtime, options);
  const { chunkSize, ...connect } = options;
  return fromTcpStream(
    Effect.tryPromise({
      try: (signal) => runtime.tcp.connect({ ...connect, signal }),
      catch: (error) => toSocketError(error, "open"),
    }),
    chunkSize,
  );
}

/** {@link makeSocket} as a layer of Effect's `Socket` service. */
export function layerSocket(runtime: Runtime, options: SocketOptions): Layer.Layer<Socket.Socket> {
  checkSocketArguments("layerSocket", runtime, options);
  return Layer.succeed(Socket.Socket)(makeSocket(runtime, options));
}

/**
 * An Effect `SocketServer` on `runtime.tcp.listen(options)`, listening until the scope closes.
 * `run(handler)` accepts connections and runs the handler for each in a fiber of its own, with
 * the connection as an Effect `Socket`; interrupting `run` interrupts the handlers. A failed
 * listen is a `SocketServerOpenError` whose cause is the `IoError` (`AddrInUse`, ...).
 *
 * @example
 * ```ts
 * import { Effect } from "effect";
 * import { nodeRuntime } from "@anyrt/node";
 * import { makeSocketServer } from "@anyrt/effect";
 * const port = await Effect.runPromise(Effect.scoped(Effect.map(makeSocketServer(nodeRuntime, { port: 0 }), (s) => s.address)));
 * console.assert(port._tag === "InetAddressV4");
 * ```
 */
export function makeSocketServer(
  runtime: Runtime,
  options: TcpListenOptions,
): Effect.Effect<SocketServer.SocketServer["Service"], SocketServer.SocketServerError, Scope.Scope> {
  checkRuntime("makeSocketServer", runtime, ["tcp"]);
  checkListenOptions(options);
  return Effect.gen(function* () {
    const listener = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => runtime.tcp.listen(options),
        catch: (cause) =>
          new SocketServer.SocketServerError({ reason: new SocketServer.SocketServerOpenError({ cause }) }),
      }),
      (listener) => Effect.promise(() => listener.close()),
    );
    const local = listener.localAddress;
    const address = NetAddress.inetAddressFromIpStringUnsafe(local.hostname, local.port);
    const run = <R, E, _>(handler: (socket: Socket.Socket) => Effect.Effect<_, E, R>) =>
      Effect.gen(function* () {
        const handlers = yield* Scope.make();
        const forkHandler = (stream: TcpStream) =>
          Effect.forkIn(
            Effect.ignore(handler(fromTcpStream(Effect.succeed(stream)))).pipe(
              Effect.ensuring(Effect.promise(() => stream.close())),
            ),
            handlers,
          );
        return yield* Effect.tryPromise({
          try: (signal) => listener.accept({ signal }),
          catch: (cause) =>
            new SocketServer.SocketServerError({ reason: new SocketServer.SocketServerUnknownError({ cause }) }),
        }).pipe(
          Effect.flatMap(forkHandler),
          Effect.forever,
          Effect.onExit(() => Scope.close(handlers, Exit.void)),
        );
      }) as Effect.Effect<never, SocketServer.SocketServerError, R>;
    return SocketServer.SocketServer.of({ address, run });
  });
}

/** {@link makeSocketServer} as a layer of Effect's `SocketServer` service. */
export function layerSocketServer(
  runtime: Runtime,
  options: TcpListenOptions,
): Layer.Layer<SocketServer.SocketServer, SocketServer.SocketServerError> {
  checkRuntime("layerSocketServer", runtime, ["tcp"]);
  checkListenOptions(options);
  return Layer.effect(SocketServer.SocketServer)(makeSocketServer(runtime, options));
}
