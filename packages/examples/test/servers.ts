// Real Debian database servers for the examples' tests: each started on 127.0.0.1 with its own data
// directory and port, as a user would start one by hand, killed mid-query and restarted on the same
// data, and stopped (data removed) at the end. Works from Node, Deno and Bun (node:child_process).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Whether this run is CI's, where a missing server is a failure rather than a skip. */
export const inCi = process.env.CI === "true";

/** The first of `paths` that exists. */
export function findBinary(paths: readonly string[]): string | undefined {
  return paths.find((path) => existsSync(path));
}

/** PostgreSQL's server binaries (Debian keeps them under /usr/lib/postgresql/<major>/bin), newest major first. */
export function postgresBinaries(): { initdb: string; postgres: string } | undefined {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const major of majors) {
    const bin = join(root, major, "bin");
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "postgres"))) {
      return { initdb: join(bin, "initdb"), postgres: join(bin, "postgres") };
    }
  }
  return undefined;
}

/** MariaDB's server and its data-directory installer (Debian's mariadb-server). */
export function mariadbBinaries(): { install: string; server: string } | undefined {
  const install = findBinary(["/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"]);
  const server = findBinary(["/usr/sbin/mariadbd", "/usr/sbin/mysqld"]);
  return install === undefined || server === undefined ? undefined : { install, server };
}

/**
 * The title of a describe block that needs `server`: as it is when the server is installed (or in
 * CI, where the tests then fail on the missing binary), and otherwise with the reason it is skipped.
 */
export function titleNeeding(title: string, server: string, installed: boolean): string {
  return installed || inCi ? title : `${title} (skipped: ${server} is not installed here; .ci/run installs it)`;
}

/** A TCP port on 127.0.0.1 that nobody listens on right now. */
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

/** A server process: started by {@link startServer}, killed, restarted on the same data, stopped. */
export interface RunningServer {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** Its data directory (removed by `stop()`). */
  readonly dataDir: string;
  /** Everything it wrote to stdout and stderr, for failure messages. */
  output(): string;
  /** SIGKILL to the server and every process it started (no shutdown); resolves once it exited. */
  kill(): Promise<void>;
  /** Starts it again on the same data directory and port; resolves once it is ready. */
  restart(): Promise<void>;
  /** Kills it if running and removes its data directory. */
  stop(): Promise<void>;
}

/** How to run one server: its command line, the log line that says it is ready, and its user. */
export interface ServerSpec {
  /** For messages: `"postgres"`, `"mariadbd"`, `"redis-server"`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** The output line that says it accepts connections. */
  readonly ready: RegExp;
  /** The system user to run it as when this process is root (servers refuse to run as root). */
  readonly user?: string | undefined;
  readonly port: number;
  readonly dataDir: string;
  /** How long to wait for `ready`. Default 60 s (a loaded 2-core machine). */
  readonly timeoutMs?: number | undefined;
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/**
 * `command` in a session of its own (so that killing its process group takes the workers it
 * forked too), as `user` when this process is root.
 */
function sessionCommand(user: string | undefined, command: string, args: readonly string[]): [string, string[]] {
  const asUser =
    isRoot && user !== undefined
      ? ["/usr/bin/setpriv", `--reuid=${user}`, `--regid=${user}`, "--init-groups", "--", command, ...args]
      : [command, ...args];
  return ["/usr/bin/setsid", asUser];
}

/** Runs `command` to its end; throws with its output when it fails. */
export function runChecked(command: string, args: readonly string[], user?: string): void {
  const [executable, argv] = sessionCommand(user, command, args);
  const result = spawnSync(executable, argv, { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${result.status}: ${result.stdout}${result.stderr}`);
  }
}

/** Hands `path` to `user` when this process is root (the server writes there as that user). */
export function chownTo(path: string, user: string): void {
  if (isRoot) runChecked("/bin/chown", ["-R", `${user}:${user}`, path]);
}

/** A fresh data directory under the system's temporary directory. */
export function makeDataDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `anyrt-${prefix}-`));
}

/** Starts `spec`'s server and resolves once it logged `spec.ready`. */
export async function startServer(spec: ServerSpec): Promise<RunningServer> {
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = "";
  const launch = (): Promise<void> => {
    const [executable, argv] = sessionCommand(spec.user, spec.command, spec.args);
    const process_ = spawn(executable, argv, { stdio: ["ignore", "pipe", "pipe"] });
    child = process_;
    const started = output.length;
    exited = new Promise((resolve) => process_.once("exit", () => resolve()));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${spec.name} did not log ${spec.ready} within ${spec.timeoutMs ?? 60_000} ms: ${output}`));
      }, spec.timeoutMs ?? 60_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (spec.ready.test(output.slice(started))) {
          clearTimeout(timer);
          resolve();
        }
      };
      process_.stdout?.on("data", onData);
      process_.stderr?.on("data", onData);
      process_.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${spec.name} exited (${code ?? signal}) before it was ready: ${output}`));
      });
    });
  };
  const kill = async (): Promise<void> => {
    const running = child;
    if (running === null || running.pid === undefined) return;
    child = null;
    if (running.exitCode === null && running.signalCode === null) {
      // The whole process group: a PostgreSQL backend or a MariaDB thread dies with its server.
      spawnSync("/bin/kill", ["-KILL", "--", `-${running.pid}`]);
    }
    await exited;
    // The server's own exit can come before its workers' (a PostgreSQL backend still attached to
    // the shared memory a restart checks): wait until nothing of the process group is left.
    for (let i = 0; i < 200; i++) {
      if (spawnSync("/bin/kill", ["-0", "--", `-${running.pid}`], { stdio: "ignore" }).status !== 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${spec.name}: processes of group ${running.pid} still run 10 s after SIGKILL`);
  };
  try {
    await launch();
  } catch (error) {
    await kill();
    throw error;
  }
  return {
    port: spec.port,
    dataDir: spec.dataDir,
    output: () => output,
    kill,
    restart: async () => {
      await kill();
      await launch();
    },
    stop: async () => {
      await kill();
      rmSync(spec.dataDir, { recursive: true, force: true });
    },
  };
}

/** A server's TLS certificate and key (PEM), as the suite's `makeTestCertificates` makes them. */
export interface ServerCertificate {
  readonly certificate: string;
  readonly key: string;
}

/**
 * Debian's PostgreSQL on 127.0.0.1: `initdb` into a fresh data directory (user `postgres`, trust
 * authentication on 127.0.0.1, no Unix socket), then `postgres` on a free port. With `tls`, also
 * `ssl=on` with that certificate and key: clients choose plaintext or TLS (`SSLRequest`), as on a
 * default Debian install.
 */
export async function startPostgres(tls?: ServerCertificate): Promise<RunningServer> {
  const binaries = postgresBinaries();
  if (binaries === undefined) throw new Error("PostgreSQL is not installed (.ci/run installs postgresql)");
  const dataDir = makeDataDir("postgres");
  chownTo(dataDir, "postgres");
  const data = join(dataDir, "data");
  runChecked(
    binaries.initdb,
    ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync", "--no-instructions"],
    "postgres",
  );
  const ssl: string[] = [];
  if (tls !== undefined) {
    // PostgreSQL refuses a key file others can read.
    writeFileSync(join(data, "server.crt"), tls.certificate);
    writeFileSync(join(data, "server.key"), tls.key, { mode: 0o600 });
    chownTo(data, "postgres");
    ssl.push("-c", "ssl=on", "-c", "ssl_cert_file=server.crt", "-c", "ssl_key_file=server.key");
  }
  const port = await freePort();
  return startServer({
    name: "postgres",
    command: binaries.postgres,
    args: ["-D", data, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-k", "", "-c", "fsync=off", ...ssl],
    ready: /database system is ready to accept connections/,
    user: "postgres",
    port,
    dataDir,
  });
}

/** The user and password {@link startMariadb} creates. */
export const mariadbUser = { user: "anyrt", password: "anyrt-secret", database: "anyrt" } as const;

/**
 * Debian's MariaDB on 127.0.0.1: `mariadb-install-db` into a fresh data directory, then `mariadbd`
 * on a free port, with a password user {@link mariadbUser} (mysql_native_password over TCP) and
 * its database made by an init file. With `tls`, the server also offers TLS with that certificate
 * and key (`--ssl-cert`, `--ssl-key`); clients choose.
 */
export async function startMariadb(tls?: ServerCertificate): Promise<RunningServer> {
  const binaries = mariadbBinaries();
  if (binaries === undefined) throw new Error("MariaDB is not installed (.ci/run installs mariadb-server)");
  const dataDir = makeDataDir("mariadb");
  const data = join(dataDir, "data");
  const { user, password, database } = mariadbUser;
  writeFileSync(
    join(dataDir, "init.sql"),
    `CREATE DATABASE IF NOT EXISTS ${database};\n` +
      `CREATE USER IF NOT EXISTS '${user}'@'127.0.0.1' IDENTIFIED BY '${password}';\n` +
      `GRANT ALL ON ${database}.* TO '${user}'@'127.0.0.1';\n`,
  );
  chownTo(dataDir, "mysql");
  runChecked(
    binaries.install,
    ["--no-defaults", `--datadir=${data}`, "--auth-root-authentication-method=normal", "--skip-test-db"],
    "mysql",
  );
  const ssl: string[] = [];
  if (tls !== undefined) {
    writeFileSync(join(dataDir, "server.crt"), tls.certificate);
    writeFileSync(join(dataDir, "server.key"), tls.key, { mode: 0o600 });
    chownTo(dataDir, "mysql");
    ssl.push(`--ssl-cert=${join(dataDir, "server.crt")}`, `--ssl-key=${join(dataDir, "server.key")}`);
  }
  const port = await freePort();
  return startServer({
    name: "mariadbd",
    command: binaries.server,
    args: [
      "--no-defaults",
      `--datadir=${data}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      `--socket=${join(dataDir, "mariadbd.sock")}`,
      `--pid-file=${join(dataDir, "mariadbd.pid")}`,
      `--init-file=${join(dataDir, "init.sql")}`,
      "--skip-name-resolve",
      "--innodb-buffer-pool-size=32M",
      "--innodb-log-file-size=8M",
      ...ssl,
    ],
    ready: /ready for connections/,
    user: "mysql",
    port,
    dataDir,
  });
}
