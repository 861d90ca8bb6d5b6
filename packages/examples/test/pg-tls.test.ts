// The unmodified `pg` driver over TLS through anyrt's socket bridge (src/pg/tls.ts) against a real
// PostgreSQL with `ssl=on`, its certificate made by this run and signed by the run's test CA: on
// Node 24, 22 and 20 and in workerd (pg's own `ssl` option too, which calls the bridge's
// `startTls`) when this file runs on Node, and on Deno and Bun when it runs there. Each run:
// verified connect and use, then a certificate for another name and an untrusted CA, each failing
// with its kind.
import { makeTestCertificates } from "@anyrt/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DriverExample, driveScenario, host, type Target, targetsOf, unavailable } from "./driver-scenario.ts";
import { inCi, postgresBinaries, type RunningServer, startPostgres, titleNeeding } from "./servers.ts";

const installed = postgresBinaries() !== undefined;
const certificates = await makeTestCertificates();
const example: DriverExample = {
  folder: "pg",
  main: "tls-main.ts",
  worker: "tls-worker.ts",
  denoPermissions: ["--allow-net", "--allow-env", "--allow-read"],
  env: { ANYRT_PG_CA: certificates.ca, ANYRT_PG_OTHER_CA: certificates.otherCa },
  workerParameters: { ca: certificates.ca, otherCa: certificates.otherCa },
  trustedCertificates: [certificates.ca],
};

/** What the bridge reports on `target` about the handshake: Deno and workerd report no version or certificate. */
function handshakeSeenOn(target: Target): Record<string, unknown> {
  const reports = target !== "deno" && target !== "workerd";
  return {
    encrypted: true,
    authorized: true,
    protocol: reports ? "TLSv1.3" : null,
    peerCommonName: reports ? "localhost" : null,
  };
}

describe.skipIf(!installed && !inCi)(
  titleNeeding(`pg over TLS through the socket bridge, from ${host}`, "PostgreSQL", installed),
  () => {
    let server: RunningServer | undefined;
    beforeAll(async () => {
      server = await startPostgres(certificates.server);
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
    });

    for (const target of targetsOf(host)) {
      const why = unavailable(target);
      it.skipIf(why !== undefined)(
        `on ${target}: verified against the test CA, then a wrong name and an untrusted CA refused by kind${why === undefined ? "" : ` (skipped: ${why})`}`,
        async () => {
          if (server === undefined) throw new Error("PostgreSQL did not start");
          const steps = await driveScenario(example, target, server);
          if (target !== "workerd") {
            expect(steps.greeting).toEqual({ step: "greeting", greeting: "hello from pg over anyrt TLS" });
          }
          const used = { serverSaysSsl: true, serverTlsVersion: "TLSv1.3", rows: 20, last: "secret 9" };
          expect(steps.secured).toEqual({ step: "secured", ...used, ...handshakeSeenOn(target) });
          if (target === "workerd") {
            // pg's own `ssl` option: pg sends SSLRequest and calls the bridge's startTls (its Workers path).
            expect(steps["driver-ssl"]).toEqual({ step: "driver-ssl", ...used, ...handshakeSeenOn(target) });
          }
          // workerd reports every TLS failure alike (no tls.distinctFailures): HandshakeFailed, no Node code.
          expect(steps["wrong-name"]).toMatchObject(
            target === "workerd"
              ? { connected: false, ioErrorKind: "HandshakeFailed", code: null }
              : { connected: false, ioErrorKind: "CertificateNameMismatch", code: "ERR_TLS_CERT_ALTNAME_INVALID" },
          );
          // workerd trusts what its configuration says, so a CA given per connection is refused at once.
          expect(steps.untrusted).toMatchObject(
            target === "workerd"
              ? { connected: false, ioErrorKind: "Unsupported", code: null }
              : { connected: false, ioErrorKind: "UntrustedCertificate", code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" },
          );
        },
        300_000,
      );
    }
  },
);
