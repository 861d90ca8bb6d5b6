// `pg` unmodified inside a Cloudflare Worker, over anyrt's socket bridge on workerd's `connect()`.
// Build it with wrangler (`wrangler deploy --dry-run --outdir dist` with `nodejs_compat`, see the
// README); a POST to `/?host=127.0.0.1&port=5432` runs scenario.ts against that server and streams
// its JSON lines back as the response body.
import { runtime } from "@anyrt/auto";
import { runPgScenario } from "./scenario.ts";

export default {
  fetch(request: Request): Response {
    const url = new URL(request.url);
    if (request.method !== "POST") return new Response("POST /?host=...&port=... runs the scenario\n");
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    const send = (line: Record<string, unknown>): void => {
      writer.write(encoder.encode(`${JSON.stringify(line)}\n`)).catch(() => {});
    };
    runPgScenario({
      runtime,
      host: url.searchParams.get("host") ?? "127.0.0.1",
      port: Number(url.searchParams.get("port")),
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
