// The unmodified `mysql2` driver over TLS through anyrt's socket bridge, inside a Worker. mysql2
// upgrades its socket with `tls.connect({ socket })` from `tls` and offers no hook, so the Worker is
// bundled with `tls` aliased to `@anyrt/compat/node/tls` (wrangler's `alias`): mysql2's own `ssl`
// option then upgrades the bridge socket in place through runtime.tls (workerd's `startTls()`),
// verifying the server against the configuration's trusted CA. tls-worker.ts runs it.
import { createNodeSocket, type NodeSocket, type NodeSocketRuntime } from "@anyrt/compat/node";
import mysql from "mysql2/promise";

/** Where the server is, who to log in as, what to trust, and how the scenario reports each step. */
export interface MysqlTlsScenarioOptions {
  readonly runtime: NodeSocketRuntime;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** The CA that signed the server's certificate (PEM). */
  readonly ca: string;
  readonly log: (line: Record<string, unknown>) => void;
}

/** Connects with mysql2's own `ssl` option over an upgradable bridge socket, uses the connection, and logs what both ends saw. */
export async function runMysqlTlsScenario(options: MysqlTlsScenarioOptions): Promise<void> {
  const { runtime, host, port, user, password, database, ca, log } = options;
  let socket: NodeSocket | undefined;
  const connection = await mysql.createConnection({
    host,
    port,
    user,
    password,
    database,
    ssl: { ca },
    // A Worker may not compile code from strings.
    disableEval: true,
    stream: () => {
      socket = createNodeSocket(runtime, { upgradable: true }).connect(port, host);
      return socket;
    },
  });
  try {
    const [status] = await connection.query<mysql.RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Ssl_version'");
    await connection.query("CREATE TEMPORARY TABLE secrets (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64))");
    for (let i = 0; i < 20; i++) {
      await connection.execute("INSERT INTO secrets (name) VALUES (?)", [`secret ${i}`]);
    }
    const [selected] = await connection.query<mysql.RowDataPacket[]>(
      "SELECT COUNT(*) AS n, MAX(name) AS last FROM secrets",
    );
    log({
      step: "secured",
      serverTlsVersion: status[0]?.Value ?? null,
      encrypted: socket?.encrypted ?? null,
      authorized: socket?.authorized ?? null,
      rows: Number(selected[0]?.n),
      last: selected[0]?.last,
    });
  } finally {
    await connection.end();
  }
}
