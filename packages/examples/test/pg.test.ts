// The unmodified `pg` driver over anyrt's socket bridge (src/pg) against a real PostgreSQL started
// here: on Node 24, 22 and 20 and in workerd when this file runs on Node, and on Deno and Bun when
// it runs there. Each run: create, insert, select, a query error, a 4 MiB result, the server
// killed mid-query, reconnect.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DriverExample, driveScenario, host, targetsOf, unavailable } from "./driver-scenario.ts";
import { inCi, postgresBinaries, type RunningServer, startPostgres, titleNeeding } from "./servers.ts";

const installed = postgresBinaries() !== undefined;
const example: DriverExample = { folder: "pg", denoPermissions: ["--allow-net", "--allow-env", "--allow-read"] };

describe.skipIf(!installed && !inCi)(
  titleNeeding(`pg over the socket bridge, from ${host}`, "PostgreSQL", installed),
  () => {
    let server: RunningServer | undefined;
    beforeAll(async () => {
      server = await startPostgres();
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
    });

    for (const target of targetsOf(host)) {
      const why = unavailable(target);
      it.skipIf(why !== undefined)(
        `on ${target}: create, insert, select, error, 4 MiB, killed mid-query, reconnect${why === undefined ? "" : ` (skipped: ${why})`}`,
        async () => {
          if (server === undefined) throw new Error("PostgreSQL did not start");
          const steps = await driveScenario(example, target, server);
          // The README's five lines, on every runtime but workerd (worker.ts runs the scenario alone).
          if (target !== "workerd") {
            expect(steps.greeting).toEqual({ step: "greeting", greeting: "hello from pg over anyrt" });
          }
          expect(steps.connected?.remotePort).toBe(server.port);
          expect(steps.inserted).toEqual({ step: "inserted", rows: 100 });
          expect(steps.selected).toEqual({ step: "selected", n: 100, total: 49500, last: "item 99" });
          expect(steps["query-error"]).toMatchObject({ code: "42P01", usableAfter: true });
          expect(steps["large-result"]).toEqual({ step: "large-result", bytes: 4 * 1024 * 1024, allAb: true });
          // pg's own error for a connection that ended under a query; the bridge saw the server's EOF.
          expect(steps.killed).toEqual({
            step: "killed",
            driverError: "Connection terminated unexpectedly",
            bridgeSawEof: true,
          });
          // While the server is down, the connect fails with the bridge's IoError, carrying Node's code.
          expect(steps.refused).toEqual({
            step: "refused",
            ioErrorKind: "ConnectionRefused",
            code: "ECONNREFUSED",
            syscall: "connect",
          });
          expect(steps.reconnected).toEqual({ step: "reconnected", rows: 100 });
        },
        300_000,
      );
    }
  },
);
