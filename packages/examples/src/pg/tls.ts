// The unmodified `pg` driver over TLS through anyrt's socket bridge, with the server's certificate
// verified against a CA the caller trusts. Two ways in, both without patching pg:
// - `sslSocket`: the bridge negotiates TLS itself (Postgres' SSLRequest, then runtime.tls.upgrade)
//   before pg sees the socket, and pg runs with `ssl: false`. This is the way on Node, Deno and
//   Bun: there pg's own SSL path calls `tls.connect({ socket })` from node:tls, which would wrap
//   the bridge in the runtime's Node TLS instead of anyrt's (and on Deno and Bun is not theirs).
// - pg's own `ssl` option on Workers: there pg calls `socket.startTls(options)` (pg-cloudflare's
//   interface) after its SSLRequest, and the bridge upgrades in place through runtime.tls.
// tls-main.ts runs the scenario on Node, Deno and Bun, tls-worker.ts inside a Worker.
import { createNodeSocket, type NodeSocket, type NodeSocketRuntime } from "@anyrt/compat/node";
import { IoError, isIoError, readExact, type TcpStream, writeAll } from "@anyrt/core";
import pg from "pg";

/** Postgres' SSLRequest: length 8, then the code 80877103. */
const sslRequestMessage = new Uint8Array([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/**
 * Asks the server for TLS (Postgres' `SSLRequest`) on a plaintext stream: resolves once it
 * answered `S`; a server without SSL (`N`) is `Unsupported`, any other answer `InvalidData`.
 * For the bridge's `tls.negotiate`.
 */
export async function sslRequest(stream: TcpStream, signal?: AbortSignal): Promise<void> {
  const options = signal === undefined ? undefined : { signal };
  await writeAll(stream, sslRequestMessage, options);
  const answer = new Uint8Array(1);
  await readExact(stream, answer, options);
  if (answer[0] === 0x53) return;
  if (answer[0] === 0x4e) throw new IoError("Unsupported", "postgres SSLRequest: the server does not accept SSL");
  throw new IoError("InvalidData", `postgres SSLRequest: unexpected answer byte ${answer[0]}`);
}

/**
 * A socket for pg's `stream` option that connects with TLS: SSLRequest, then anyrt's handshake,
 * verifying the server against `ca` and `serverName`; give pg `ssl: false` with it.
 */
export function sslSocket(runtime: NodeSocketRuntime, ca: readonly string[], serverName?: string): NodeSocket {
  return createNodeSocket(runtime, {
    tls: { caCertificates: ca, ...(serverName === undefined ? {} : { serverName }), negotiate: sslRequest },
  });
}

/** Where the server is, what to trust, and how the scenario reports each step. */
export interface PgTlsScenarioOptions {
  readonly runtime: NodeSocketRuntime;
  readonly host: string;
  readonly port: number;
  /** The CA that signed the server's certificate (PEM). */
  readonly ca: string;
  /** A CA that did not (PEM): trusting only it must fail. */
  readonly otherCa: string;
  /** Also run pg's own `ssl` option (its Workers path, which calls the bridge's `startTls`). */
  readonly driverSsl: boolean;
  readonly log: (line: Record<string, unknown>) => void;
}

/** What a failed connect says: the kind on the anyrt side, the code and message on the driver's. */
function failureOf(error: unknown): Record<string, unknown> {
  const { code, message } = error as { code?: string; message?: string };
  return { ioErrorKind: isIoError(error) ? error.kind : null, code: code ?? null, message: message ?? String(error) };
}

/** Runs `client` through a TLS check and a few statements; resolves to what it saw. */
async function exercise(client: pg.Client, socket: () => NodeSocket | undefined): Promise<Record<string, unknown>> {
  await client.connect();
  try {
    const ssl = await client.query<{ ssl: boolean; version: string | null }>(
      "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    );
    await client.query("CREATE TEMP TABLE secrets (id serial PRIMARY KEY, name text NOT NULL)");
    for (let i = 0; i < 20; i++) await client.query("INSERT INTO secrets (name) VALUES ($1)", [`secret ${i}`]);
    const selected = await client.query<{ n: number; last: string }>(
      "SELECT count(*)::int AS n, max(name) AS last FROM secrets",
    );
    const bridge = socket();
    const peer = bridge?.getPeerCertificate();
    return {
      serverSaysSsl: ssl.rows[0]?.ssl ?? null,
      serverTlsVersion: ssl.rows[0]?.version ?? null,
      encrypted: bridge?.encrypted ?? null,
      authorized: bridge?.authorized ?? null,
      protocol: bridge?.getProtocol() ?? null,
      peerCommonName: peer !== undefined && "subject" in peer ? peer.subject.CN : null,
      rows: selected.rows[0]?.n,
      last: selected.rows[0]?.last,
    };
  } finally {
    await client.end();
  }
}

/**
 * Runs the scenario: connect over TLS and use the connection (and once more through pg's own
 * `ssl` option when `driverSsl`), then a certificate for another name and an untrusted CA, each
 * failing with its kind. One JSON line per step.
 */
export async function runPgTlsScenario(options: PgTlsScenarioOptions): Promise<void> {
  const { runtime, host, port, ca, otherCa, log } = options;
  const base = { host, port, user: "postgres", database: "postgres" };

  let socket: NodeSocket | undefined;
  const bridged = new pg.Client({
    ...base,
    stream: () => {
      socket = sslSocket(runtime, [ca]);
      return socket;
    },
  });
  log({ step: "secured", ...(await exercise(bridged, () => socket)) });

  if (options.driverSsl) {
    let upgraded: NodeSocket | undefined;
    const ownSsl = new pg.Client({
      ...base,
      ssl: { ca },
      stream: () => {
        upgraded = createNodeSocket(runtime, { upgradable: true });
        return upgraded;
      },
    });
    log({ step: "driver-ssl", ...(await exercise(ownSsl, () => upgraded)) });
  }

  const refused = async (step: string, stream: () => NodeSocket) => {
    const client = new pg.Client({ ...base, stream });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.end();
      log({ step, connected: true });
    } catch (error) {
      log({ step, connected: false, ...failureOf(error) });
    }
  };
  await refused("wrong-name", () => sslSocket(runtime, [ca], "wrong.invalid"));
  await refused("untrusted", () => sslSocket(runtime, [otherCa]));
}
