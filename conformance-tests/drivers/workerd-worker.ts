/**
 * The worker side of the workerd conformance driver: bundled by `workerd.ts` (esbuild, conditions
 * `workerd`, `worker`, `browser`) and served by `workerd serve`. `GET /run?relay=PORT&buffering=N&version=V&args=JSON`
 * (`&closed=PORT`: a loopback port nobody listens on; `&sockets=N`: how many sockets workerd can
 * hold open at once on this host, which bounds the stress suite's connection counts; `&tls=JSON`:
 * the host's TLS peers, whose CA the configuration trusts) runs the suite inside workerd and answers with the driver's JSON-lines protocol as the response
 * body, streamed case by case, followed by one `{"type":"exit","code":N}` line.
 * @module
 */
import * as auto from "@anyrt/auto";
import type { TlsPeersDescription } from "@anyrt/conformance";
import { type StressScale, type StressSize, stressScales } from "@anyrt/conformance/stress";
import { workerdConformanceTarget } from "@anyrt/workerd/conformance";
import { runTargets } from "./driver.ts";

const encoder = new TextEncoder();

/**
 * The stress suite's connection counts bounded by the `sockets` workerd can hold open on the host
 * (two descriptors each, see `workerdSocketLimit` in `workerd.ts`): past it every `connect()`
 * fails as a refused one does. `stress/connections` holds one socket per connection,
 * `stress/connections-served` two (both ends of each pair are workerd's).
 */
function workerdStressScale(sockets: number): (size: StressSize) => Partial<StressScale> {
  return (size) => ({
    connections: Math.min(stressScales[size].connections, sockets),
    servedConnections: Math.min(stressScales[size].servedConnections, Math.floor(sockets / 2)),
  });
}

function run(url: URL): Response {
  const buffering = Number(url.searchParams.get("buffering"));
  const relay = {
    hostname: "127.0.0.1",
    port: Number(url.searchParams.get("relay")),
    buffering: buffering > 0 ? buffering : undefined,
  };
  const runtimeVersion = url.searchParams.get("version") ?? "unknown";
  const closedPort = Number(url.searchParams.get("closed"));
  const sockets = Number(url.searchParams.get("sockets"));
  const tls = url.searchParams.get("tls");
  const tlsPeers = tls === null ? undefined : (JSON.parse(tls) as TlsPeersDescription);
  const args = JSON.parse(url.searchParams.get("args") ?? "[]") as string[];
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  let chain: Promise<void> = Promise.resolve();
  const write = (text: string): void => {
    chain = chain.then(() => writer.write(encoder.encode(text))).catch(() => undefined);
  };
  const line = (message: object): void => write(`${JSON.stringify(message)}\n`);
  const done = runTargets({
    runtime: "workerd",
    runtimeVersion,
    args,
    writeLine: write,
    writeError: (text) => line({ type: "stderr", text }),
    exit: (code) => {
      // `--help` asks to exit: end the answer with that code.
      line({ type: "exit", code });
      throw new Error("exit");
    },
    adapter: {
      name: "@anyrt/workerd",
      load: async () =>
        workerdConformanceTarget(relay, {
          version: runtimeVersion,
          ...(closedPort > 0 ? { closedPort } : {}),
          ...(tlsPeers === undefined ? {} : { tlsPeers }),
        }),
    },
    resolveAuto: async () => ({ adapter: String(auto.runtime.adapter) }),
    ...(sockets > 0 ? { stressScale: workerdStressScale(sockets) } : {}),
  }).then(
    (code) => line({ type: "exit", code }),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== "exit") line({ type: "stderr", text: `${message}\n` });
      line({ type: "exit", code: 2 });
    },
  );
  void done.then(() => chain).then(() => writer.close());
  return new Response(readable, { headers: { "content-type": "application/x-ndjson" } });
}

export default {
  fetch(request: Request): Response {
    const url = new URL(request.url);
    if (url.pathname === "/run") return run(url);
    return new Response("ok\n");
  },
};
