// The bad-argument table of `@anyrt/workerd`'s raw exports, run on workerd: arguments-worker.ts
// (bundled as adapters/workerd/README.md says, with the `workerd` condition) runs the table inside
// `workerd serve`, and this test checks its answer: every export and method has rows or a reason,
// and every bad value is InvalidInput at once, touching nothing (a bad connect reaches no socket).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeCounts, type TableResult } from "../../../packages/core/test/arguments-rows.ts";

const here = dirname(fileURLToPath(import.meta.url));

describe("the bad-argument table of @anyrt/workerd, inside workerd serve", () => {
  let directory = "";
  let stop = (): void => {};
  let result: TableResult | { readonly error: string } | undefined;

  beforeAll(async () => {
    const { bundleForWorkerd, freePort, startWorkerd, workerdConfig } = await import(
      "../../../conformance-tests/drivers/dist/workerd.js"
    );
    directory = mkdtempSync(join(tmpdir(), "anyrt-workerd-arguments-"));
    await bundleForWorkerd(join(here, "arguments-worker.ts"), join(directory, "worker.js"));
    const port = await freePort();
    writeFileSync(join(directory, "config.capnp"), workerdConfig(port));
    const workerd = await startWorkerd(directory, port);
    stop = workerd.stop;
    result = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as typeof result;
  }, 120_000);
  afterAll(() => {
    stop();
    if (directory !== "") rmSync(directory, { recursive: true, force: true });
  });

  it("has rows or a reason for every export and method, and every bad argument is InvalidInput at once", () => {
    expect(result).toBeDefined();
    if (result === undefined || "error" in result) throw new Error(`the Worker failed: ${result?.error}`);
    const { counts } = result;
    console.log(describeCounts("@anyrt/workerd", counts));
    expect({
      missing: result.missing,
      stale: result.stale,
      untyped: result.untyped,
      failures: result.failures,
    }).toEqual({ missing: [], stale: [], untyped: [], failures: [] });
  });
});
