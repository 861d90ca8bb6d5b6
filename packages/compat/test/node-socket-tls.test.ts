// The socket bridge as tls.TLSSocket, over the runtime this test runs on (@anyrt/auto: Node, Deno or
// Bun) against a TLS server of the same runtime on 127.0.0.1, with the run's own test CA: TLS from
// the start, after a plaintext negotiation, upgraded in place (startTls, as pg calls it on
// Workers), what a driver reads afterwards, and each verification failure's kind and Node code.
import { once } from "node:events";
import { checkServerIdentity } from "node:tls";
import { runtime } from "@anyrt/auto";
import { createNodeSocket, type NodeSocket, type NodeSocketError } from "@anyrt/compat/node";
import * as nodeTls from "@anyrt/compat/node/tls";
import { makeTestCertificates } from "@anyrt/conformance";
import {
  type IoError,
  isIoError,
  readExact,
  type TcpListener,
  type TcpStream,
  type TlsListener,
  writeAll,
} from "@anyrt/core";
import { afterEach, describe, expect, it } from "vitest";
import { decoder, encoder, within } from "./support.ts";

const certificates = await makeTestCertificates();
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Echoes every byte of every connection back until its EOF. */
async function echo(listener: TcpListener | TlsListener): Promise<void> {
  for (;;) {
    const stream = await listener.accept().catch(() => null);
    if (stream === null) return;
    (async () => {
      const buf = new Uint8Array(16 * 1024);
      for (;;) {
        const n = await stream.read(buf);
        if (n === 0) break;
        await writeAll(stream, buf.subarray(0, n));
      }
      await stream.shutdown();
    })()
      .catch(() => {})
      .finally(() => stream.close().catch(() => {}));
  }
}

/** A TLS echo server with `identity`'s certificate; resolves to its port. */
async function tlsEcho(identity = certificates.server): Promise<number> {
  const listener = await runtime.tls.listen({ hostname: "127.0.0.1", port: 0, ...identity });
  cleanups.push(() => listener.close());
  echo(listener);
  return listener.localAddress.port;
}

/**
 * A STARTTLS front for a TLS echo server: it answers the plaintext line `STARTTLS\n` with `OK\n`,
 * then relays the connection's bytes to the TLS server unchanged, so the client's handshake is
 * with that server. Resolves to its port.
 */
async function starttlsEcho(): Promise<number> {
  const tlsPort = await tlsEcho();
  const front = await runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
  cleanups.push(() => front.close());
  (async () => {
    for (;;) {
      const client = await front.accept().catch(() => null);
      if (client === null) return;
      relay(client, tlsPort).catch(() => {});
    }
  })();
  return front.localAddress.port;
}

async function relay(client: TcpStream, port: number): Promise<void> {
  const line = new Uint8Array(9);
  await readExact(client, line);
  if (decoder.decode(line) !== "STARTTLS\n") throw new Error(`not a STARTTLS line: ${decoder.decode(line)}`);
  await writeAll(client, encoder.encode("OK\n"));
  const server = await runtime.tcp.connect({ hostname: "127.0.0.1", port });
  const pump = async (from: TcpStream, to: TcpStream) => {
    const buf = new Uint8Array(16 * 1024);
    for (;;) {
      const n = await from.read(buf);
      if (n === 0) break;
      await writeAll(to, buf.subarray(0, n));
    }
    await to.shutdown();
  };
  await Promise.allSettled([pump(client, server), pump(server, client)]);
  await Promise.all([client.close(), server.close()]);
}

/** Writes `text`, ends, and resolves to everything read back until the socket's end. */
async function roundTrip(socket: NodeSocket, text: string): Promise<string> {
  let received = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    received += chunk;
  });
  socket.end(text);
  await within(once(socket, "end"), 20_000, "end");
  return received;
}

/** The error `socket` is destroyed with. */
async function failure(socket: NodeSocket): Promise<NodeSocketError> {
  const [error] = (await within(once(socket, "error"), 20_000, "error")) as [NodeSocketError];
  return error;
}

const peerCertificates = runtime.supports("tls.peerCertificate");

describe("createNodeSocket over TLS", () => {
  it("with the tls option connects, verifies against the test CA and emits connect, ready, secureConnect", async () => {
    const port = await tlsEcho();
    const socket = createNodeSocket(runtime, { tls: { caCertificates: [certificates.ca] } });
    cleanups.push(() => socket.destroy());
    const events: string[] = [];
    for (const event of ["connect", "ready", "secureConnect"]) socket.on(event, () => events.push(event));
    expect(socket.encrypted).toBe(false);
    socket.connect(port, "localhost");
    await within(once(socket, "secureConnect"), 20_000, "secureConnect");
    expect(events).toEqual(["connect", "ready", "secureConnect"]);
    expect(socket.encrypted).toBe(true);
    expect(socket.authorized).toBe(true);
    expect(socket.authorizationError).toBeUndefined();
    expect(socket.alpnProtocol).toBe(false);
    expect(socket.isSessionReused()).toBe(false);
    const protocol = socket.getProtocol();
    expect(protocol === null || /^TLSv1\.[23]$/.test(protocol)).toBe(true);
    const certificate = socket.getPeerCertificate();
    if (peerCertificates) {
      expect(certificate).toMatchObject({ subject: { CN: "localhost" }, issuer: { CN: "anyrt test CA" } });
      expect(certificate.subjectaltname).toContain("IP Address:127.0.0.1");
      expect(certificate.valid_from).toMatch(/^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT$/);
      // What drivers do with it: Node's own identity check reads this shape.
      expect(checkServerIdentity("localhost", certificate as never)).toBeUndefined();
      expect(checkServerIdentity("wrong.invalid", certificate as never)?.message).toMatch(/wrong\.invalid/);
    } else {
      expect(certificate).toEqual({});
    }
    expect(await roundTrip(socket, "over tls")).toBe("over tls");
  });

  it("with tls.negotiate runs the plaintext exchange first, then the handshake, before connect", async () => {
    const port = await starttlsEcho();
    let negotiated = false;
    const socket = createNodeSocket(runtime, {
      tls: {
        caCertificates: [certificates.ca],
        serverName: "localhost",
        negotiate: async (stream) => {
          await writeAll(stream, encoder.encode("STARTTLS\n"));
          const answer = new Uint8Array(3);
          await readExact(stream, answer);
          negotiated = decoder.decode(answer) === "OK\n";
        },
      },
    }).connect(port, "127.0.0.1");
    cleanups.push(() => socket.destroy());
    // Written before 'connect': held until the handshake succeeded, so it goes out encrypted.
    socket.write("early ");
    await within(once(socket, "connect"), 20_000, "connect");
    expect(negotiated).toBe(true);
    expect(socket.encrypted).toBe(true);
    expect(await roundTrip(socket, "and late")).toBe("early and late");
  });

  it("startTls upgrades an open connection in place; writes made during the handshake follow it", async () => {
    const port = await starttlsEcho();
    const socket = createNodeSocket(runtime, { upgradable: true }).connect(port, "127.0.0.1");
    cleanups.push(() => socket.destroy());
    await within(once(socket, "connect"), 20_000, "connect");
    socket.write("STARTTLS\n");
    const [answer] = (await within(once(socket, "data"), 20_000, "OK")) as [Buffer];
    expect(answer.toString()).toBe("OK\n");
    // As pg does on Workers: tls.connect's options, then writing at once on the same socket.
    expect(socket.startTls({ ca: certificates.ca, host: "127.0.0.1", servername: "localhost" })).toBe(socket);
    expect(() => socket.startTls({})).toThrow(/TLS already/);
    socket.write("sent while ");
    const secured = once(socket, "secureConnect");
    expect(await roundTrip(socket, "handshaking")).toBe("sent while handshaking");
    await secured;
    expect(socket.encrypted).toBe(true);
    expect(socket.authorized).toBe(true);
  });

  it("startTls refuses at once what it cannot honour, and a socket not made upgradable", async () => {
    const plain = createNodeSocket(runtime);
    cleanups.push(() => plain.destroy());
    expect(() => plain.startTls({})).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    const socket = createNodeSocket(runtime, { upgradable: true });
    cleanups.push(() => socket.destroy());
    expect(() => socket.startTls({ pfx: "x" } as never)).toThrow(expect.objectContaining({ kind: "Unsupported" }));
    expect(() => socket.startTls({ ca: 5 } as never)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    expect(() => socket.startTls({ ca: "not a certificate" })).toThrow(
      expect.objectContaining({ kind: "InvalidInput" }),
    );
    expect(() => createNodeSocket(runtime, { tls: { caCertificates: ["not a certificate"] } })).toThrow(
      expect.objectContaining({ kind: "InvalidInput" }),
    );
    expect(() => socket.startTls({ cert: "x" })).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    expect(() => socket.startTls({ rejectUnauthorized: "no" } as never)).toThrow(
      expect.objectContaining({ kind: "InvalidInput" }),
    );
    expect(() => createNodeSocket(runtime, { tls: { negotiate: 1 } as never })).toThrow(
      expect.objectContaining({ kind: "InvalidInput" }),
    );
  });

  const failures: [string, () => Promise<NodeSocket>, IoError["kind"], string][] = [
    [
      "a certificate for another name",
      async () =>
        createNodeSocket(runtime, { tls: { caCertificates: [certificates.ca], serverName: "other.invalid" } }).connect(
          await tlsEcho(),
          "127.0.0.1",
        ),
      "CertificateNameMismatch",
      "ERR_TLS_CERT_ALTNAME_INVALID",
    ],
    [
      "a CA that is not trusted",
      async () =>
        createNodeSocket(runtime, { tls: { caCertificates: [certificates.otherCa] } }).connect(
          await tlsEcho(),
          "localhost",
        ),
      "UntrustedCertificate",
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    ],
    [
      "an expired certificate",
      async () =>
        createNodeSocket(runtime, { tls: { caCertificates: [certificates.ca] } }).connect(
          await tlsEcho(certificates.expired),
          "localhost",
        ),
      "ExpiredCertificate",
      "CERT_HAS_EXPIRED",
    ],
  ];
  for (const [what, open, kind, code] of failures) {
    it(`refuses ${what}: an IoError of kind ${kind} with Node's code ${code}, never a connect`, async () => {
      const socket = await open();
      cleanups.push(() => socket.destroy());
      let connected = false;
      socket.on("connect", () => {
        connected = true;
      });
      const error = await failure(socket);
      expect(isIoError(error, kind)).toBe(true);
      expect(error.code).toBe(code);
      expect(error.syscall).toBe("connect");
      expect(connected).toBe(false);
    });
  }

  it("startTls against a certificate for another name destroys the socket with the kind and code", async () => {
    const port = await starttlsEcho();
    const socket = createNodeSocket(runtime, { upgradable: true }).connect(port, "127.0.0.1");
    cleanups.push(() => socket.destroy());
    await within(once(socket, "connect"), 20_000, "connect");
    socket.write("STARTTLS\n");
    await within(once(socket, "data"), 20_000, "OK");
    socket.startTls({ ca: certificates.ca, servername: "other.invalid" });
    const error = await failure(socket);
    expect(isIoError(error, "CertificateNameMismatch")).toBe(true);
    expect(error).toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID", syscall: "startTls" });
    expect(socket.encrypted).toBe(false);
  });
});

describe("@anyrt/compat/node/tls, the stand-in for node:tls", () => {
  it("connect({ socket, secureContext }) upgrades a bridge socket in place, as mysql2 calls it", async () => {
    const port = await starttlsEcho();
    const socket = createNodeSocket(runtime, { upgradable: true }).connect(port, "127.0.0.1");
    cleanups.push(() => socket.destroy());
    await within(once(socket, "connect"), 20_000, "connect");
    socket.write("STARTTLS\n");
    await within(once(socket, "data"), 20_000, "OK");
    let secured = false;
    const secure = nodeTls.connect(
      { socket, secureContext: nodeTls.createSecureContext({ ca: certificates.ca }), servername: "localhost" },
      () => {
        secured = true;
      },
    );
    expect(secure).toBe(socket);
    expect(await roundTrip(secure, "through the stand-in")).toBe("through the stand-in");
    expect(secured).toBe(true);
    expect(secure.encrypted).toBe(true);
  });

  it("refuses what it cannot upgrade: no bridge socket, or a secure context it did not make", () => {
    expect(() => nodeTls.connect({ port: 1 } as never)).toThrow(expect.objectContaining({ kind: "Unsupported" }));
    const socket = createNodeSocket(runtime, { upgradable: true });
    cleanups.push(() => socket.destroy());
    expect(() => nodeTls.connect({ socket, secureContext: { context: {} } })).toThrow(
      expect.objectContaining({ kind: "Unsupported" }),
    );
    expect(() => nodeTls.createSecureContext(null as never)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
  });

  it("checkServerIdentity matches DNS names (one-label wildcards), IP addresses and a CN without names", () => {
    const certificate = {
      subject: { CN: "db" },
      subjectaltname: "DNS:localhost, DNS:*.example.test, IP Address:127.0.0.1",
    };
    expect(nodeTls.checkServerIdentity("localhost", certificate)).toBeUndefined();
    expect(nodeTls.checkServerIdentity("db.example.test", certificate)).toBeUndefined();
    expect(nodeTls.checkServerIdentity("127.0.0.1", certificate)).toBeUndefined();
    expect(nodeTls.checkServerIdentity("a.b.example.test", certificate)).toMatchObject({
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
    });
    expect(nodeTls.checkServerIdentity("db", certificate)).toBeInstanceOf(Error);
    expect(nodeTls.checkServerIdentity("db", { subject: { CN: "db" } })).toBeUndefined();
    expect(nodeTls.checkServerIdentity("localhost", {})).toBeInstanceOf(Error);
  });
});
