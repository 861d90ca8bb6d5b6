/**
 * The RESP client of `packages/examples/src/resp` written again on each runtime's native socket
 * API, for the `redis-pipeline` baselines: the same `RespEncoder` and `RespDecoder`, with bytes
 * moved by `node:net` ('data' + `write`, corked), `Deno.connect` (`conn.write` + `conn.read` into
 * the decoder's buffer) or `Bun.connect` (`data` handler + `write`, resuming on `drain`). Deno's and
 * Bun's APIs are typed here with the few members used, since the bench project compiles against
 * Node's declarations.
 * @module
 */
import net from "node:net";
import { type BufferLike, ByteBuffer } from "@anyrt/core";
import { HOST } from "./tcp-native.ts";

/** What the benchmark uses of `@anyrt/examples/resp` (loaded at run time: it is TypeScript source). */
export interface RespModule {
  readonly RespEncoder: new () => { add(args: readonly (string | number)[]): void; take(): Uint8Array[] };
  readonly RespDecoder: new () => { decode(buf: BufferLike): unknown };
  readonly RespClient: {
    connect(
      runtime: unknown,
      options: { port: number },
    ): Promise<{
      pipeline(commands: readonly (readonly (string | number)[])[]): Promise<unknown[]>;
      close(): Promise<void>;
    }>;
  };
}

/** A native-socket RESP connection: sends a pipeline, resolves its replies. */
export interface NativeResp {
  pipeline(commands: readonly (readonly (string | number)[])[]): Promise<unknown[]>;
  close(): void;
}

/**
 * The reply side shared by the three: bytes appended to one buffer, replies decoded from it and
 * handed to the pipeline waiting for them.
 */
class Replies {
  readonly buffer = new ByteBuffer(64 * 1024);
  readonly #decoder: { decode(buf: BufferLike): unknown };
  #want = 0;
  #got: unknown[] = [];
  #resolve: (replies: unknown[]) => void = () => {};
  #reject: (error: unknown) => void = () => {};

  constructor(resp: RespModule) {
    this.#decoder = new resp.RespDecoder();
  }

  expect(count: number): Promise<unknown[]> {
    this.#want = count;
    this.#got = [];
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Decodes what is buffered; call after appending. */
  drain(): void {
    for (;;) {
      const reply = this.#decoder.decode(this.buffer);
      if (reply === null) return;
      this.#got.push(reply);
      if (this.#got.length === this.#want) this.#resolve(this.#got);
    }
  }

  fail(error: unknown): void {
    this.#reject(error);
  }
}

/** `node:net`: 'data' appends, a pipeline's chunks go out corked. */
export async function nodeResp(resp: RespModule, port: number): Promise<NativeResp> {
  const socket = net.connect({ host: HOST, port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const replies = new Replies(resp);
  socket.on("data", (data: Buffer) => {
    replies.buffer.append(data);
    replies.drain();
  });
  socket.on("error", (error) => replies.fail(error));
  const encoder = new resp.RespEncoder();
  return {
    pipeline(commands) {
      for (const command of commands) encoder.add(command);
      const done = replies.expect(commands.length);
      socket.cork();
      for (const chunk of encoder.take()) socket.write(chunk);
      socket.uncork();
      return done;
    },
    close: () => socket.destroy(),
  };
}

interface DenoConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  setNoDelay(on?: boolean): void;
  close(): void;
}

/** `Deno.connect`: chunks written in order with `conn.write`, replies read by one loop into the decoder's buffer. */
export async function denoResp(resp: RespModule, port: number): Promise<NativeResp> {
  const deno = (globalThis as { Deno?: { connect(options: { hostname: string; port: number }): Promise<DenoConn> } })
    .Deno;
  if (deno === undefined) throw new Error("denoResp runs only on Deno");
  const conn = await deno.connect({ hostname: HOST, port });
  conn.setNoDelay(true);
  const replies = new Replies(resp);
  const encoder = new resp.RespEncoder();
  // One read loop for the connection's life, as the 'data' events of the other two.
  void (async () => {
    try {
      for (;;) {
        const n = await conn.read(replies.buffer.reserve(64 * 1024));
        if (n === null) throw new Error("redis closed the connection");
        replies.buffer.commit(n);
        replies.drain();
      }
    } catch (error) {
      replies.fail(error);
    }
  })();
  return {
    async pipeline(commands) {
      for (const command of commands) encoder.add(command);
      const done = replies.expect(commands.length);
      for (const chunk of encoder.take()) {
        let at = 0;
        while (at < chunk.length) at += await conn.write(at === 0 ? chunk : chunk.subarray(at));
      }
      return done;
    },
    close: () => conn.close(),
  };
}

interface BunSocket {
  write(bytes: Uint8Array): number;
  setNoDelay(on?: boolean): boolean;
  end(): void;
}

interface BunHandlers {
  data?(socket: BunSocket, data: Uint8Array): void;
  drain?(socket: BunSocket): void;
  error?(socket: BunSocket, error: Error): void;
}

/** `Bun.connect`: the `data` handler appends; `write` takes what it can, the rest on `drain`. */
export async function bunResp(resp: RespModule, port: number): Promise<NativeResp> {
  const bun = (
    globalThis as {
      Bun?: { connect(options: { hostname: string; port: number; socket: BunHandlers }): Promise<BunSocket> };
    }
  ).Bun;
  if (bun === undefined) throw new Error("bunResp runs only on Bun");
  const replies = new Replies(resp);
  let queued: Uint8Array[] = [];
  const flush = (socket: BunSocket) => {
    while (queued.length > 0) {
      const chunk = queued[0] as Uint8Array;
      const written = socket.write(chunk);
      if (written < chunk.length) {
        queued[0] = chunk.subarray(Math.max(0, written));
        return;
      }
      queued.shift();
    }
  };
  const socket = await bun.connect({
    hostname: HOST,
    port,
    socket: {
      data(_socket, data) {
        replies.buffer.append(data);
        replies.drain();
      },
      drain: flush,
      error(_socket, error) {
        replies.fail(error);
      },
    },
  });
  socket.setNoDelay(true);
  const encoder = new resp.RespEncoder();
  return {
    pipeline(commands) {
      for (const command of commands) encoder.add(command);
      const done = replies.expect(commands.length);
      queued = queued.concat(encoder.take());
      flush(socket);
      return done;
    },
    close: () => socket.end(),
  };
}
