// `pg` unmodified over TLS inside a Cloudflare Worker, through anyrt's socket bridge on workerd's
// `startTls()`. workerd verifies against its configuration's trusted certificates only, so the
// runtime is told which CA that is. A POST to `/?host=127.0.0.1&port=5432` with the CA's PEM as
// `ca` (and another CA's as `otherCa`) runs tls.ts, pg's own `ssl` option included (pg's Workers
// path, which calls the bridge's `startTls`), and streams its JSON lines back.
import { createWorkerdRuntime } from "@anyrt/workerd";
import { runPgTlsScenario } from "./tls.ts";

export default {
  fetch(request: Request): Response {
    const url = new URL(request.url);
    if (request.method !== "POST") return new Response("POST /?host=...&port=...&ca=... runs the scenario\n");
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    const send = (line: Record<string, unknown>): void => {
      writer.write(encoder.encode(`${JSON.stringify(line)}\n`)).catch(() => {});
    };
    const ca = url.searchParams.get("ca") ?? "";
    runPgTlsScenario({
      runtime: createWorkerdRuntime({ trustedCertificates: [ca] }),
      host: url.searchParams.get("host") ?? "127.0.0.1",
      port: Number(url.searchParams.get("port")),
      ca,
      otherCa: url.searchParams.get("otherCa") ?? "",
      driverSsl: true,
      log: send,
    }).then(
      () => writer.close(),
      (error: unknown) => {
        send({ step: "failed", error: String(error), stack: (error as Error).stack });
        return writer.close();
      },
    );
    return new Response(readable, { headers: { "content-type": "application/x-ndjson" } });
  },
};
