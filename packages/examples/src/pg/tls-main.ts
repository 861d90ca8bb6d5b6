// `pg` unmodified over TLS through anyrt's socket bridge, as a program: `node src/pg/tls-main.ts
// <port> [host]` against a PostgreSQL server with `ssl=on` whose certificate is signed by the CA
// in ANYRT_PG_CA (PEM; ANYRT_PG_OTHER_CA is one that did not sign it). The same on Deno (`deno run
// --allow-net --allow-env --allow-read`) and Bun. It greets in a few lines (the README shows them),
// then prints one JSON line per step of tls.ts.
import process from "node:process";
import { runtime } from "@anyrt/auto";
import pg from "pg";
import { runPgTlsScenario, sslSocket } from "./tls.ts";

const port = Number(process.argv[2] ?? "5432");
const host = process.argv[3] ?? "127.0.0.1";
const ca = process.env.ANYRT_PG_CA ?? "";
const otherCa = process.env.ANYRT_PG_OTHER_CA ?? "";

const client = new pg.Client({ host, port, user: "postgres", stream: () => sslSocket(runtime, [ca]) });
await client.connect();
const { rows } = await client.query("SELECT 'hello from pg over anyrt TLS' AS greeting");
console.log(JSON.stringify({ step: "greeting", greeting: rows[0].greeting }));
await client.end();

await runPgTlsScenario({
  runtime,
  host,
  port,
  ca,
  otherCa,
  driverSsl: false,
  log: (line) => console.log(JSON.stringify(line)),
});
