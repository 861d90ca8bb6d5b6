/**
 * The packed-tarball smoke page (scripts/pack-smoke.mjs bundles it from the installed packages
 * with esbuild under the `browser` condition and opens it in headless Chromium): through the
 * relay named in the page's query (`@anyrt/web/relay`, run from the tarballs on Node), a TCP echo
 * round trip to the echo server beside it, then a task and a timer. Its result is the promise
 * `globalThis.smoke`, which the host awaits.
 * @module
 */
import { runtime as auto } from "@anyrt/auto";
import { readToString, writeAll } from "@anyrt/core";
import { createWebRuntime } from "@anyrt/web";

async function smoke(): Promise<{ adapter: string; auto: string; echoed: string; task: number }> {
  const query = new URLSearchParams(location.search);
  const runtime = createWebRuntime({ relay: query.get("relay") ?? "" });
  const message = `hello from ${runtime.adapter} on ${runtime.id}`;
  const stream = await runtime.tcp.connect({ hostname: "127.0.0.1", port: Number(query.get("port")) });
  await writeAll(stream, new TextEncoder().encode(message));
  await stream.shutdown();
  const echoed = await readToString(stream);
  await stream.close();
  if (echoed !== message) throw new Error(`echo returned ${JSON.stringify(echoed)}`);
  const task = await runtime.tasks.spawn(async (signal) => {
    await runtime.time.sleep(1, { signal });
    return 42;
  });
  if (task !== 42) throw new Error(`task returned ${task}`);
  return { adapter: runtime.adapter, auto: auto.adapter, echoed, task };
}

(globalThis as { smoke?: Promise<unknown> }).smoke = smoke();
