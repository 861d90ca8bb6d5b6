// The Deno adapter's own TLS paths, beyond what the conformance suite checks: rustls' failures
// mapped to their kinds, what `upgrade` refuses (bytes nobody read, closing the stream, a native read in flight, a
// TLS stream), socket options on a TLS stream, and a peer anyrt did not write (`openssl s_server`).
import { makeTestCertificates, type TestCertificates } from "@anyrt/conformance";
import { isIoError, type TcpStream, WOULD_BLOCK } from "@anyrt/core";
import { createDenoRuntime } from "@anyrt/deno";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpensslServer, startOpensslServer } from "../../../conformance-tests/test/openssl-server.ts";

const runtime = createDenoRuntime();
let certs: TestCertificates;

beforeAll(async () => {
  certs = await makeTestCertificates();
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readAll(stream: TcpStream): Promise<string> {
  const buf = new Uint8Array(4096);
  let text = "";
  for (;;) {
    const n = await stream.read(buf);
    if (n === 0) return text;
    text += decoder.decode(buf.subarray(0, n));
  }
}

/** A TLS echo server of this adapter with `key`'s certificate; each connection echoes until EOF, then shuts down. */
async function echoServer(key: { certificate: string; key: string }, alpnProtocols?: string[]) {
  const listener = await runtime.tls.listen({
    port: 0,
    certificate: key.certificate,
    key: key.key,
    ...(alpnProtocols === undefined ? {} : { alpnProtocols }),
  });
  void (async () => {
    for await (const stream of listener) {
      void (async () => {
        const buf = new Uint8Array(65536);
        try {
          for (;;) {
            const n = await stream.read(buf);
            if (n === 0) break;
            for (let offset = 0; offset < n; ) offset += await stream.write(buf.subarray(offset, n));
          }
          await stream.shutdown();
        } catch {
          // A client that failed its own checks goes away mid-stream.
        } finally {
          await stream.close();
        }
      })();
    }
  })();
  return listener;
}

describe("Deno TLS errors", () => {
  it.each([
    ["expired", "ExpiredCertificate"],
    ["wrongName", "CertificateNameMismatch"],
  ] as const)("a %s certificate is %s", async (which, kind) => {
    const listener = await echoServer(certs[which]);
    const error = await runtime.tls
      .connect({ hostname: "localhost", port: listener.localAddress.port, caCertificates: [certs.ca] })
      .catch((e: unknown) => e);
    expect(isIoError(error) && error.kind).toBe(kind);
    await listener.close();
  });

  it("a certificate from another CA is UntrustedCertificate", async () => {
    const listener = await echoServer(certs.server);
    const error = await runtime.tls
      .connect({ hostname: "localhost", port: listener.localAddress.port, caCertificates: [certs.otherCa] })
      .catch((e: unknown) => e);
    expect(isIoError(error) && error.kind).toBe("UntrustedCertificate");
    await listener.close();
  });

  it("no shared ALPN protocol is HandshakeFailed", async () => {
    const listener = await echoServer(certs.server, ["a"]);
    const error = await runtime.tls
      .connect({
        hostname: "localhost",
        port: listener.localAddress.port,
        caCertificates: [certs.ca],
        alpnProtocols: ["b"],
      })
      .catch((e: unknown) => e);
    expect(isIoError(error) && error.kind).toBe("HandshakeFailed");
    await listener.close();
  });

  it("options Deno cannot honour are Unsupported, not ignored", async () => {
    for (const extra of [{ systemCertificates: false }, { dangerouslyAcceptInvalidCertificates: true as const }]) {
      const error = await runtime.tls
        .connect({ port: 1, caCertificates: [certs.ca], ...extra })
        .catch((e: unknown) => e);
      expect(isIoError(error) && error.kind).toBe("Unsupported");
    }
  });
});

describe("Deno TLS upgrade", () => {
  it("refuses with InvalidData while unread bytes wait, and closes the stream", async () => {
    const plain = await runtime.tcp.listen({ port: 0 });
    const client = await runtime.tcp.connect({ port: plain.localAddress.port });
    const server = await plain.accept();
    await server.write(encoder.encode("OK\r\nextra"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const buf = new Uint8Array(4);
    let got = 0;
    while (got < 4) got += await client.read(buf.subarray(got));
    const error = await runtime.tls.upgrade(client, { caCertificates: [certs.ca] }).catch((e: unknown) => e);
    expect(isIoError(error) && error.kind).toBe("InvalidData");
    const closed = await client.read(new Uint8Array(5)).catch((e: unknown) => e);
    expect(isIoError(closed) && closed.kind).toBe("Closed");
    await Promise.all([client.close(), server.close(), plain.close()]);
  });

  it("refuses with Busy while a native read started by tryRead is in flight", async () => {
    const plain = await runtime.tcp.listen({ port: 0 });
    const client = await runtime.tcp.connect({ port: plain.localAddress.port });
    const server = await plain.accept();
    expect(client.tryRead(new Uint8Array(8))).toBe(WOULD_BLOCK);
    await Promise.resolve();
    await Promise.resolve();
    const error = await runtime.tls.upgrade(client, { caCertificates: [certs.ca] }).catch((e: unknown) => e);
    expect(isIoError(error) && error.kind).toBe("Busy");
    await Promise.all([client.close(), server.close(), plain.close()]);
  });

  it("refuses a TLS stream with InvalidInput", async () => {
    const listener = await echoServer(certs.server);
    const stream = await runtime.tls.connect({
      hostname: "localhost",
      port: listener.localAddress.port,
      caCertificates: [certs.ca],
    });
    const error = await runtime.tls.upgrade(stream).catch((e: unknown) => e);
    expect(isIoError(error) && error.kind).toBe("InvalidInput");
    expect(() => stream.setNoDelay(true)).toThrow(expect.objectContaining({ kind: "Unsupported" }));
    await stream.close();
    await listener.close();
  });
});

describe("Deno TLS against openssl s_server", () => {
  let peer: OpensslServer | null = null;
  afterAll(() => peer?.stop());

  it("connects, verifies against the test CA, and round-trips bytes", async () => {
    peer = await startOpensslServer(runtime, certs, { alpn: "anyrt" });
    const stream = await runtime.tls.connect({
      hostname: "localhost",
      port: peer.port,
      caCertificates: [certs.ca],
      alpnProtocols: ["anyrt"],
    });
    expect(stream.tls.alpnProtocol).toBe("anyrt");
    await stream.write(encoder.encode("hello openssl\n"));
    await stream.shutdown();
    expect(await readAll(stream)).toBe("lssnepo olleh\n");
    await stream.close();
  });
});
