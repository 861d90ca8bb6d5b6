// A Cloudflare Worker that connects out over TCP (adapters/workerd/README.md shows this file; the
// test runs it inside workerd against echo-server.ts).
// worker.ts: bundle with esbuild (--bundle --format=esm --conditions=workerd,worker,browser
// --external:cloudflare:*) and serve with `workerd serve` or deploy with wrangler. Each request's
// body goes to the TCP service the bindings name; the reply, read until it closes, is the response.
import { readToString, writeAll } from "@anyrt/core";
import { createWorkerdRuntime } from "@anyrt/workerd";

/** The Worker's bindings: where the TCP service listens (text bindings, or wrangler `vars`). */
interface Env {
  readonly UPSTREAM_HOST: string;
  readonly UPSTREAM_PORT: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const runtime = createWorkerdRuntime();
    const stream = await runtime.tcp.connect({ hostname: env.UPSTREAM_HOST, port: Number(env.UPSTREAM_PORT) });
    try {
      await writeAll(stream, new Uint8Array(await request.arrayBuffer()));
      await stream.shutdown(); // FIN; the reply can still be read
      return new Response(await readToString(stream));
    } finally {
      await stream.close();
    }
  },
};
