// Happy Eyeballs in core, on a virtual scheduler with connects the test controls: the RFC 8305
// order, the stagger between attempts, the first success winning and the losers aborted or
// closed, the time limits, and that only a host name goes through it.
import {
  createVirtualScheduler,
  type DnsAddress,
  defineRuntime,
  duplex,
  IoError,
  interleaveAddresses,
  isIoError,
  type Tcp,
  type TcpConnectOptions,
  type TcpStream,
} from "@anyrt/core";
import { connectHappyEyeballs } from "@anyrt/core/adapter";
import { describe, expect, it } from "vitest";

const v4 = (address: string): DnsAddress => ({ address, family: 4 });
const v6 = (address: string): DnsAddress => ({ address, family: 6 });

/** One connect attempt as the fake adapter saw it, settled by the test. */
interface Attempt {
  readonly hostname: string;
  readonly startedAt: number;
  readonly signal: AbortSignal;
  succeed(): TcpStream & { closed: boolean };
  fail(kind?: "ConnectionRefused" | "TimedOut"): void;
}

function fakeConnect(now: () => number) {
  const attempts: Attempt[] = [];
  const connect = (options: TcpConnectOptions): Promise<TcpStream> =>
    new Promise<TcpStream>((resolve, reject) => {
      // A connect handed straight to the adapter has no signal of core's.
      const signal = options.signal ?? new AbortController().signal;
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      attempts.push({
        hostname: options.hostname ?? "",
        startedAt: now(),
        signal,
        succeed() {
          const [a] = duplex(16);
          const stream = Object.assign(a, {
            closed: false,
            localAddress: { hostname: "127.0.0.1", port: 1, family: 4 as const },
            remoteAddress: { hostname: options.hostname ?? "", port: options.port, family: 4 as const },
            setNoDelay() {},
            setKeepAlive() {},
          });
          const close = stream.close.bind(stream);
          stream.close = () => {
            stream.closed = true;
            return close();
          };
          resolve(stream);
          return stream;
        },
        fail(kind = "ConnectionRefused") {
          reject(new IoError(kind, `connect ${options.hostname}: ${kind}`));
        },
      });
    });
  return { attempts, connect };
}

describe("interleaveAddresses", () => {
  it("alternates families from the first address's family, keeping each family's order", () => {
    const order = interleaveAddresses([v6("::1"), v6("::2"), v6("::3"), v4("10.0.0.1"), v4("10.0.0.2")]);
    expect(order.map((entry) => entry.address)).toEqual(["::1", "10.0.0.1", "::2", "10.0.0.2", "::3"]);
  });

  it("starts with IPv4 when the system put it first, and drops duplicates", () => {
    const order = interleaveAddresses([v4("10.0.0.1"), v4("10.0.0.1"), v6("::1"), v4("10.0.0.2")]);
    expect(order.map((entry) => entry.address)).toEqual(["10.0.0.1", "::1", "10.0.0.2"]);
  });
});

describe("connectHappyEyeballs", () => {
  it("starts one attempt per attempt delay while the earlier ones hang, and the first success wins", async () => {
    const scheduler = createVirtualScheduler();
    const { attempts, connect } = fakeConnect(() => scheduler.now());
    const lookup = async () => [v6("::1"), v6("::2"), v4("10.0.0.1")];
    const connecting = connectHappyEyeballs(connect, lookup, scheduler, { hostname: "example", port: 80 });
    await scheduler.advance(0);
    expect(attempts.map((attempt) => attempt.hostname)).toEqual(["::1"]);
    await scheduler.advance(249);
    expect(attempts).toHaveLength(1);
    await scheduler.advance(1);
    expect(attempts.map((attempt) => [attempt.hostname, attempt.startedAt])).toEqual([
      ["::1", 0],
      ["10.0.0.1", 250],
    ]);
    const winner = attempts[1]?.succeed();
    const stream = await connecting;
    expect(stream).toBe(winner);
    expect(attempts[0]?.signal.aborted).toBe(true);
    await scheduler.advance(1000);
    expect(attempts).toHaveLength(2);
  });

  it("starts the next address at once when an attempt fails, without waiting out the delay", async () => {
    const scheduler = createVirtualScheduler();
    const { attempts, connect } = fakeConnect(() => scheduler.now());
    const connecting = connectHappyEyeballs(connect, async () => [v4("10.0.0.1"), v4("10.0.0.2")], scheduler, {
      hostname: "example",
      port: 80,
    });
    await scheduler.advance(10);
    attempts[0]?.fail();
    await scheduler.advance(0);
    expect(attempts.map((attempt) => [attempt.hostname, attempt.startedAt])).toEqual([
      ["10.0.0.1", 0],
      ["10.0.0.2", 10],
    ]);
    attempts[1]?.succeed();
    await connecting;
  });

  it("closes a loser that connects after the winner", async () => {
    const scheduler = createVirtualScheduler();
    const { attempts, connect: inner } = fakeConnect(() => scheduler.now());
    // An adapter whose connect ignores the abort: the late stream must still be closed.
    const connect = (options: TcpConnectOptions) => inner({ ...options, signal: new AbortController().signal });
    const connecting = connectHappyEyeballs(connect, async () => [v4("10.0.0.1"), v4("10.0.0.2")], scheduler, {
      hostname: "example",
      port: 80,
    });
    await scheduler.advance(250);
    attempts[1]?.succeed();
    await connecting;
    const late = attempts[0]?.succeed();
    await scheduler.advance(0);
    expect(late?.closed).toBe(true);
  });

  it("fails with the first attempt's kind and names every attempt when all fail", async () => {
    const scheduler = createVirtualScheduler();
    const { attempts, connect } = fakeConnect(() => scheduler.now());
    const connecting = connectHappyEyeballs(connect, async () => [v4("10.0.0.1"), v6("::1")], scheduler, {
      hostname: "example",
      port: 80,
    });
    const failure = connecting.catch((error: unknown) => error);
    await scheduler.advance(250);
    attempts[1]?.fail("TimedOut");
    attempts[0]?.fail("ConnectionRefused");
    const error = await failure;
    expect(isIoError(error, "TimedOut")).toBe(true);
    expect((error as Error).message).toContain("::1");
    expect((error as Error).message).toContain("10.0.0.1");
    expect(isIoError((error as Error).cause, "TimedOut")).toBe(true);
  });

  it("fails with TimedOut past timeoutMs and aborts every attempt", async () => {
    const scheduler = createVirtualScheduler();
    const { attempts, connect } = fakeConnect(() => scheduler.now());
    const connecting = connectHappyEyeballs(connect, async () => [v4("10.0.0.1"), v4("10.0.0.2")], scheduler, {
      hostname: "example",
      port: 80,
      timeoutMs: 400,
    });
    const failure = connecting.catch((error: unknown) => error);
    await scheduler.advance(400);
    expect(isIoError(await failure, "TimedOut")).toBe(true);
    expect(attempts.every((attempt) => attempt.signal.aborted)).toBe(true);
  });

  it("fails an attempt past attemptTimeoutMs and starts the next", async () => {
    const scheduler = createVirtualScheduler();
    const { attempts, connect } = fakeConnect(() => scheduler.now());
    const connecting = connectHappyEyeballs(connect, async () => [v4("10.0.0.1"), v4("10.0.0.2")], scheduler, {
      hostname: "example",
      port: 80,
      happyEyeballs: { attemptDelayMs: 10_000, attemptTimeoutMs: 300 },
    });
    await scheduler.advance(300);
    expect(attempts.map((attempt) => [attempt.hostname, attempt.startedAt])).toEqual([
      ["10.0.0.1", 0],
      ["10.0.0.2", 300],
    ]);
    expect(isIoError(attempts[0]?.signal.reason, "TimedOut")).toBe(true);
    attempts[1]?.succeed();
    await connecting;
  });
});

describe("tcp.connect by name", () => {
  function runtimeWith(lookup: boolean) {
    const scheduler = createVirtualScheduler();
    const { attempts, connect } = fakeConnect(() => scheduler.now());
    const tcp: Tcp = { connect, listen: () => Promise.reject(new Error("no listen")) };
    const runtime = defineRuntime({
      id: "test",
      version: "0",
      adapter: "test-adapter",
      capabilities: {
        tcp: {
          connect: true,
          listen: false,
          halfClose: false,
          resetOnClose: false,
          socketOptions: false,
          keepAliveDelay: false,
        },
        tls: false,
        fs: false,
        process: false,
        blocking: false,
        udp: false,
        unix: false,
        dns: { lookup, records: false },
      },
      facts: { tcp: null, unix: null },
      tcp,
      scheduler,
      ...(lookup
        ? { dns: { lookup: async () => [v4("10.0.0.7")], records: () => Promise.reject(new Error("none")) } }
        : {}),
    });
    return { runtime, attempts, scheduler };
  }

  it("resolves a host name with dns.lookup where declared and connects to its address", async () => {
    const { runtime, attempts, scheduler } = runtimeWith(true);
    const connecting = runtime.tcp.connect({ hostname: "example", port: 80 });
    await scheduler.advance(0);
    expect(attempts.map((attempt) => attempt.hostname)).toEqual(["10.0.0.7"]);
    attempts[0]?.succeed();
    await connecting;
  });

  it("hands the name to the adapter without dns.lookup, with happyEyeballs: false, and for IP literals", async () => {
    const { runtime, attempts, scheduler } = runtimeWith(false);
    void runtime.tcp.connect({ hostname: "example", port: 80 });
    const on = runtimeWith(true);
    void on.runtime.tcp.connect({ hostname: "example", port: 80, happyEyeballs: false });
    void on.runtime.tcp.connect({ hostname: "10.0.0.1", port: 80 });
    await Promise.all([scheduler.advance(0), on.scheduler.advance(0)]);
    expect(attempts.map((attempt) => attempt.hostname)).toEqual(["example"]);
    expect(on.attempts.map((attempt) => attempt.hostname)).toEqual(["example", "10.0.0.1"]);
  });
});
