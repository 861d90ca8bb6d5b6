// What the Deno adapter declares, and that what it does not declare fails with Unsupported.
import { capabilities, flattenCapabilities, isIoError } from "@anyrt/core";
import { createDenoRuntime, denoCapabilities, denoFacts, denoRuntime } from "@anyrt/deno";
import { describe, expect, it } from "vitest";

describe("Deno capabilities", () => {
  it("declares TCP with half-close, files, subprocesses, worker threads and (off Windows) signals", () => {
    expect(denoCapabilities).toEqual({
      tcp: {
        connect: true,
        listen: true,
        halfClose: true,
        resetOnClose: false,
        socketOptions: true,
        keepAliveDelay: false,
      },
      tls: {
        connect: false,
        upgrade: false,
        listen: false,
        clientCertificates: false,
        peerCertificate: false,
        halfClose: false,
      },
      fs: { available: true, atomicWrite: true },
      process: { available: true, signals: Deno.build.os !== "windows" },
      blocking: { available: true },
    });
    expect(Object.keys(flattenCapabilities(denoCapabilities))).toEqual([...capabilities]);
    expect(Object.isFrozen(denoCapabilities)).toBe(true);
    expect(denoFacts).toEqual({ tcp: { keepAliveDelayResolutionMs: null } });
  });

  it("names itself with Deno's version", () => {
    const runtime = createDenoRuntime();
    expect(runtime.id).toBe("deno");
    expect(runtime.version).toBe(Deno.version.deno);
    expect(runtime.adapter).toBe("@anyrt/deno");
    expect(denoRuntime.supports("tcp.halfClose")).toBe(true);
    expect(denoRuntime.supports("tcp.socketOptions")).toBe(true);
    expect(denoRuntime.supports("tcp.keepAliveDelay")).toBe(false);
  });

  it("setNoDelay and setKeepAlive apply; a keep-alive delay fails with Unsupported, naming the capability", async () => {
    const runtime = createDenoRuntime();
    const listener = await runtime.tcp.listen({ port: 0 });
    const [client, server] = await Promise.all([
      runtime.tcp.connect({ port: listener.localAddress.port }),
      listener.accept(),
    ]);
    try {
      client.setNoDelay(false);
      client.setKeepAlive(true);
      let error: unknown;
      try {
        client.setKeepAlive(true, 1000);
      } catch (e) {
        error = e;
      }
      expect(isIoError(error, "Unsupported")).toBe(true);
      expect(String(error)).toContain("tcp.keepAliveDelay");
      await client.write(new TextEncoder().encode("ok"));
      expect(await server.read(new Uint8Array(8))).toBe(2);
    } finally {
      await Promise.all([client.close(), server.close(), listener.close()]);
    }
  });
});
