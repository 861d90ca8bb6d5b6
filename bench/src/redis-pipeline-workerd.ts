/// <reference path="../../adapters/workerd/src/cloudflare-sockets.d.ts" />
/**
 * `redis-pipeline` on workerd, the worker's side (`workerd-bench-worker.ts` runs it; the host,
 * `workerd-host.ts`, starts the redis-server and passes its port): the RESP client of
 * `packages/examples/src/resp` on `@anyrt/workerd` against the same encoder and decoder on
 * `cloudflare:sockets` directly (the socket's writer, and its reader's chunks appended to the
 * decoder's buffer).
 * @module
 */
import { connect } from "cloudflare:sockets";
import { ByteBuffer } from "@anyrt/core";
import { createWorkerdRuntime } from "@anyrt/workerd";
import type { Benchmark } from "./harness.ts";
import { PIPELINE, pipelineCommands, timed } from "./redis-pipeline-commands.ts";
import type { NativeResp, RespModule } from "./redis-pipeline-native.ts";

const HOST = "127.0.0.1";

/** The RESP client on `cloudflare:sockets`: chunks go to the writer in order, one read loop decodes replies. */
async function workerdResp(resp: RespModule, port: number): Promise<NativeResp> {
  const socket = connect({ hostname: HOST, port });
  await socket.opened;
  const writer = socket.writable.getWriter();
  const reader = socket.readable.getReader();
  const buffer = new ByteBuffer(64 * 1024);
  const decoder = new resp.RespDecoder();
  const encoder = new resp.RespEncoder();
  let want = 0;
  let got: unknown[] = [];
  let settle = null as { resolve(replies: unknown[]): void; reject(error: unknown): void } | null;
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) throw new Error("redis closed the connection");
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
  const nativeClient = await workerdResp(resp, port);
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
    params: { pipelineCommands: PIPELINE, pipelines, valueBytes: 16 },
    close: async () => {
      await anyrtClient.close();
      nativeClient.close();
    },
  };
}
