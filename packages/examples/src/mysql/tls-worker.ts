// `mysql2` unmodified over TLS inside a Cloudflare Worker, through anyrt's socket bridge: build it
// with wrangler, `nodejs_compat` and `alias: { tls: "@anyrt/compat/node/tls" }` (see tls.ts). A
// POST to `/?host=127.0.0.1&port=3306&user=...&password=...&database=...&ca=<PEM>` runs tls.ts
// against that server and streams its JSON lines back.
import { createWorkerdRuntime } from "@anyrt/workerd";
import { runMysqlTlsScenario } from "./tls.ts";

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
    const parameter = (name: string, fallback: string) => url.searchParams.get(name) ?? fallback;
    const ca = parameter("ca", "");
    runMysqlTlsScenario({
      // workerd verifies against its configuration's trusted certificates: the runtime is told which.
      runtime: createWorkerdRuntime({ trustedCertificates: [ca] }),
      host: parameter("host", "127.0.0.1"),
      port: Number(parameter("port", "3306")),
      user: parameter("user", "anyrt"),
      password: parameter("password", ""),
      database: parameter("database", "anyrt"),
      ca,
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
