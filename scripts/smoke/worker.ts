/**
 * The packed-tarball smoke Worker (scripts/pack-smoke.mjs bundles it from the installed packages
 * with esbuild under workerd's conditions, with no project-specific defines, and serves it with
 * `workerd serve`): `GET /?port=N` connects to the echo server on 127.0.0.1:N, sends a line,
 * half-closes and reads the echo, runs a task and a timer, and answers JSON saying what it did.
 * @module
 */
import { readToString, writeAll } from "@anyrt/core";
import { createWorkerdRuntime } from "@anyrt/workerd";

export default {
  async fetch(request: Request): Promise<Response> {
    const runtime = createWorkerdRuntime();
    const port = Number(new URL(request.url).searchParams.get("port"));
    const message = `hello from ${runtime.adapter} on ${runtime.id}`;
    try {
      const stream = await runtime.tcp.connect({ hostname: "127.0.0.1", port });
      await writeAll(stream, new TextEncoder().encode(message));
      await stream.shutdown();
      const echoed = await readToString(stream);
      await stream.close();
      const task = await runtime.tasks.spawn(async (signal) => {
        await runtime.time.sleep(1, { signal });
        return 42;
      });
      const ok = echoed === message && task === 42;
      return Response.json({ ok, adapter: runtime.adapter, echoed, task }, { status: ok ? 200 : 500 });
    } catch (error) {
      return Response.json({ ok: false, error: String(error) }, { status: 500 });
    }
  },
};
