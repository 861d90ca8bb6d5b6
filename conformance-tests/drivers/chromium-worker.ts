/**
 * The dedicated-worker side of the Chromium conformance driver: the page (`chromium-page.ts`)
 * starts this module worker and posts it `{ version, relay, rendezvous, tlsPeers }`; it runs the browser adapter's target in
 * the worker's realm (where OPFS has sync access handles and workers start workers) as the run
 * `@anyrt/web:worker`, and posts back the driver's protocol lines (`{ line }`) and its exit code
 * (`{ exit }`).
 * @module
 */
import * as auto from "@anyrt/auto";
import type { RendezvousAddress, TlsPeersDescription } from "@anyrt/conformance";
import { webConformanceTarget } from "@anyrt/web/conformance";
import { runTargets } from "./driver.ts";

/** The worker's global scope, as far as this module uses it (the drivers compile without the DOM library). */
declare const self: {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: WorkerStart }) => void) | null;
};

/** What the page posts to start the run. */
interface WorkerStart {
  readonly version: string;
  readonly relay?: string | undefined;
  readonly rendezvous: RendezvousAddress;
  /** The host's TLS peers, for the `tls/*` cases. */
  readonly tlsPeers?: TlsPeersDescription | undefined;
}

self.onmessage = (event) => {
  self.onmessage = null;
  const { version, relay, rendezvous, tlsPeers } = event.data;
  runTargets({
    runtime: "chromium",
    runtimeVersion: version,
    args: ["--targets", "chromium"],
    writeLine: (line) => self.postMessage({ line }),
    writeError: (text) => self.postMessage({ line: `${JSON.stringify({ type: "stderr", text })}\n` }),
    exit: () => {
      throw new Error("exit");
    },
    adapter: {
      name: "@anyrt/web:worker",
      load: async () =>
        webConformanceTarget({ runtimeVersion: version, relay, rendezvous, tlsPeers, adapter: "@anyrt/web:worker" }),
    },
    resolveAuto: async () => ({ adapter: String(auto.runtime.adapter) }),
  }).then(
    (code) => self.postMessage({ exit: code }),
    (error: unknown) => {
      const text = `${error instanceof Error ? error.message : String(error)}\n`;
      self.postMessage({ line: `${JSON.stringify({ type: "stderr", text })}\n` });
      self.postMessage({ exit: 2 });
    },
  );
};
