// An app as its author writes it: spawnBlocking on the pool of Web Workers, and files on OPFS from
// the page's main thread (so through the adapter's OPFS worker). Built by Vite and by esbuild in
// bundlers.test.ts; the test reads what the app did from the page's title.
import { createWebRuntime, opfsFs } from "@anyrt/web";

async function main(): Promise<{ sum: number; inWorker: boolean; text: string }> {
  const runtime = createWebRuntime();
  const bytes = new TextEncoder().encode("hello, worker");
  const { sum, inWorker } = await runtime.blocking.spawnBlocking<{ sum: number; inWorker: boolean }>({
    module: new URL("./tasks.js", import.meta.url),
    export: "checksum",
    args: [bytes],
  });
  const fs = opfsFs();
  const dir = await fs.makeTempDir("bundled-app-");
  await fs.writeFile(`${dir}/note.txt`, "written from a bundled app");
  const text = await fs.readTextFile(`${dir}/note.txt`);
  await fs.remove(dir, { recursive: true });
  return { sum, inWorker, text };
}

main().then(
  (result) => {
    document.title = JSON.stringify(result);
  },
  (error: unknown) => {
    document.title = `failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  },
);
