// The Node adapter's TLS writes: a large buffer without a signal goes to the socket without the
// staging copy (`tryWrite` declines it, the `write` after it takes it and resolves once Node is
// done with it), and whatever path a write takes, the caller may reuse its buffer once the write
// resolved and the peer still reads what was written.
import { makeTestCertificates } from "@anyrt/conformance";
import { readExact, type TlsStream, WOULD_BLOCK } from "@anyrt/core";
import { nodeRuntime } from "@anyrt/node";
import { afterEach, describe, expect, it } from "vitest";

const certificates = await makeTestCertificates();
const open: TlsStream[] = [];

async function pair(): Promise<{ client: TlsStream; server: TlsStream }> {
  const listener = await nodeRuntime.tls.listen({ hostname: "127.0.0.1", port: 0, ...certificates.server });
  const [client, server] = await Promise.all([
    nodeRuntime.tls.connect({
      hostname: "127.0.0.1",
      port: listener.localAddress.port,
      caCertificates: [certificates.ca],
      systemCertificates: false,
    }),
    listener.accept(),
  ]);
  await listener.close();
  open.push(client, server);
  return { client, server };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((stream) => stream.close()));
});

describe("node TLS writes", () => {
  it("tryWrite declines a large buffer on an idle stream; write takes it, and the buffer is free once it resolved", async () => {
    const { client, server } = await pair();
    const big = new Uint8Array(64 * 1024).fill(7);
    expect(client.tryWrite(big)).toBe(WOULD_BLOCK);
    expect(client.tryWrite(new Uint8Array([1, 2, 3]))).toBe(3);
    // Node holds the three bytes' write, so this one is not direct: it is copied, and accepted.
    const second = new Uint8Array(64 * 1024).fill(8);
    expect(await client.write(second)).toBe(second.length);
    second.fill(0);
    await client.flush();
    const direct = client.write(big);
    expect(await direct).toBe(big.length);
    big.fill(0);
    const received = new Uint8Array(3 + 2 * 64 * 1024);
    await readExact(server, received);
    expect([...received.subarray(0, 3)]).toEqual([1, 2, 3]);
    expect(received.subarray(3, 3 + 64 * 1024).every((byte) => byte === 8)).toBe(true);
    expect(received.subarray(3 + 64 * 1024).every((byte) => byte === 7)).toBe(true);
  });

  it("a write with a signal is accepted at once, as before, and flush waits for a direct write", async () => {
    const { client, server } = await pair();
    const big = new Uint8Array(256 * 1024).fill(9);
    expect(await client.write(big, { signal: new AbortController().signal })).toBeGreaterThan(0);
    const rest = new Uint8Array(512 * 1024).fill(5);
    await client.flush();
    const direct = client.write(rest);
    const flushed = client.flush();
    const n = await direct;
    expect(n).toBe(256 * 1024);
    await flushed;
    const received = new Uint8Array(256 * 1024 + n);
    await readExact(server, received);
    expect(received.subarray(0, 256 * 1024).every((byte) => byte === 9)).toBe(true);
    expect(received.subarray(256 * 1024).every((byte) => byte === 5)).toBe(true);
  });

  it("closing the stream while a direct write waits rejects it with Closed", async () => {
    const { client } = await pair();
    const pending = client.write(new Uint8Array(256 * 1024));
    const closing = client.close();
    await expect(pending).rejects.toMatchObject({ kind: "Closed" });
    await closing;
  });
});
