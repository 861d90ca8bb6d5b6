/**
 * Targets the suite ships: the in-memory reference pair from `@anyrt/core`, and a wrapper that
 * withdraws capabilities from any target to prove that undeclared capabilities are reported
 * unsupported and fail with kind `Unsupported`.
 * @module
 */
import {
  type Capability,
  type CapabilityManifest,
  defineRuntime,
  duplex,
  noCapabilities,
  type Runtime,
} from "@anyrt/core";
import type { ConformanceTarget, Fixture } from "./case.ts";

/**
 * The reference target: core's in-memory `duplex` pipe as the stream pair, on a runtime with no
 * I/O capability, hosted by whatever runtime runs the suite.
 */
export function memoryTarget(
  host: { runtime: string; runtimeVersion: string },
  capacity = 64 * 1024,
): ConformanceTarget {
  return {
    runtime: host.runtime,
    runtimeVersion: host.runtimeVersion,
    adapter: "@anyrt/core:memory-pipe",
    async setup(): Promise<Fixture> {
      const runtime = defineRuntime({
        id: host.runtime,
        version: host.runtimeVersion,
        adapter: "@anyrt/core:memory-pipe",
        capabilities: noCapabilities,
      });
      return {
        runtime,
        pairHalfClose: true,
        async openPair() {
          const [a, b] = duplex(capacity);
          return { a, b };
        },
      };
    },
  };
}

/** Rebuilds `runtime` with only the capabilities in `keep` declared. */
export function restrictRuntime(runtime: Runtime, keep: readonly Capability[], adapter = runtime.adapter): Runtime {
  const capabilities = { ...noCapabilities } as Record<Capability, boolean>;
  for (const capability of keep) capabilities[capability] = runtime.capabilities[capability];
  return defineRuntime({
    id: runtime.id,
    version: runtime.version,
    adapter,
    capabilities: capabilities as CapabilityManifest,
    net: runtime.net,
    fs: runtime.fs,
    process: runtime.process,
    tasks: runtime.tasks,
    blocking: runtime.blocking,
    clock: { now: () => runtime.time.now(), schedule: scheduleOn(runtime) },
  });
}

function scheduleOn(runtime: Runtime): (ms: number, callback: () => void) => () => void {
  return (ms, callback) => {
    const controller = new AbortController();
    runtime.time.sleep(ms, { signal: controller.signal }).then(callback, () => {});
    return () => controller.abort();
  };
}

/**
 * Wraps a target so that only `keep` of its capabilities stay declared; the adapter name gets the
 * `:limited` suffix. Cases needing a withdrawn capability become `unsupported`, and the
 * `capabilities/*` cases check that calling one fails with `Unsupported`.
 */
export function limitedTarget(target: ConformanceTarget, keep: readonly Capability[]): ConformanceTarget {
  const adapter = `${target.adapter}:limited`;
  return {
    runtime: target.runtime,
    runtimeVersion: target.runtimeVersion,
    adapter,
    async setup() {
      const fixture = await target.setup();
      return { ...fixture, runtime: restrictRuntime(fixture.runtime, keep, adapter), inner: fixture } as Fixture;
    },
    async teardown(fixture) {
      await target.teardown?.((fixture as Fixture & { inner: Fixture }).inner);
    },
  };
}
