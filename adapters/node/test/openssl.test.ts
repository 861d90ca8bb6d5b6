// The Node adapter's TLS client against a server anyrt did not write: `openssl s_server` (OpenSSL
// 3, which .ci/run checks for) in its `-rev` mode, which answers each line reversed. Verification
// against the run's own test CA, ALPN, the peer's certificate, mutual TLS and the failure kinds.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTestCertificates } from "@anyrt/conformance";
import { type IoError, isIoError, readExact, type TlsConnectOptions, type TlsStream, writeAll } from "@anyrt/core";
import { nodeRuntime } from "@anyrt/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const certificates = await makeTestCertificates();
const dir = mkdtempSync(join(tmpdir(), "anyrt-openssl-"));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const servers: ChildProcess[] = [];

/** Starts `openssl s_server` with `args` on a free port of 127.0.0.1 and resolves that port. */
function sServer(args: readonly string[]): Promise<number> {
  const child = spawn("openssl", ["s_server", "-accept", "127.0.0.1:0", "-rev", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  servers.push(child);
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const port = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(output)?.[1];
      if (port !== undefined) resolve(Number(port));
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`openssl s_server exited with ${code}: ${output}`)));
  });
}

let plain: number;
let mutual: number;
let expired: number;

beforeAll(async () => {
  const cert = file("server.pem", certificates.server.certificate);
  const key = file("server.key", certificates.server.key);
  [plain, mutual, expired] = await Promise.all([
    sServer(["-cert", cert, "-key", key, "-alpn", "anyrt/1"]),
    sServer(["-cert", cert, "-key", key, "-Verify", "1", "-CAfile", file("ca.pem", certificates.ca)]),
    sServer([
      "-cert",
      file("expired.pem", certificates.expired.certificate),
      "-key",
      file("expired.key", certificates.expired.key),
    ]),
  ]);
});

afterAll(() => {
  for (const child of servers) child.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(port: number, options: Partial<TlsConnectOptions> = {}): Promise<TlsStream> {
  return nodeRuntime.tls.connect({ port, caCertificates: [certificates.ca], ...options });
}

/** Sends a line and reads the server's answer: the line reversed. */
async function reversed(stream: TlsStream, line: string): Promise<string> {
  await writeAll(stream, new TextEncoder().encode(`${line}\n`));
  return new TextDecoder().decode(await readExact(stream, new Uint8Array(line.length + 1)));
}

describe("the Node adapter's TLS client against openssl s_server", () => {
  it("verifies the server with the test CA and round-trips a line", async () => {
    const stream = await connect(plain);
    try {
      expect(await reversed(stream, "hello openssl")).toBe("lssnepo olleh\n");
      expect(stream.tls.protocol).toBe("TLSv1.3");
      expect(stream.tls.peerCertificate?.subject).toBe("O=anyrt conformance, CN=localhost");
      expect(stream.tls.peerCertificate?.subjectAltNames).toEqual(["DNS:localhost", "IP:127.0.0.1", "IP:::1"]);
    } finally {
      await stream.close();
    }
  });

  it("negotiates the ALPN protocol openssl accepts", async () => {
    const stream = await connect(plain, { alpnProtocols: ["h2", "anyrt/1"] });
    try {
      expect(stream.tls.alpnProtocol).toBe("anyrt/1");
      expect(await reversed(stream, "alpn")).toBe("npla\n");
    } finally {
      await stream.close();
    }
  });

  it("refuses openssl's certificate without the test CA, and an expired one, each with its kind", async () => {
    const untrusted = await connect(plain, { caCertificates: [certificates.otherCa], systemCertificates: false }).catch(
      (error: unknown) => error,
    );
    expect(isIoError(untrusted, "UntrustedCertificate"), String(untrusted)).toBe(true);
    const old = await connect(expired).catch((error: unknown) => error);
    expect(isIoError(old, "ExpiredCertificate"), String(old)).toBe(true);
    expect((old as IoError).cause).toBeDefined();
  });

  it("presents a client certificate to a server that requires one", async () => {
    const stream = await connect(mutual, { clientCertificate: certificates.client });
    try {
      expect(await reversed(stream, "mutual")).toBe("lautum\n");
    } finally {
      await stream.close();
    }
  });
});
