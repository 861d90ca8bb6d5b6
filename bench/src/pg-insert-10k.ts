/**
 * `pg-insert-10k`: 10,000 parameterised INSERTs, one at a time, by the unmodified `pg` driver
 * through anyrt's socket bridge (`createNodeSocket` over the runtime's adapter) against `pg` on
 * the runtime's own `node:net` socket (Node's, Deno's and Bun's), same run, same PostgreSQL
 * server. The server is Debian's, started here on 127.0.0.1 with its own data directory and port.
 * Each query is five corked protocol messages out (Parse, Bind, Describe, Execute, Sync) and a
 * few small messages back, so this measures the bridge's per-query latency on both paths.
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNodeSocket } from "@anyrt/compat/node";
import type { Runtime } from "@anyrt/core";
import pg from "pg";
import { type Benchmark, type BenchSettings, now, perSecond, scaled } from "./harness.ts";
import { adapterName, host, loadAdapterRuntime } from "./host.ts";

const HOST = "127.0.0.1";

/** A PostgreSQL server on 127.0.0.1, and how to stop it (its data directory is removed). */
interface Postgres {
  readonly port: number;
  stop(): Promise<void>;
}

/** Debian's PostgreSQL binaries (/usr/lib/postgresql/<major>/bin), newest major first. */
function postgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  return majors.map((major) => join(root, major, "bin")).find((bin) => existsSync(join(bin, "postgres")));
}

/** A free port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

/**
 * `initdb` into a fresh directory and `postgres` on a free port (as user `postgres` when this is
 * root: the server refuses root), in a session of its own so that stopping it takes its backends.
 * The same recipe as packages/examples/test/servers.ts, which the benchmarks' build cannot import.
 */
async function startPostgres(bin: string): Promise<Postgres> {
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const wrap = (command: string, args: string[]): [string, string[]] =>
    asRoot
      ? [
          "/usr/bin/setsid",
          ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", command, ...args],
        ]
      : ["/usr/bin/setsid", [command, ...args]];
  const directory = mkdtempSync(join(tmpdir(), "anyrt-bench-postgres-"));
  if (asRoot) spawnSync("/bin/chown", ["postgres:postgres", directory]);
  const data = join(directory, "data");
  const [initdb, initArgs] = wrap(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync"]);
  const init = spawnSync(initdb, initArgs, { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stdout}${init.stderr}`);
  const port = await freePort();
  const [command, args] = wrap(join(bin, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-k",
    "",
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
  ]);
  const child: ChildProcess = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("database system is ready to accept connections")) resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`postgres exited with ${code}: ${output}`)));
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    port,
    stop: async () => {
      spawnSync("/bin/kill", ["-TERM", "--", `-${child.pid}`]);
      await exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Inserts `rows` rows one query at a time on a connected client; resolves to rows per second. */
async function insertRows(client: pg.Client, rows: number): Promise<number> {
  await client.query("TRUNCATE items");
  const start = now();
  for (let i = 0; i < rows; i++) {
    await client.query("INSERT INTO items (n, name) VALUES ($1, $2)", [i, `row ${i}`]);
  }
  return perSecond(rows, now() - start);
}

/** One sample: a client over `stream` (the runtime's own socket when undefined), connected, then timed. */
async function sample(port: number, rows: number, stream?: () => ReturnType<typeof createNodeSocket>): Promise<number> {
  const client = new pg.Client({ host: HOST, port, user: "postgres", ...(stream === undefined ? {} : { stream }) });
  await client.connect();
  try {
    return await insertRows(client, rows);
  } finally {
    await client.end();
  }
}

export async function createPgInsert10k(settings: BenchSettings): Promise<Benchmark> {
  const rows = scaled(settings, 10_000, 100);
  const bin = postgresBin();
  const nativeApi = `pg ${host.runtime === "node" ? "on net.Socket" : `on ${host.runtime}'s node:net`}`;
  if (bin === undefined) {
    const why = "PostgreSQL is not installed (/usr/lib/postgresql/<major>/bin; .ci/run installs postgresql)";
    return {
      name: "pg-insert-10k",
      unit: "inserts/s",
      higherIsBetter: true,
      target: 0.9,
      adapter: adapterName,
      anyrtApi: "pg over createNodeSocket(runtime)",
      nativeApi,
      anyrt: why,
      native: () => Promise.reject(new Error(why)),
      params: { rows },
    };
  }
  const server = await startPostgres(bin);
  const setup = new pg.Client({ host: HOST, port: server.port, user: "postgres" });
  await setup.connect();
  await setup.query("CREATE TABLE items (n integer NOT NULL, name text NOT NULL)");
  await setup.end();
  const runtime: Runtime | string = await loadAdapterRuntime();
  return {
    name: "pg-insert-10k",
    unit: "inserts/s",
    higherIsBetter: true,
    target: 0.9,
    adapter: adapterName,
    anyrtApi: "pg 8 over createNodeSocket(runtime) (@anyrt/compat/node)",
    nativeApi,
    anyrt: typeof runtime === "string" ? runtime : () => sample(server.port, rows, () => createNodeSocket(runtime)),
    native: () => sample(server.port, rows),
    params: { rows, driver: "pg 8.23.1", query: "INSERT INTO items (n, name) VALUES ($1, $2)" },
    close: () => server.stop(),
  };
}
