/**
 * `udp/*`: datagram sockets through `runtime.udp` (bind, whole datagrams both ways with the sender
 * reported, truncation, connected mode and its filtering, the bounded receive queue and its drop
 * count, cancel-safe and exclusive receives, close, taken ports, bad input, and the broadcast,
 * multicast and address-reuse options where declared).
 * @module
 */
import { type DatagramReceive, type DatagramSocket, isAbortError, type UdpBindOptions } from "@anyrt/core";
import { bytesEqual, equal, ioErrorKind, isPending, ok, rejects, rejectsWithKind, throws } from "../assert.ts";
import type { CaseContext, ConformanceCase } from "../case.ts";
import { bytes, delay, pattern, text, waitFor } from "./util.ts";

const host = "127.0.0.1";

/** Binds a datagram socket (on loopback, a free port by default); it is closed after the case. */
async function bind(ctx: CaseContext, options: Partial<UdpBindOptions> = {}): Promise<DatagramSocket> {
  const socket = await ctx.runtime.udp.bind({ hostname: host, port: 0, ...options });
  ctx.defer(() => socket.close());
  return socket;
}

/** Receives one datagram into a buffer of `size` bytes; returns its text and the receive's report. */
async function receiveText(
  socket: DatagramSocket,
  size = 1024,
  signal?: AbortSignal,
): Promise<{ text: string; got: DatagramReceive }> {
  const buffer = new Uint8Array(size);
  const got = await socket.receive(buffer, signal === undefined ? undefined : { signal });
  return { text: text(buffer.subarray(0, got.bytesRead)), got };
}

/** Fails unless `socket` receives nothing within `ms` (the waiting receive is then aborted). */
async function receivesNothing(socket: DatagramSocket, ms: number, what: string): Promise<void> {
  const controller = new AbortController();
  const receiving = receiveText(socket, 1024, controller.signal);
  const pending = await isPending(receiving, ms);
  controller.abort();
  const outcome = await receiving.then(
    (received) => received.text,
    (error: unknown) => error,
  );
  ok(pending && isAbortError(outcome), `${what}: received ${JSON.stringify(outcome)}`);
}

/** Waits until `socket` holds `count` datagrams (queued or dropped) that nobody received. */
async function arrived(socket: DatagramSocket, count: number, what: string): Promise<void> {
  await waitFor(() => socket.queued + socket.dropped >= count, what);
}

export const udpCases: ConformanceCase[] = [
  {
    id: "udp/bind-port-zero-gets-real-port",
    title: "binding port 0 gets a real free port, reported by localAddress, unconnected with an empty queue",
    requires: ["udp"],
    async run(ctx) {
      const socket = await bind(ctx);
      const { hostname, port, family } = socket.localAddress;
      ok(Number.isInteger(port) && port >= 1 && port <= 65535, `bound port ${port}`);
      equal(hostname, host, "bound hostname");
      equal(family, 4, "bound family");
      equal(socket.remoteAddress, null, "remoteAddress before connect");
      equal(socket.queued, 0, "queued");
      equal(socket.dropped, 0, "dropped");
    },
  },
  {
    id: "udp/round-trip-reports-the-sender",
    title: "a datagram arrives whole with its sender's address, and a reply to that address comes back",
    requires: ["udp"],
    async run(ctx) {
      const [a, b] = await Promise.all([bind(ctx), bind(ctx)]);
      await a.send(bytes("ping"), b.localAddress);
      const ping = await receiveText(b);
      equal(ping.text, "ping", "the datagram");
      equal(ping.got.truncated, false, "truncated");
      equal(ping.got.from.port, a.localAddress.port, "the sender's port");
      equal(ping.got.from.hostname, host, "the sender's hostname");
      equal(ping.got.from.family, 4, "the sender's family");
      await b.send(bytes("pong"), ping.got.from);
      const pong = await receiveText(a);
      equal(pong.text, "pong", "the reply");
      equal(pong.got.from.port, b.localAddress.port, "the replier's port");
    },
  },
  {
    id: "udp/datagram-boundaries-are-kept",
    title: "each receive takes exactly one datagram, in order, whatever the sizes (an empty datagram included)",
    requires: ["udp"],
    async run(ctx) {
      const [a, b] = await Promise.all([bind(ctx), bind(ctx)]);
      const sizes = [1, 1000, 0, 7, 9000];
      for (const [i, size] of sizes.entries()) await a.send(pattern(size, i), b.localAddress);
      for (const [i, size] of sizes.entries()) {
        const buffer = new Uint8Array(16 * 1024);
        const got = await b.receive(buffer);
        equal(got.bytesRead, size, `datagram ${i}'s length`);
        bytesEqual(buffer.subarray(0, got.bytesRead), pattern(size, i), `datagram ${i}`);
        equal(got.truncated, false, `datagram ${i} truncated`);
      }
    },
  },
  {
    id: "udp/largest-datagram-round-trips",
    title: "a datagram of 65507 bytes, the most IPv4 carries, arrives whole",
    requires: ["udp"],
    async run(ctx) {
      const [a, b] = await Promise.all([bind(ctx), bind(ctx)]);
      const payload = pattern(65507, 3);
      await a.send(payload, b.localAddress);
      const buffer = new Uint8Array(65536);
      const got = await b.receive(buffer);
      equal(got.bytesRead, payload.length, "bytes received");
      equal(got.truncated, false, "truncated");
      bytesEqual(buffer.subarray(0, got.bytesRead), payload, "the datagram");
    },
  },
  {
    id: "udp/truncation-is-reported",
    title: "a datagram longer than the buffer fills it, reports truncated, and its rest is discarded",
    requires: ["udp"],
    async run(ctx) {
      const [a, b] = await Promise.all([bind(ctx), bind(ctx)]);
      const long = pattern(100, 1);
      await a.send(long, b.localAddress);
      await a.send(bytes("next"), b.localAddress);
      const buffer = new Uint8Array(10);
      const got = await b.receive(buffer);
      equal(got.bytesRead, 10, "bytes received");
      equal(got.truncated, true, "truncated");
      bytesEqual(buffer, long.subarray(0, 10), "the datagram's first bytes");
      const next = await receiveText(b);
      equal(next.text, "next", "the next datagram, not the rest of the first");
      equal(next.got.truncated, false, "the next datagram truncated");
    },
  },
  {
    id: "udp/connected-mode-filters-other-senders",
    title:
      "after connect, only the peer's datagrams are received: queued ones from others are discarded, later ones too",
    requires: ["udp"],
    async run(ctx) {
      const [socket, peer, other] = await Promise.all([bind(ctx), bind(ctx), bind(ctx)]);
      await other.send(bytes("early"), socket.localAddress);
      await arrived(socket, 1, "the other sender's early datagram");
      await socket.connect(peer.localAddress);
      equal(socket.remoteAddress?.port, peer.localAddress.port, "remoteAddress after connect");
      equal(socket.queued, 0, "queued after connect: the other sender's datagram is discarded");
      await other.send(bytes("other"), socket.localAddress);
      await peer.send(bytes("peer"), socket.localAddress);
      equal((await receiveText(socket)).text, "peer", "the first datagram received after connect");
      await receivesNothing(socket, 50, "a receive after the peer's datagram");
    },
  },
  {
    id: "udp/connected-send-goes-to-the-peer",
    title:
      "a connected socket sends without an address to its peer; an address is InvalidInput, and an unconnected send without one is NotConnected",
    requires: ["udp"],
    async run(ctx) {
      const [socket, peer] = await Promise.all([bind(ctx), bind(ctx)]);
      await rejectsWithKind(socket.send(bytes("x")), "NotConnected", "send without an address before connect");
      await socket.connect(peer.localAddress);
      await socket.send(bytes("to-peer"));
      const got = await receiveText(peer);
      equal(got.text, "to-peer", "the datagram the peer received");
      equal(got.got.from.port, socket.localAddress.port, "its sender");
      await rejectsWithKind(
        socket.send(bytes("x"), peer.localAddress),
        "InvalidInput",
        "send with an address once connected",
      );
      await receivesNothing(peer, 30, "the peer after the refused send");
    },
  },
  {
    id: "udp/receive-queue-is-bounded-and-counts-drops",
    title:
      "datagrams nobody receives wait in a queue of receiveQueue datagrams; later arrivals are dropped and counted, the queued ones kept in order",
    requires: ["udp"],
    async run(ctx) {
      const [socket, sender] = await Promise.all([bind(ctx, { receiveQueue: 4 }), bind(ctx)]);
      for (let i = 0; i < 12; i++) await sender.send(bytes(`d${i}`), socket.localAddress);
      await arrived(socket, 12, "12 datagrams queued or dropped");
      equal(socket.queued, 4, "queued");
      equal(socket.dropped, 8, "dropped");
      for (let i = 0; i < 4; i++) equal((await receiveText(socket)).text, `d${i}`, `queued datagram ${i}`);
      equal(socket.queued, 0, "queued after receiving them");
      await sender.send(bytes("after"), socket.localAddress);
      equal((await receiveText(socket)).text, "after", "a datagram once the queue has room again");
      equal(socket.dropped, 8, "dropped, unchanged");
    },
  },
  {
    id: "udp/aborted-receive-loses-no-datagram",
    title:
      "an aborted receive rejects with the signal's reason and consumes nothing: a datagram racing the abort is delivered by it or by the next receive",
    requires: ["udp"],
    async run(ctx) {
      const [socket, sender] = await Promise.all([bind(ctx), bind(ctx)]);
      const reason = new Error("stop");
      const controller = new AbortController();
      const aborted = receiveText(socket, 64, controller.signal);
      controller.abort(reason);
      equal(await rejects(aborted, "the aborted receive"), reason, "the rejection is the signal's reason");
      await sender.send(bytes("kept"), socket.localAddress);
      equal((await receiveText(socket)).text, "kept", "the datagram after the abort");
      const seen: string[] = [];
      for (let i = 0; i < 20; i++) {
        const racing = new AbortController();
        const outcome = receiveText(socket, 64, racing.signal).then(
          (received) => received.text,
          (error: unknown) => error,
        );
        const sent = sender.send(bytes(`r${i}`), socket.localAddress);
        // Abort at a different moment each round: before the send resolves, with it, or after.
        if (i % 3 === 0) racing.abort();
        await sent;
        if (i % 3 === 1) racing.abort();
        await delay(i % 3 === 2 ? 1 : 0);
        racing.abort();
        const settled = await outcome;
        if (typeof settled === "string") seen.push(settled);
        else {
          ok(isAbortError(settled), `round ${i}: the receive failed with ${String(settled)}`);
          seen.push((await receiveText(socket)).text);
        }
      }
      equal(seen.join(","), Array.from({ length: 20 }, (_, i) => `r${i}`).join(","), "every datagram, once, in order");
      equal(socket.queued, 0, "nothing left over");
    },
  },
  {
    id: "udp/concurrent-receive-is-busy",
    title: "a second receive while one waits rejects with Busy and does not disturb the first",
    requires: ["udp"],
    async run(ctx) {
      const [socket, sender] = await Promise.all([bind(ctx), bind(ctx)]);
      const first = receiveText(socket);
      await rejectsWithKind(socket.receive(new Uint8Array(8)), "Busy", "the second receive");
      await sender.send(bytes("one"), socket.localAddress);
      equal((await first).text, "one", "the first receive's datagram");
    },
  },
  {
    id: "udp/close-rejects-pending-and-later-operations",
    title:
      "close rejects a waiting receive with Closed, is idempotent, fails later sends and receives with Closed, and releases the port",
    requires: ["udp"],
    async run(ctx) {
      const socket = await ctx.runtime.udp.bind({ hostname: host, port: 0 });
      const { port } = socket.localAddress;
      const waiting = rejectsWithKind(socket.receive(new Uint8Array(8)), "Closed", "the waiting receive");
      await Promise.all([socket.close(), socket.close()]);
      await waiting;
      await rejectsWithKind(socket.receive(new Uint8Array(8)), "Closed", "a receive after close");
      await rejectsWithKind(socket.send(bytes("x"), { hostname: host, port }), "Closed", "a send after close");
      await rejectsWithKind(socket.connect({ hostname: host, port }), "Closed", "connect after close");
      await socket.close();
      const again = await bind(ctx, { port });
      equal(again.localAddress.port, port, "the released port, bound again");
    },
  },
  {
    id: "udp/bind-taken-port-is-addr-in-use",
    title: "binding an address another socket holds fails with AddrInUse",
    requires: ["udp"],
    async run(ctx) {
      const socket = await bind(ctx);
      await rejectsWithKind(
        ctx.runtime.udp.bind({ hostname: host, port: socket.localAddress.port }).then((taken) => {
          ctx.defer(() => taken.close());
          return taken;
        }),
        "AddrInUse",
        "bind of a taken port",
      );
    },
  },
  {
    id: "udp/bad-input-is-invalid-input",
    title:
      "a port out of range, an oversized datagram, an address that is not an IP literal of the socket's family fail with InvalidInput at once, sending nothing",
    requires: ["udp"],
    async run(ctx) {
      const [socket, peer] = await Promise.all([bind(ctx), bind(ctx)]);
      const to = peer.localAddress;
      await rejectsWithKind(ctx.runtime.udp.bind({ hostname: host, port: 65536 }), "InvalidInput", "bind port 65536");
      await rejectsWithKind(ctx.runtime.udp.bind({ hostname: "localhost", port: 0 }), "InvalidInput", "bind localhost");
      await rejectsWithKind(socket.send(new Uint8Array(65508), to), "InvalidInput", "a 65508-byte datagram");
      await rejectsWithKind(
        socket.send(bytes("x"), { hostname: "localhost", port: to.port }),
        "InvalidInput",
        "a host name",
      );
      await rejectsWithKind(
        socket.send(bytes("x"), { hostname: "::1", port: to.port }),
        "InvalidInput",
        "an IPv6 peer",
      );
      await rejectsWithKind(socket.send(bytes("x"), { hostname: host, port: 0 }), "InvalidInput", "port 0");
      await rejectsWithKind(socket.send(bytes("x"), { hostname: host, port: 70000 }), "InvalidInput", "port 70000");
      await receivesNothing(peer, 30, "the peer after the refused sends");
      await socket.send(bytes("fine"), to);
      equal((await receiveText(peer)).text, "fine", "a good send afterwards");
    },
  },
  {
    id: "udp/broadcast-needs-set-broadcast",
    title:
      "a send to a broadcast address fails with PermissionDenied until setBroadcast(true), and then reaches a socket bound to all addresses",
    requires: ["udp.broadcast"],
    async run(ctx) {
      const [receiver, sender] = await Promise.all([bind(ctx, { hostname: "0.0.0.0" }), bind(ctx)]);
      const to = { hostname: "127.255.255.255", port: receiver.localAddress.port };
      await rejectsWithKind(sender.send(bytes("no"), to), "PermissionDenied", "a broadcast before setBroadcast(true)");
      sender.setBroadcast(true);
      await sender.send(bytes("all"), to);
      equal((await receiveText(receiver)).text, "all", "the broadcast datagram");
      sender.setBroadcast(false);
      await rejectsWithKind(sender.send(bytes("no"), to), "PermissionDenied", "a broadcast after setBroadcast(false)");
    },
  },
  {
    id: "udp/multicast-join-receives-leave-stops",
    title: "a socket that joined a group on loopback receives what is sent to the group, and nothing once it left",
    requires: ["udp.multicast"],
    async run(ctx) {
      const group = "239.255.77.1";
      const [receiver, sender] = await Promise.all([bind(ctx, { hostname: "0.0.0.0" }), bind(ctx)]);
      receiver.joinMulticast(group, host);
      sender.setMulticastInterface(host);
      sender.setMulticastTtl(1);
      sender.setMulticastLoopback(true);
      const to = { hostname: group, port: receiver.localAddress.port };
      await sender.send(bytes("group"), to);
      const got = await receiveText(receiver);
      equal(got.text, "group", "the datagram sent to the group");
      equal(got.got.from.port, sender.localAddress.port, "its sender");
      receiver.leaveMulticast(group, host);
      await sender.send(bytes("left"), to);
      await receivesNothing(receiver, 50, "the receiver after leaving the group");
    },
  },
  {
    id: "udp/reuse-address-binds-twice",
    title: "two sockets that both ask for reuseAddress bind the same address",
    requires: ["udp.reuseAddress"],
    async run(ctx) {
      const first = await bind(ctx, { reuseAddress: true });
      const second = await bind(ctx, { reuseAddress: true, port: first.localAddress.port });
      equal(second.localAddress.port, first.localAddress.port, "the second socket's port");
    },
  },
  {
    id: "udp/undeclared-reuse-address-is-unsupported",
    title: "without udp.reuseAddress, bind with reuseAddress: true fails with Unsupported naming it, binding nothing",
    requires: ["udp", "!udp.reuseAddress"],
    async run(ctx) {
      const error = await rejectsWithKind(
        ctx.runtime.udp.bind({ hostname: host, port: 0, reuseAddress: true }).then((socket) => {
          ctx.defer(() => socket.close());
          return socket;
        }),
        "Unsupported",
        "bind with reuseAddress",
      );
      ok(String(error).includes("udp.reuseAddress"), `the error names udp.reuseAddress: ${String(error)}`);
      await bind(ctx, { reuseAddress: false });
    },
  },
  {
    id: "udp/options-after-close-are-closed",
    title: "setBroadcast and the multicast setters throw Closed after close, where declared",
    requires: ["udp.broadcast", "udp.multicast"],
    async run(ctx) {
      const socket = await bind(ctx);
      await socket.close();
      ioErrorKind(
        throws(() => socket.setBroadcast(true), "setBroadcast"),
        "Closed",
        "setBroadcast after close",
      );
      ioErrorKind(
        throws(() => socket.setMulticastTtl(1), "setMulticastTtl"),
        "Closed",
        "setMulticastTtl after close",
      );
    },
  },
];
