// The page's script: opens a TCP connection through the WebSocket relay that serve.ts runs, sends
// a line, half-closes and shows what the TCP server sent back. The relay's URL and the TCP port
// come from the page's query string (serve.ts prints the whole URL).
import { readToString, writeAll } from "@anyrt/core";
import { createWebRuntime } from "@anyrt/web";

const params = new URL(location.href).searchParams;
const output = document.querySelector("#output") as HTMLElement;
try {
  const runtime = createWebRuntime({ relay: params.get("relay") ?? "" });
  await using stream = await runtime.tcp.connect({ hostname: "127.0.0.1", port: Number(params.get("port")) });
  await writeAll(stream, new TextEncoder().encode("hello from the page"));
  await stream.shutdown(); // the relay half-closes the TCP connection: the server reads EOF
  output.textContent = await readToString(stream);
} catch (error) {
  output.textContent = `failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
}
document.body.dataset.done = "true";
