/**
 * `tls/*`: TLS clients against the run's own test CA: the handshake and a round trip, verification
 * on by default and each failure with its kind, SNI, ALPN, a peer that does not speak TLS, STARTTLS
 * after a plaintext exchange, large transfers, cancel-safe reads, shutdown with close_notify,
 * mutual TLS and the peer's certificate. The peers are the runtime's own (`tls.listen`) or the
 * host's (`Fixture.tlsPeers`); the stream cases of the suite run again over a TLS pair in the
 * `:tls` target (`tlsPairTarget`).
 * @module
 */
import type { TcpStream, TlsConnectOptions, TlsStream } from "@anyrt/core";
import { bytesEqual, equal, ioErrorKind, ok, rejects, rejectsWithKind } from "../assert.ts";
import type { CaseContext, ConformanceCase } from "../case.ts";
import {
  PLAINTEXT_ANSWER,
  STARTTLS_GO_AHEAD,
  STARTTLS_GREETING,
  silentPeerCensus,
  type TlsPeerName,
  type TlsPeers,
} from "../fixtures/tls-peers.ts";
import { bytes, delay, pattern, readAll, readExactly, text, writeAll } from "./util.ts";

/** Connects to peer `name`, trusting the test CA unless `options` say otherwise; closed after the case. */
async function connect(
  ctx: CaseContext,
  name: TlsPeerName,
  options: Partial<TlsConnectOptions> = {},
): Promise<{ stream: TlsStream; peers: TlsPeers }> {
  const peers = await ctx.tlsPeers();
  const address = await peers.address(name);
  const stream = await ctx.runtime.tls.connect({ ...address, caCertificates: [peers.certificates.ca], ...options });
  ctx.defer(() => stream.close());
  return { stream, peers };
}

/** Connects to peer `name`, which must fail with `kind`; a connection that succeeded anyway is closed. */
async function refused(
  ctx: CaseContext,
  name: TlsPeerName,
  options: (peers: TlsPeers) => Partial<TlsConnectOptions>,
  kind: "UntrustedCertificate" | "CertificateNameMismatch" | "ExpiredCertificate" | "HandshakeFailed" | "InvalidData",
  what: string,
): Promise<void> {
  const peers = await ctx.tlsPeers();
  const address = await peers.address(name);
  const opening = ctx.runtime.tls.connect({ ...address, ...options(peers) });
  opening.then(
    (stream) => ctx.defer(() => stream.close()),
    () => {},
  );
  ioErrorKind(await rejects(opening, what), kind, what);
}

/** Writes `message` and reads it back from an echoing peer. */
async function roundTrip(stream: TlsStream, message: string): Promise<void> {
  await writeAll(stream, bytes(message));
  equal(text(await readExactly(stream, bytes(message).length)), message, "the echo");
}

/** A certificate's DER bytes from its PEM. */
function der(pem: string): Uint8Array {
  const base64 = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

/** SHA-256 of `data` as upper-case hex pairs joined with `:`. */
async function fingerprint(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data as BufferSource));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0").toUpperCase()).join(":");
}

/** Opens the STARTTLS peer and reads its whole greeting. */
async function starttls(ctx: CaseContext, peers: TlsPeers): Promise<TcpStream> {
  const plain = await ctx.runtime.tcp.connect(await peers.address("starttls"));
  ctx.defer(() => plain.close());
  equal(text(await readExactly(plain, STARTTLS_GREETING.length)), STARTTLS_GREETING, "the greeting");
  return plain;
}

/** A connect to the `silent` peer, whose handshake never completes; a connection made anyway is closed after the case. */
async function stalled(ctx: CaseContext, peers: TlsPeers, options: Partial<TlsConnectOptions>): Promise<TlsStream> {
  const address = await peers.address("silent");
  const opening = ctx.runtime.tls.connect({ ...address, caCertificates: [peers.certificates.ca], ...options });
  opening.then(
    (stream) => ctx.defer(() => stream.close()),
    () => {},
  );
  return opening;
}

/**
 * Fails unless the `silent` peer holds no connection open within 3 s: what a failed connect to it
 * opened was closed (the peer sees the FIN or the reset at once, the census a moment later).
 */
async function nothingLeftOpen(ctx: CaseContext, peers: TlsPeers, what: string): Promise<void> {
  const address = await peers.address("silent");
  const deadline = ctx.runtime.time.now() + 3000;
  let open = await silentPeerCensus(ctx.runtime, address);
  while (open > 0 && ctx.runtime.time.now() < deadline) {
    await ctx.runtime.time.sleep(50);
    open = await silentPeerCensus(ctx.runtime, address);
  }
  equal(open, 0, `connections ${what} left open at the silent peer`);
}

/** Fails unless every call on a stream taken over by an upgrade fails with `Closed` (and close resolves). */
async function takenOver(stream: TcpStream): Promise<void> {
  ioErrorKind(
    await rejects(stream.read(new Uint8Array(8)), "read of the old stream"),
    "Closed",
    "read of the old stream",
  );
  ioErrorKind(await rejects(stream.write(bytes("x")), "write of the old stream"), "Closed", "write of the old stream");
  await stream.close();
}

const peers = ["tls.connect", "tls.peers"] as const;

export const tlsCases: ConformanceCase[] = [
  {
    id: "tls/connect-round-trip",
    title:
      "tls.connect verifies the server against an added CA, and bytes round-trip; the handshake's outcome is readable",
    requires: [...peers],
    async run(ctx) {
      const { stream } = await connect(ctx, "echo");
      await roundTrip(stream, "hello over TLS");
      ok(
        stream.tls.protocol === null || /^TLSv1\.[23]$/.test(stream.tls.protocol),
        `tls.protocol is TLSv1.2, TLSv1.3 or null, got ${String(stream.tls.protocol)}`,
      );
      equal(stream.tls.alpnProtocol, null, "tls.alpnProtocol without ALPN offered");
      equal(stream.remoteAddress.hostname, "127.0.0.1", "remoteAddress.hostname");
    },
  },
  {
    id: "tls/verification-is-on-by-default",
    title: "without the test CA among the trusted ones, connecting fails with UntrustedCertificate",
    requires: [...peers, "tls.perConnectionTrust"],
    run: (ctx) => refused(ctx, "echo", () => ({}), "UntrustedCertificate", "connect trusting only the system's CAs"),
  },
  {
    id: "tls/untrusted-certificate-is-untrusted-certificate",
    title: "a certificate that does not chain to a trusted CA fails with UntrustedCertificate, not a connection error",
    requires: [...peers, "tls.perConnectionTrust"],
    run: (ctx) =>
      refused(
        ctx,
        "echo",
        // Another CA added to the system store: neither knows the run's CA. (Not the store
        // replaced: `systemCertificates: false` is an option Deno and workerd cannot honour.)
        (p) => ({ caCertificates: [p.certificates.otherCa] }),
        "UntrustedCertificate",
        "connect trusting another CA",
      ),
  },
  {
    id: "tls/wrong-name-is-certificate-name-mismatch",
    title: "a certificate for another name fails with CertificateNameMismatch",
    requires: [...peers, "tls.distinctFailures"],
    run: (ctx) =>
      refused(
        ctx,
        "wrongName",
        (p) => ({ caCertificates: [p.certificates.ca] }),
        "CertificateNameMismatch",
        "connect to a certificate for wrong.invalid",
      ),
  },
  {
    id: "tls/expired-certificate-is-expired-certificate",
    title: "an expired certificate fails with ExpiredCertificate",
    requires: [...peers, "tls.distinctFailures"],
    run: (ctx) =>
      refused(
        ctx,
        "expired",
        (p) => ({ caCertificates: [p.certificates.ca] }),
        "ExpiredCertificate",
        "connect to an expired certificate",
      ),
  },
  {
    id: "tls/server-name-is-the-name-verified",
    title: "serverName, not the host connected to, is the name the certificate must be valid for",
    requires: [...peers, "tls.distinctFailures"],
    async run(ctx) {
      const { stream } = await connect(ctx, "echo", { serverName: "localhost" });
      await roundTrip(stream, "localhost");
      const { stream: other } = await connect(ctx, "wrongName", { serverName: "wrong.invalid" });
      await roundTrip(other, "wrong.invalid");
      await refused(
        ctx,
        "echo",
        (p) => ({ caCertificates: [p.certificates.ca], serverName: "wrong.invalid" }),
        "CertificateNameMismatch",
        "connect to localhost's certificate with serverName wrong.invalid",
      );
    },
  },
  {
    id: "tls/dangerous-option-accepts-invalid-certificates",
    title:
      "dangerouslyAcceptInvalidCertificates: true connects to an expired, a wrongly named and an untrusted certificate",
    requires: [...peers, "tls.acceptInvalidCertificates"],
    async run(ctx) {
      for (const name of ["expired", "wrongName"] as const) {
        const { stream } = await connect(ctx, name, { dangerouslyAcceptInvalidCertificates: true });
        await roundTrip(stream, name);
      }
      const peers = await ctx.tlsPeers();
      const untrusted = await ctx.runtime.tls.connect({
        ...(await peers.address("echo")),
        dangerouslyAcceptInvalidCertificates: true,
      });
      ctx.defer(() => untrusted.close());
      await roundTrip(untrusted, "untrusted");
    },
  },
  {
    id: "tls/alpn-negotiates-a-protocol",
    title: "the server's choice among the offered ALPN protocols is tls.alpnProtocol; none offered, it is null",
    requires: [...peers, "tls.alpn"],
    async run(ctx) {
      const { stream } = await connect(ctx, "echo", { alpnProtocols: ["h2", "anyrt/1"] });
      equal(stream.tls.alpnProtocol, "anyrt/1", "tls.alpnProtocol with h2 and anyrt/1 offered");
      await roundTrip(stream, "alpn");
      const { stream: plain } = await connect(ctx, "echo");
      equal(plain.tls.alpnProtocol, null, "tls.alpnProtocol with none offered");
    },
  },
  {
    id: "tls/alpn-without-a-shared-protocol-is-handshake-failed",
    title: "offering only ALPN protocols the server does not speak fails with HandshakeFailed",
    requires: [...peers, "tls.alpn"],
    run: (ctx) =>
      refused(
        ctx,
        "echo",
        (p) => ({ caCertificates: [p.certificates.ca], alpnProtocols: ["h2"] }),
        "HandshakeFailed",
        "connect offering only h2",
      ),
  },
  {
    id: "tls/plaintext-peer-is-invalid-data",
    title: "a peer that answers the handshake in plaintext fails it with InvalidData",
    requires: [...peers, "tls.distinctFailures"],
    run: (ctx) =>
      refused(
        ctx,
        "plaintext",
        (p) => ({ caCertificates: [p.certificates.ca] }),
        "InvalidData",
        `connect to a server answering ${JSON.stringify(PLAINTEXT_ANSWER.slice(0, 24))}`,
      ),
  },
  {
    id: "tls/connect-aborted-signal-rejects",
    title: "tls.connect with an aborted signal rejects with the signal's reason",
    requires: [...peers],
    async run(ctx) {
      const peers = await ctx.tlsPeers();
      const address = await peers.address("echo");
      const controller = new AbortController();
      const reason = new Error("stop");
      controller.abort(reason);
      const opening = ctx.runtime.tls.connect({
        ...address,
        caCertificates: [peers.certificates.ca],
        signal: controller.signal,
      });
      opening.then(
        (stream) => ctx.defer(() => stream.close()),
        () => {},
      );
      equal(await rejects(opening, "connect with an aborted signal"), reason, "the rejection");
    },
  },
  {
    id: "tls/connect-timeout-covers-the-handshake",
    title:
      "tls.connect with timeoutMs to a peer that never answers the hello fails TimedOut after timeoutMs, not before",
    requires: [...peers],
    async run(ctx) {
      const peers = await ctx.tlsPeers();
      const started = ctx.runtime.time.now();
      await rejectsWithKind(stalled(ctx, peers, { timeoutMs: 400 }), "TimedOut", "connect to a silent peer");
      const elapsed = ctx.runtime.time.now() - started;
      ok(elapsed >= 350, `failed after ${Math.round(elapsed)} ms, before the 400 ms timeout`);
      ok(elapsed < 5000, `failed after ${Math.round(elapsed)} ms, long after the 400 ms timeout`);
    },
  },
  {
    id: "tls/connect-aborted-mid-handshake-rejects",
    title: "tls.connect aborted while its handshake waits for the peer rejects with the signal's reason at once",
    requires: [...peers],
    async run(ctx) {
      const peers = await ctx.tlsPeers();
      const controller = new AbortController();
      const reason = new Error("stop");
      const opening = stalled(ctx, peers, { signal: controller.signal });
      // Long enough for the TCP connection to open and the hello to go out on every runtime.
      await ctx.runtime.time.sleep(300);
      const aborted = ctx.runtime.time.now();
      controller.abort(reason);
      equal(await rejects(opening, "connect aborted mid-handshake"), reason, "the rejection");
      const elapsed = ctx.runtime.time.now() - aborted;
      ok(elapsed < 2000, `rejected ${Math.round(elapsed)} ms after the abort`);
    },
  },
  {
    id: "tls/cancelled-handshake-leaves-nothing-open",
    title: "a tls.connect past its timeoutMs or aborted mid-handshake closes its connection",
    requires: [...peers, "tls.cancelHandshake"],
    async run(ctx) {
      const peers = await ctx.tlsPeers();
      await rejectsWithKind(stalled(ctx, peers, { timeoutMs: 300 }), "TimedOut", "connect to a silent peer");
      await nothingLeftOpen(ctx, peers, "by the timed-out connect");
      const controller = new AbortController();
      const opening = stalled(ctx, peers, { signal: controller.signal });
      await ctx.runtime.time.sleep(300);
      controller.abort(new Error("stop"));
      await rejects(opening, "connect aborted mid-handshake");
      await nothingLeftOpen(ctx, peers, "by the aborted connect");
    },
  },
  {
    id: "tls/connect-by-name-verifies-the-name-through-happy-eyeballs",
    title:
      "tls.connect by host name resolves it with happyEyeballs.lookup and verifies the name, not the address connected to",
    requires: [...peers],
    async run(ctx) {
      const peers = await ctx.tlsPeers();
      const { port } = await peers.address("wrongName");
      const looked: string[] = [];
      // The wrongName peer's certificate is valid for wrong.invalid only, not for 127.0.0.1.
      const stream = await ctx.runtime.tls.connect({
        hostname: "wrong.invalid",
        port,
        caCertificates: [peers.certificates.ca],
        happyEyeballs: {
          lookup: async (name) => {
            looked.push(name);
            return [{ address: "127.0.0.1", family: 4 }];
          },
        },
      });
      ctx.defer(() => stream.close());
      equal(looked.join(","), "wrong.invalid", "the names looked up");
      equal(stream.remoteAddress.hostname, "127.0.0.1", "the address connected to");
      await roundTrip(stream, "by name");
    },
  },
  {
    id: "tls/large-transfer-round-trips",
    title: "16 MiB written while the reader lags behind come back whole and in order",
    requires: [...peers],
    async run(ctx) {
      const { stream } = await connect(ctx, "echo");
      const data = pattern(16 * 1024 * 1024, 5);
      const writing = writeAll(stream, data);
      // The reader starts late, so the writer meets backpressure first.
      await delay(50);
      const echoed = await readExactly(stream, data.length);
      await writing;
      bytesEqual(echoed, data, "the echoed bytes");
    },
  },
  {
    id: "tls/read-is-cancel-safe",
    title: "an aborted read over TLS loses nothing: the bytes that come later are read whole",
    requires: [...peers],
    async run(ctx) {
      const { stream } = await connect(ctx, "echo");
      const controller = new AbortController();
      const reading = stream.read(new Uint8Array(64), { signal: controller.signal });
      await delay(10);
      controller.abort();
      await rejects(reading, "the aborted read");
      await roundTrip(stream, "after the abort");
    },
  },
  {
    id: "tls/shutdown-sends-close-notify-and-reading-goes-on",
    title:
      "shutdown() ends the writing side with close_notify; the peer reads EOF, answers, and the answer and its EOF are read",
    requires: [...peers, "tls.halfClose"],
    async run(ctx) {
      const { stream } = await connect(ctx, "echo");
      await writeAll(stream, bytes("half"));
      await stream.shutdown();
      ioErrorKind(
        await rejects(stream.write(bytes("x")), "write after shutdown"),
        "BrokenPipe",
        "write after shutdown",
      );
      equal(text(await readAll(stream)), "half", "the echo, then EOF (the peer's close_notify)");
    },
  },
  {
    id: "tls/upgrade-after-plaintext-exchange",
    title:
      "STARTTLS: after a plaintext exchange, tls.upgrade verifies the server (by the remote address by default), the old stream is Closed, and bytes round-trip",
    requires: [...peers, "tls.upgrade", "tcp.connect"],
    async run(ctx) {
      const peers = await ctx.tlsPeers();
      const plain = await starttls(ctx, peers);
      await writeAll(plain, bytes("STARTTLS\r\n"));
      equal(text(await readExactly(plain, STARTTLS_GO_AHEAD.length)), STARTTLS_GO_AHEAD, "the go-ahead");
      const secure = await ctx.runtime.tls.upgrade(plain, { caCertificates: [peers.certificates.ca] });
      ctx.defer(() => secure.close());
      await takenOver(plain);
      await roundTrip(secure, "upgraded");
      equal(secure.remoteAddress.port, plain.remoteAddress.port, "the upgraded stream's remote port");
    },
  },
  {
    id: "tls/upgrade-with-unread-plaintext-is-invalid-data",
    title:
      "plaintext the caller never read is not dropped: it is the start of the TLS stream, so the upgrade fails with InvalidData and the stream is closed",
    requires: [...peers, "tls.upgrade", "tcp.connect"],
    async run(ctx) {
      const peers = await ctx.tlsPeers();
      const plain = await ctx.runtime.tcp.connect(await peers.address("starttls"));
      ctx.defer(() => plain.close());
      const firstLine = STARTTLS_GREETING.indexOf("\n") + 1;
      equal(
        text(await readExactly(plain, firstLine)),
        STARTTLS_GREETING.slice(0, firstLine),
        "the greeting's first line",
      );
      await writeAll(plain, bytes("STARTTLS\r\n"));
      const upgrading = ctx.runtime.tls.upgrade(plain, { caCertificates: [peers.certificates.ca] });
      upgrading.then(
        (stream) => ctx.defer(() => stream.close()),
        () => {},
      );
      ioErrorKind(
        await rejects(upgrading, "upgrade with unread plaintext"),
        "InvalidData",
        "upgrade with unread plaintext",
      );
      ioErrorKind(
        await rejects(plain.read(new Uint8Array(8)), "read after the failed upgrade"),
        "Closed",
        "read after the failed upgrade",
      );
    },
  },
  {
    id: "tls/upgrade-while-reading-is-busy",
    title: "tls.upgrade of a stream with a read pending rejects with Busy, and the stream goes on as it was",
    requires: ["tls.upgrade", "tcp.pair"],
    async run(ctx) {
      const { a, b } = await ctx.tcpPair();
      const reading = a.read(new Uint8Array(8));
      ioErrorKind(await rejects(ctx.runtime.tls.upgrade(a), "upgrade while reading"), "Busy", "upgrade while reading");
      await writeAll(b, bytes("k"));
      equal(await reading, 1, "the pending read");
      await writeAll(a, bytes("still"));
      equal(text(await readExactly(b, 5)), "still", "a write after the refused upgrade");
    },
  },
  {
    id: "tls/mutual-tls-presents-the-client-certificate",
    title: "with clientCertificate, a server that requires one accepts the client and sees its certificate",
    requires: [...peers, "tls.clientCertificates"],
    async run(ctx) {
      const peers = await ctx.tlsPeers();
      const { stream } = await connect(ctx, "mutual", { clientCertificate: peers.certificates.client });
      const expected = "O=anyrt conformance, CN=anyrt test client\n";
      const seen = text(await readExactly(stream, expected.length));
      ok(seen === expected || seen.startsWith("-"), `the subject the server saw: ${JSON.stringify(seen)}`);
      await roundTrip(stream, "mutual");
    },
  },
  {
    id: "tls/mutual-tls-without-a-certificate-is-handshake-failed",
    title:
      "without a client certificate, a server that requires one refuses: the connect or the first read fails with HandshakeFailed",
    requires: [...peers, "tls.clientCertificates"],
    async run(ctx) {
      const peers = await ctx.tlsPeers();
      const address = await peers.address("mutual");
      const outcome = await ctx.runtime.tls.connect({ ...address, caCertificates: [peers.certificates.ca] }).then(
        async (stream) => {
          ctx.defer(() => stream.close());
          // TLS 1.3 completes the client's handshake before the server checks: its alert comes next.
          return rejects(readAll(stream), "the first read without a client certificate");
        },
        (error: unknown) => error,
      );
      ioErrorKind(outcome, "HandshakeFailed", "connect without a client certificate");
    },
  },
  {
    id: "tls/peer-certificate-describes-the-server",
    title:
      "tls.peerCertificate has the server certificate's subject, issuer, validity, SHA-256 fingerprint and alternative names",
    requires: [...peers, "tls.peerCertificate"],
    async run(ctx) {
      const { stream, peers } = await connect(ctx, "echo");
      const peer = stream.tls.peerCertificate;
      ok(peer !== null, "tls.peerCertificate is reported");
      equal(peer.subject, "O=anyrt conformance, CN=localhost", "subject");
      equal(peer.issuer, "O=anyrt conformance, CN=anyrt test CA", "issuer");
      const now = Date.now();
      ok(
        peer.validFrom instanceof Date && peer.validFrom.getTime() < now,
        `validFrom ${String(peer.validFrom)} is past`,
      );
      ok(peer.validTo instanceof Date && peer.validTo.getTime() > now, `validTo ${String(peer.validTo)} is ahead`);
      equal(peer.validTo.getTime() - peer.validFrom.getTime(), 25 * 3600_000, "validity (an hour ago to a day ahead)");
      equal(peer.fingerprint256, await fingerprint(der(peers.certificates.server)), "fingerprint256");
      equal(peer.subjectAltNames.join(", "), "DNS:localhost, IP:127.0.0.1, IP:::1", "subjectAltNames");
    },
  },
  {
    id: "tls/peer-certificate-is-null-without-the-capability",
    title: "without tls.peerCertificate, tls.peerCertificate is null (never a partial description)",
    requires: [...peers, "!tls.peerCertificate"],
    async run(ctx) {
      const { stream } = await connect(ctx, "echo");
      equal(stream.tls.peerCertificate, null, "tls.peerCertificate");
    },
  },
];
