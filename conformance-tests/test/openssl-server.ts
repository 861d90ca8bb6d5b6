// `openssl s_server` as a TLS peer anyrt did not write, for the adapters' real-peer tests on Node,
// Deno and Bun. Written against an anyrt `Runtime` (its files and processes), so that each adapter's
// tests start it on their own runtime: the run's test certificates in a temporary directory,
// `-rev` (each line sent back reversed; close_notify after the client's), and the port it printed.
import type { TestCertificates } from "@anyrt/conformance";
import type { Runtime } from "@anyrt/core";

/** A running `openssl s_server`. */
export interface OpensslServer {
  /** The port it accepts on, on 127.0.0.1. */
  readonly port: number;
  /** Kills it and removes its files. */
  stop(): Promise<void>;
}

/** Options of {@link startOpensslServer}. */
export interface OpensslServerOptions {
  /** The ALPN protocol it selects (`-alpn`). */
  readonly alpn?: string;
  /** How many connections it serves before exiting (`-naccept`); default 1. */
  readonly accept?: number;
}

/** Starts `openssl s_server -rev` with `certs.server` on 127.0.0.1 and a free port. */
export async function startOpensslServer(
  runtime: Runtime,
  certs: TestCertificates,
  options: OpensslServerOptions = {},
): Promise<OpensslServer> {
  const directory = await runtime.fs.makeTempDir("anyrt-openssl-");
  await runtime.fs.writeFile(`${directory}/cert.pem`, certs.server.certificate);
  await runtime.fs.writeFile(`${directory}/key.pem`, certs.server.key);
  const args = ["s_server", "-accept", "127.0.0.1:0", "-cert", "cert.pem", "-key", "key.pem", "-rev"];
  args.push("-naccept", String(options.accept ?? 1));
  if (options.alpn !== undefined) args.push("-alpn", options.alpn);
  const child = await runtime.process.spawn({ command: "openssl", args, cwd: directory, stdin: "null" });
  const stop = async () => {
    child.kill("SIGKILL");
    await child.status;
    await runtime.fs.remove(directory, { recursive: true });
  };
  try {
    const stdout = child.stdout;
    if (stdout === null) throw new Error("openssl s_server: no stdout");
    const decoder = new TextDecoder();
    const buf = new Uint8Array(4096);
    let output = "";
    for (;;) {
      const match = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(output);
      if (match !== null) return { port: Number(match[1]), stop };
      const n = await runtime.time.timeout(10_000, (signal) => stdout.read(buf, { signal }));
      if (n === 0) throw new Error(`openssl s_server exited before listening: ${output}`);
      output += decoder.decode(buf.subarray(0, n), { stream: true });
    }
  } catch (error) {
    await stop();
    throw error;
  }
}
