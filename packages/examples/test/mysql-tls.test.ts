// The unmodified `mysql2` driver over TLS in a Worker (src/mysql/tls.ts) against a real MariaDB
// offering TLS with a certificate this run made, signed by the run's test CA: mysql2's own `ssl`
// option, its `tls` aliased to `@anyrt/compat/node/tls` in the Worker's build, so that its upgrade
// is the socket bridge's `startTls` over workerd's `startTls()`. workerd runs from Node's run of
// this file; on Node, Deno and Bun mysql2's `ssl` calls the runtime's own node:tls instead.
import { makeTestCertificates } from "@anyrt/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DriverExample, driveScenario, host } from "./driver-scenario.ts";
import { inCi, mariadbBinaries, mariadbUser, type RunningServer, startMariadb, titleNeeding } from "./servers.ts";

const installed = mariadbBinaries() !== undefined;
const certificates = await makeTestCertificates();
const example: DriverExample = {
  folder: "mysql",
  worker: "tls-worker.ts",
  denoPermissions: [],
  workerParameters: { ...mariadbUser, ca: certificates.ca },
  trustedCertificates: [certificates.ca],
  workerAlias: { tls: "@anyrt/compat/node/tls" },
};

describe.skipIf((!installed && !inCi) || host !== "node")(
  titleNeeding("mysql2 over TLS in a Worker through the socket bridge, against MariaDB", "mariadb-server", installed),
  () => {
    let server: RunningServer | undefined;
    beforeAll(async () => {
      server = await startMariadb(certificates.server);
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
    });

    it("on workerd: mysql2's own ssl option, verified against the test CA, upgrades through startTls", async () => {
      if (server === undefined) throw new Error("MariaDB did not start");
      const steps = await driveScenario(example, "workerd", server);
      expect(steps.secured).toEqual({
        step: "secured",
        serverTlsVersion: "TLSv1.3",
        encrypted: true,
        authorized: true,
        rows: 20,
        last: "secret 9",
      });
    }, 300_000);
  },
);
