// `pg` unmodified over anyrt's socket bridge, as a program: `node src/pg/main.ts <port> [host]`
// against a PostgreSQL server (trust authentication for user postgres); the same on Deno
// (`deno run --allow-net --allow-env --allow-read`) and Bun. It greets in five lines (the compat
// README shows them), then prints one JSON line per step of scenario.ts.
import process from "node:process";
import { runtime } from "@anyrt/auto";
import { createNodeSocket } from "@anyrt/compat/node";
import pg from "pg";
import { runPgScenario } from "./scenario.ts";

const port = Number(process.argv[2] ?? "5432");
const host = process.argv[3] ?? "127.0.0.1";

const client = new pg.Client({ host, port, user: "postgres", stream: () => createNodeSocket(runtime) });
await client.connect();
const { rows } = await client.query("SELECT 'hello from pg over anyrt' AS greeting");
console.log(JSON.stringify({ step: "greeting", greeting: rows[0].greeting }));
await client.end();

await runPgScenario({ runtime, host, port, log: (line) => console.log(JSON.stringify(line)) });
