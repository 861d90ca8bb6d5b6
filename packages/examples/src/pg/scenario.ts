// The unmodified `pg` driver over anyrt's socket bridge, one scenario for every runtime: create,
// insert, select, a query error, a several-MiB result, the server killed mid-query, reconnect.
// main.ts runs it on Node, Deno and Bun; worker.ts inside a Cloudflare Worker. Each step is one
// JSON line given to `log`; the test kills the server when it reads `{"step":"in-flight"}` and
// restarts it when it reads `{"step":"refused"}`.
import { createNodeSocket, type NodeSocket } from "@anyrt/compat/node";
import type { Runtime } from "@anyrt/core";
import { isIoError } from "@anyrt/core";
import pg from "pg";

/** Where the server is, and how the scenario reports each step. */
export interface PgScenarioOptions {
  readonly runtime: Pick<Runtime, "tcp" | "time">;
  readonly host: string;
  readonly port: number;
  readonly log: (line: Record<string, unknown>) => void;
}

/** A `pg.Client` whose socket is anyrt's bridge: the driver itself is not changed. */
export function bridgedClient(options: PgScenarioOptions, sockets: NodeSocket[] = []): pg.Client {
  return new pg.Client({
    host: options.host,
    port: options.port,
    user: "postgres",
    database: "postgres",
    // pg calls this for its socket, then `connect(port, host)` on it.
    stream: () => {
      const socket = createNodeSocket(options.runtime);
      sockets.push(socket);
      return socket;
    },
  });
}

/** Runs the scenario; resolves once the reconnected client has ended. */
export async function runPgScenario(options: PgScenarioOptions): Promise<void> {
  const { log } = options;
  const sockets: NodeSocket[] = [];
  const client = bridgedClient(options, sockets);
  // After the kill, pg reports the lost connection on the client too; the query's rejection is what we read.
  client.on("error", () => {});
  await client.connect();
  log({ step: "connected", remotePort: sockets[0]?.remotePort });

  await client.query("DROP TABLE IF EXISTS items");
  await client.query("CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, size integer NOT NULL)");
  log({ step: "created" });

  let inserted = 0;
  for (let i = 0; i < 100; i++) {
    const result = await client.query("INSERT INTO items (name, size) VALUES ($1, $2)", [`item ${i}`, i * 10]);
    inserted += result.rowCount ?? 0;
  }
  log({ step: "inserted", rows: inserted });

  const selected = await client.query<{ n: number; total: number; last: string }>(
    "SELECT count(*)::int AS n, sum(size)::int AS total, max(name) AS last FROM items",
  );
  log({ step: "selected", ...selected.rows[0] });

  try {
    await client.query("SELECT * FROM no_such_table");
    log({ step: "query-error", error: null });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    const after = await client.query<{ one: number }>("SELECT 1 AS one");
    log({ step: "query-error", code, message, usableAfter: after.rows[0]?.one === 1 });
  }

  // 4 MiB of bytea, 8 MiB of hex on the wire in one DataRow message.
  const big = await client.query<{ data: Uint8Array }>("SELECT decode(repeat('ab', 4 * 1024 * 1024), 'hex') AS data");
  const data = big.rows[0]?.data ?? new Uint8Array(0);
  log({ step: "large-result", bytes: data.length, allAb: data.every((byte) => byte === 0xab) });

  // The server is killed while this query runs: a second connection confirms the query is in
  // flight before the test is told to kill it.
  const sleeping = client.query("SELECT pg_sleep(120)").then(
    () => null,
    (error: unknown) => error as Error,
  );
  const watcher = bridgedClient(options);
  watcher.on("error", () => {});
  await watcher.connect();
  for (;;) {
    const active = await watcher.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(120)' AND state = 'active'",
    );
    if ((active.rows[0]?.n ?? 0) > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  log({ step: "in-flight" });
  const socket = sockets[0];
  const socketEnded = new Promise<boolean>((resolve) => {
    if (socket === undefined || socket.readableEnded) resolve(socket !== undefined);
    else socket.once("end", () => resolve(true)).once("close", () => resolve(socket.readableEnded));
  });
  const lost = await sleeping;
  log({ step: "killed", driverError: lost?.message ?? null, bridgeSawEof: await socketEnded });
  watcher.end().catch(() => {});

  // Reconnect: refused while the server is down (the bridge's IoError, with Node's code, is what
  // pg rejects with), then a new client once the test has restarted it.
  let refusedLogged = false;
  for (let attempt = 0; ; attempt++) {
    const again = bridgedClient(options);
    again.on("error", () => {});
    try {
      await again.connect();
      const count = await again.query<{ n: number }>("SELECT count(*)::int AS n FROM items");
      log({ step: "reconnected", rows: count.rows[0]?.n });
      await again.end();
      return;
    } catch (error) {
      const { code, syscall } = error as { code?: string; syscall?: string };
      if (!refusedLogged && isIoError(error, "ConnectionRefused")) {
        refusedLogged = true;
        log({ step: "refused", ioErrorKind: error.kind, code, syscall });
      } else if (!refusedLogged) {
        // A connect that reaches the server while it is still dying is reset rather than refused.
        log({ step: "not-yet-refused", ioErrorKind: isIoError(error) ? error.kind : null, code, syscall });
      }
      if (attempt === 600) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
