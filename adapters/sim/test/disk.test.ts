// The virtual disk: the fs contract per host (the suite's fs cases run on the sim target too),
// and its faults: a full disk, I/O errors at a rate, and what a crash leaves of unsynced writes.
import { isIoError } from "@anyrt/core";
import { createWorld } from "@anyrt/sim";
import { describe, expect, it } from "vitest";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("the virtual disk", () => {
  it("gives each host its own files, with times from the virtual clock", async () => {
    const world = createWorld({ seed: 1 });
    const a = world.host("a", { address: "10.0.0.1" });
    const b = world.host("b", { address: "10.0.0.2" });
    await world.run(async () => {
      await a.runtime.time.sleep(1000);
      await a.runtime.fs.mkdir("/data");
      await a.runtime.fs.writeFile("/data/x", "on a");
      expect(await a.runtime.fs.readTextFile("/data/x")).toBe("on a");
      await expect(b.runtime.fs.readFile("/data/x")).rejects.toMatchObject({ kind: "NotFound" });
      const info = await a.runtime.fs.stat("/data/x");
      expect(info.mtime?.toISOString()).toBe("2026-01-01T00:00:01.000Z");
      expect(await a.runtime.fs.makeTempDir("t-")).toBe("/tmp/t-000001");
    });
  });

  it("keeps synced bytes through a crash and, per file and seed, all, none or a prefix of the rest", async () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 30; seed++) {
      const world = createWorld({ seed });
      const host = world.host("db", { address: "10.0.0.1" });
      await world.run(async () => {
        const file = await host.runtime.fs.open("/log", { write: true, create: true });
        await file.write(new TextEncoder().encode("synced;"));
        await file.sync();
        await file.write(new TextEncoder().encode("unsynced"));
        await file.close();
        world.crash(host);
        world.restart(host);
        const left = text(await host.runtime.fs.readFile("/log"));
        expect(left.startsWith("synced;")).toBe(true);
        expect("synced;unsynced".startsWith(left)).toBe(true);
        outcomes.add(left === "synced;" ? "none" : left === "synced;unsynced" ? "all" : "prefix");
      });
    }
    expect([...outcomes].sort()).toEqual(["all", "none", "prefix"]);
  });

  it("fails growing writes on a full disk and draws I/O errors at the rate given", async () => {
    const world = createWorld({ seed: 2 });
    const host = world.host("a", { address: "10.0.0.1" });
    await world.run(async () => {
      await host.runtime.fs.writeFile("/f", "1234");
      world.diskFaults(host, { full: true });
      const full = await host.runtime.fs.writeFile("/f", "12345", { append: true }).catch((error) => error);
      expect(isIoError(full, "Other") && full.message.includes("ENOSPC")).toBe(true);
      // Overwriting in place does not grow the file: it works on a full disk.
      const file = await host.runtime.fs.open("/f", { write: true });
      expect(await file.write(new TextEncoder().encode("abcd"))).toBe(4);
      await file.close();
      world.diskFaults(host, { full: false, ioErrorRate: 0.5 });
      let failures = 0;
      for (let i = 0; i < 100; i++) {
        const error = await host.runtime.fs.stat("/f").then(
          () => null,
          (caught: unknown) => caught,
        );
        if (error !== null) {
          expect(isIoError(error, "Other") && String(error).includes("EIO")).toBe(true);
          failures++;
        }
      }
      expect(failures).toBeGreaterThan(20);
      expect(failures).toBeLessThan(80);
      expect(() => world.diskFaults(host, { ioErrorRate: 2 })).toThrow(
        expect.objectContaining({ kind: "InvalidInput" }),
      );
    });
  });
});
