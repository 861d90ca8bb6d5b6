// `@anyrt/auto` is imported by its package name, as a user would, on Node, inside Deno and inside
// Bun (npm test runs this file on each): the export conditions must pick that runtime's adapter.
import { createRuntime, runtime as shared } from "@anyrt/auto";
import { describe, expect, it } from "vitest";

const detected = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

describe("@anyrt/auto", () => {
  it("gives the adapter of the runtime it runs on", () => {
    expect(shared.id).toBe(detected);
    expect(shared.adapter).toBe(`@anyrt/${detected}`);
  });

  it("creates fresh runtimes of the same adapter", () => {
    const fresh = createRuntime();
    expect(fresh).not.toBe(shared);
    expect(fresh.adapter).toBe(shared.adapter);
    expect(fresh.capabilities).toEqual(shared.capabilities);
  });

  it("opens a real TCP connection through the chosen adapter", async () => {
    const listener = await shared.tcp.listen({ hostname: "127.0.0.1", port: 0 });
    const client = await shared.tcp.connect({ hostname: "127.0.0.1", port: listener.localAddress.port });
    const server = await listener.accept();
    await client.write(new TextEncoder().encode("hi"));
    const buffer = new Uint8Array(8);
    expect(await server.read(buffer)).toBe(2);
    await Promise.all([client.close(), server.close(), listener.close()]);
  });
});
