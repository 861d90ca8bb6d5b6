// Effect programs on the anyrt-backed Effect platform layers, written once without a test
// framework so that the same checks run on Node (platform.test.ts), Deno and Bun
// (cross-runtime.test.ts starts platform-main.ts on each): sockets with half-close and
// interruption in the middle of a read, a write and a connect, files, subprocesses, the stream
// bridges and the error mapping both ways.
import { duplex, IoError, isIoError, type Runtime, readToString } from "@anyrt/core";
import { Effect, Exit, Fiber, FileSystem, Option, PlatformError, Scope, Sink, Stream } from "effect";
import * as ChildProcess from "effect/process/ChildProcess";
import * as Socket from "effect/socket/Socket";
import {
  fromSink,
  fromStream,
  makeChildProcessSpawner,
  makeFileSystem,
  makeSocket,
  makeSocketServer,
  toIoError,
  toPlatformError,
  toSink,
  toStream,
} from "../src/index.ts";

/** One named check: resolves when the behaviour holds, throws otherwise. */
export interface Check {
  readonly name: string;
  run(): Promise<void>;
}

function ensure(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);
const concat = (chunks: readonly Uint8Array[]) => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
};

/** Reads until the socket closes; the close with code 1000 is the end of the bytes. */
const readToClose = (pull: Socket.Reader<Uint8Array>["pull"]) =>
  Effect.gen(function* () {
    const chunks: Uint8Array[] = [];
    for (;;) {
      const exit = yield* Effect.exit(pull);
      if (Exit.isSuccess(exit)) chunks.push(...exit.value);
      else {
        const error = Exit.isFailure(exit) ? Option.getOrUndefined(Exit.findErrorOption(exit)) : undefined;
        ensure(
          error !== undefined && error.reason._tag === "SocketCloseError" && error.reason.code === 1000,
          `the read ended with ${String(error)}`,
        );
        return concat(chunks);
      }
    }
  });

const sleep = (ms: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, ms)));

/** The checks against `runtime` (its adapter's TCP, files and processes). */
export function platformChecks(runtime: Runtime): Check[] {
  const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Effect.scoped(effect));
  const fs = makeFileSystem(runtime);
  const spawner = makeChildProcessSpawner(runtime);
  return [
    {
      name: "socket: an echo over SocketServer and Socket, with the client's half-close ending the server's read",
      run: () =>
        run(
          Effect.gen(function* () {
            const server = yield* makeSocketServer(runtime, { port: 0 });
            ensure(server.address._tag === "InetAddressV4", "server address");
            yield* Effect.forkScoped(
              server.run((socket) =>
                Effect.scoped(
                  Effect.gen(function* () {
                    const pull = yield* Socket.readerBytes(socket);
                    const writer = yield* socket.writer;
                    const received = yield* readToClose(pull);
                    yield* writer.write(received);
                  }),
                ),
              ),
            );
            const socket = makeSocket(runtime, { port: server.address.port });
            const pull = yield* Socket.readerBytes(socket);
            const writeScope = yield* Scope.make();
            const writer = yield* Scope.provide(socket.writer, writeScope);
            yield* writer.writeAll([bytes("hello "), "world"]);
            yield* Scope.close(writeScope, Exit.void);
            const echoed = yield* readToClose(pull);
            ensure(text(echoed) === "hello world", `echoed ${JSON.stringify(text(echoed))}`);
          }),
        ),
    },
    {
      name: "socket: a write with no reader acquired opens the connection itself; releasing the writer half-closes and closes it",
      run: () =>
        run(
          Effect.gen(function* () {
            const listener = yield* Effect.acquireRelease(
              Effect.promise(() => runtime.tcp.listen({ port: 0 })),
              (l) => Effect.promise(() => l.close()),
            );
            const accepting = listener.accept();
            const socket = makeSocket(runtime, { port: listener.localAddress.port });
            // Two writers at once: the second waits for the first one's connect, so one connection.
            yield* Effect.scoped(
              Effect.gen(function* () {
                const writer = yield* socket.writer;
                yield* Effect.all([writer.write(bytes("no ")), writer.write("reader")], { concurrency: 2 });
              }),
            );
            const peer = yield* Effect.promise(() => accepting);
            yield* Effect.addFinalizer(() => Effect.promise(() => peer.close()));
            const got = yield* Effect.promise(() => readToString(peer));
            // Concurrent writes may land in either order; both land on the one connection.
            ensure(got === "no reader" || got === "readerno ", `the peer read ${JSON.stringify(got)} before EOF`);
          }),
        ),
    },
    {
      name: "socket: writes that return before their bytes are written deliver every byte in order, then releasing the writer half-closes",
      run: () =>
        run(
          Effect.gen(function* () {
            const listener = yield* Effect.acquireRelease(
              Effect.promise(() => runtime.tcp.listen({ port: 0 })),
              (l) => Effect.promise(() => l.close()),
            );
            const accepting = listener.accept();
            const socket = makeSocket(runtime, { port: listener.localAddress.port });
            yield* socket.reader;
            const peer = yield* Effect.promise(() => accepting);
            yield* Effect.addFinalizer(() => Effect.promise(() => peer.close()));
            // 63 distinct chunks of 64 KiB, more than the kernel's buffers hold while the peer does
            // not read: each write either returns with its bytes still waiting or waits itself,
            // and with an odd count the last one returns with its bytes waiting.
            const chunks = Array.from({ length: 63 }, (_, i) => new Uint8Array(64 * 1024).fill(i));
            const received = Effect.promise(async () => {
              const buf = new Uint8Array(64 * 1024);
              let total = 0;
              let wrong = -1;
              for (;;) {
                const n = await peer.read(buf);
                if (n === 0) return { total, wrong };
                for (let i = 0; i < n; i++) {
                  if (wrong < 0 && buf[i] !== Math.floor((total + i) / (64 * 1024))) wrong = total + i;
                }
                total += n;
              }
            });
            const writeScope = yield* Scope.make();
            const writer = yield* Scope.provide(socket.writer, writeScope);
            const writing = yield* Effect.forkChild(
              Effect.gen(function* () {
                for (const chunk of chunks) yield* writer.write(chunk);
                // At once, while the last write's bytes may still wait to be written.
                yield* Scope.close(writeScope, Exit.void);
              }),
            );
            yield* sleep(20);
            const reading = yield* Effect.forkChild(received);
            yield* Fiber.join(writing);
            const got = yield* Fiber.join(reading);
            ensure(got.wrong < 0, `byte ${got.wrong} arrived out of order`);
            ensure(got.total === chunks.length * 64 * 1024, `the peer read ${got.total} bytes before EOF`);
          }),
        ),
    },
    {
      name: "socket: a write after the peer reset the connection fails with a SocketWriteError instead of hanging",
      run: () =>
        run(
          Effect.gen(function* () {
            const listener = yield* Effect.acquireRelease(
              Effect.promise(() => runtime.tcp.listen({ port: 0 })),
              (l) => Effect.promise(() => l.close()),
            );
            const accepting = listener.accept();
            const socket = makeSocket(runtime, { port: listener.localAddress.port });
            yield* socket.reader;
            const peer = yield* Effect.promise(() => accepting);
            const writer = yield* socket.writer;
            const chunk = new Uint8Array(64 * 1024);
            yield* writer.write(chunk);
            // Closing with unread bytes resets the connection; later writes must fail, whether the
            // failure reaches the write that handed bytes over or the one after it.
            yield* Effect.promise(() => peer.close());
            let error: Socket.SocketError | undefined;
            for (let i = 0; i < 4096 && error === undefined; i++) {
              const exit = yield* Effect.exit(writer.write(chunk));
              if (Exit.isFailure(exit)) error = Option.getOrUndefined(Exit.findErrorOption(exit));
              else if (i % 16 === 15) yield* sleep(1);
            }
            ensure(error?.reason._tag === "SocketWriteError", `the writes ended with ${String(error)}`);
          }),
        ),
    },
    {
      name: "socket: a write to a port nobody listens on fails with the connect's error instead of waiting",
      run: () =>
        run(
          Effect.gen(function* () {
            const listener = yield* Effect.promise(() => runtime.tcp.listen({ port: 0 }));
            const port = listener.localAddress.port;
            yield* Effect.promise(() => listener.close());
            const writer = yield* makeSocket(runtime, { port }).writer;
            const exit = yield* Effect.exit(writer.write("lost"));
            const error = Exit.isFailure(exit) ? Option.getOrUndefined(Exit.findErrorOption(exit)) : undefined;
            ensure(error?.reason._tag === "SocketOpenError", `the write ended with ${String(error)}`);
          }),
        ),
    },
    {
      name: "socket: a pull interrupted while it waits loses no byte: the next pull gets what arrives",
      run: () =>
        run(
          Effect.gen(function* () {
            const listener = yield* Effect.acquireRelease(
              Effect.promise(() => runtime.tcp.listen({ port: 0 })),
              (l) => Effect.promise(() => l.close()),
            );
            const accepting = listener.accept();
            const pull = yield* Socket.readerBytes(makeSocket(runtime, { port: listener.localAddress.port }));
            const peer = yield* Effect.promise(() => accepting);
            yield* Effect.addFinalizer(() => Effect.promise(() => peer.close()));
            const waiting = yield* Effect.forkChild(pull);
            yield* sleep(10);
            yield* Fiber.interrupt(waiting);
            yield* Effect.promise(() => peer.write(bytes("kept")));
            const chunks = yield* pull;
            ensure(text(concat(chunks)) === "kept", `next pull got ${text(concat(chunks))}`);
          }),
        ),
    },
    {
      name: "socket: a write waiting for a peer that does not read is interrupted at once",
      run: () =>
        run(
          Effect.gen(function* () {
            const listener = yield* Effect.acquireRelease(
              Effect.promise(() => runtime.tcp.listen({ port: 0 })),
              (l) => Effect.promise(() => l.close()),
            );
            const accepting = listener.accept();
            const socket = makeSocket(runtime, { port: listener.localAddress.port });
            yield* socket.reader;
            const peer = yield* Effect.promise(() => accepting);
            yield* Effect.addFinalizer(() => Effect.promise(() => peer.close()));
            const writer = yield* socket.writer;
            const big = new Uint8Array(64 * 1024 * 1024);
            const writing = yield* Effect.forkChild(writer.write(big));
            yield* sleep(50);
            ensure(writing.pollUnsafe() === undefined, "a 64 MiB write to a peer that never reads finished");
            yield* Fiber.interrupt(writing);
            const exit = yield* Fiber.await(writing);
            ensure(Exit.isFailure(exit) && Exit.hasInterrupts(exit), "the interrupted write did not end interrupted");
          }),
        ),
    },
    {
      name: "socket: a connect interrupted before it completes ends interrupted",
      run: () =>
        run(
          Effect.gen(function* () {
            const listener = yield* Effect.acquireRelease(
              Effect.promise(() => runtime.tcp.listen({ port: 0 })),
              (l) => Effect.promise(() => l.close()),
            );
            const connecting = yield* Effect.forkChild(
              Effect.scoped(makeSocket(runtime, { port: listener.localAddress.port }).reader),
              { startImmediately: true },
            );
            yield* Fiber.interrupt(connecting);
            const exit = yield* Fiber.await(connecting);
            ensure(Exit.isFailure(exit) && Exit.hasInterrupts(exit), "the interrupted connect did not end interrupted");
          }),
        ),
    },
    {
      name: "socket: connecting to a closed port fails with SocketOpenError whose cause is ConnectionRefused",
      run: () =>
        run(
          Effect.gen(function* () {
            const listener = yield* Effect.promise(() => runtime.tcp.listen({ port: 0 }));
            const port = listener.localAddress.port;
            yield* Effect.promise(() => listener.close());
            const exit = yield* Effect.exit(Effect.scoped(makeSocket(runtime, { port }).reader));
            const error = Exit.isFailure(exit) ? Option.getOrUndefined(Exit.findErrorOption(exit)) : undefined;
            ensure(error?.reason._tag === "SocketOpenError", `failure ${String(error)}`);
            ensure(isIoError(error.reason.cause, "ConnectionRefused"), `cause ${String(error.reason.cause)}`);
            ensure(toIoError(error, "connect").kind === "ConnectionRefused", "toIoError of the SocketError");
          }),
        ),
    },
    {
      name: "file system: write, read, stat, open with seek, and NotFound / AlreadyExists reasons",
      run: () =>
        run(
          Effect.gen(function* () {
            const dir = yield* fs.makeTempDirectoryScoped();
            const path = `${dir}/a.txt`;
            yield* fs.writeFileString(path, "hello world");
            ensure((yield* fs.readFileString(path)) === "hello world", "read back");
            ensure(Number((yield* fs.stat(path)).size) === 11, "size");
            const file = yield* fs.open(path, { flag: "r+" });
            yield* file.seek(6n, "start");
            const chunk = yield* file.readAlloc(5);
            ensure(Option.isSome(chunk) && text(chunk.value) === "world", "read after seek");
            const missing = yield* Effect.flip(fs.readFile(`${dir}/missing`));
            ensure(missing.reason._tag === "NotFound", `missing: ${missing.reason._tag}`);
            const exists = yield* Effect.flip(fs.writeFileString(path, "x", { flag: "wx" }));
            ensure(exists.reason._tag === "AlreadyExists", `exists: ${exists.reason._tag}`);
            const listing = yield* Effect.flip(fs.readDirectory(dir));
            ensure(isIoError(listing.reason.cause, "Unsupported"), "readDirectory is declared unsupported");
            ensure(FileSystem.isFile(file), "an Effect File");
          }),
        ),
    },
    {
      name: "child process: output as a string, stdin from a stream through cat, exit codes and kill",
      run: () =>
        run(
          Effect.gen(function* () {
            const hi = yield* spawner.string(ChildProcess.make("echo", ["hi"]));
            ensure(hi === "hi\n", `echo printed ${JSON.stringify(hi)}`);
            const cat = yield* spawner.spawn(ChildProcess.make("cat", []));
            const [, out] = yield* Effect.all(
              [Stream.run(Stream.make(bytes("a"), bytes("bc")), cat.stdin), Stream.runCollect(cat.stdout)],
              { concurrency: 2 },
            );
            ensure(text(concat(out)) === "abc", `cat echoed ${text(concat(out))}`);
            ensure((yield* spawner.exitCode(ChildProcess.make("sh", ["-c", "exit 3"]))) === 3, "exit code 3");
            const sleeper = yield* spawner.spawn(ChildProcess.make("sleep", ["30"]));
            yield* sleeper.kill({ killSignal: "SIGKILL" });
            const killed = yield* Effect.flip(sleeper.exitCode);
            ensure(String(killed.cause).includes("SIGKILL"), `killed: ${String(killed.cause)}`);
            const notFound = yield* Effect.flip(spawner.exitCode(ChildProcess.make("anyrt-no-such-program", [])));
            ensure(notFound.reason._tag === "NotFound", `missing program: ${notFound.reason._tag}`);
          }),
        ),
    },
    {
      name: "bridges: an anyrt reader as a Stream ends at EOF; a Sink with shutdown half-closes the writer",
      run: () =>
        run(
          Effect.gen(function* () {
            const [a, b] = duplex(8);
            yield* Effect.forkChild(
              Stream.run(Stream.make(bytes("0123456789"), bytes("ab")), toSink(a, { shutdown: true })),
            );
            const chunks = yield* Stream.runCollect(toStream(b, { chunkSize: 4 }));
            ensure(text(concat(chunks)) === "0123456789ab", `through the pipe: ${text(concat(chunks))}`);
            ensure(
              chunks.every((chunk) => chunk.length <= 4),
              "chunks bounded by chunkSize",
            );
          }),
        ),
    },
    {
      name: "bridges: a Stream as an anyrt reader, a Sink as an anyrt writer with backpressure and shutdown",
      run: async () => {
        const reader = fromStream(Stream.make(bytes("ab"), bytes("c")));
        const buf = new Uint8Array(8);
        let got = "";
        for (let n = await reader.read(buf); n > 0; n = await reader.read(buf)) got += text(buf.subarray(0, n));
        ensure(got === "abc", `read ${got}`);
        ensure((await reader.read(buf)) === 0, "EOF repeats");
        const failing = fromStream(
          Stream.fail(PlatformError.systemError({ _tag: "NotFound", module: "m", method: "x" })),
        );
        const failure = await failing.read(buf).catch((e: unknown) => e);
        ensure(isIoError(failure, "NotFound"), `failure ${String(failure)}`);
        let release!: () => void;
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        const seen: number[] = [];
        const writer = fromSink(
          // biome-ignore lint/suspicious/useIterableCallbackReturn: Effect's Sink.forEach takes an Effect-returning function.
          Sink.forEach((chunk: Uint8Array) =>
            Effect.andThen(
              Effect.promise(() => gate),
              Effect.sync(() => seen.push(chunk.length)),
            ),
          ),
          { capacity: 2 },
        );
        await writer.write(new Uint8Array(1));
        await writer.write(new Uint8Array(2));
        await writer.write(new Uint8Array(3));
        let fourth = false;
        const pending = writer.write(new Uint8Array(4)).then(() => {
          fourth = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 20));
        ensure(!fourth, "a write past the capacity did not wait");
        release();
        await pending;
        await writer.shutdown();
        ensure(seen.join() === "1,2,3,4", `sink saw ${seen.join()}`);
        ensure(
          isIoError(await writer.write(new Uint8Array(1)).catch((e: unknown) => e), "BrokenPipe"),
          "write after shutdown",
        );
      },
    },
    {
      name: "errors: IoError kinds to PlatformError reasons and back",
      run: async () => {
        for (const [kind, tag] of [
          ["NotFound", "NotFound"],
          ["PermissionDenied", "PermissionDenied"],
          ["AlreadyExists", "AlreadyExists"],
          ["TimedOut", "TimedOut"],
          ["Busy", "Busy"],
          ["InvalidData", "InvalidData"],
          ["UnexpectedEof", "UnexpectedEof"],
          ["WriteZero", "WriteZero"],
        ] as const) {
          const io = new IoError(kind, `op: ${kind}`);
          const platform = toPlatformError(io, "FileSystem", "op");
          ensure(platform.reason._tag === tag, `${kind} became ${platform.reason._tag}`);
          ensure(toIoError(platform, "op") === io, `${kind} did not come back as the same IoError`);
          const native = PlatformError.systemError({ _tag: tag, module: "FileSystem", method: "op" });
          ensure(toIoError(native, "op").kind === kind, `${tag} became ${toIoError(native, "op").kind}`);
        }
        ensure(
          toPlatformError(new IoError("InvalidInput", "bad"), "FileSystem", "op").reason._tag === "BadArgument",
          "InvalidInput",
        );
        ensure(
          toIoError(PlatformError.badArgument({ module: "m", method: "x" }), "op").kind === "InvalidInput",
          "BadArgument",
        );
        const refused = PlatformError.systemError({
          _tag: "Unknown",
          module: "Socket",
          method: "connect",
          cause: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }),
        });
        ensure(toIoError(refused, "connect").kind === "ConnectionRefused", "the native code decides first");
      },
    },
  ];
}

/** Runs `checks` one after another; never throws. */
export async function runChecks(
  checks: readonly Check[],
): Promise<{ passed: number; failed: number; failures: string[] }> {
  let passed = 0;
  const failures: string[] = [];
  for (const check of checks) {
    try {
      await check.run();
      passed++;
    } catch (error) {
      failures.push(`${check.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  return { passed, failed: failures.length, failures };
}
