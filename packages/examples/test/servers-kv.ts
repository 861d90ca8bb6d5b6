// Debian's redis-server and memcached for the client tests, started the way a user starts them:
// on 127.0.0.1, each on a free port of its own (Redis with its own data directory), stopped at the
// end. A test can pause the server (SIGSTOP), kill it (SIGKILL) and start it again on the same
// port; a program on another runtime asks for that over a control connection (serveControl).
// A missing server fails with CI=true and is a skip, with the reason, locally.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The servers the clients are tested against. */
export type KvServerName = "redis" | "memcached";

/** What a test may do to a running server. */
export type KvAction = "pause" | "resume" | "kill" | "restart";

/** A server started by a test. */
export interface KvServer {
  readonly name: KvServerName;
  readonly port: number;
  /** Applies `action`; `kill` resolves once the process is gone, `restart` once it listens again. */
  control(action: KvAction): Promise<void>;
  /** Stops the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const binaries: Record<KvServerName, { program: string; packageName: string }> = {
  redis: { program: "redis-server", packageName: "redis-server" },
  memcached: { program: "memcached", packageName: "memcached" },
};

/** The server's binary, or undefined when it is not installed. */
export function serverBinary(name: KvServerName): string | undefined {
  const { program } = binaries[name];
  return [`/usr/bin/${program}`, `/usr/local/bin/${program}`].find((path) => existsSync(path));
}

/**
 * Whether the tests against `name` run here: `true` when it is installed; when it is not, a
 * failure under CI=true (`.ci/run` installs it) and, locally, `false` after a line saying why.
 */
export function serverAvailable(name: KvServerName): boolean {
  if (serverBinary(name) !== undefined) return true;
  const { program, packageName } = binaries[name];
  const why = `${program} is not installed (apt-get install ${packageName}; .ci/run installs it)`;
  if (process.env.CI === "true") throw new Error(why);
  process.stderr.write(`skipping the ${name} client tests: ${why}\n`);
  return false;
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

/** Resolves once something accepts connections on `port`; rejects after `ms`. */
async function listening(port: number, child: ChildProcess, output: () => string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) before listening: ${output()}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on 127.0.0.1:${port} within ${ms} ms: ${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Resolves once nothing accepts connections on `port`: the killed server is gone (its sockets
 * close when it dies, before its exit is reported, which Deno may also report early for a stopped
 * child).
 */
async function refusing(port: number, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (!accepted) return;
    if (Date.now() > deadline) throw new Error(`127.0.0.1:${port} still accepts connections after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Resolves once every thread of `pid` is stopped (state `T` in /proc): a signal takes effect
 * asynchronously, and a server thread still running could answer one more request.
 */
async function threadsStopped(pid: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const threads = readdirSync(`/proc/${pid}/task`);
    const states = threads.map((id) => {
      const stat = readFileSync(`/proc/${pid}/task/${id}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    });
    if (states.every((state) => state === "T" || state === "t")) return;
    if (Date.now() > deadline) throw new Error(`process ${pid} did not stop within ${ms} ms (${states.join("")})`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Resolves once a connection accepted on `port` has bytes its server has not read (the
 * `rx_queue` of an established socket in /proc/net/tcp) and that count has held for 50 ms: a
 * client's later write (a pipeline behind the first command) must land before the kill too, or it
 * meets the reset itself and takes the socket's error, leaving the client's read a clean EOF
 * (seen on Deno under load: `UnexpectedEof` where the kill should read as `ConnectionReset`).
 */
async function unreadBytes(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  const local = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  let last = 0;
  let since = 0;
  for (;;) {
    let unread = 0;
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      if (!existsSync(table)) continue;
      for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
        const fields = line.trim().split(/\s+/);
        const [address, , state, queues] = [fields[1], fields[2], fields[3], fields[4]];
        if (address?.endsWith(local) && state === "01") unread += Number.parseInt(queues?.split(":")[1] ?? "0", 16);
      }
    }
    if (unread !== last) {
      last = unread;
      since = Date.now();
    } else if (unread > 0 && Date.now() - since >= 50) {
      return;
    }
    if (Date.now() > deadline) throw new Error(`no request reached 127.0.0.1:${port} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Sends `name` to `pid`, which may have exited already. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ESRCH") throw error;
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** The command line of `name` on `port` (Redis keeps its files in `directory`). */
function commandLine(name: KvServerName, port: number, directory: string): string[] {
  if (name === "redis") {
    return [
      ...["--port", String(port), "--bind", "127.0.0.1", "--dir", directory],
      ...["--save", "", "--appendonly", "no"],
      // DEBUG PROTOCOL makes the server send every RESP3 type; only to local clients.
      ...["--enable-debug-command", "local"],
    ];
  }
  // -B binary: the binary protocol only; -I 16m: items of several MiB; -U 0: no UDP. memcached
  // refuses to run as root without -u.
  const user = process.getuid?.() === 0 ? ["-u", "nobody"] : [];
  return [...user, "-B", "binary", "-l", "127.0.0.1", "-p", String(port), "-U", "0", "-I", "16m", "-m", "128"];
}

/** Starts `name` on a free port; throws when it is not installed. */
export async function startServer(name: KvServerName): Promise<KvServer> {
  const binary = serverBinary(name);
  if (binary === undefined) throw new Error(`${binaries[name].program} is not installed`);
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), `anyrt-${name}-`));
  let output = "";
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(binary, commandLine(name, port, directory), { stdio: ["ignore", "pipe", "pipe"] });
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    await listening(port, child, () => output);
  };
  await launch();
  let stopped = false;
  let paused = false;
  return {
    name,
    port,
    async control(action) {
      // process.kill, not child.kill: Deno's child.kill sends nothing to a stopped child (it
      // returns false for SIGCONT and SIGKILL after SIGSTOP).
      const pid = child.pid as number;
      switch (action) {
        case "pause":
          process.kill(pid, "SIGSTOP");
          await threadsStopped(pid);
          paused = true;
          return;
        case "resume":
          process.kill(pid, "SIGCONT");
          paused = false;
          return;
        case "kill":
          // A paused server is killed once a request waits unread in its receive queue (a
          // client's write may still be on its way): the kill then resets that connection.
          if (paused) await unreadBytes(port);
          process.kill(pid, "SIGKILL");
          paused = false;
          await refusing(port);
          return;
        case "restart":
          signal(pid, "SIGKILL");
          paused = false;
          await refusing(port);
          await launch();
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      signal(child.pid as number, "SIGKILL");
      await Promise.race([exited(child), refusing(port)]);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * A control server for programs on another runtime: each line `<server> <action>` applies the
 * action and answers `ok`, or `error <message>`.
 */
export async function serveControl(servers: readonly KvServer[]): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((socket) => {
    let pending = "";
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => {
      pending += text;
      for (let end = pending.indexOf("\n"); end !== -1; end = pending.indexOf("\n")) {
        const line = pending.slice(0, end).trim();
        pending = pending.slice(end + 1);
        const [name, action] = line.split(" ");
        const target = servers.find((candidate) => candidate.name === name);
        if (target === undefined) {
          socket.write(`error no server ${name}\n`);
          continue;
        }
        target.control(action as KvAction).then(
          () => socket.write("ok\n"),
          (error: unknown) => socket.write(`error ${String(error).replaceAll("\n", " ")}\n`),
        );
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A runtime the scenarios run on from outside the test's own process. */
export interface HostedRuntime {
  /** `"Node 20"`, `"Node 22"`, `"workerd"`. */
  readonly label: string;
  /** Why it cannot run here, or null. */
  readonly missing: string | null;
}

const root = join(import.meta.dirname, "..", "..", "..");
const node22 = join(root, "node_modules/node22/node_modules/.bin/node");
const workerdBinary = join(root, "node_modules/.bin/workerd");

/** The system Node 20 (Debian's), which cannot run TypeScript: it runs the bundled runner. */
function node20(): string | null {
  for (const path of ["/usr/bin/node", "/usr/local/bin/node"]) {
    if (!existsSync(path)) continue;
    const version = spawnSync(path, ["--version"], { encoding: "utf8" }).stdout.trim();
    if (version.startsWith("v20.")) return path;
  }
  return null;
}

/** Node 20, Node 22 and workerd, each with the reason it is missing, if it is. */
export function hostedRuntimes(): HostedRuntime[] {
  return [
    { label: "Node 20", missing: node20() === null ? "no system Node 20 (/usr/bin/node)" : null },
    { label: "Node 22", missing: existsSync(node22) ? null : `${node22} is missing (the node22 devDependency)` },
    { label: "workerd", missing: existsSync(workerdBinary) ? null : `${workerdBinary} is missing (npm ci)` },
  ];
}

/**
 * Runs one suite's scenarios (`servers-kv-runner.ts` or `servers-kv-worker.ts`, bundled with
 * esbuild) on a hosted runtime against the server on `port`, with the control server on
 * `controlPort`; resolves their results.
 */
export async function runHosted(
  host: HostedRuntime,
  suite: "resp" | "memcached",
  port: number,
  controlPort: number,
): Promise<{ name: string; error: string | null }[]> {
  const directory = mkdtempSync(join(tmpdir(), `anyrt-${suite}-hosted-`));
  try {
    if (host.label === "workerd") return await runInWorkerd(directory, suite, port, controlPort);
    const esbuild = await import("esbuild");
    const program = join(directory, "runner.mjs");
    await esbuild.build({
      entryPoints: [join(import.meta.dirname, "servers-kv-runner.ts")],
      outfile: program,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      conditions: ["node"],
      logLevel: "error",
    });
    const binary = host.label === "Node 20" ? (node20() as string) : node22;
    // Not spawnSync: the control server the runner talks to runs on this process's event loop.
    const run = await runProgram(binary, [program, suite, String(port), String(controlPort)], 240_000);
    const last = run.stdout.trim().split("\n").at(-1) ?? "";
    if (run.code !== 0 || !last.startsWith("[")) {
      throw new Error(`${host.label} runner exited with ${run.code}: ${run.stdout}${run.stderr}`);
    }
    return JSON.parse(last) as { name: string; error: string | null }[];
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Runs `binary` with `args` to its end (killed after `ms`); resolves its exit code and output. */
function runProgram(
  binary: string,
  args: string[],
  ms: number,
): Promise<{ code: number | string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, stdout, stderr });
    });
  });
}

async function runInWorkerd(
  directory: string,
  suite: "resp" | "memcached",
  port: number,
  controlPort: number,
): Promise<{ name: string; error: string | null }[]> {
  const driver = (await import(join(root, "conformance-tests/drivers/dist/workerd.js"))) as {
    bundleForWorkerd(entry: string, outfile: string): Promise<void>;
    startWorkerd(directory: string, port: number): Promise<{ stop(): void; stderr(): string }>;
    workerdConfig(port: number): string;
  };
  await driver.bundleForWorkerd(join(import.meta.dirname, "servers-kv-worker.ts"), join(directory, "worker.js"));
  const httpPort = await freePort();
  writeFileSync(join(directory, "config.capnp"), driver.workerdConfig(httpPort));
  const workerd = await driver.startWorkerd(directory, httpPort);
  try {
    const query = new URLSearchParams({ suite, port: String(port), control: String(controlPort) });
    const response = await fetch(`http://127.0.0.1:${httpPort}/run?${query}`);
    const text = await response.text();
    if (response.status !== 200) throw new Error(`workerd answered ${response.status}: ${text}\n${workerd.stderr()}`);
    return JSON.parse(text) as { name: string; error: string | null }[];
  } finally {
    workerd.stop();
  }
}
