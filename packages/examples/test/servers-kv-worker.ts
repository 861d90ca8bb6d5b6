// The client scenarios inside workerd: servers-kv.ts bundles this Worker as the conformance
// driver bundles the suite, serves it with `workerd serve`, and asks `GET /run?suite=resp&port=N
// &control=M`; the answer is the results as JSON. Any other path answers at once (the readiness probe).
import { createWorkerdRuntime } from "@anyrt/workerd";
import { memcachedScenarios } from "./memcached-scenarios.ts";
import { respScenarios } from "./resp-scenarios.ts";
import { remoteControl, runScenarios } from "./servers-kv-harness.ts";

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/run") return new Response("ready");
    const suite = url.searchParams.get("suite");
    const runtime = createWorkerdRuntime();
    const scenarios = suite === "resp" ? respScenarios : memcachedScenarios;
    const control = remoteControl(
      runtime,
      Number(url.searchParams.get("control")),
      suite === "resp" ? "redis" : "memcached",
    );
    const results = await runScenarios(scenarios, { runtime, port: Number(url.searchParams.get("port")), control });
    return Response.json(results);
  },
};
