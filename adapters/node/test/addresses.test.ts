// A Node stream's addresses are read from the socket's handle as it is made, without the copies
// Node caches on the socket. Not later, when first asked for: a peer's reset leaves the socket no
// peer to read (getpeername fails with ENOTCONN), and Node forgets both with its handle.
import { once } from "node:events";
import net from "node:net";
import { nodeTcp } from "@anyrt/node";
import { describe, expect, it } from "vitest";

describe("a Node TCP stream's addresses", () => {
  it("are the connection's after the peer reset it, though nobody asked for them before", async () => {
    const listener = await nodeTcp.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.localAddress.port;
    const client = net.connect({ host: "127.0.0.1", port });
    await once(client, "connect");
    const clientPort = client.localPort;
    const server = await listener.accept();
    try {
      const reading = server.read(new Uint8Array(16)).then(
        () => ({ kind: "none", message: "read resolved" }),
        (error: { kind?: string; message?: string }) => error,
      );
      client.resetAndDestroy();
      const failure = await reading;
      expect(failure.kind).toBe("ConnectionReset");
      // The message names the stream by the peer's address, made after the reset.
      expect(failure.message).toContain(`read tcp 127.0.0.1:${clientPort}`);
      expect(server.remoteAddress).toEqual({ hostname: "127.0.0.1", port: clientPort, family: 4 });
      expect(server.localAddress).toEqual({ hostname: "127.0.0.1", port, family: 4 });
    } finally {
      await server.close();
      await listener.close();
    }
  });

  it("are the connection's after close()", async () => {
    const listener = await nodeTcp.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.localAddress.port;
    const client = await nodeTcp.connect({ hostname: "127.0.0.1", port });
    const server = await listener.accept();
    await client.close();
    await server.close();
    await listener.close();
    expect(client.remoteAddress).toEqual({ hostname: "127.0.0.1", port, family: 4 });
    expect(server.localAddress).toEqual({ hostname: "127.0.0.1", port, family: 4 });
    expect(server.remoteAddress.port).toBe(client.localAddress.port);
    expect(client.localAddress.port).not.toBe(0);
  });
});
