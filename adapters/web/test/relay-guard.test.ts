// Who may use the relay and what a hostile client can hold, over real sockets on 127.0.0.1: the
// Origin and Host checks (cross-site WebSocket hijacking, DNS rebinding), the authorization hook
// and its user reaching the destination policy, the strict reading of destinations, and the
// limits (handshake and idle timeouts, connections overall and per address, buffers before the
// handshake). Each attack that is refused here got through before: a 101, an open connection.
import { once } from "node:events";
import { type Socket, connect as tcpConnect } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { isIoError, type TcpListener } from "@anyrt/core";
import { nodeRuntime } from "@anyrt/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalHost } from "../src/relay/destination.ts";
import {
  loopbackOnly,
  type RelayRequest,
  relayConnection,
  serveWebSocketRelay,
  type WebSocketRelay,
  type WebSocketRelayOptions,
} from "../src/relay/index.ts";
import { Raw, upgradeRequest } from "./relay-raw.ts";

const decoder = new TextDecoder();

let relay: WebSocketRelay;
let listener: TcpListener;
let target: string;

beforeAll(async () => {
  relay = await serveWebSocketRelay(nodeRuntime, { port: 0, path: "/tcp" });
  listener = await nodeRuntime.tcp.listen({ port: 0 });
  target = `?host=127.0.0.1&port=${listener.localAddress.port}`;
});

afterAll(async () => {
  await listener.close();
  await relay.close();
});

/** Upgrades to `port` with `options`, and returns the status (closing the connection, and any TCP side). */
async function statusOf(port: number, options: Parameters<Raw["upgrade"]>[1], query = target): Promise<number> {
  const raw = await Raw.open(port);
  const { status } = await raw.upgrade(query, options);
  if (status === 101) {
    const server = await listener.accept();
    await server.close();
  }
  await raw.stream.close();
  return status;
}

/** A relay of its own for a test, closed with it. */
function ownRelay<User>(options: Omit<WebSocketRelayOptions<User>, "port">) {
  return serveWebSocketRelay<User>(nodeRuntime, { port: 0, path: "/tcp", ...options });
}

describe("the relay's Origin check", () => {
  it("refuses a page of another site with 403, before any upgrade (cross-site WebSocket hijacking)", async () => {
    const raw = await Raw.open(relay.localAddress.port);
    const response = await raw.upgrade(target, { origin: "https://evil.example" });
    expect(response.status).toBe(403);
    expect(response.head).not.toContain("Upgrade: websocket");
    expect(await raw.hungUp(5000)).toBe(true);
    await raw.stream.close();
  });

  it("lets pages served from loopback through by default, on any port and either scheme", async () => {
    for (const origin of [
      "http://localhost:5173",
      "http://127.0.0.1",
      "https://127.3.4.5:8443",
      "http://[::1]:3000",
      "http://LOCALHOST:1",
    ]) {
      expect(await statusOf(relay.localAddress.port, { origin }), origin).toBe(101);
    }
  });

  it("refuses by default what only looks like loopback, and opaque origins", async () => {
    for (const origin of [
      "http://127.0.0.999",
      "http://127.1",
      "http://0x7f.0.0.1",
      "http://localhost.evil.example",
      "http://127.0.0.1.evil.example",
      "http://sub.localhost",
      "ws://127.0.0.1",
      "file://",
      "null",
      "http://127.0.0.1/path",
      "http://127.0.0.1, https://evil.example",
    ]) {
      expect(await statusOf(relay.localAddress.port, { origin }), origin).toBe(403);
    }
  });

  it("refuses a second Origin header even when the first is allowed", async () => {
    const status = await statusOf(relay.localAddress.port, {
      origin: "http://localhost:1",
      headers: ["Origin: https://evil.example"],
    });
    expect(status).toBe(403);
  });

  it("lets a request without Origin through (not a browser page; authorize decides on those)", async () => {
    expect(await statusOf(relay.localAddress.port, {})).toBe(101);
  });

  it("with allowedOrigins, allows exactly those origins and predicates, and no longer loopback pages", async () => {
    await using own = await ownRelay({
      allowedOrigins: [
        "https://app.example.com:443",
        "http://localhost:8080",
        (origin) => origin.endsWith(".preview.example.org"),
        () => {
          throw new Error("a predicate that throws refuses");
        },
      ],
    });
    const port = own.localAddress.port;
    const cases: [string, number][] = [
      ["https://app.example.com", 101],
      ["https://APP.example.com", 101],
      ["http://localhost:8080", 101],
      ["https://pr-1.preview.example.org", 101],
      ["http://app.example.com", 403],
      ["https://app.example.com:8443", 403],
      ["http://localhost:8081", 403],
      ["http://127.0.0.1:8080", 403],
      ["https://evil.example", 403],
    ];
    for (const [origin, status] of cases) expect(await statusOf(port, { origin }), origin).toBe(status);
  });

  it("with a predicate alone, asks it, which is how an opaque origin can be allowed", async () => {
    await using own = await ownRelay({ allowedOrigins: (origin) => origin === "null" });
    expect(await statusOf(own.localAddress.port, { origin: "null" })).toBe(101);
    expect(await statusOf(own.localAddress.port, { origin: "http://localhost" })).toBe(403);
  });
});

describe("the relay's Host check", () => {
  it("refuses a name that is not the address the client reached, with 403 (DNS rebinding)", async () => {
    const port = relay.localAddress.port;
    for (const host of [
      `evil.example:${port}`,
      "evil.example",
      `127.0.0.2:${port}`,
      `127.1:${port}`,
      `[::1]:${port}`,
    ]) {
      const raw = await Raw.open(port);
      const response = await raw.upgrade(target, { host, origin: "http://localhost" });
      expect(response.status, host).toBe(403);
      await raw.stream.close();
    }
  });

  it("accepts the address reached, in any spelling, with or without a port, and localhost on loopback", async () => {
    const port = relay.localAddress.port;
    for (const host of [
      `127.0.0.1:${port}`,
      "127.0.0.1",
      `localhost:${port}`,
      "LocalHost",
      `[::ffff:127.0.0.1]:${port}`,
    ]) {
      expect(await statusOf(port, { host }), host).toBe(101);
    }
  });

  it("answers a missing, repeated or malformed Host with 400", async () => {
    const port = relay.localAddress.port;
    expect(await statusOf(port, { host: null })).toBe(400);
    expect(await statusOf(port, { headers: [`Host: 127.0.0.1:${port}`] })).toBe(400);
    for (const host of ["127.0.0.1:99999", "user@127.0.0.1", "127.0.0.1/x", ""]) {
      expect(await statusOf(port, { host }), host).toBe(400);
    }
  });

  it("with allowedHosts, allows exactly those names (and ports), and no longer the address itself", async () => {
    await using own = await ownRelay({
      allowedHosts: ["relay.example.com", "other.example.com:8443", (h) => h === "x.test"],
    });
    const port = own.localAddress.port;
    const cases: [string, number][] = [
      ["relay.example.com", 101],
      ["Relay.Example.com:9999", 101],
      ["other.example.com:8443", 101],
      ["other.example.com", 403],
      ["other.example.com:443", 403],
      ["x.test", 101],
      [`127.0.0.1:${port}`, 403],
    ];
    for (const [host, status] of cases) expect(await statusOf(port, { host }), host).toBe(status);
  });
});

describe("the relay's authorization hook", () => {
  it("sees the whole request, and its user reaches the destination policy", async () => {
    const seen: RelayRequest[] = [];
    const policyCalls: [string, number, { name: string }][] = [];
    await using own = await ownRelay({
      allowedOrigins: ["https://app.example.com"],
      authorize: async (request) => {
        seen.push(request);
        const token = request.url.searchParams.get("token") ?? request.headers.get("authorization");
        await nodeRuntime.time.sleep(1);
        if (token === "alice-token" || token === "Bearer alice-token") return { name: "alice" };
        if (request.headers.get("cookie")?.includes("session=bob")) return { name: "bob" };
        return null;
      },
      allow: (hostname, port, user) => {
        policyCalls.push([hostname, port, user]);
        return user.name === "alice" && loopbackOnly(hostname, port);
      },
    });
    const port = own.localAddress.port;
    const raw = await Raw.open(port);
    const response = await raw.upgrade(`${target}&token=alice-token`, {
      origin: "https://app.example.com",
      headers: ["Cookie: theme=dark", "X-Request-Id: 7"],
    });
    expect(response.status).toBe(101);
    const server = await listener.accept();
    expect(JSON.parse(decoder.decode((await raw.readFrame())?.payload)).type).toBe("open");
    const request = seen[0] as RelayRequest;
    expect(request.url.pathname).toBe("/tcp");
    expect(request.url.searchParams.get("port")).toBe(String(listener.localAddress.port));
    expect(request.url.host).toBe(`127.0.0.1:${port}`);
    expect(request.headers.get("cookie")).toBe("theme=dark");
    expect(request.headers.get("x-request-id")).toBe("7");
    expect(request.origin).toBe("https://app.example.com");
    expect(request.remoteAddress.hostname).toBe("127.0.0.1");
    expect(request.remoteAddress.port).toBe(raw.stream.localAddress.port);
    expect(request.localAddress.port).toBe(port);
    expect(request.signal.aborted).toBe(false);
    expect(policyCalls).toEqual([["127.0.0.1", listener.localAddress.port, { name: "alice" }]]);
    await raw.stream.close();
    await server.close();

    // Bob is authenticated (by cookie) but his policy refuses the destination.
    const bob = await Raw.open(port);
    expect(
      (await bob.upgrade(target, { origin: "https://app.example.com", headers: ["Cookie: session=bob"] })).status,
    ).toBe(101);
    const closing = await bob.closeFrame();
    expect([closing.code, closing.reason]).toEqual([4000, "PermissionDenied"]);
    await bob.stream.close();

    // The Authorization header works too; nobody at all gets 403.
    expect(
      await statusOf(port, { origin: "https://app.example.com", headers: ["Authorization: Bearer alice-token"] }),
    ).toBe(101);
    expect(await statusOf(port, { origin: "https://app.example.com" })).toBe(403);
    // The origin check comes first: the hook never sees another site's page.
    const before = seen.length;
    expect(await statusOf(port, { origin: "https://evil.example" }, `${target}&token=alice-token`)).toBe(403);
    expect(seen.length).toBe(before);
  });

  it("refuses with 403 when the hook throws, rejects, or resolves to false, null or undefined", async () => {
    const hooks: (() => unknown)[] = [
      () => {
        throw new Error("hook bug");
      },
      () => Promise.reject(new Error("database down")),
      () => false,
      () => null,
      () => undefined,
      async () => undefined,
    ];
    for (const hook of hooks) {
      await using own = await ownRelay({ authorize: hook as () => true });
      const raw = await Raw.open(own.localAddress.port);
      const response = await raw.upgrade(target);
      expect(response.status).toBe(403);
      expect(response.body).toBe("not authorized\n");
      await raw.stream.close();
    }
  });

  it("drops a client whose hook outlasts handshakeTimeoutMs, and aborts the hook's signal", async () => {
    let signal: AbortSignal | undefined;
    await using own = await ownRelay({
      handshakeTimeoutMs: 200,
      authorize: (request) => {
        signal = request.signal;
        return new Promise<true>(() => undefined);
      },
    });
    const raw = await Raw.open(own.localAddress.port);
    await raw.send(raw.request(target));
    expect(await raw.hungUp(10_000)).toBe(true);
    expect(signal?.aborted).toBe(true);
    await raw.stream.close();
  });
});

describe("the relay's reading of destinations", () => {
  it("refuses what only looks like a loopback address (InvalidInput) instead of asking DNS", async () => {
    for (const host of [
      "127.0.0.999",
      "127.1",
      "0x7f.0.0.1",
      "2130706433",
      "0177.0.0.1",
      "127.0.0.01",
      "0.0.0.0",
      "[::]",
      "fe80::1%25lo",
    ]) {
      const raw = await Raw.open(relay.localAddress.port);
      expect((await raw.upgrade(`?host=${host}&port=${listener.localAddress.port}`)).status).toBe(101);
      const closing = await raw.closeFrame();
      expect([host, closing.code, closing.reason]).toEqual([host, 4000, "InvalidInput"]);
      await raw.stream.close();
    }
  });

  it("connects IPv4-mapped and bracketed IPv6 loopback forms, and shows the policy their canonical form", async () => {
    const seen: string[] = [];
    await using own = await ownRelay({
      allow: (hostname, port) => {
        seen.push(hostname);
        return loopbackOnly(hostname, port);
      },
    });
    const port = listener.localAddress.port;
    for (const host of ["::ffff:127.0.0.1", "[::ffff:7f00:1]", "LOCALHOST", "127.0.0.1"]) {
      const raw = await Raw.open(own.localAddress.port);
      expect((await raw.upgrade(`?host=${encodeURIComponent(host)}&port=${port}`)).status).toBe(101);
      const server = await listener.accept();
      const open = JSON.parse(decoder.decode((await raw.readFrame())?.payload));
      expect(open.type).toBe("open");
      await raw.stream.close();
      await server.close();
    }
    expect(seen).toEqual(["127.0.0.1", "127.0.0.1", "localhost", "127.0.0.1"]);
  });

  it("reads addresses strictly in loopbackOnly and canonicalHost", () => {
    const loopback = [
      "127.0.0.1",
      "127.255.255.254",
      "localhost",
      "LocalHost",
      "::1",
      "0:0:0:0:0:0:0:1",
      "::ffff:127.0.0.1",
    ];
    const notLoopback = [
      "127.0.0.999",
      "127.1",
      "0x7f000001",
      "0177.0.0.1",
      "127.0.0.1.",
      "localhost.",
      "[::1]",
      "::2",
      "::127.0.0.1",
      "::ffff:10.0.0.1",
      "128.0.0.1",
      "0.0.0.0",
      "::",
      "",
    ];
    for (const host of loopback) expect(loopbackOnly(host, 1), host).toBe(true);
    for (const host of notLoopback) expect(loopbackOnly(host, 1), host).toBe(false);
    const canonical: [string, string | null][] = [
      ["Example.COM", "example.com"],
      ["db_1.internal", "db_1.internal"],
      ["example.com.", "example.com."],
      ["10.0.0.1", "10.0.0.1"],
      ["[2001:DB8:0:0:0:0:0:1]", "2001:db8::1"],
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
      ["::ffff:192.0.2.1", "192.0.2.1"],
      ["::ffff:c000:201", "192.0.2.1"],
      ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
      ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
      ["example.123", null],
      ["256.0.0.1", null],
      ["1.2.3", null],
      ["0.1.2.3", null],
      ["::", null],
      ["1:2:3:4:5:6:7:8:9", null],
      ["1::2::3", null],
      ["1:2:3:4:5:6:7:8::", null],
      ["::1.2.3.4:5", null],
      ["a b", null],
    ];
    for (const [input, output] of canonical) expect(canonicalHost(input), input).toBe(output);
  });
});

/** Connects from `localAddress` (any 127/8 address on Linux) and sends `text`. */
async function rawFrom(localAddress: string, port: number, text: string): Promise<Socket> {
  const socket = tcpConnect({ host: "127.0.0.1", port, localAddress });
  socket.on("error", () => undefined);
  await once(socket, "connect");
  socket.write(text);
  return socket;
}

/** The first bytes a socket reads ("" at EOF or on a reset), within `ms`. */
async function firstBytes(socket: Socket, ms = 10_000): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve("(nothing)"), ms);
    socket.once("data", (data) => {
      clearTimeout(timer);
      resolve(data.toString("latin1"));
    });
    socket.once("close", () => {
      clearTimeout(timer);
      resolve("");
    });
  });
}

describe("the relay's limits", () => {
  it("drops a client that dribbles its request head, after handshakeTimeoutMs, without an answer", async () => {
    await using own = await ownRelay({ handshakeTimeoutMs: 300 });
    const raw = await Raw.open(own.localAddress.port);
    const request = raw.request(target);
    let sent = 0;
    const dribble = setInterval(() => {
      if (sent < request.length) void raw.send(request.slice(sent, ++sent)).catch(() => undefined);
    }, 50);
    try {
      expect(await raw.hungUp(10_000)).toBe(true);
      expect(sent).toBeLessThan(request.length);
    } finally {
      clearInterval(dribble);
    }
    await raw.stream.close();
  });

  it("counts connections overall and per client address, turning the extra ones away (503 or a hang-up, never 101)", async () => {
    await using own = await ownRelay({ maxConnections: 3, maxConnectionsPerAddress: 2 });
    const port = own.localAddress.port;
    const partial = "GET /tcp HTTP/1.1\r\n";
    const a1 = await rawFrom("127.0.0.1", port, partial);
    const a2 = await rawFrom("127.0.0.1", port, partial);
    // Let the relay accept both before the third arrives.
    await nodeRuntime.time.sleep(100);
    const a3 = await rawFrom("127.0.0.1", port, partial);
    expect(await firstBytes(a3)).toMatch(/^(HTTP\/1\.1 503 |$)/);
    const full = upgradeRequest(port, target);
    // Another address is admitted while the total allows it.
    const b1 = await rawFrom("127.0.0.2", port, full);
    expect(await firstBytes(b1)).toMatch(/^HTTP\/1\.1 101 /);
    await listener.accept().then((server) => server.close());
    const c1 = await rawFrom("127.0.0.3", port, full);
    expect(await firstBytes(c1)).toMatch(/^(HTTP\/1\.1 503 |$)/);
    // A slot freed is a slot again.
    a1.destroy();
    await nodeRuntime.time.sleep(200);
    const a4 = await rawFrom("127.0.0.1", port, full);
    expect(await firstBytes(a4)).toMatch(/^HTTP\/1\.1 101 /);
    await listener.accept().then((server) => server.close());
    for (const socket of [a2, a3, a4, b1, c1]) socket.destroy();
  });

  it("closes a connection that carries no data for idleTimeoutMs with 4000 TimedOut", async () => {
    await using own = await ownRelay({ idleTimeoutMs: 300, pingIntervalMs: 50 });
    const raw = await Raw.open(own.localAddress.port);
    expect((await raw.upgrade(target)).status).toBe(101);
    const server = await listener.accept();
    // The relay's pings are not data: the connection is idle all the same.
    const closing = await raw.closeFrame();
    expect([closing.code, closing.reason]).toEqual([4000, "TimedOut"]);
    await raw.stream.close();
    await server.close();
  });

  it("keeps a connection open while data goes through (the control case of the idle timeout)", async () => {
    await using own = await ownRelay({ idleTimeoutMs: 2000 });
    const raw = await Raw.open(own.localAddress.port);
    expect((await raw.upgrade(target)).status).toBe(101);
    const server = await listener.accept();
    await raw.readFrame(); // open
    const buf = new Uint8Array(16);
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      await raw.frame(2, "tick");
      await server.read(buf);
      await nodeRuntime.time.sleep(100);
    }
    await raw.frame(8, Uint8Array.of(0x03, 0xe8));
    expect((await raw.closeFrame()).code).toBe(1000);
    await raw.stream.close();
    await server.close();
  });

  it("holds no more than a small first buffer for clients that have not finished their request head", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await nodeRuntime.time.sleep(20);
      }
      return process.memoryUsage().arrayBuffers;
    };
    await using own = await ownRelay({});
    const count = 200;
    const before = await settle();
    const clients: Raw[] = [];
    for (let i = 0; i < count; i++) {
      const raw = await Raw.open(own.localAddress.port);
      await raw.send("GET /tcp HTTP/1.1\r\nHost: 127.0");
      clients.push(raw);
    }
    await nodeRuntime.time.sleep(200);
    const grown = (await settle()) - before;
    // A relay that buffers ahead held 64 KiB per connection (12.5 MiB here); now each holds the
    // 1 KiB its pending read lands in, and nothing more until more of the head arrives.
    expect(grown / count).toBeLessThan(8 * 1024);
    await Promise.all(clients.map((raw) => raw.stream.close()));
  });
});

describe("the relay's options", () => {
  it("reject bad values with InvalidInput at once, before listening", async () => {
    const bad: Record<string, unknown>[] = [
      { allowedOrigins: "https://app.example.com" },
      { allowedOrigins: [5] },
      { allowedOrigins: ["app.example.com"] },
      { allowedOrigins: ["https://app.example.com/"] },
      { allowedOrigins: ["*"] },
      { allowedHosts: [""] },
      { allowedHosts: ["a b"] },
      { allowedHosts: null },
      { authorize: "yes" },
      { allow: true },
      { handshakeTimeoutMs: 0 },
      { idleTimeoutMs: -1 },
      { idleTimeoutMs: Number.POSITIVE_INFINITY },
      { maxConnections: 0 },
      { maxConnectionsPerAddress: 1.5 },
      { path: "tcp" },
      { path: 7 },
    ];
    for (const options of bad) {
      const error = await serveWebSocketRelay(nodeRuntime, { port: 0, ...options }).catch((e: unknown) => e);
      expect(isIoError(error, "InvalidInput"), JSON.stringify(options)).toBe(true);
    }
    const stream = await nodeRuntime.tcp.connect({ port: listener.localAddress.port });
    const server = await listener.accept();
    const error = await relayConnection(nodeRuntime, stream, { allowedOrigins: [null as unknown as string] }).catch(
      (e: unknown) => e,
    );
    expect(isIoError(error, "InvalidInput")).toBe(true);
    await Promise.all([stream.close(), server.close()]);
  });
});
