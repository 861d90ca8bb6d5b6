import { parseIpLiteral, type SocketAddress } from "@anyrt/core";
import { checkBindOptions, DatagramQueue, type DatagramTransport, QueuedDatagramSocket } from "@anyrt/core/adapter";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const a: SocketAddress = { hostname: "127.0.0.1", port: 1000, family: 4 };
const b: SocketAddress = { hostname: "127.0.0.1", port: 2000, family: 4 };
const bytesOf = (...values: number[]) => new Uint8Array(values);

describe("parseIpLiteral", () => {
  it("accepts IPv4 dotted quads and writes IPv6 in RFC 5952 form", () => {
    expect(parseIpLiteral("127.0.0.1")).toEqual({ hostname: "127.0.0.1", family: 4 });
    expect(parseIpLiteral("0:0:0:0:0:0:0:1")).toEqual({ hostname: "::1", family: 6 });
    expect(parseIpLiteral("2001:DB8:0:0:1:0:0:1")?.hostname).toBe("2001:db8::1:0:0:1");
    expect(parseIpLiteral("::")?.hostname).toBe("::");
    expect(parseIpLiteral("ff02::1")?.hostname).toBe("ff02::1");
    expect(parseIpLiteral("::ffff:7f00:1")?.hostname).toBe("::ffff:127.0.0.1");
    expect(parseIpLiteral("::ffff:127.0.0.1")?.hostname).toBe("::ffff:127.0.0.1");
    expect(parseIpLiteral("1:2:3:4:5:6:1.2.3.4")?.hostname).toBe("1:2:3:4:5:6:102:304");
  });

  it("refuses host names, zones, bad groups and out-of-range quads", () => {
    for (const text of [
      "localhost",
      "",
      "127.0.0.256",
      "127.0.0.01",
      "1.2.3",
      "::1%lo",
      "1::2::3",
      ":::",
      "1:2:3:4:5:6:7:8:9",
      "12345::",
      ":1.2.3.4",
      "1:2:3:4:5:6:7:1.2.3.4",
    ]) {
      expect(parseIpLiteral(text), text).toBeNull();
    }
  });

  it("reads back what it writes, for any 8 groups", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), (groups) => {
        const long = groups.map((group) => group.toString(16)).join(":");
        const canonical = parseIpLiteral(long)?.hostname;
        expect(canonical).toBeDefined();
        expect(parseIpLiteral(canonical as string)?.hostname).toBe(canonical);
      }),
    );
  });
});

describe("checkBindOptions", () => {
  it("fills in the defaults and refuses what is not an IP literal", () => {
    expect(checkBindOptions({ port: 0 })).toEqual({
      hostname: "127.0.0.1",
      family: 4,
      port: 0,
      reuseAddress: false,
      receiveQueue: 64,
    });
    expect(checkBindOptions({ hostname: "0:0::1", port: 5 }).hostname).toBe("::1");
    expect(() => checkBindOptions({ hostname: null, port: 0 })).toThrow(
      expect.objectContaining({ kind: "InvalidInput" }),
    );
    expect(() => checkBindOptions({ port: 0, receiveQueue: 0 })).toThrow(
      expect.objectContaining({ kind: "InvalidInput" }),
    );
  });
});

describe("DatagramQueue", () => {
  it("drops and counts arrivals past its limit, keeping the queued ones in order", async () => {
    const queue = new DatagramQueue("receive on q", 2);
    for (let i = 0; i < 5; i++) queue.push(bytesOf(i), a, true);
    expect([queue.queued, queue.dropped]).toEqual([2, 3]);
    const buffer = new Uint8Array(4);
    expect((await queue.receive(buffer)).bytesRead).toBe(1);
    expect(buffer[0]).toBe(0);
    await queue.receive(buffer);
    expect(buffer[0]).toBe(1);
    expect(queue.queued).toBe(0);
  });

  it("copies a datagram it may not keep, and delivers straight into a waiting receive", async () => {
    const queue = new DatagramQueue("receive on q", 4);
    const landing = bytesOf(1, 2, 3);
    queue.push(landing, a, false);
    landing.fill(9);
    const buffer = new Uint8Array(8);
    const got = await queue.receive(buffer);
    expect([...buffer.subarray(0, got.bytesRead)]).toEqual([1, 2, 3]);
    const waiting = queue.receive(buffer);
    expect(queue.waiting).toBe(true);
    queue.push(bytesOf(7, 7, 7, 7, 7, 7, 7, 7, 7), b, false);
    expect(await waiting).toEqual({ bytesRead: 8, truncated: true, from: b });
  });

  it("an aborted receive consumes nothing, and the next one gets the datagram", async () => {
    const queue = new DatagramQueue("receive on q", 4);
    const controller = new AbortController();
    const aborted = queue.receive(new Uint8Array(4), controller.signal);
    await expect(queue.receive(new Uint8Array(4))).rejects.toMatchObject({ kind: "Busy" });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
    queue.push(bytesOf(5), a, true);
    expect((await queue.receive(new Uint8Array(4))).bytesRead).toBe(1);
  });

  it("once connected keeps only the peer's datagrams, however the runtime writes its address", async () => {
    const queue = new DatagramQueue("receive on q", 8);
    const peer: SocketAddress = { hostname: "::1", port: 1, family: 6 };
    queue.push(bytesOf(1), { hostname: "::2", port: 1, family: 6 }, true);
    queue.push(bytesOf(2), { hostname: "0:0:0:0:0:0:0:1", port: 1, family: 6 }, true);
    queue.connect(peer);
    expect(queue.queued).toBe(1);
    queue.push(bytesOf(3), { hostname: "::1", port: 2, family: 6 }, true);
    expect(queue.queued).toBe(1);
    const buffer = new Uint8Array(1);
    await queue.receive(buffer);
    expect(buffer[0]).toBe(2);
  });

  it("close rejects the waiting receive with Closed and discards the queue", async () => {
    const queue = new DatagramQueue("receive on q", 8);
    const waiting = queue.receive(new Uint8Array(1));
    queue.close();
    await expect(waiting).rejects.toMatchObject({ kind: "Closed" });
    queue.push(bytesOf(1), a, true);
    expect(queue.queued).toBe(0);
    await expect(queue.receive(new Uint8Array(1))).rejects.toMatchObject({ kind: "Closed" });
  });
});

describe("QueuedDatagramSocket", () => {
  function socketOver(options: { broadcast?: boolean } = {}) {
    const sent: { bytes: Uint8Array; to: SocketAddress }[] = [];
    let closes = 0;
    const transport: DatagramTransport = {
      localAddress: a,
      send: (bytes, to) => {
        sent.push({ bytes: bytes.slice(), to });
        return undefined;
      },
      setBroadcast: () => {},
      close: () => {
        closes++;
      },
    };
    const socket = new QueuedDatagramSocket(transport, new DatagramQueue("receive on q", 8), {
      adapter: "test",
      broadcast: options.broadcast ?? true,
      multicast: false,
    });
    return { socket, sent, closes: () => closes };
  }

  it("checks arguments first, then the capability, then Closed", async () => {
    const { socket } = socketOver({ broadcast: false });
    expect(() => socket.setBroadcast("yes" as unknown as boolean)).toThrow(
      expect.objectContaining({ kind: "InvalidInput" }),
    );
    expect(() => socket.setBroadcast(true)).toThrow(expect.objectContaining({ kind: "Unsupported" }));
    expect(() => socket.setMulticastTtl(1)).toThrow(expect.objectContaining({ kind: "Unsupported" }));
    await socket.close();
    expect(() => socket.setMulticastTtl(300)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    await expect(socket.send(new Uint8Array(65508), b)).rejects.toMatchObject({ kind: "InvalidInput" });
    await expect(socket.send(new Uint8Array(1), b)).rejects.toMatchObject({ kind: "Closed" });
  });

  it("sends to the peer once connected, refuses an address then, and closes once", async () => {
    const { socket, sent, closes } = socketOver();
    await expect(socket.send(new Uint8Array(1))).rejects.toMatchObject({ kind: "NotConnected" });
    await socket.connect(b);
    expect(socket.remoteAddress).toEqual(b);
    await socket.send(bytesOf(4));
    expect(sent).toEqual([{ bytes: bytesOf(4), to: b }]);
    await expect(socket.send(bytesOf(4), b)).rejects.toMatchObject({ kind: "InvalidInput" });
    await Promise.all([socket.close(), socket.close()]);
    expect(closes()).toBe(1);
  });

  it("an already-aborted send sends nothing", async () => {
    const { socket, sent } = socketOver();
    const reason = new Error("stop");
    await expect(socket.send(bytesOf(1), b, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(sent).toEqual([]);
  });
});
