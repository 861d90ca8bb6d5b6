import { raceSignal } from "@anyrt/core/adapter";
import { describe, expect, it } from "vitest";

describe("raceSignal", () => {
  it("settles as the promise does while the signal stays quiet, then lets go of the signal", async () => {
    const controller = new AbortController();
    const removed: string[] = [];
    const signal = controller.signal;
    const remove = signal.removeEventListener.bind(signal);
    signal.removeEventListener = (type: string, listener: never) => {
      removed.push(type);
      remove(type, listener);
    };
    expect(await raceSignal(Promise.resolve(5), signal)).toBe(5);
    await expect(raceSignal(Promise.reject(new Error("native")), signal)).rejects.toThrow("native");
    expect(removed).toEqual(["abort", "abort"]);
  });

  it("rejects with the reason when the signal aborts first; the promise itself goes on", async () => {
    const controller = new AbortController();
    let finish!: (n: number) => void;
    const work = new Promise<number>((resolve) => {
      finish = resolve;
    });
    const raced = raceSignal(work, controller.signal);
    controller.abort(new Error("stop"));
    await expect(raced).rejects.toThrow("stop");
    finish(1);
    expect(await work).toBe(1);
  });

  it("returns the promise itself without a signal", () => {
    const promise = Promise.resolve(1);
    expect(raceSignal(promise)).toBe(promise);
  });
});
