// Serves the page (index.html, and page.ts bundled for the browser with esbuild) and the WebSocket
// relay the page's TCP goes through, both on 127.0.0.1: `node src/browser/serve.ts <tcp-port>`,
// then open the URL it prints. The relay lets the page reach 127.0.0.1:<tcp-port> and nothing
// else; start a TCP server there first, such as `node src/echo-server.ts`.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { runtime } from "@anyrt/auto";
import { serveWebSocketRelay } from "@anyrt/web/relay";
import { build } from "esbuild";

const target = Number(process.argv[2]);
const here = new URL(".", import.meta.url);

// Loopback only, and only the one port: a relay is an open door to whatever `allow` admits.
const relay = await serveWebSocketRelay(runtime, {
  hostname: "127.0.0.1",
  port: 0,
  path: "/tcp",
  allow: (hostname, port) => hostname === "127.0.0.1" && port === target,
});

const bundle = await build({
  entryPoints: [new URL("page.ts", here).pathname],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  write: false,
  logLevel: "error",
});
const files: Record<string, { type: string; body: string | Uint8Array }> = {
  "/": { type: "text/html; charset=utf-8", body: readFileSync(new URL("index.html", here), "utf8") },
  "/page.js": { type: "text/javascript; charset=utf-8", body: bundle.outputFiles[0]?.contents ?? "" },
};

const server = createServer((request, response) => {
  const file = files[new URL(request.url ?? "/", "http://127.0.0.1").pathname];
  response.writeHead(file === undefined ? 404 : 200, { "content-type": file?.type ?? "text/plain" });
  response.end(file?.body ?? "not found");
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  const query = new URLSearchParams({ relay: relay.url, port: String(target) });
  console.log(`open http://127.0.0.1:${port}/?${query}`);
});
