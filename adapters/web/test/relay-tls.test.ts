// TLS opened by the relay on a page's behalf, on Node 24's global WebSocket through the relay
// hosted by @anyrt/node, to TLS servers on 127.0.0.1 presenting the suite's test certificates:
// what the relay announces, what the page's stream reports, how failures cross the wire, and
// every refusal of the threat model (decision 0005, the README's "TLS").

import {
  makeTestCertificates,
  type RuntimeTlsPeers,
  runtimeTlsPeers,
  STARTTLS_GO_AHEAD,
  STARTTLS_GREETING,
  type TestCertificates,
} from "@anyrt/conformance";
import { type IoError, isIoError, type Runtime, type TcpStream, type TlsListener, type TlsStream } from "@anyrt/core";
import { nodeRuntime } from "@anyrt/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebRuntime } from "../src/index.ts";
import { type RelayConnectionKind, serveWebSocketRelay, type WebSocketRelay } from "../src/relay/index.ts";
import { relayFeatures, webSocketTcp, webSocketTls } from "../src/websocket/index.ts";
import type { RelayFeatures } from "../src/websocket/protocol.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

let certificates: TestCertificates;
/** TLS echo servers: the valid certificate (ALPN anyrt/1), the expired one, the one for wrong.invalid. */
let servers: { valid: TlsListener; expired: TlsListener; wrongName: TlsListener };
const relays: WebSocketRelay[] = [];
const serving: Promise<void>[] = [];

/** Echoes every connection of `listener` until it closes. */
async function echoEach(listener: TlsListener): Promise<void> {
  try {
    for await (const stream of listener) {
      void (async () => {
        const buf = new Uint8Array(16 * 1024);
        try {
          for (;;) {
            const n = await stream.read(buf);
            if (n === 0) break;
            let offset = 0;
            while (offset < n) offset += await stream.write(buf.subarray(offset, n));
          }
          await stream.shutdown();
        } catch {
          // A client that went away.
        } finally {
          await stream.close();
        }
      })();
    }
  } catch {
    // The listener closed.
  }
}

async function tlsServer(certified: { certificate: string; key: string }): Promise<TlsListener> {
  const listener = await nodeRuntime.tls.listen({
    hostname: "127.0.0.1",
    port: 0,
    ...certified,
    alpnProtocols: ["anyrt/1"],
  });
  serving.push(echoEach(listener));
  return listener;
}

/** A relay on @anyrt/node with `options`, closed after the file. */
async function relayWith(options: Parameters<typeof serveWebSocketRelay>[1]): Promise<WebSocketRelay> {
  const relay = await serveWebSocketRelay(nodeRuntime, options);
  relays.push(relay);
  return relay;
}

beforeAll(async () => {
  certificates = await makeTestCertificates();
  servers = {
    valid: await tlsServer(certificates.server),
    expired: await tlsServer(certificates.expired),
    wrongName: await tlsServer(certificates.wrongName),
  };
});

afterAll(async () => {
  await Promise.all(relays.map((relay) => relay.close()));
  await Promise.all(Object.values(servers).map((listener) => listener.close()));
  await Promise.all(serving);
});

/** The page's runtime for `relay`, made as a page makes it: features first. */
async function pageRuntime(relay: WebSocketRelay): Promise<{ runtime: Runtime; features: RelayFeatures }> {
  const features = await relayFeatures({ relay: relay.url });
  return {
    runtime: createWebRuntime({ fs: false, relay: { relay: relay.url, transport: "websocket", features } }),
    features,
  };
}

async function roundTrip(stream: TlsStream, message: string): Promise<void> {
  const bytes = encoder.encode(message);
  let offset = 0;
  while (offset < bytes.length) offset += await stream.write(bytes.subarray(offset));
  const buf = new Uint8Array(bytes.length);
  let got = 0;
  while (got < buf.length) {
    const n = await stream.read(buf.subarray(got));
    expect(n).toBeGreaterThan(0);
    got += n;
  }
  expect(decoder.decode(buf)).toBe(message);
}

async function kindOf(promise: Promise<unknown>): Promise<string> {
  const outcome = await promise.then(
    async (value) => {
      await (value as { close?: () => Promise<void> } | null)?.close?.();
      return "resolved";
    },
    (error: unknown) => (isIoError(error) ? (error as IoError).kind : String(error)),
  );
  return outcome;
}

describe("a relay without the tls option", () => {
  it("announces no TLS, and the page's runtime declares none and refuses tls.connect with Unsupported", async () => {
    const relay = await relayWith({ port: 0 });
    const { runtime, features } = await pageRuntime(relay);
    expect(features.tls).toBe(null);
    expect(runtime.supports("tcp.connect")).toBe(true);
    expect(runtime.supports("tls.connect")).toBe(false);
    const refused = runtime.tls.connect({ hostname: "127.0.0.1", port: servers.valid.localAddress.port });
    expect(await kindOf(refused)).toBe("Unsupported");
  });

  it("refuses a TLS request crafted by hand with Unsupported, never opening plain TCP in its place", async () => {
    const relay = await relayWith({ port: 0 });
    // A page that claims the relay offers TLS: the relay still refuses.
    const claimed = { tls: { ...allOffered } };
    const tls = webSocketTls({ relay: relay.url, transport: "websocket", features: claimed });
    expect(await kindOf(tls.connect({ hostname: "127.0.0.1", port: servers.valid.localAddress.port }))).toBe(
      "Unsupported",
    );
  });
});

const allOffered = {
  upgrade: true,
  alpn: true,
  peerCertificate: true,
  halfClose: true,
  distinctFailures: true,
  perConnectionTrust: true,
  acceptInvalidCertificates: true,
};

describe("a relay with tls and the test CA in its own trust", () => {
  it("announces what it offers, and the page declares exactly that", async () => {
    const relay = await relayWith({ port: 0, tls: { caCertificates: [certificates.ca] } });
    const { runtime, features } = await pageRuntime(relay);
    expect(features.tls).toEqual({ ...allOffered, perConnectionTrust: false, acceptInvalidCertificates: false });
    for (const capability of [
      "tls.connect",
      "tls.upgrade",
      "tls.alpn",
      "tls.peerCertificate",
      "tls.halfClose",
      "tls.distinctFailures",
    ]) {
      expect(runtime.supports(capability as "tls.connect"), capability).toBe(true);
    }
    for (const capability of [
      "tls.listen",
      "tls.clientCertificates",
      "tls.perConnectionTrust",
      "tls.acceptInvalidCertificates",
    ]) {
      expect(runtime.supports(capability as "tls.connect"), capability).toBe(false);
    }
  });

  it("connects, verifies, and reports the version, the ALPN protocol and the server's certificate", async () => {
    const relay = await relayWith({ port: 0, tls: { caCertificates: [certificates.ca] } });
    const { runtime } = await pageRuntime(relay);
    const port = servers.valid.localAddress.port;
    await using stream = await runtime.tls.connect({ hostname: "127.0.0.1", port, alpnProtocols: ["h2", "anyrt/1"] });
    await roundTrip(stream, "through the relay's TLS");
    expect(stream.tls.protocol).toBe("TLSv1.3");
    expect(stream.tls.alpnProtocol).toBe("anyrt/1");
    const peer = stream.tls.peerCertificate;
    expect(peer?.subject).toBe("O=anyrt conformance, CN=localhost");
    expect(peer?.issuer).toBe("O=anyrt conformance, CN=anyrt test CA");
    expect(peer?.validFrom).toBeInstanceOf(Date);
    expect((peer?.validTo.getTime() ?? 0) - (peer?.validFrom.getTime() ?? 0)).toBe(25 * 3600_000);
    expect(peer?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(peer?.subjectAltNames).toEqual(["DNS:localhost", "IP:127.0.0.1", "IP:::1"]);
    expect(stream.remoteAddress.port).toBe(port);
    // shutdown() makes the relay send close_notify; the server answers with its own: EOF.
    await stream.shutdown();
    expect(await stream.read(new Uint8Array(8))).toBe(0);
  });

  it("maps each verification failure to its kind across the wire, never a connection error", async () => {
    const relay = await relayWith({ port: 0, tls: { caCertificates: [certificates.ca] } });
    const { runtime } = await pageRuntime(relay);
    const at = (listener: TlsListener) => ({ hostname: "127.0.0.1", port: listener.localAddress.port });
    expect(await kindOf(runtime.tls.connect(at(servers.expired)))).toBe("ExpiredCertificate");
    expect(await kindOf(runtime.tls.connect(at(servers.wrongName)))).toBe("CertificateNameMismatch");
    expect(await kindOf(runtime.tls.connect({ ...at(servers.valid), serverName: "wrong.invalid" }))).toBe(
      "CertificateNameMismatch",
    );
    expect(await kindOf(runtime.tls.connect({ ...at(servers.valid), alpnProtocols: ["h2"] }))).toBe("HandshakeFailed");
    // A plain TCP server answering in plaintext: not TLS.
    await using plain = await nodeRuntime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
    void (async () => {
      await using peer = await plain.accept();
      await peer.read(new Uint8Array(1024));
      await peer.write(encoder.encode("HTTP/1.1 400 Bad Request\r\n\r\n"));
      await peer.read(new Uint8Array(1024)).catch(() => 0);
    })();
    expect(await kindOf(runtime.tls.connect({ hostname: "127.0.0.1", port: plain.localAddress.port }))).toBe(
      "InvalidData",
    );
  });

  it("without the relay's CA, the server is untrusted: the relay's trust decides", async () => {
    const relay = await relayWith({ port: 0, tls: true });
    const { runtime } = await pageRuntime(relay);
    const refused = runtime.tls.connect({ hostname: "127.0.0.1", port: servers.valid.localAddress.port });
    expect(await kindOf(refused)).toBe("UntrustedCertificate");
  });
});

describe("what the relay refuses a page", () => {
  it("refuses page-supplied CAs with PermissionDenied unless pageCertificates allows them", async () => {
    const strict = await relayWith({ port: 0, tls: true });
    // The page claims every feature: the relay decides, not the page's declaration.
    const tls = webSocketTls({ relay: strict.url, transport: "websocket", features: { tls: allOffered } });
    const port = servers.valid.localAddress.port;
    expect(await kindOf(tls.connect({ hostname: "127.0.0.1", port, caCertificates: [certificates.ca] }))).toBe(
      "PermissionDenied",
    );
    expect(
      await kindOf(
        tls.connect({ hostname: "127.0.0.1", port, caCertificates: [certificates.ca], systemCertificates: false }),
      ),
    ).toBe("PermissionDenied");
    const open = await relayWith({ port: 0, tls: { pageCertificates: true } });
    const { runtime, features } = await pageRuntime(open);
    expect(features.tls?.perConnectionTrust).toBe(true);
    expect(runtime.supports("tls.perConnectionTrust")).toBe(true);
    await using stream = await runtime.tls.connect({ hostname: "127.0.0.1", port, caCertificates: [certificates.ca] });
    await roundTrip(stream, "page CA");
    // The page's CA is for its own connection: another CA still leaves the server untrusted.
    expect(
      await kindOf(runtime.tls.connect({ hostname: "127.0.0.1", port, caCertificates: [certificates.otherCa] })),
    ).toBe("UntrustedCertificate");
  });

  it("refuses turning verification off with PermissionDenied unless the relay's dangerous option allows it", async () => {
    const strict = await relayWith({ port: 0, tls: { pageCertificates: true } });
    const tls = webSocketTls({ relay: strict.url, transport: "websocket", features: { tls: allOffered } });
    const expired = { hostname: "127.0.0.1", port: servers.expired.localAddress.port };
    expect(await kindOf(tls.connect({ ...expired, dangerouslyAcceptInvalidCertificates: true }))).toBe(
      "PermissionDenied",
    );
    // And the page's runtime does not even offer the option (core refuses it as Unsupported).
    const { runtime } = await pageRuntime(strict);
    expect(runtime.supports("tls.acceptInvalidCertificates")).toBe(false);
    expect(await kindOf(runtime.tls.connect({ ...expired, dangerouslyAcceptInvalidCertificates: true }))).toBe(
      "Unsupported",
    );
    const lax = await relayWith({ port: 0, tls: { dangerouslyLetPagesAcceptInvalidCertificates: true } });
    const { runtime: laxRuntime } = await pageRuntime(lax);
    expect(laxRuntime.supports("tls.acceptInvalidCertificates")).toBe(true);
    await using stream = await laxRuntime.tls.connect({ ...expired, dangerouslyAcceptInvalidCertificates: true });
    await roundTrip(stream, "unverified, as the relay allowed");
    // Without the page's option the relay still verifies (its store does not know the test CA).
    const valid = { hostname: "127.0.0.1", port: servers.valid.localAddress.port };
    expect(await kindOf(laxRuntime.tls.connect(valid))).toBe("UntrustedCertificate");
  });

  it("applies the destination policy to TLS connections, telling it the connection is TLS and its server name", async () => {
    const seen: { hostname: string; port: number; kind: RelayConnectionKind }[] = [];
    const port = servers.valid.localAddress.port;
    const relay = await relayWith({
      port: 0,
      tls: { caCertificates: [certificates.ca] },
      allow: (hostname, allowedPort, _user, kind) => {
        seen.push({ hostname, port: allowedPort, kind });
        return kind.serverName !== "forbidden.example";
      },
    });
    const { runtime } = await pageRuntime(relay);
    await using stream = await runtime.tls.connect({ hostname: "127.0.0.1", port, serverName: "localhost" });
    await roundTrip(stream, "allowed");
    expect(await kindOf(runtime.tls.connect({ hostname: "127.0.0.1", port, serverName: "Forbidden.Example" }))).toBe(
      "PermissionDenied",
    );
    const tcp = await runtime.tcp.connect({ hostname: "127.0.0.1", port });
    await tcp.close();
    expect(seen).toEqual([
      { hostname: "127.0.0.1", port, kind: { tls: true, serverName: "localhost" } },
      { hostname: "127.0.0.1", port, kind: { tls: true, serverName: "forbidden.example" } },
      { hostname: "127.0.0.1", port, kind: { tls: false, serverName: null } },
    ]);
    // The default policy (loopback only) holds for TLS as for TCP.
    const loopback = await relayWith({ port: 0, tls: true });
    const { runtime: other } = await pageRuntime(loopback);
    expect(await kindOf(other.tls.connect({ hostname: "192.0.2.1", port: 443 }))).toBe("PermissionDenied");
  });

  it("shows the authorization hook that a request is TLS, and its options in the URL", async () => {
    const requests: { tls: boolean; servername: string | null }[] = [];
    const relay = await relayWith({
      port: 0,
      tls: { caCertificates: [certificates.ca] },
      authorize: (request) => {
        requests.push({ tls: request.tls, servername: request.url.searchParams.get("servername") });
        return !request.tls;
      },
    });
    const tcp = webSocketTcp({ relay: relay.url, transport: "websocket" });
    const features = await relayFeatures({ relay: relay.url });
    expect(features.tls).not.toBe(null);
    const tls = webSocketTls({ relay: relay.url, transport: "websocket", features });
    const port = servers.valid.localAddress.port;
    // Refused by the hook (403): the relay cannot be used, as for any refused upgrade.
    expect(await kindOf(tls.connect({ hostname: "127.0.0.1", port, serverName: "localhost" }))).toBe(
      "ConnectionRefused",
    );
    const plain = await tcp.connect({ hostname: "127.0.0.1", port });
    await plain.close();
    expect(requests).toEqual([
      { tls: false, servername: null }, // the hello
      { tls: true, servername: "localhost" },
      { tls: false, servername: null },
    ]);
  });

  it("refuses malformed TLS requests with InvalidInput before the policy", async () => {
    let asked = 0;
    const relay = await relayWith({
      port: 0,
      tls: true,
      allow: () => {
        asked++;
        return true;
      },
    });
    const port = servers.valid.localAddress.port;
    for (const query of [
      `tls=2`,
      `tls=1&tls=1`,
      `servername=localhost`,
      `tls=1&servername=127.1`,
      `tls=1&servername=${"a".repeat(300)}`,
      `tls=1&alpn=`,
      `tls=1&ca=not-a-pem`,
      `tls=1&system=0`,
      `tls=1&insecure=yes`,
    ]) {
      const tcp = webSocketTcp({ relay: `${relay.url}?${query}`, transport: "websocket" });
      expect(await kindOf(tcp.connect({ hostname: "127.0.0.1", port })), query).toBe("InvalidInput");
    }
    expect(asked).toBe(0);
  });

  it("checks the tls option at once: a bad value, or a runtime without tls.connect, is InvalidInput", async () => {
    for (const tls of [
      "yes",
      { pageCertificates: "yes" },
      { dangerouslyLetPagesAcceptInvalidCertificates: false },
      { systemCertificates: false },
      { caCertificates: ["not a pem"] },
    ]) {
      const refused = serveWebSocketRelay(nodeRuntime, { port: 0, tls: tls as never });
      expect(await kindOf(refused), JSON.stringify(tls)).toBe("InvalidInput");
    }
    const noTls = createWebRuntime({ fs: false });
    const withoutTls = {
      ...nodeRuntime,
      supports: (capability: string) =>
        capability !== "tls.connect" && nodeRuntime.supports(capability as "tls.connect"),
      adapter: "no-tls",
    } as Runtime;
    expect(noTls.supports("tls.connect")).toBe(false);
    expect(await kindOf(serveWebSocketRelay(withoutTls, { port: 0, tls: true }))).toBe("InvalidInput");
  });
});

describe("the page's side", () => {
  it("refuses a connection the relay opened without reporting TLS (a relay that ignored tls=1)", async () => {
    // An older relay reads the TLS parameters as nothing and opens plain TCP: the page must not
    // hand that out as TLS.
    await using plain = await nodeRuntime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
    const relay = await relayWith({ port: 0 });
    const tls = webSocketTls({ relay: `${relay.url}`, transport: "websocket", features: { tls: allOffered } });
    // Strip the TLS parameters on the way, as a relay that ignores them would.
    const ignoring = webSocketTls({
      relay: relay.url,
      transport: "websocket",
      features: { tls: allOffered },
      WebSocket: class extends WebSocket {
        constructor(url: string, protocols?: string | string[]) {
          const stripped = new URL(url);
          for (const name of ["tls", "servername", "alpn", "ca", "system", "insecure"])
            stripped.searchParams.delete(name);
          super(stripped.href, protocols);
        }
      },
    });
    const accepted = plain.accept();
    expect(await kindOf(ignoring.connect({ hostname: "127.0.0.1", port: plain.localAddress.port }))).toBe(
      "Unsupported",
    );
    await (await accepted).close();
    expect(await kindOf(tls.connect({ hostname: "127.0.0.1", port: plain.localAddress.port }))).toBe("Unsupported");
  });

  it("asks an unreachable relay for its features: ConnectionRefused; a relay URL that is not ws: is InvalidInput", async () => {
    expect(await kindOf(relayFeatures({ relay: "ws://127.0.0.1:9/" }))).toBe("ConnectionRefused");
    expect(await kindOf(relayFeatures({ relay: "http://127.0.0.1:9/" }))).toBe("InvalidInput");
  });

  it("refuses a client certificate (its key would go to the relay) and listen with Unsupported, a stream of another relay with InvalidInput", async () => {
    const relay = await relayWith({ port: 0, tls: { caCertificates: [certificates.ca] } });
    const { runtime } = await pageRuntime(relay);
    const port = servers.valid.localAddress.port;
    expect(
      await kindOf(runtime.tls.connect({ hostname: "127.0.0.1", port, clientCertificate: certificates.client })),
    ).toBe("Unsupported");
    const tls = webSocketTls({ relay: relay.url, transport: "websocket", features: { tls: allOffered } });
    expect(await kindOf(tls.connect({ hostname: "127.0.0.1", port, clientCertificate: certificates.client }))).toBe(
      "Unsupported",
    );
    const other = await relayWith({ port: 0 });
    const foreign = await webSocketTcp({ relay: other.url, transport: "websocket" }).connect({
      hostname: "127.0.0.1",
      port,
    });
    expect(await kindOf(runtime.tls.upgrade(foreign))).toBe("InvalidInput");
    await foreign.close();
    expect(await kindOf(tls.listen({ port: 0, ...certificates.server }))).toBe("Unsupported");
  });
});

describe("STARTTLS through the relay", () => {
  /** The suite's STARTTLS peer (greeting, `STARTTLS`, go-ahead, then TLS echo) and its siblings. */
  let peers: RuntimeTlsPeers;
  beforeAll(() => {
    peers = runtimeTlsPeers(nodeRuntime, certificates);
  });
  afterAll(async () => {
    await peers.close();
  });

  /** Reads exactly `length` bytes (fewer at EOF) as text. */
  async function readText(stream: TcpStream, length: number): Promise<string> {
    const buf = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = await stream.read(buf.subarray(got));
      if (n === 0) break;
      got += n;
    }
    return decoder.decode(buf.subarray(0, got));
  }

  /** Connects to the STARTTLS peer, reads its greeting, asks for STARTTLS and reads the go-ahead. */
  async function negotiated(runtime: Runtime): Promise<TcpStream> {
    const plain = await runtime.tcp.connect(await peers.address("starttls"));
    expect(await readText(plain, STARTTLS_GREETING.length)).toBe(STARTTLS_GREETING);
    await plain.write(encoder.encode("STARTTLS\r\n"));
    expect(await readText(plain, STARTTLS_GO_AHEAD.length)).toBe(STARTTLS_GO_AHEAD);
    return plain;
  }

  it("upgrades in place after a plaintext exchange: the old stream is Closed, bytes round-trip, the outcome is reported", async () => {
    const relay = await relayWith({ port: 0, tls: { pageCertificates: true } });
    const { runtime } = await pageRuntime(relay);
    expect(runtime.supports("tls.upgrade")).toBe(true);
    const plain = await negotiated(runtime);
    const secure = await runtime.tls.upgrade(plain, { caCertificates: [certificates.ca], alpnProtocols: ["anyrt/1"] });
    expect(await kindOf(plain.read(new Uint8Array(8)))).toBe("Closed");
    expect(await kindOf(plain.write(encoder.encode("x")))).toBe("Closed");
    await plain.close();
    await roundTrip(secure, "upgraded through the relay");
    // More than the window: credit keeps flowing after the plain stream handed over.
    const big = new Uint8Array(6 * 1024 * 1024).map((_, i) => i % 251);
    const writing = (async () => {
      let offset = 0;
      while (offset < big.length) offset += await secure.write(big.subarray(offset));
    })();
    const back = new Uint8Array(big.length);
    let got = 0;
    while (got < back.length) got += await secure.read(back.subarray(got));
    await writing;
    expect(back).toEqual(big);
    expect(secure.tls.protocol).toBe("TLSv1.3");
    expect(secure.tls.alpnProtocol).toBe("anyrt/1");
    expect(secure.tls.peerCertificate?.subject).toBe("O=anyrt conformance, CN=localhost");
    expect(secure.remoteAddress.port).toBe(plain.remoteAddress.port);
    await secure.shutdown();
    expect(await secure.read(new Uint8Array(8))).toBe(0);
    await secure.close();
  });

  it("fails with InvalidData when plaintext was left unread, and with the TLS kind when verification fails", async () => {
    const relay = await relayWith({ port: 0, tls: { pageCertificates: true } });
    const { runtime } = await pageRuntime(relay);
    const early = await runtime.tcp.connect(await peers.address("starttls"));
    const firstLine = STARTTLS_GREETING.indexOf("\n") + 1;
    expect(await readText(early, firstLine)).toBe(STARTTLS_GREETING.slice(0, firstLine));
    await early.write(encoder.encode("STARTTLS\r\n"));
    expect(await kindOf(runtime.tls.upgrade(early, { caCertificates: [certificates.ca] }))).toBe("InvalidData");
    expect(await kindOf(early.read(new Uint8Array(8)))).toBe("Closed");
    const untrusted = await negotiated(runtime);
    expect(await kindOf(runtime.tls.upgrade(untrusted, { caCertificates: [certificates.otherCa] }))).toBe(
      "UntrustedCertificate",
    );
    const misnamed = await negotiated(runtime);
    expect(
      await kindOf(runtime.tls.upgrade(misnamed, { caCertificates: [certificates.ca], serverName: "wrong.invalid" })),
    ).toBe("CertificateNameMismatch");
  });

  it("refuses an upgrade while a read is pending with Busy, and the stream goes on", async () => {
    const relay = await relayWith({ port: 0, tls: { pageCertificates: true } });
    const { runtime } = await pageRuntime(relay);
    const plain = await runtime.tcp.connect(await peers.address("starttls"));
    const reading = plain.read(new Uint8Array(STARTTLS_GREETING.length));
    expect(await kindOf(runtime.tls.upgrade(plain, { caCertificates: [certificates.ca] }))).toBe("Busy");
    expect(await reading).toBeGreaterThan(0);
    await plain.close();
  });

  it("asks the destination policy again, as TLS with its server name, and applies the relay's trust rules", async () => {
    const kinds: RelayConnectionKind[] = [];
    const relay = await relayWith({
      port: 0,
      tls: true,
      allow: (_hostname, _port, _user, kind) => {
        kinds.push(kind);
        return kind.serverName !== "forbidden.example";
      },
    });
    const { runtime } = await pageRuntime(relay);
    const denied = await negotiated(runtime);
    expect(await kindOf(runtime.tls.upgrade(denied, { serverName: "forbidden.example" }))).toBe("PermissionDenied");
    const withPageCa = await negotiated(runtime);
    expect(await kindOf(runtime.tls.upgrade(withPageCa, { caCertificates: [certificates.ca] }))).toBe(
      "PermissionDenied",
    );
    const dangerous = webSocketTls({ relay: relay.url, transport: "websocket", features: { tls: allOffered } });
    const insecure = await negotiated(runtime);
    expect(await kindOf(dangerous.upgrade(insecure, { dangerouslyAcceptInvalidCertificates: true }))).toBe(
      "PermissionDenied",
    );
    // The relay's own trust has no test CA: the server is untrusted.
    const untrusted = await negotiated(runtime);
    expect(await kindOf(runtime.tls.upgrade(untrusted))).toBe("UntrustedCertificate");
    expect(kinds.filter((kind) => kind.tls)).toEqual([
      { tls: true, serverName: "forbidden.example" },
      { tls: true, serverName: "127.0.0.1" },
    ]);
  });

  it("a relay without tls refuses a hand-made starttls with Unsupported, and the page's runtime has no tls.upgrade", async () => {
    const relay = await relayWith({ port: 0 });
    const { runtime } = await pageRuntime(relay);
    expect(runtime.supports("tls.upgrade")).toBe(false);
    const plain = await negotiated(runtime);
    expect(await kindOf(runtime.tls.upgrade(plain))).toBe("Unsupported");
    const claimed = webSocketTls({ relay: relay.url, transport: "websocket", features: { tls: allOffered } });
    expect(await kindOf(claimed.upgrade(plain))).toBe("Unsupported");
    await plain.close();
  });
});
