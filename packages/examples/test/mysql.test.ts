// The unmodified `mysql2` driver over anyrt's socket bridge (src/mysql) against a real MariaDB
// started here: on Node 24, 22 and 20 and in workerd when this file runs on Node, and on Deno and
// Bun when it runs there. Each run: create, insert, select, a query error, a several-MiB result,
// the server killed mid-query, reconnect.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DriverExample, driveScenario, host, targetsOf, unavailable } from "./driver-scenario.ts";
import { inCi, mariadbBinaries, mariadbUser, type RunningServer, startMariadb, titleNeeding } from "./servers.ts";

const installed = mariadbBinaries() !== undefined;
const example: DriverExample = {
  folder: "mysql",
  denoPermissions: ["--allow-net", "--allow-env", "--allow-read"],
  env: {
    ANYRT_MYSQL_USER: mariadbUser.user,
    ANYRT_MYSQL_PASSWORD: mariadbUser.password,
    ANYRT_MYSQL_DATABASE: mariadbUser.database,
  },
  workerParameters: mariadbUser,
};

describe.skipIf(!installed && !inCi)(
  titleNeeding(`mysql2 over the socket bridge against MariaDB, from ${host}`, "mariadb-server", installed),
  () => {
    let server: RunningServer | undefined;
    beforeAll(async () => {
      server = await startMariadb();
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
    });

    for (const target of targetsOf(host)) {
      const why = unavailable(target);
      it.skipIf(why !== undefined)(
        `on ${target}: create, insert, select, error, several MiB, killed mid-query, reconnect${why === undefined ? "" : ` (skipped: ${why})`}`,
        async () => {
          if (server === undefined) throw new Error("MariaDB did not start");
          const steps = await driveScenario(example, target, server);
          // The five lines of the README, on every runtime but workerd (worker.ts runs the scenario alone).
          if (target !== "workerd") {
            expect(steps.greeting).toEqual({ step: "greeting", greeting: "hello from mysql2 over anyrt" });
          }
          expect(steps.connected?.remotePort).toBe(server.port);
          expect(steps.inserted).toEqual({ step: "inserted", rows: 100 });
          expect(steps.selected).toEqual({ step: "selected", n: 100, total: 49500, last: "item 99" });
          expect(steps["query-error"]).toMatchObject({ code: "ER_NO_SUCH_TABLE", errno: 1146, usableAfter: true });
          expect(steps["large-result"]).toEqual({
            step: "large-result",
            bytes: 4 * 1024 * 1024,
            allAb: true,
            rows: 20_000,
            lastSeq: 20_000,
          });
          // mysql2's own error for a connection that ended under a query; the bridge saw the server's EOF.
          expect(steps.killed).toEqual({
            step: "killed",
            driverError: "Connection lost: The server closed the connection.",
            driverCode: "PROTOCOL_CONNECTION_LOST",
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
