// The suite's test certificates, made with WebCrypto alone, as OpenSSL (Node's tls) sees them:
// well-formed X.509 v3, and each one failing verification the way it is meant to. Deno's rustls
// and Bun's BoringSSL were checked by hand the same way (see docs/decisions/0008-tls.md).
import { X509Certificate } from "node:crypto";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import * as tls from "node:tls";
import { describe, expect, it } from "vitest";
import { type CertifiedKey, makeTestCertificates } from "../src/fixtures/certificates.ts";

const certificates = makeTestCertificates();

/** Connects to a TLS server presenting `served`, trusting `trust`: "ok" or the error's code. */
async function handshake(served: CertifiedKey, trust: string, options: tls.ConnectionOptions = {}): Promise<string> {
  const server = tls.createServer({ cert: served.certificate, key: served.key }, (socket) => socket.end());
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  try {
    return await new Promise<string>((resolve) => {
      const socket = tls.connect(
        {
          host: "127.0.0.1",
          port: (server.address() as AddressInfo).port,
          servername: "localhost",
          ca: [trust],
          ...options,
        },
        () => {
          resolve("ok");
          socket.destroy();
        },
      );
      socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
    });
  } finally {
    server.close();
  }
}

describe("makeTestCertificates", () => {
  it("makes a CA and a server certificate it signed, for localhost and the loopback addresses", async () => {
    const { ca, server } = await certificates;
    const caCertificate = new X509Certificate(ca);
    const leaf = new X509Certificate(server.certificate);
    expect(caCertificate.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(caCertificate)).toBe(true);
    expect(leaf.verify(caCertificate.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
    expect(leaf.checkHost("localhost")).toBe("localhost");
    expect(leaf.checkIP("127.0.0.1")).toBe("127.0.0.1");
  });

  it("verifies the server certificate and refuses the expired, wrong-name and foreign-CA ones, each for its reason", async () => {
    const { ca, otherCa, server, expired, wrongName } = await certificates;
    expect(await handshake(server, ca)).toBe("ok");
    expect(await handshake(expired, ca)).toBe("CERT_HAS_EXPIRED");
    expect(await handshake(wrongName, ca)).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
    expect(["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN"]).toContain(
      await handshake(server, otherCa),
    );
  });

  it("makes a client certificate a server that asks for one accepts", async () => {
    const { ca, server, client } = await certificates;
    const mutual = tls.createServer({
      cert: server.certificate,
      key: server.key,
      ca: [ca],
      requestCert: true,
      rejectUnauthorized: true,
    });
    const authorized = once(mutual, "secureConnection").then(([socket]) => {
      const ok = (socket as tls.TLSSocket).authorized;
      (socket as tls.TLSSocket).end();
      return ok;
    });
    mutual.listen(0, "127.0.0.1");
    await once(mutual, "listening");
    const socket = tls.connect({
      host: "127.0.0.1",
      port: (mutual.address() as AddressInfo).port,
      servername: "localhost",
      ca: [ca],
      cert: client.certificate,
      key: client.key,
    });
    await once(socket, "secureConnect");
    expect(await authorized).toBe(true);
    socket.destroy();
    mutual.close();
  });
});
