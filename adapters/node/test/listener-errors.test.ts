// What the Node listener does with an accept failure Node reports on its server ('error' after
// listening: ENFILE, ENOBUFS, or EMFILE when libuv's spare-descriptor trick fails): the waiting
// accept fails with it, the process goes on, and the listener keeps accepting.
import net from "node:net";
import { isIoError } from "@anyrt/core";
import { nodeRuntime } from "@anyrt/node";
import { afterEach, describe, expect, it, vi } from "vitest";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a Node listener's accept failures", () => {
  it("fail the waiting accept with the error, and later connections are still accepted", async () => {
    const servers: net.Server[] = [];
    const createServer = net.createServer;
    vi.spyOn(net, "createServer").mockImplementation(((...args: Parameters<typeof net.createServer>) => {
      const server = createServer(...args);
      servers.push(server);
      return server;
    }) as typeof net.createServer);
    const listener = await nodeRuntime.tcp.listen({ port: 0 });
    try {
      const server = servers[0] as net.Server;
      const waiting = listener.accept();
      // What Node's onconnection emits for a failed accept.
      const error = Object.assign(new Error("accept EMFILE"), { code: "EMFILE", errno: -24, syscall: "accept" });
      server.emit("error", error);
      const failure = await waiting.catch((caught: unknown) => caught);
      expect(isIoError(failure), String(failure)).toBe(true);
      expect(String((failure as Error).message)).toMatch(/^accept on 127\.0\.0\.1:\d+: .*EMFILE/);
      expect((failure as Error).cause).toBe(error);
      const [client, accepted] = await Promise.all([
        nodeRuntime.tcp.connect({ port: listener.localAddress.port }),
        listener.accept(),
      ]);
      await Promise.all([client.close(), accepted.close()]);
    } finally {
      await listener.close();
    }
  });
});
