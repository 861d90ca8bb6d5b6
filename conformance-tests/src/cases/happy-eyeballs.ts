/**
 * `happy-eyeballs/*`: `tcp.connect` by host name with Happy Eyeballs (RFC 8305), written once in
 * core: each case controls the addresses through the `happyEyeballs.lookup` option. A dead
 * address is a loopback socket whose backlog is full and that never accepts (a Perl child holds
 * it): connecting there hangs as to an unreachable host, so the live address must win within the
 * attempt delay, not after the system's connect timeout.
 * @module
 */
import type { DnsAddress, TcpListener } from "@anyrt/core";
import { equal, ok, rejects, rejectsWithKind } from "../assert.ts";
import type { CaseContext, ConformanceCase, Requirement } from "../case.ts";
import { bytes, readExactly, text, writeAll } from "./util.ts";

/**
 * Binds a stream socket on the address given as its argument, listens with a backlog of 0, fills
 * that backlog with one connection of its own, prints the port and waits for stdin to close.
 */
const BLACKHOLE = `
use strict; use Socket qw(:all);
my ($err, @res) = getaddrinfo($ARGV[0], 0, {socktype => SOCK_STREAM, flags => AI_NUMERICHOST});
die $err if $err;
my $ai = $res[0];
socket(my $s, $ai->{family}, SOCK_STREAM, 0) or die "socket: $!";
bind($s, $ai->{addr}) or die "bind: $!";
listen($s, 0) or die "listen: $!";
my $name = getsockname($s);
socket(my $c, $ai->{family}, SOCK_STREAM, 0) or die "socket: $!";
connect($c, $name) or die "connect: $!";
my ($port) = $ai->{family} == AF_INET6 ? (unpack_sockaddr_in6($name))[0] : (unpack_sockaddr_in($name))[0];
$| = 1; print "$port\\n";
<STDIN>;
`;

const requires: readonly Requirement[] = ["tcp.connect", "tcp.listen", "process"];

/** A dead address: `hostname` (a loopback literal) and the port of a socket that never accepts. */
async function deadAddress(ctx: CaseContext, hostname: string): Promise<number> {
  const child = await ctx.runtime.process.spawn({
    command: ctx.programs.perl,
    args: ["-e", BLACKHOLE, hostname],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  });
  ctx.defer(async () => {
    await child.stdin?.shutdown().catch(() => {});
    child.kill("SIGKILL");
    await child.status;
  });
  const stdout = child.stdout;
  ok(stdout !== null, "the child's stdout");
  let line = "";
  const buf = new Uint8Array(16);
  while (!line.includes("\n")) {
    const n = await stdout.read(buf);
    ok(n > 0, `${ctx.programs.perl} printed no port (is it installed?)`);
    line += new TextDecoder().decode(buf.subarray(0, n));
  }
  const port = Number(line.trim());
  ok(Number.isInteger(port) && port > 0, `a port, got ${JSON.stringify(line)}`);
  return port;
}

/** Listens on 127.0.0.1 at `port` (the dead address's, so that one connect names both). */
async function liveAt(ctx: CaseContext, port: number): Promise<TcpListener> {
  const listener = await ctx.runtime.tcp.listen({ hostname: "127.0.0.1", port });
  ctx.defer(() => listener.close());
  return listener;
}

/** A dead address on `::1` or `127.0.0.2` and a live listener on 127.0.0.1 at the same port. */
async function deadAndLive(ctx: CaseContext): Promise<{ dead: DnsAddress; port: number; listener: TcpListener }> {
  // ::1 first (the classic dead IPv6 route); hosts without IPv6 loopback get 127.0.0.2.
  for (const [address, family] of [
    ["::1", 6],
    ["127.0.0.2", 4],
  ] as const) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await deadAddress(ctx, address).catch(() => null);
      if (port === null) break;
      const listener = await liveAt(ctx, port).catch(() => null);
      if (listener !== null) return { dead: { address, family }, port, listener };
    }
  }
  throw new Error("could not hold a dead loopback address beside a live one");
}

const live: DnsAddress = { address: "127.0.0.1", family: 4 };

export const happyEyeballsCases: ConformanceCase[] = [
  {
    id: "happy-eyeballs/dead-first-connects-after-the-delay",
    title:
      "connect by name with a dead address first and a live one second connects to the live one one attempt delay later, not after the dead one's timeout",
    requires,
    async run(ctx) {
      const { dead, port, listener } = await deadAndLive(ctx);
      const lookup = async () => [dead, live];
      const started = ctx.runtime.time.now();
      const stream = await ctx.runtime.tcp.connect({
        hostname: "dead-first.anyrt.test",
        port,
        happyEyeballs: { attemptDelayMs: 250, lookup },
      });
      const elapsed = ctx.runtime.time.now() - started;
      ctx.defer(() => stream.close());
      equal(stream.remoteAddress.hostname, "127.0.0.1", "the connected address");
      ok(elapsed >= 200, `connected after ${Math.round(elapsed)} ms: the live address started before the delay`);
      ok(elapsed < 3000, `connected after ${Math.round(elapsed)} ms: not within the 250 ms attempt delay`);
      const server = await listener.accept();
      ctx.defer(() => server.close());
      await writeAll(stream, bytes("he"));
      equal(text(await readExactly(server, 2)), "he", "bytes over the winning connection");
    },
  },
  {
    id: "happy-eyeballs/refused-first-moves-on-at-once",
    title: "an attempt refused at once starts the next address without waiting out the attempt delay",
    requires: ["tcp.connect", "tcp.listen"],
    async run(ctx) {
      const listener = await ctx.runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
      ctx.defer(() => listener.close());
      const { port } = listener.localAddress;
      const refused: DnsAddress = { address: "127.0.0.2", family: 4 };
      const started = ctx.runtime.time.now();
      const stream = await ctx.runtime.tcp.connect({
        hostname: "refused-first.anyrt.test",
        port,
        happyEyeballs: { attemptDelayMs: 10_000, lookup: async () => [refused, live] },
      });
      ctx.defer(() => stream.close());
      const elapsed = ctx.runtime.time.now() - started;
      ok(elapsed < 5000, `connected after ${Math.round(elapsed)} ms: waited for the 10 s attempt delay`);
      equal(stream.remoteAddress.hostname, "127.0.0.1", "the connected address");
    },
  },
  {
    id: "happy-eyeballs/all-refused-first-error",
    title: "when every address refuses, connect fails with the first attempt's error (ConnectionRefused)",
    requires: ["tcp.connect", "tcp.closedPort"],
    async run(ctx) {
      const port = await ctx.closedPort();
      await rejectsWithKind(
        ctx.runtime.tcp.connect({
          hostname: "all-refused.anyrt.test",
          port,
          happyEyeballs: {
            lookup: async () => [
              { address: "127.0.0.1", family: 4 },
              { address: "127.0.0.1", family: 4 },
            ],
          },
        }),
        "ConnectionRefused",
        "connect when every address refuses",
      );
    },
  },
  {
    id: "happy-eyeballs/attempt-timeout-moves-on",
    title: "an attempt past attemptTimeoutMs fails TimedOut and the next address starts, before the attempt delay",
    requires,
    async run(ctx) {
      const { dead, port } = await deadAndLive(ctx);
      const started = ctx.runtime.time.now();
      const stream = await ctx.runtime.tcp.connect({
        hostname: "attempt-timeout.anyrt.test",
        port,
        happyEyeballs: { attemptDelayMs: 10_000, attemptTimeoutMs: 300, lookup: async () => [dead, live] },
      });
      ctx.defer(() => stream.close());
      const elapsed = ctx.runtime.time.now() - started;
      ok(elapsed >= 250, `connected after ${Math.round(elapsed)} ms, before the dead attempt's 300 ms timeout`);
      ok(elapsed < 5000, `connected after ${Math.round(elapsed)} ms, waiting for the 10 s attempt delay`);
      equal(stream.remoteAddress.hostname, "127.0.0.1", "the connected address");
    },
  },
  {
    id: "happy-eyeballs/overall-timeout",
    title: "connect with timeoutMs to dead addresses only fails with TimedOut after timeoutMs, not before",
    requires,
    async run(ctx) {
      const { dead, port } = await deadAndLive(ctx);
      const started = ctx.runtime.time.now();
      await rejectsWithKind(
        ctx.runtime.tcp.connect({
          hostname: "timeout.anyrt.test",
          port,
          timeoutMs: 400,
          happyEyeballs: { attemptDelayMs: 100, lookup: async () => [dead, dead] },
        }),
        "TimedOut",
        "connect to dead addresses",
      );
      const elapsed = ctx.runtime.time.now() - started;
      ok(elapsed >= 350, `failed after ${Math.round(elapsed)} ms, before the 400 ms timeout`);
      ok(elapsed < 5000, `failed after ${Math.round(elapsed)} ms, long after the 400 ms timeout`);
    },
  },
  {
    id: "happy-eyeballs/aborted",
    title: "connect by name aborted while its attempts hang rejects with the signal's reason, promptly",
    requires,
    async run(ctx) {
      const { dead, port } = await deadAndLive(ctx);
      const controller = new AbortController();
      const reason = new Error("stop");
      const connecting = ctx.runtime.tcp.connect({
        hostname: "aborted.anyrt.test",
        port,
        signal: controller.signal,
        happyEyeballs: { attemptDelayMs: 50, lookup: async () => [dead, dead] },
      });
      await ctx.runtime.time.sleep(150);
      controller.abort(reason);
      equal(await rejects(connecting, "aborted connect"), reason, "the rejection");
    },
  },
  {
    id: "happy-eyeballs/no-address-not-found",
    title: "connect by a name that resolves to no address fails with NotFound",
    requires: ["tcp.connect"],
    async run(ctx) {
      await rejectsWithKind(
        ctx.runtime.tcp.connect({ hostname: "nothing.anyrt.test", port: 9, happyEyeballs: { lookup: async () => [] } }),
        "NotFound",
        "connect to a name without addresses",
      );
    },
  },
  {
    id: "happy-eyeballs/localhost-through-dns-lookup",
    title: "connect to 'localhost' resolves it with runtime.dns.lookup and connects to a loopback listener",
    requires: ["tcp.connect", "tcp.listen", "dns.lookup"],
    async run(ctx) {
      const listener = await ctx.runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
      ctx.defer(() => listener.close());
      const addresses = await ctx.runtime.dns.lookup("localhost", { family: 4 });
      ok(addresses.length > 0, "localhost has an IPv4 address");
      const stream = await ctx.runtime.tcp.connect({ hostname: "localhost", port: listener.localAddress.port });
      ctx.defer(() => stream.close());
      equal(stream.remoteAddress.hostname, "127.0.0.1", "the connected address");
      const server = await listener.accept();
      ctx.defer(() => server.close());
    },
  },
];
