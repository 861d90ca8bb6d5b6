// The Node adapter's adaptive landing buffer, fed read by read as Node's `onread` feeds it: which
// buffer the next read lands in after each kind of read, and the cap on sockets that keep their own
// buffer past a read that drained the kernel (decision notes 0001 and 0012).

import { describe, expect, it } from "vitest";
import { AdaptiveLanding } from "../src/tcp.ts";

const KiB = 1024;

/**
 * One wake-up of a socket streaming over Unix: two reads fill the shared buffer, then the kernel
 * has 100 KiB left for the socket's own buffer (more than the shared one holds, less than its own).
 */
function streamedWakeUp(landing: AdaptiveLanding): void {
  landing.received(64 * KiB, landing.nextBuffer);
  landing.received(64 * KiB, landing.nextBuffer);
  expect(landing.nextBuffer.length).toBe(256 * KiB);
  landing.received(100 * KiB, landing.nextBuffer);
}

describe("AdaptiveLanding", () => {
  it("keeps its own buffer past a read that drained the kernel above 64 KiB, for at most four sockets", () => {
    const landings = Array.from({ length: 6 }, () => new AdaptiveLanding());
    try {
      for (const landing of landings) streamedWakeUp(landing);
      expect(landings.map((landing) => landing.nextBuffer.length / KiB)).toEqual([256, 256, 256, 256, 64, 64]);

      // A kept buffer goes on taking the next wake-up in one read.
      landings[0]?.received(200 * KiB, landings[0].nextBuffer);
      expect(landings[0]?.nextBuffer.length).toBe(256 * KiB);

      // A read that fits the shared buffer gives the kept one back, and another socket may keep one.
      landings[0]?.received(10 * KiB, landings[0].nextBuffer);
      expect(landings[0]?.nextBuffer.length).toBe(64 * KiB);
      streamedWakeUp(landings[4] as AdaptiveLanding);
      expect(landings[4]?.nextBuffer.length).toBe(256 * KiB);

      // So does a socket's close.
      landings[1]?.detach();
      streamedWakeUp(landings[5] as AdaptiveLanding);
      expect(landings[5]?.nextBuffer.length).toBe(256 * KiB);
    } finally {
      for (const landing of landings) landing.detach();
    }
  });

  it("goes back to the shared buffer after a read into its own that took no more than 64 KiB", () => {
    const landing = new AdaptiveLanding();
    landing.received(64 * KiB, landing.nextBuffer);
    landing.received(64 * KiB, landing.nextBuffer);
    landing.received(40 * KiB, landing.nextBuffer);
    expect(landing.nextBuffer.length).toBe(64 * KiB);
    landing.detach();
  });
});
