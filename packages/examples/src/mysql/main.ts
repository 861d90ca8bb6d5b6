// `mysql2` unmodified over anyrt's socket bridge, as a program: `node src/mysql/main.ts <port>
// [host]` against a MariaDB or MySQL server, logging in as ANYRT_MYSQL_USER (default `anyrt`) with
// ANYRT_MYSQL_PASSWORD to the database ANYRT_MYSQL_DATABASE (default `anyrt`); the same on Deno
// (`deno run --allow-net --allow-env`) and Bun. It greets in five lines, then prints one JSON line
// per step of scenario.ts.
import process from "node:process";
import { runtime } from "@anyrt/auto";
import { createNodeSocket } from "@anyrt/compat/node";
import mysql from "mysql2/promise";
import { runMysqlScenario } from "./scenario.ts";

const port = Number(process.argv[2] ?? "3306");
const host = process.argv[3] ?? "127.0.0.1";
const user = process.env.ANYRT_MYSQL_USER ?? "anyrt";
const password = process.env.ANYRT_MYSQL_PASSWORD ?? "";
const database = process.env.ANYRT_MYSQL_DATABASE ?? "anyrt";

const stream = () => createNodeSocket(runtime).connect(port, host);
const connection = await mysql.createConnection({ host, port, user, password, database, stream });
const [rows] = await connection.query<mysql.RowDataPacket[]>("SELECT 'hello from mysql2 over anyrt' AS greeting");
console.log(JSON.stringify({ step: "greeting", greeting: rows[0]?.greeting }));
await connection.end();

await runMysqlScenario({
  runtime,
  host,
  port,
  user,
  password,
  database,
  log: (line) => console.log(JSON.stringify(line)),
});
