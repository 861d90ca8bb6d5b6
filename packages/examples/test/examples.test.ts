// Runs every program of packages/examples/src as a user would, as a process of the runtime running
// this test (npm test runs it on Node, inside Deno and inside Bun): the echo server with its
// client, the Redis client against a real `redis-server`, the DNS client on UDP against Debian's
// `dnsmasq`, `spawnBlocking` for CPU work. On Node it
// also runs the Worker inside `workerd serve` and the page in headless Chromium, each against the
// echo server.
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const examples = join(import.meta.dirname, "..", "src");
const redisServer = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((path) => existsSync(path));
const dnsmasq = ["/usr/sbin/dnsmasq", "/usr/local/sbin/dnsmasq"].find((path) => existsSync(path));

/**
 * The files of src/ and the tests that run them: a new one fails the first test until it is run.
 * The example adapter (net-adapter/) is run by net-adapter.test.ts and net-adapter.conformance.test.ts.
 * The driver examples (pg/, mysql/) by pg.test.ts and mysql.test.ts.
 */
const adapter = ["net-adapter/conformance.ts", "net-adapter/runtime.ts", "net-adapter/stream.ts"];
/** The protocol clients, run by resp.test.ts and memcached.test.ts against real servers (redis-client.ts uses resp/). */
const clients = [
  "resp/client.ts",
  "resp/codec.ts",
  "resp/index.ts",
  "memcached/client.ts",
  "memcached/index.ts",
  "memcached/protocol.ts",
];
/**
 * The driver examples, each run by its own test: pg.test.ts, pg-tls.test.ts and mysql.test.ts on
 * every runtime, mysql-tls.test.ts in workerd.
 */
const drivers = [
  "pg/main.ts",
  "pg/scenario.ts",
  "pg/worker.ts",
  "pg/tls.ts",
  "pg/tls-main.ts",
  "pg/tls-worker.ts",
  "mysql/main.ts",
  "mysql/scenario.ts",
  "mysql/worker.ts",
  "mysql/tls.ts",
  "mysql/tls-worker.ts",
];
const programs = [
  "echo-server.ts",
  "echo-client.ts",
  "redis-client.ts",
  "dns-udp/dns-client.ts",
  "blocking.ts",
  "blocking-work.ts",
  "worker.ts",
  "browser/page.ts",
  "browser/serve.ts",
];

/**
 * How this runtime runs a program file, with the permissions the program's comment names and the
 * unstable Deno APIs it needs (`net` for `Deno.listenDatagram`).
 */
function command(file: string, permissions: string[], unstable: string[] = []): string[] {
  const path = join(examples, file);
  const flags = [...permissions.map((name) => `--allow-${name}`), ...unstable.map((name) => `--unstable-${name}`)];
  return runtime === "deno" ? ["run", ...flags, path] : [path];
}

/** A running program: its output so far, and a promise of the first stdout line matching `pattern`. */
interface Running {
  readonly child: ChildProcess;
  output(): string;
  line(pattern: RegExp): Promise<RegExpExecArray>;
}

const running = new Set<ChildProcess>();

function start(args: string[], executable = process.execPath): Running {
  const child = spawn(executable, args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  child.on("exit", () => running.delete(child));
  let output = "";
  const waiters: { pattern: RegExp; resolve: (match: RegExpExecArray) => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      const match = waiter.pattern.exec(output);
      if (match !== null) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  };
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    check();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return {
    child,
    output: () => output,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        check();
        child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}: ${output}`)));
      }),
  };
}

/** Runs a program to its end; resolves to its exit code and output. */
async function runToEnd(args: string[]): Promise<{ code: number | null; output: string }> {
  const program = start(args);
  const code = await new Promise<number | null>((resolve) => program.child.once("exit", resolve));
  return { code, output: program.output() };
}

/**
 * A port on 127.0.0.1 free for both UDP and TCP right now (dnsmasq listens on both): a free UDP
 * port whose TCP twin is not a busy machine's ephemeral port of some connection.
 */
async function freeDnsPort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const socket = createSocket("udp4");
      socket.once("error", reject);
      socket.bind(0, "127.0.0.1", () => {
        const { port } = socket.address();
        socket.close(() => resolve(port));
      });
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
}

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

/** Starts echo-server.ts on this runtime; resolves to its port. */
async function startEchoServer(): Promise<number> {
  const server = start(command("echo-server.ts", ["net"]));
  const match = await server.line(/echo server on port (\d+)/);
  return Number(match[1]);
}

afterAll(() => {
  for (const child of running) child.kill("SIGKILL");
});

describe(`examples on ${runtime}`, () => {
  it("every program in src/ is run by this file", () => {
    const found = readdirSync(examples, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".ts"));
    expect(found.sort()).toEqual([...programs, ...adapter, ...clients, ...drivers].sort());
  });

  it("the echo client gets back what it sent, then EOF", async () => {
    const port = await startEchoServer();
    const client = await runToEnd(command("echo-client.ts", ["net"]).concat(String(port), "ping over anyrt"));
    expect(client).toEqual({ code: 0, output: "ping over anyrt\n" });
  });

  it.runIf(redisServer !== undefined || process.env.CI === "true")(
    "the Redis client talks RESP to a real redis-server",
    async () => {
      if (redisServer === undefined) throw new Error("redis-server is not installed (.ci/run installs it)");
      const port = await freePort();
      const redis = start(
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        redisServer,
      );
      await redis.line(/Ready to accept connections/);
      const first = await runToEnd(command("redis-client.ts", ["net"]).concat(String(port)));
      expect(first).toEqual({ code: 0, output: 'PONG\n"hello\\r\\nfrom anyrt"\n1\nnull\n2 ERR null\n' });
      const second = await runToEnd(command("redis-client.ts", ["net"]).concat(String(port)));
      expect(second.output).toContain("\n3\nnull\n4 ERR null\n");
      redis.child.kill();
    },
  );

  it.runIf(dnsmasq !== undefined || process.env.CI === "true")(
    "the DNS client on anyrt's UDP gets answers from a real dnsmasq",
    async () => {
      if (dnsmasq === undefined) throw new Error("dnsmasq is not installed (.ci/run installs it)");
      const directory = mkdtempSync(join(tmpdir(), "anyrt-example-dns-"));
      const hosts = join(directory, "hosts");
      writeFileSync(hosts, "127.0.0.42 service.anyrt.test\n10.1.2.3 service.anyrt.test\n::1 service.anyrt.test\n");
      const port = await freeDnsPort();
      // Only the test's hosts file answers: no upstream (--no-resolv), no /etc/hosts, and every other
      // name under anyrt.test is NXDOMAIN (--local). As root, dnsmasq would drop to "nobody", who
      // cannot read the hosts file in its private temporary directory.
      const server = start(
        [
          "--keep-in-foreground",
          "--conf-file=/dev/null",
          `--port=${port}`,
          "--listen-address=127.0.0.1",
          "--bind-interfaces",
          "--no-resolv",
          "--no-hosts",
          `--addn-hosts=${hosts}`,
          "--local=/anyrt.test/",
          "--pid-file=",
          ...(process.getuid?.() === 0 ? ["--user=root"] : []),
          "--log-facility=-",
        ],
        dnsmasq,
      );
      try {
        // dnsmasq logs to stderr (--log-facility=-), which line() does not watch: poll its output.
        for (let i = 0; i < 200 && !/read .*hosts - 3 names/.test(server.output()); i++) await sleep(25);
        const client = (...args: string[]) =>
          runToEnd(command("dns-udp/dns-client.ts", ["net"], ["net"]).concat(String(port), ...args));
        expect(server.output(), server.output()).toMatch(/read .*hosts - 3 names/);
        const ipv4 = await client("service.anyrt.test", "A");
        expect(ipv4.code, ipv4.output).toBe(0);
        expect(ipv4.output.trim().split("\n").sort()).toEqual(["10.1.2.3", "127.0.0.42"]);
        expect(await client("service.anyrt.test", "AAAA")).toEqual({ code: 0, output: "::1\n" });
        const missing = await client("missing.anyrt.test", "A");
        expect(missing.code, missing.output).toBe(3);
        expect(missing.output).toContain("NXDOMAIN");
      } finally {
        server.child.kill();
        rmSync(directory, { recursive: true, force: true });
      }
    },
  );

  it.runIf(redisServer !== undefined || process.env.CI === "true")(
    "the Redis client talks RESP to a real redis-server over its Unix socket",
    async () => {
      if (redisServer === undefined) throw new Error("redis-server is not installed (.ci/run installs it)");
      const dir = mkdtempSync(join(tmpdir(), "anyrt-redis-"));
      const socket = join(dir, "redis.sock");
      try {
        const redis = start(
          ["--port", "0", "--unixsocket", socket, "--unixsocketperm", "700", "--save", "", "--appendonly", "no"],
          redisServer,
        );
        await redis.line(/ready to accept connections/i);
        const client = await runToEnd(command("redis-client.ts", ["net", "read", "write"]).concat(socket));
        expect(client).toEqual({ code: 0, output: 'PONG\n"hello\\r\\nfrom anyrt"\n1\nnull\n2 ERR null\n' });
        redis.child.kill();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("spawnBlocking counts primes on worker threads while the main thread keeps ticking", async () => {
    const { code, output } = await runToEnd(command("blocking.ts", ["read"]));
    expect(code, output).toBe(0);
    expect(output).toContain("148933 primes below 2000000");
    expect(Number(/ticked (\d+) times/.exec(output)?.[1])).toBeGreaterThan(0);
  });

  if (runtime === "node") {
    describe("hosted on Node", () => {
      let echoPort = 0;
      beforeAll(async () => {
        echoPort = await startEchoServer();
      });

      it("the Worker connects out from workerd and answers with the TCP service's reply", async () => {
        const { bundleForWorkerd, startWorkerd } = await import("../../../conformance-tests/drivers/dist/workerd.js");
        const directory = mkdtempSync(join(tmpdir(), "anyrt-example-worker-"));
        const port = await freePort();
        let workerd: { stop(): void } | undefined;
        try {
          await bundleForWorkerd(join(examples, "worker.ts"), join(directory, "worker.js"));
          writeFileSync(join(directory, "config.capnp"), workerConfig(port, echoPort));
          workerd = await startWorkerd(directory, port);
          const response = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "hello from workerd" });
          expect(response.status).toBe(200);
          expect(await response.text()).toBe("hello from workerd");
        } finally {
          workerd?.stop();
          rmSync(directory, { recursive: true, force: true });
        }
      });

      it.runIf(existsSync(chromiumPath()))("the page talks TCP through the relay in Chromium", async () => {
        const { launchChromium } = await import("../../../conformance-tests/drivers/dist/chromium.js");
        const serve = start(command("browser/serve.ts", []).concat(String(echoPort)));
        const url = (await serve.line(/open (http:\/\/127\.0\.0\.1:\d+\/\S*)/))[1] as string;
        const browser = await launchChromium();
        try {
          const page = await browser.newPage();
          await page.goto(url);
          await page.waitForSelector("body[data-done]", { timeout: 20_000 });
          expect(await page.textContent("#output")).toBe("hello from the page");
        } finally {
          await browser.close();
          serve.child.kill();
        }
      });
    });
  }
});

/** The browser binary the Chromium driver uses. */
function chromiumPath(): string {
  return process.env.ANYRT_CHROMIUM ?? "/usr/bin/chromium";
}

/** A workerd config serving worker.js on `port`, with the echo server as its upstream. */
function workerConfig(port: number, upstream: number): string {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "net", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2025-11-01",
  globalOutbound = "net",
  bindings = [
    (name = "UPSTREAM_HOST", text = "127.0.0.1"),
    (name = "UPSTREAM_PORT", text = "${upstream}"),
  ],
);
`;
}
