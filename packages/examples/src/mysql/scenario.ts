// The unmodified `mysql2` driver over anyrt's socket bridge against MariaDB, one scenario for every
// runtime: create, insert, select, a query error, a several-MiB result, the server killed
// mid-query, reconnect. main.ts runs it on Node, Deno and Bun; worker.ts inside a Cloudflare
// Worker. Each step is one JSON line given to `log`; the test kills the server when it reads
// `{"step":"in-flight"}` and restarts it when it reads `{"step":"refused"}`.

import { createNodeSocket, type NodeSocket } from "@anyrt/compat/node";
import type { Runtime } from "@anyrt/core";
import { isIoError } from "@anyrt/core";
import mysql from "mysql2/promise";

/** Where the server is, who to log in as, and how the scenario reports each step. */
export interface MysqlScenarioOptions {
  readonly runtime: Pick<Runtime, "tcp" | "time">;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /**
   * mysql2 compiles its row parsers with `new Function` unless this is set; a Worker may not
   * generate code from strings, so worker.ts sets it.
   */
  readonly disableEval?: boolean | undefined;
  readonly log: (line: Record<string, unknown>) => void;
}

/** A mysql2 connection whose socket is anyrt's bridge: the driver itself is not changed. */
export function bridgedConnection(
  options: MysqlScenarioOptions,
  sockets: NodeSocket[] = [],
): Promise<mysql.Connection> {
  const { host, port, user, password, database } = options;
  return mysql.createConnection({
    host,
    port,
    user,
    password,
    database,
    disableEval: options.disableEval ?? false,
    // mysql2 calls this for its socket and waits for the server's greeting on it.
    stream: () => {
      const socket = createNodeSocket(options.runtime).connect(port, host);
      sockets.push(socket);
      return socket;
    },
  });
}

/** The index of the first character breaking the pattern "abab...", or -1 (no regex: 4 MiB of it). */
function firstNotAb(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== (i % 2 === 0 ? 0x61 : 0x62)) return i;
  }
  return -1;
}

/** Runs the scenario; resolves once the reconnected connection has ended. */
export async function runMysqlScenario(options: MysqlScenarioOptions): Promise<void> {
  const { log } = options;
  const sockets: NodeSocket[] = [];
  const connection = await bridgedConnection(options, sockets);
  // After the kill, mysql2 may also report the lost connection on the connection itself.
  connection.on("error", () => {});
  log({ step: "connected", remotePort: sockets[0]?.remotePort });

  await connection.query("DROP TABLE IF EXISTS items");
  await connection.query(
    "CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL, size INT NOT NULL)",
  );
  log({ step: "created" });

  let inserted = 0;
  for (let i = 0; i < 100; i++) {
    const [result] = await connection.execute<mysql.ResultSetHeader>("INSERT INTO items (name, size) VALUES (?, ?)", [
      `item ${i}`,
      i * 10,
    ]);
    inserted += result.affectedRows;
  }
  log({ step: "inserted", rows: inserted });

  const [selected] = await connection.query<mysql.RowDataPacket[]>(
    "SELECT COUNT(*) AS n, CAST(SUM(size) AS SIGNED) AS total, MAX(name) AS last FROM items",
  );
  const summary = selected[0];
  log({ step: "selected", n: Number(summary?.n), total: Number(summary?.total), last: summary?.last });

  try {
    await connection.query("SELECT * FROM no_such_table");
    log({ step: "query-error", error: null });
  } catch (error) {
    const { code, errno, message } = error as { code?: string; errno?: number; message: string };
    const [after] = await connection.query<mysql.RowDataPacket[]>("SELECT 1 AS one");
    log({ step: "query-error", code, errno, message, usableAfter: after[0]?.one === 1 });
  }

  // 4 MiB in one column of one row, then 20,000 rows of 200 bytes (about 4 MiB more).
  const [big] = await connection.query<mysql.RowDataPacket[]>("SELECT REPEAT('ab', 2 * 1024 * 1024) AS data");
  const text = String(big[0]?.data ?? "");
  const [many] = await connection.query<mysql.RowDataPacket[]>(
    "SELECT seq, REPEAT('x', 200) AS pad FROM seq_1_to_20000",
  );
  log({
    step: "large-result",
    bytes: text.length,
    allAb: firstNotAb(text) === -1,
    rows: many.length,
    lastSeq: many[many.length - 1]?.seq,
  });

  // The server is killed while this query runs: a second connection confirms the query is in
  // flight before the test is told to kill it.
  const sleeping = connection.query("SELECT SLEEP(120) AS slept").then(
    () => null,
    (error: unknown) => error as Error & { code?: string },
  );
  const watcher = await bridgedConnection(options);
  watcher.on("error", () => {});
  for (;;) {
    const [active] = await watcher.query<mysql.RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(120) AS slept'",
    );
    if (Number(active[0]?.n ?? 0) > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  log({ step: "in-flight" });
  const socket = sockets[0];
  const socketEnded = new Promise<boolean>((resolve) => {
    if (socket === undefined || socket.readableEnded) resolve(socket !== undefined);
    else socket.once("end", () => resolve(true)).once("close", () => resolve(socket.readableEnded));
  });
  const lost = await sleeping;
  log({
    step: "killed",
    driverError: lost?.message ?? null,
    driverCode: lost?.code ?? null,
    bridgeSawEof: await socketEnded,
  });
  watcher.destroy();

  // Reconnect: refused while the server is down (the bridge's IoError, with Node's code, is what
  // mysql2 rejects with), then a new connection once the test has restarted it.
  let refusedLogged = false;
  for (let attempt = 0; ; attempt++) {
    try {
      const again = await bridgedConnection(options);
      again.on("error", () => {});
      const [count] = await again.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM items");
      log({ step: "reconnected", rows: Number(count[0]?.n) });
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
