// The Node adapter's UDP sends: a datagram the kernel took during the call resolves its send at
// once (without waiting for the tick on which `node:dgram` reports it), the caller may reuse its
// buffer as soon as the send resolved, `node:dgram` schedules no tick for such a send's callback,
// sends alternating between addresses reach each, and a send the kernel refused still rejects
// with its kind.
import type { DatagramSocket } from "@anyrt/core";
import { nodeRuntime } from "@anyrt/node";
import { afterEach, describe, expect, it } from "vitest";

const open: DatagramSocket[] = [];

async function bind(): Promise<DatagramSocket> {
  const socket = await nodeRuntime.udp.bind({ hostname: "127.0.0.1", port: 0 });
  open.push(socket);
  return socket;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((socket) => socket.close()));
});

describe("node UDP sends", () => {
  it("a datagram sent at once resolves its send before the next tick, and its buffer is free then", async () => {
    const [sender, receiver] = await Promise.all([bind(), bind()]);
    const bytes = new Uint8Array([1, 2, 3, 4]);
    let ticked = false;
    process.nextTick(() => {
      ticked = true;
    });
    await sender.send(bytes, receiver.localAddress);
    // `node:dgram` calls a send's callback on a later tick; this send did not wait for it.
    expect(ticked).toBe(false);
    bytes.fill(0);
    const buffer = new Uint8Array(16);
    const got = await receiver.receive(buffer);
    expect([...buffer.subarray(0, got.bytesRead)]).toEqual([1, 2, 3, 4]);
  });

  it("a datagram sent at once schedules no tick for node:dgram's callback", async () => {
    const [sender, receiver] = await Promise.all([bind(), bind()]);
    const nextTick = process.nextTick;
    let scheduled = 0;
    process.nextTick = function counted(this: unknown, ...args: Parameters<typeof nextTick>): void {
      scheduled++;
      Reflect.apply(nextTick, this, args);
    };
    let sent: Promise<void>;
    try {
      sent = sender.send(new Uint8Array([7]), receiver.localAddress);
    } finally {
      process.nextTick = nextTick;
    }
    // `node:dgram` queues the callback of a send the kernel took during the call with `nextTick`;
    // the adapter's send resolved already, so that tick would find nothing to settle.
    expect(scheduled).toBe(0);
    await sent;
    const buffer = new Uint8Array(4);
    expect((await receiver.receive(buffer)).bytesRead).toBe(1);
    expect(buffer[0]).toBe(7);
  });

  it("sends alternating between two addresses each reach their own (the remembered literal changes)", async () => {
    const sender = await bind();
    const first = await bind();
    const second = await nodeRuntime.udp.bind({ hostname: "127.0.0.2", port: 0 });
    open.push(second);
    for (let i = 0; i < 6; i++)
      await sender.send(new Uint8Array([i]), i % 2 === 0 ? first.localAddress : second.localAddress);
    const buffer = new Uint8Array(4);
    for (let i = 0; i < 6; i++) {
      const got = await (i % 2 === 0 ? first : second).receive(buffer);
      expect(got.bytesRead).toBe(1);
      expect(buffer[0]).toBe(i);
      expect(got.from.port).toBe(sender.localAddress.port);
    }
  });

  it("many sends in a row all arrive, in order, whether or not each was awaited", async () => {
    const [sender, receiver] = await Promise.all([bind(), bind()]);
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) sends.push(sender.send(new Uint8Array([i]), receiver.localAddress));
    await Promise.all(sends);
    const buffer = new Uint8Array(4);
    for (let i = 0; i < 50; i++) {
      const got = await receiver.receive(buffer);
      expect(got.bytesRead).toBe(1);
      expect(buffer[0]).toBe(i);
    }
  });

  it("a send the kernel refuses at once still rejects with its kind (a broadcast without setBroadcast)", async () => {
    const sender = await nodeRuntime.udp.bind({ hostname: "0.0.0.0", port: 0 });
    open.push(sender);
    const failed = await sender.send(new Uint8Array([1]), { hostname: "255.255.255.255", port: 9 }).then(
      () => null,
      (error: { kind?: string }) => error.kind,
    );
    expect(failed).toBe("PermissionDenied");
    // The socket keeps working: the next send to a reachable address resolves.
    const receiver = await bind();
    await sender.send(new Uint8Array([2]), receiver.localAddress);
    const buffer = new Uint8Array(4);
    expect((await receiver.receive(buffer)).bytesRead).toBe(1);
  });
});
