// Runs the conformance suite's `fs/*` cases on opfsFs inside a dedicated worker, where the OPFS
// engine works in the calling thread on sync access handles (no OPFS worker), and posts the results
// back. With `#open=<path>` it only tries to open that file for writing and posts the outcome.
// Started by opfs.browser.test.ts.
import { cases, runSuite } from "@anyrt/conformance";
import { defineRuntime } from "@anyrt/core";
import { opfsAvailable, opfsFs } from "../src/fs/index.ts";

const runtime = () =>
  defineRuntime({
    id: "chromium",
    version: "worker",
    adapter: "@anyrt/web",
    capabilities: {
      tcp: false,
      tls: false,
      fs: { available: true, atomicWrite: false },
      process: false,
      blocking: false,
      udp: false,
      unix: false,
      dns: false,
    },
    facts: { tcp: null, unix: null },
    fs: opfsFs(),
  });

// In the hash: Vite would not compile a `.ts` module requested with a query.
const openPath = new URLSearchParams(location.hash.slice(1)).get("open");

if (openPath !== null) {
  opfsFs()
    .open(openPath, { write: true })
    .then(
      async (file) => {
        await file.close();
        postMessage({ opened: true });
      },
      (error: { kind?: string; message?: string }) => postMessage({ kind: error.kind, message: error.message }),
    );
} else {
  runSuite(
    {
      runtime: "chromium",
      runtimeVersion: "worker",
      adapter: "@anyrt/web",
      setup: async () => ({ runtime: runtime() }),
    },
    cases.filter((testCase) => testCase.id.startsWith("fs/")),
  ).then(
    (run) =>
      postMessage({
        available: opfsAvailable(),
        syncHandles: typeof (globalThis as { FileSystemSyncAccessHandle?: unknown }).FileSystemSyncAccessHandle,
        cases: run.cases,
      }),
    (error: unknown) => postMessage({ error: String(error) }),
  );
}
