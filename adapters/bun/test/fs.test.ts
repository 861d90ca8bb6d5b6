// Where the Bun adapter's files use Bun's own API and where they fall back to node:fs, checked
// through behaviour the contract needs and Bun's defaults would break.
import { bunFs } from "@anyrt/bun";
import { isIoError } from "@anyrt/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

let dir = "";
beforeEach(async () => {
  dir = await bunFs.makeTempDir("anyrt-bun-fs-");
});
afterEach(async () => {
  await bunFs.remove(dir, { recursive: true });
});

describe("Bun files", () => {
  it("writeFile into a missing directory fails with NotFound (Bun.write would create it)", async () => {
    const error = await bunFs.writeFile(`${dir}/missing/file.txt`, "x").catch((e: unknown) => e);
    expect(isIoError(error, "NotFound")).toBe(true);
    await expect(bunFs.stat(`${dir}/missing`)).rejects.toMatchObject({ kind: "NotFound" });
  });

  it("writeFile with a mode creates the file with that mode (Bun.write ignores it)", async () => {
    await bunFs.writeFile(`${dir}/secret`, "s", { mode: 0o600 });
    const { stat } = await import("node:fs/promises");
    expect((await stat(`${dir}/secret`)).mode & 0o777).toBe(0o600);
  });

  it("writeFile with append and createNew keep their meaning", async () => {
    await bunFs.writeFile(`${dir}/log`, "a");
    await bunFs.writeFile(`${dir}/log`, "b", { append: true });
    expect(await bunFs.readTextFile(`${dir}/log`)).toBe("ab");
    await expect(bunFs.writeFile(`${dir}/log`, "c", { createNew: true })).rejects.toMatchObject({
      kind: "AlreadyExists",
    });
  });

  it("readFile with a signal that aborts rejects with the signal's reason", async () => {
    await bunFs.writeFile(`${dir}/big`, new Uint8Array(8 * 1024 * 1024));
    const controller = new AbortController();
    const reason = new Error("enough");
    const reading = bunFs.readFile(`${dir}/big`, { signal: controller.signal });
    controller.abort(reason);
    await expect(reading).rejects.toBe(reason);
    const already = bunFs.readTextFile(`${dir}/big`, { signal: controller.signal });
    await expect(already).rejects.toBe(reason);
  });

  it("an open file keeps reading the file it opened after the path is replaced", async () => {
    await bunFs.writeFile(`${dir}/f`, "first");
    const file = await bunFs.open(`${dir}/f`);
    await bunFs.remove(`${dir}/f`);
    await bunFs.writeFile(`${dir}/f`, "second!");
    const buf = new Uint8Array(16);
    const n = await file.read(buf);
    expect(new TextDecoder().decode(buf.subarray(0, n))).toBe("first");
    await file.close();
  });
});
