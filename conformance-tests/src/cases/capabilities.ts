/**
 * `capabilities/*`: the capability manifest, and undeclared capabilities failing with kind `Unsupported`.
 * @module
 */
import { capabilities } from "@anyrt/core";
import { equal, ok, rejectsWithKind } from "../assert.ts";
import type { ConformanceCase } from "../case.ts";

/** Where a call to an undeclared capability would do harm if it went through: nowhere that exists. */
const nowhere = "/anyrt-conformance-nonexistent-dir/file";

export const capabilityCases: ConformanceCase[] = [
  {
    id: "capabilities/manifest-names-every-capability",
    title: "the runtime names itself and states every capability of core's list as a boolean, and supports() agrees",
    requires: [],
    async run({ runtime }) {
      ok(typeof runtime.id === "string" && runtime.id.length > 0, `runtime.id ${String(runtime.id)}`);
      ok(typeof runtime.version === "string" && runtime.version.length > 0, `runtime.version ${runtime.version}`);
      ok(typeof runtime.adapter === "string" && runtime.adapter.length > 0, `runtime.adapter ${runtime.adapter}`);
      const manifest = runtime.capabilities as Readonly<Record<string, unknown>>;
      for (const capability of capabilities) {
        equal(typeof manifest[capability], "boolean", `typeof capabilities["${capability}"]`);
        equal(runtime.supports(capability), manifest[capability], `supports("${capability}")`);
      }
      const unknown = Object.keys(manifest).filter((key) => !(capabilities as readonly string[]).includes(key));
      equal(unknown.join(","), "", "capabilities not in core's list");
    },
  },
  {
    id: "capabilities/undeclared-tcp-connect-is-unsupported",
    title: "tcp.connect on a runtime without tcp.connect rejects with Unsupported",
    requires: ["!tcp.connect"],
    async run({ runtime }) {
      await rejectsWithKind(runtime.tcp.connect({ hostname: "127.0.0.1", port: 9 }), "Unsupported", "tcp.connect");
    },
  },
  {
    id: "capabilities/undeclared-tcp-listen-is-unsupported",
    title: "tcp.listen on a runtime without tcp.listen rejects with Unsupported",
    requires: ["!tcp.listen"],
    async run(ctx) {
      const listening = ctx.runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
      listening.then(
        (listener) => ctx.defer(() => listener.close()),
        () => {},
      );
      await rejectsWithKind(listening, "Unsupported", "tcp.listen");
    },
  },
  {
    id: "capabilities/undeclared-fs-is-unsupported",
    title: "every fs method on a runtime without fs rejects with Unsupported",
    requires: ["!fs"],
    async run({ runtime }) {
      const { fs } = runtime;
      await rejectsWithKind(fs.open(nowhere), "Unsupported", "fs.open");
      await rejectsWithKind(fs.readFile(nowhere), "Unsupported", "fs.readFile");
      await rejectsWithKind(fs.readTextFile(nowhere), "Unsupported", "fs.readTextFile");
      await rejectsWithKind(fs.writeFile(nowhere, "x"), "Unsupported", "fs.writeFile");
      await rejectsWithKind(fs.stat(nowhere), "Unsupported", "fs.stat");
      await rejectsWithKind(fs.remove(nowhere), "Unsupported", "fs.remove");
      await rejectsWithKind(fs.mkdir(nowhere), "Unsupported", "fs.mkdir");
      await rejectsWithKind(fs.makeTempDir("anyrt-unsupported-"), "Unsupported", "fs.makeTempDir");
    },
  },
  {
    id: "capabilities/undeclared-process-is-unsupported",
    title: "process.spawn and process.output on a runtime without process reject with Unsupported",
    requires: ["!process"],
    async run({ runtime }) {
      const command = { command: "/anyrt-conformance-nonexistent-program" };
      await rejectsWithKind(runtime.process.spawn(command), "Unsupported", "process.spawn");
      await rejectsWithKind(runtime.process.output(command), "Unsupported", "process.output");
    },
  },
  {
    id: "capabilities/undeclared-blocking-is-unsupported",
    title: "spawnBlocking on a runtime without blocking rejects with Unsupported, and poolSize is 0",
    requires: ["!blocking"],
    async run({ runtime }) {
      equal(runtime.blocking.poolSize, 0, "blocking.poolSize");
      const module = "data:text/javascript,export default () => 1";
      await rejectsWithKind(runtime.blocking.spawnBlocking({ module }), "Unsupported", "blocking.spawnBlocking");
    },
  },
  {
    id: "capabilities/unsupported-error-names-the-capability",
    title: "the Unsupported error names the capability that is missing",
    requires: ["!tcp.connect"],
    async run({ runtime }) {
      const error = await runtime.tcp.connect({ hostname: "127.0.0.1", port: 9 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      ok(error instanceof Error && error.message.includes("tcp.connect"), `message: ${String(error)}`);
    },
  },
];
