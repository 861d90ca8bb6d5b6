// The Bun adapter's own TLS paths, beyond what the conformance suite checks: BoringSSL's codes and
// EPROTO reasons mapped to their kinds, what `upgrade` refuses (bytes nobody read, closing the stream, a TLS stream),
// the peer's certificate and mutual TLS on both sides, and a peer anyrt did not write
// (`openssl s_server`).
import { bunRuntime as runtime } from "@anyrt/bun";
import { makeTestCertificates, type TestCertificates } from "@anyrt/conformance";
import { isIoError, type TcpStream, type TlsStream } from "@anyrt/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpensslServer, startOpensslServer } from "../../../conformance-tests/test/openssl-server.ts";

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

/** A TLS echo server of this adapter; `accepted` collects its streams, so a test can look at them. */
async function echoServer(
  key: { certificate: string; key: string },
  extra: { alpnProtocols?: string[]; clientCertificates?: { caCertificates: string[] } } = {},
) {
  const listener = await runtime.tls.listen({ port: 0, certificate: key.certificate, key: key.key, ...extra });
  const accepted: TlsStream[] = [];
  void (async () => {
    for await (const stream of listener) {
      accepted.push(stream);
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
  return { listener, accepted };
}

const connectTo = (port: number, extra: object = {}) =>
  runtime.tls.connect({ hostname: "localhost", port, caCertificates: [certs.ca], ...extra });

describe("Bun TLS errors", () => {
  it.each([
    ["expired", "ExpiredCertificate"],
    ["wrongName", "CertificateNameMismatch"],
  ] as const)("a %s certificate is %s", async (which, kind) => {
    const { listener } = await echoServer(certs[which]);
    const error = await connectTo(listener.localAddress.port).catch((e: unknown) => e);
    expect(isIoError(error) && error.kind).toBe(kind);
    await listener.close();
  });

  it("a certificate from another CA is UntrustedCertificate", async () => {
    const { listener } = await echoServer(certs.server);
    const error = await connectTo(listener.localAddress.port, { caCertificates: [certs.otherCa] }).catch(
      (e: unknown) => e,
    );
    expect(isIoError(error) && error.kind).toBe("UntrustedCertificate");
    await listener.close();
  });

  it("no shared ALPN protocol is HandshakeFailed, a plaintext peer InvalidData", async () => {
    const { listener } = await echoServer(certs.server, { alpnProtocols: ["a"] });
    const error = await connectTo(listener.localAddress.port, { alpnProtocols: ["b"] }).catch((e: unknown) => e);
    expect(isIoError(error) && error.kind).toBe("HandshakeFailed");
    await listener.close();
    const plain = await runtime.tcp.listen({ port: 0 });
    void plain.accept().then((stream) => stream.write(encoder.encode("220 plaintext smtp ready\r\n")));
    const plainError = await connectTo(plain.localAddress.port).catch((e: unknown) => e);
    expect(isIoError(plainError) && plainError.kind).toBe("InvalidData");
    await plain.close();
  });

  it("dangerouslyAcceptInvalidCertificates accepts an expired certificate from an unknown CA", async () => {
    const { listener } = await echoServer(certs.expired);
    const stream = await connectTo(listener.localAddress.port, {
      caCertificates: [certs.otherCa],
      dangerouslyAcceptInvalidCertificates: true,
    });
    expect(stream.tls.peerCertificate?.validTo.getTime()).toBeLessThan(Date.now());
    await stream.close();
    await listener.close();
  });
});

describe("Bun TLS streams", () => {
  it("reports the version, ALPN and the server's certificate", async () => {
    const { listener } = await echoServer(certs.server, { alpnProtocols: ["x", "anyrt"] });
    const stream = await connectTo(listener.localAddress.port, { alpnProtocols: ["anyrt"] });
    expect(stream.tls.protocol).toBe("TLSv1.3");
    expect(stream.tls.alpnProtocol).toBe("anyrt");
    expect(stream.tls.peerCertificate?.subject).toBe("O=anyrt conformance, CN=localhost");
    expect(stream.tls.peerCertificate?.subjectAltNames).toEqual(["DNS:localhost", "IP:127.0.0.1", "IP:::1"]);
    await stream.write(encoder.encode("ping"));
    await stream.shutdown();
    expect(await readAll(stream)).toBe("ping");
    await stream.close();
    await listener.close();
  });

  it("describes the peer's certificate when first asked, even after both ends closed", async () => {
    const { listener, accepted } = await echoServer(certs.server, {
      clientCertificates: { caCertificates: [certs.ca] },
    });
    const stream = await connectTo(listener.localAddress.port, { clientCertificate: certs.client });
    await stream.write(encoder.encode("later"));
    await stream.shutdown();
    expect(await readAll(stream)).toBe("later");
    await stream.close();
    const server = accepted[0];
    await server?.close();
    // `tls` was not read before: the certificate is described from what the handshake kept.
    const info = stream.tls;
    expect(info.protocol).toBe("TLSv1.3");
    expect(info.peerCertificate?.subject).toBe("O=anyrt conformance, CN=localhost");
    expect(info.peerCertificate?.issuer).toBe("O=anyrt conformance, CN=anyrt test CA");
    expect(info.peerCertificate?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(info.peerCertificate?.subjectAltNames).toEqual(["DNS:localhost", "IP:127.0.0.1", "IP:::1"]);
    expect(Object.isFrozen(info)).toBe(true);
    expect(stream.tls).toBe(info);
    expect(server?.tls.peerCertificate?.subject).toBe("O=anyrt conformance, CN=anyrt test client");
    await listener.close();
  });

  it("a server with clientCertificates sees the client's certificate and refuses a client without one", async () => {
    const { listener, accepted } = await echoServer(certs.server, {
      clientCertificates: { caCertificates: [certs.ca] },
    });
    const stream = await connectTo(listener.localAddress.port, { clientCertificate: certs.client });
    await stream.write(encoder.encode("mutual"));
    await stream.shutdown();
    expect(await readAll(stream)).toBe("mutual");
    expect(accepted[0]?.tls.peerCertificate?.subject).toBe("O=anyrt conformance, CN=anyrt test client");
    await stream.close();
    // TLS 1.3: the client's handshake ends before the server checks it, so the refusal is read.
    const refused = await connectTo(listener.localAddress.port)
      .then((anonymous) => readAll(anonymous))
      .catch((e: unknown) => e);
    expect(isIoError(refused) && refused.kind).toBe("HandshakeFailed");
    expect(accepted).toHaveLength(1);
    await listener.close();
  });

  it("upgrade refuses unread bytes with InvalidData (closing the stream) and a TLS stream with InvalidInput", async () => {
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

    const { listener } = await echoServer(certs.server);
    const stream = await connectTo(listener.localAddress.port);
    const again = await runtime.tls.upgrade(stream).catch((e: unknown) => e);
    expect(isIoError(again) && again.kind).toBe("InvalidInput");
    await stream.close();
    await listener.close();
  });
});

describe("Bun TLS against openssl s_server", () => {
  let peer: OpensslServer | null = null;
  afterAll(() => peer?.stop());

  it("connects, verifies against the test CA, and round-trips bytes", async () => {
    peer = await startOpensslServer(runtime, certs, { alpn: "anyrt" });
    const stream = await connectTo(peer.port, { alpnProtocols: ["anyrt"] });
    expect(stream.tls.alpnProtocol).toBe("anyrt");
    expect(stream.tls.peerCertificate?.issuer).toBe("O=anyrt conformance, CN=anyrt test CA");
    await stream.write(encoder.encode("hello openssl\n"));
    await stream.shutdown();
    expect(await readAll(stream)).toBe("lssnepo olleh\n");
    await stream.close();
  });
});
