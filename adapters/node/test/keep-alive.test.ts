// A keep-alive delay under Node's one-second resolution must not fall to Node's "0 = unchanged"
// (two hours on Linux), on the Node adapter nor on Effect's Node sockets, which set it on a
// `net.Socket` too. No runtime lets code read the delay back, so the test asks the kernel:
// /proc/net/tcp shows each socket's active timer (02 = keep-alive) and the clock ticks left on it.
import { existsSync, readFileSync } from "node:fs";
import type { Tcp } from "@anyrt/core";
import { createEffectNodeRuntime, nodeServicesContext } from "@anyrt/effect/node";
import { nodeTcp } from "@anyrt/node";
import { describe, expect, it } from "vitest";

/** Seconds left on the keep-alive timer of the IPv4 socket bound to local `port`. */
function keepAliveSecondsLeft(port: number): number {
  const local = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (!fields[1]?.endsWith(local)) continue;
    const [timer, ticks] = (fields[5] ?? "").split(":");
    if (timer !== "02") throw new Error(`no keep-alive timer on port ${port}: ${line}`);
    return Number.parseInt(ticks ?? "", 16) / 100; // USER_HZ
  }
  throw new Error(`no socket on local port ${port} in /proc/net/tcp`);
}

const runtimes: [string, () => Promise<Tcp>][] = [
  ["@anyrt/node", async () => nodeTcp],
  ["@anyrt/effect/node", async () => createEffectNodeRuntime(await nodeServicesContext()).tcp as Tcp],
];

describe.runIf(existsSync("/proc/net/tcp")).each(runtimes)("setKeepAlive on %s", (_, tcpOf) => {
  it.each([
    [500, 1],
    [1000, 1],
    [1500, 2],
  ])("a delay of %i ms arms a keep-alive timer of at most %i s", async (delayMs, seconds) => {
    const tcp = await tcpOf();
    const listener = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
    const client = await tcp.connect({ hostname: "127.0.0.1", port: listener.localAddress.port });
    const server = await listener.accept();
    try {
      client.setKeepAlive(true, delayMs);
      const left = keepAliveSecondsLeft(client.localAddress.port);
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(seconds);
    } finally {
      await Promise.all([client.close(), server.close(), listener.close()]);
    }
  });
});
