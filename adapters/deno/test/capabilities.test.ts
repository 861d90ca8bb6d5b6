// What the Deno adapter declares, and that what it does not declare fails with Unsupported.
import { capabilities, flattenCapabilities, isIoError } from "@anyrt/core";
import { createDenoRuntime, denoCapabilities, denoFacts, denoRuntime } from "@anyrt/deno";
import { describe, expect, it } from "vitest";

describe("Deno capabilities", () => {
  it("declares TCP with half-close, TLS without client or peer certificates, files, subprocesses, worker threads, (off Windows) signals and, under --unstable-net, UDP", () => {
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
        connect: true,
        upgrade: true,
        listen: true,
        clientCertificates: false,
        acceptInvalidCertificates: false,
        alpn: true,
        distinctFailures: true,
        perConnectionTrust: true,
        peerCertificate: false,
        halfClose: true,
        cancelHandshake: false,
      },
      fs: { available: true, atomicWrite: true },
      process: { available: true, signals: Deno.build.os !== "windows" },
      blocking: { available: true },
      udp: { available: true, reuseAddress: true, broadcast: false, multicast: false },
      unix: { connect: Deno.build.os !== "windows", listen: Deno.build.os !== "windows" },
      dns: { lookup: true, records: true },
    });
    expect(Object.keys(flattenCapabilities(denoCapabilities))).toEqual([...capabilities]);
    expect(Object.isFrozen(denoCapabilities)).toBe(true);
    expect(denoFacts).toEqual({
      tcp: { keepAliveDelayResolutionMs: null },
      unix: { maxPathBytes: Deno.build.os === "windows" ? null : Deno.build.os === "linux" ? 107 : 103 },
    });
  });

  it("declares no udp without --unstable-net, where Deno.listenDatagram does not exist", async () => {
    const script = [
      'import { createDenoRuntime, denoCapabilities } from "@anyrt/deno";',
      "const refused = await createDenoRuntime().udp.bind({ port: 0 }).then(() => 'bound', (e) => e.kind);",
      "console.log(JSON.stringify({ udp: denoCapabilities.udp, refused }));",
    ].join("\n");
    const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    expect(success, new TextDecoder().decode(stderr)).toBe(true);
    expect(JSON.parse(new TextDecoder().decode(stdout))).toEqual({
      udp: { available: false, reuseAddress: false, broadcast: false, multicast: false },
      refused: "Unsupported",
    });
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
