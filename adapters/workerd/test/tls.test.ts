// @anyrt/workerd's TLS inside `workerd serve`: the run's test CA trusted through the generated
// config (the outbound network's tlsOptions), a peer anyrt did not write (`openssl s_server`),
// certificate failures (opaque in workerd: HandshakeFailed, never a connection error), a refused
// connection (a connection error, told apart because TCP opens before startTls()), options workerd
// cannot honour (Unsupported), and STARTTLS against a Node TLS server after a plaintext exchange.
// The host helpers are the workerd driver's, from its build (it finds workerd relative to dist/).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer, TLSSocket } from "node:tls";
import { makeTestCertificates, type TestCertificates } from "@anyrt/conformance";
import { nodeRuntime } from "@anyrt/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bundleForWorkerd,
  freePort,
  startWorkerd,
  workerdConfig,
} from "../../../conformance-tests/drivers/dist/workerd.js";
import { type OpensslServer, startOpensslServer } from "../../../conformance-tests/test/openssl-server.ts";

let certs: TestCertificates;
let openssl: OpensslServer;
const servers: Server[] = [];
let directory = "";
let workerd: { stop(): void; stderr(): string } | undefined;
let results: Record<string, string> = {};

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : 0);
    }),
  );
}

/** A Node TLS echo server with `key`'s certificate (a peer anyrt did not write). */
function tlsEcho(key: { certificate: string; key: string }): Promise<number> {
  const server = createTlsServer({ cert: key.certificate, key: key.key, allowHalfOpen: true }, (socket) => {
    socket.on("error", () => {});
    socket.pipe(socket);
  });
  server.on("tlsClientError", () => {});
  return listen(server);
}

/** SMTP-like STARTTLS: a greeting, `STARTTLS`, then the same connection as a Node TLS echo. */
function starttls(): Promise<number> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.write("220-anyrt\r\n220 ready\r\n");
    let line = "";
    const onData = (chunk: Buffer) => {
      line += chunk.toString("latin1");
      if (!line.endsWith("\r\n")) return;
      socket.off("data", onData);
      socket.write("220 go ahead\r\n");
      const secure = new TLSSocket(socket, { isServer: true, cert: certs.server.certificate, key: certs.server.key });
      secure.on("error", () => {});
      secure.pipe(secure);
    };
    socket.on("data", onData);
  });
  return listen(server);
}

beforeAll(async () => {
  certs = await makeTestCertificates();
  openssl = await startOpensslServer(nodeRuntime, certs);
  const plaintext = createServer((socket) => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
  const ports = {
    openssl: openssl.port,
    expired: await tlsEcho(certs.expired),
    wrongName: await tlsEcho(certs.wrongName),
    plaintext: await listen(plaintext),
    starttls: await starttls(),
    closed: await freePort(),
  };
  directory = mkdtempSync(join(tmpdir(), "anyrt-workerd-tls-"));
  await bundleForWorkerd(join(import.meta.dirname, "tls-worker.ts"), join(directory, "worker.js"));
  const port = await freePort();
  writeFileSync(join(directory, "config.capnp"), workerdConfig(port, "worker.js", [certs.ca]));
  workerd = await startWorkerd(directory, port);
  const query = new URLSearchParams({ ca: certs.ca, otherCa: certs.otherCa });
  for (const [name, value] of Object.entries(ports)) query.set(name, String(value));
  const response = await fetch(`http://127.0.0.1:${port}/?${query}`);
  results = (await response.json()) as Record<string, string>;
}, 120_000);

afterAll(async () => {
  workerd?.stop();
  await openssl?.stop();
  for (const server of servers) server.close();
  if (directory !== "") rmSync(directory, { recursive: true, force: true });
});

describe("workerd TLS", () => {
  it("verifies openssl s_server against the CA of its configuration and half-closes with close_notify", () => {
    expect(results.openssl).toBe("lssnepo olleh\n");
  });

  it("reports every certificate failure and a plaintext peer as HandshakeFailed", () => {
    expect(results.expired).toBe("kind:HandshakeFailed");
    expect(results.wrongName).toBe("kind:HandshakeFailed");
    expect(results.plaintext).toBe("kind:HandshakeFailed");
  });

  it("verifies serverName, not the host connected to", () => {
    expect(results.serverName).toBe("connected");
  });

  it("reports a refused connection as a connection error", () => {
    expect(results.refused).toBe("kind:ConnectionRefused");
  });

  it("refuses a CA its configuration does not trust, and ALPN, with Unsupported", () => {
    expect(results.untrustedOption).toBe("kind:Unsupported");
    expect(results.alpn).toBe("kind:Unsupported");
  });

  it("upgrades after a plaintext exchange; the plain stream is then Closed", () => {
    expect(results.starttls).toBe("Closed over tls");
  });
});
