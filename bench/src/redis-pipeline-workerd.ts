/// <reference path="../../adapters/workerd/src/cloudflare-sockets.d.ts" />
/**
 * `redis-pipeline` on workerd, the worker's side (`workerd-bench-worker.ts` runs it; the host,
 * `workerd-host.ts`, starts the redis-server and passes its port): the RESP client of
 * `packages/examples/src/resp` on `@anyrt/workerd` against the same encoder and decoder on
 * `cloudflare:sockets` directly (the socket's writer, and what its reader returns appended to the
 * decoder's buffer), read two ways: the default reader's chunks (4 KiB each) and a BYOB reader
 * into a reused 64 KiB buffer, the faster of which is the native baseline.
 * @module
 */
import { connect } from "cloudflare:sockets";
import { ByteBuffer } from "@anyrt/core";
import { createWorkerdRuntime } from "@anyrt/workerd";
import type { Benchmark } from "./harness.ts";
import { PIPELINE, pipelineCommands, timed } from "./redis-pipeline-commands.ts";
import type { NativeResp, RespModule } from "./redis-pipeline-native.ts";

const HOST = "127.0.0.1";

/** How the native client reads: the default reader's chunks, or a BYOB reader into a reused 64 KiB buffer. */
type NativeRead = "default" | "byob";

/** A read function over `socket`'s readable: resolves the next bytes (a view valid until the next call), or null at EOF. */
function nativeReader(readable: ReadableStream<Uint8Array>, how: NativeRead): () => Promise<Uint8Array | null> {
  if (how === "default") {
    const reader = readable.getReader();
    return async () => {
      const { done, value } = await reader.read();
      return done ? null : value;
    };
  }
  const reader = readable.getReader({ mode: "byob" }) as ReadableStreamBYOBReader;
  let buf = new Uint8Array(64 * 1024);
  return async () => {
    const { done, value } = await reader.read(buf);
    if (done || value === undefined) return null;
    // The read transferred `buf`: the next one reads into the returned view's buffer.
    buf = new Uint8Array(value.buffer, 0, value.buffer.byteLength);
    return value;
  };
}

/**
 * The RESP client on `cloudflare:sockets`: chunks go to the writer in order, one read loop
 * (`how` it reads, see {@link NativeRead}) decodes replies.
 */
async function workerdResp(resp: RespModule, port: number, how: NativeRead): Promise<NativeResp> {
  const socket = connect({ hostname: HOST, port });
  await socket.opened;
  const writer = socket.writable.getWriter();
  const read = nativeReader(socket.readable, how);
  const buffer = new ByteBuffer(64 * 1024);
  const decoder = new resp.RespDecoder();
  const encoder = new resp.RespEncoder();
  let want = 0;
  let got: unknown[] = [];
  let settle = null as { resolve(replies: unknown[]): void; reject(error: unknown): void } | null;
  void (async () => {
    try {
      for (;;) {
        const value = await read();
        if (value === null) throw new Error("redis closed the connection");
        buffer.append(value);
        for (let reply = decoder.decode(buffer); reply !== null; reply = decoder.decode(buffer)) {
          got.push(reply);
          if (got.length === want) settle?.resolve(got);
        }
      }
    } catch (error) {
      settle?.reject(error);
    }
  })();
  return {
    async pipeline(commands) {
      for (const command of commands) encoder.add(command);
      want = commands.length;
      got = [];
      const done = new Promise<unknown[]>((resolve, reject) => {
        settle = { resolve, reject };
      });
      await Promise.all(encoder.take().map((chunk) => writer.write(chunk)));
      return done;
    },
    close: () => {
      socket.close().catch(() => {});
    },
  };
}

/** The workerd `redis-pipeline` benchmark against the redis-server on `port`, `pipelines` pipelines per sample. */
export async function createWorkerdRedisPipeline(port: number, pipelines: number): Promise<Benchmark> {
  // TypeScript source, which the worker's bundler compiles into the worker.
  const resp = (await import("@anyrt/examples/resp")) as RespModule;
  const commands = pipelineCommands();
  const nativeClient = await workerdResp(resp, port, "default");
  const byobClient = await workerdResp(resp, port, "byob");
  const anyrtClient = await resp.RespClient.connect(createWorkerdRuntime(), { port });
  return {
    name: "redis-pipeline",
    unit: "commands/s",
    higherIsBetter: true,
    target: 0.95,
    adapter: "@anyrt/workerd",
    anyrtApi: "RespClient.pipeline: writeAllVectored + FramedRead(RespDecoder) on TcpStream",
    nativeApi: "cloudflare:sockets: writable writer + readable reader, same RESP encoder and decoder",
    anyrt: () => timed((batch) => anyrtClient.pipeline(batch), commands, pipelines),
    native: () => timed((batch) => nativeClient.pipeline(batch), commands, pipelines),
    extras: {
      "native-byob": {
        kind: "baseline",
        api: "cloudflare:sockets: writable writer + BYOB reader into a reused 64 KiB buffer, same RESP encoder and decoder",
        sample: () => timed((batch) => byobClient.pipeline(batch), commands, pipelines),
        // The default reader's chunks are 4 KiB: the BYOB reader may be the faster native path.
        candidate: true,
      },
    },
    params: { pipelineCommands: PIPELINE, pipelines, valueBytes: 16 },
    close: async () => {
      await anyrtClient.close();
      nativeClient.close();
      byobClient.close();
    },
  };
}
