// Builds the README's Worker the two ways the README gives (wrangler's bundling, and esbuild with
// wrangler's export conditions), from the packages' built `dist` as an installed package resolves,
// with no anyrt-specific define or plugin; serves each bundle with `workerd serve` on the README's
// config and has it send PING to a TCP server on 127.0.0.1, which answers once the Worker's FIN
// arrives. A module that read `import.meta.url` (undefined in workerd) as it loaded would fail here.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const bin = join(root, "node_modules", ".bin");
const readme = readFileSync(join(here, "..", "README.md"), "utf8");

/** The README's fenced blocks of one language, in order. */
function blocks(language: string): string[] {
  // A fence may carry attributes after its language (```ts not-run="..."), read by the examples test.
  return [...readme.matchAll(new RegExp(`\`\`\`${language}(?:[ \\t][^\\n]*)?\\n([\\s\\S]*?)\`\`\``, "g"))].map(
    (match) => match[1] ?? "",
  );
}

/** The README's shell command that runs `tool`, without `npx` (the tools are this repository's). */
function command(tool: string): string {
  const line = blocks("sh")
    .map((block) => block.replace(/\\\n\s*/g, ""))
    .flatMap((block) => block.split("\n"))
    .find((candidate) => candidate.startsWith(`npx ${tool} `));
  if (line === undefined) throw new Error(`README.md has no \`npx ${tool}\` command`);
  return line.replace(/^npx /, "").replace(/\s+#.*$/, "");
}

/** Runs a shell command in `cwd` with the repository's tools first on PATH; resolves its output. */
function sh(line: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", line], {
      cwd,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false", CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${line} exited ${code}:\n${output}`)),
    );
  });
}

function listening(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("not listening on TCP");
  return address.port;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = listening(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Serves `worker` with `workerd serve` on the README's config; resolves once it answers HTTP. */
async function serve(directory: string, worker: string): Promise<{ origin: string; child: ChildProcess }> {
  const port = await freePort();
  const config = blocks("capnp")
    .find((block) => block.includes("Workerd.Config"))
    ?.replace("127.0.0.1:8787", `127.0.0.1:${port}`)
    .replace('embed "dist/worker.js"', `embed "${worker}"`);
  if (config === undefined) throw new Error("README.md has no workerd config");
  writeFileSync(join(directory, "config.capnp"), config);
  const child = spawn(join(bin, "workerd"), ["serve", "config.capnp"], { cwd: directory, stdio: "pipe" });
  let log = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    log += chunk;
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    log += chunk;
  });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode}: ${log}`);
    try {
      await (await fetch(`${origin}/health`, { method: "HEAD" })).arrayBuffer();
      return { origin, child };
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`workerd did not answer within 60 s: ${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe("a Worker built as the README says", () => {
  const scratch = join(root, ".tmp", "workerd-build");
  /** A Redis-like server: reads the request until the client's FIN, then answers and closes. */
  let server: Server;
  const requests: string[] = [];

  beforeAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    const example = blocks("ts")[0];
    if (example === undefined) throw new Error("README.md has no ```ts block");
    writeFileSync(join(scratch, "worker.ts"), example);
    const wrangler = blocks("jsonc").find((block) => block.includes('"main"'));
    if (wrangler === undefined) throw new Error("README.md has no wrangler.jsonc");
    writeFileSync(join(scratch, "wrangler.jsonc"), wrangler);
    server = createServer({ allowHalfOpen: true }, (socket) => {
      let request = "";
      socket.on("data", (chunk) => {
        request += chunk;
      });
      socket.on("end", () => {
        requests.push(request);
        socket.end(request === "PING\r\n" ? "+PONG\r\n" : "-ERR\r\n");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });

  afterAll(() => {
    server?.close();
  });

  const builds = [
    { name: "wrangler deploy --dry-run", tool: "wrangler", output: "dist-wrangler" },
    { name: "esbuild with workerd's conditions", tool: "esbuild", output: "dist-esbuild" },
  ];
  for (const { name, tool, output } of builds) {
    it(`built with ${name}, it loads in workerd and talks TCP to 127.0.0.1 with a half-close`, async () => {
      await sh(command(tool).replace(/\bdist\b/, output), scratch);
      const worker = `${output}/worker.js`;
      expect(statSync(join(scratch, worker)).size).toBeGreaterThan(0);
      const { origin, child } = await serve(scratch, worker);
      try {
        const before = requests.length;
        const response = await fetch(`${origin}/?port=${listening(server)}`);
        expect(await response.text()).toBe("+PONG\r\n");
        expect(response.status).toBe(200);
        expect(requests.slice(before)).toEqual(["PING\r\n"]);
      } finally {
        child.kill("SIGKILL");
      }
    }, 180_000);
  }
});
