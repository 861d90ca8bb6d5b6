// The RESP client (src/resp/) against a real redis-server started by this file: the scenarios of
// resp-scenarios.ts in this process (npm test runs this file on Node 24, inside Deno and inside
// Bun), and on Node, bundled for Node 20 and Node 22 and run inside workerd. Without
// redis-server the file fails under CI=true and is skipped, saying why, otherwise.
import { runtime } from "@anyrt/auto";
import { afterAll, beforeAll, describe, it } from "vitest";
import { respScenarios } from "./resp-scenarios.ts";
import { hostedRuntimes, type KvServer, runHosted, serveControl, serverAvailable, startServer } from "./servers-kv.ts";

const available = serverAvailable("redis");

describe.runIf(available)(`the RESP client against redis-server on ${runtime.id}`, () => {
  let server: KvServer;
  let control: { port: number; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    server = await startServer("redis");
  });
  afterAll(async () => {
    await control?.close();
    await server?.stop();
  });

  for (const scenario of respScenarios) {
    it(scenario.name, () => scenario.run({ runtime, port: server.port, control: (action) => server.control(action) }));
  }

  if (runtime.id === "node") {
    for (const host of hostedRuntimes()) {
      describe(`on ${host.label}`, () => {
        let results: { name: string; error: string | null }[] = [];
        beforeAll(async () => {
          if (host.missing !== null) return;
          control ??= await serveControl([server]);
          results = await runHosted(host, "resp", server.port, control.port);
        }, 300_000);
        for (const scenario of respScenarios) {
          it.skipIf(host.missing !== null)(scenario.name, () => {
            const result = results.find((candidate) => candidate.name === scenario.name);
            if (result === undefined) throw new Error(`${host.label} did not run it`);
            if (result.error !== null) throw new Error(result.error);
          });
        }
      });
    }
  }
});
