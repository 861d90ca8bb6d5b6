/**
 * UDP on `Deno.listenDatagram` (an unstable API: Deno offers it only with `--unstable-net`). Deno
 * receives only when asked, so each socket keeps one native `receive` in flight into a 64 KiB
 * landing buffer from the runtime's pool, and hands every arrival to core's `DatagramQueue`
 * (straight into a waiting receive's buffer, else copied into the bounded queue): the queue, not
 * the kernel, is where a socket nobody reads from drops datagrams, and it counts them.
 * @module
 */
import type { DatagramSocket, SocketAddress, Udp, UdpBindOptions } from "@anyrt/core";
import {
  type BufferPool,
  checkBindOptions,
  checkMethods,
  closedSocket,
  DatagramQueue,
  type DatagramTransport,
  QueuedDatagramSocket,
} from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

/** Larger than any UDP payload (65527 bytes over IPv6), so that no arrival is cut short. */
const LANDING_SIZE = 64 * 1024;

/** Whether this Deno offers UDP: `Deno.listenDatagram` exists only under `--unstable-net`. */
export function denoHasUdp(): boolean {
  return typeof (Deno as { listenDatagram?: unknown }).listenDatagram === "function";
}

/** A `Deno.DatagramConn` as core's transport: sends only (receiving is the pump's). */
class DenoDatagramTransport implements DatagramTransport {
  readonly localAddress: SocketAddress;
  readonly #conn: Deno.DatagramConn;
  /** Settles when the pump's last native receive did: only then has Deno released the port. */
  pumped: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(conn: Deno.DatagramConn, localAddress: SocketAddress) {
    this.#conn = conn;
    this.localAddress = localAddress;
  }

  get closed(): boolean {
    return this.#closed;
  }

  // Deno's send reads `bytes` until its promise settles and cannot be cancelled, so the send
  // waits for it whatever the signal does.
  send(bytes: Uint8Array, to: SocketAddress): Promise<void> {
    if (this.#closed) return Promise.reject(closedSocket("send"));
    return this.#conn.send(bytes, { transport: "udp", hostname: to.hostname, port: to.port }).then(
      () => undefined,
      (error: unknown) => {
        throw this.#closed ? closedSocket("send") : toIoError(error, `send to ${to.hostname}:${to.port}`);
      },
    );
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#conn.close();
    }
    return this.pumped;
  }
}

/** Receives until the socket closes: each arrival lands in `landing` and goes to `queue`. */
async function pump(
  conn: Deno.DatagramConn,
  transport: DenoDatagramTransport,
  queue: DatagramQueue,
  pool: BufferPool,
  family: 4 | 6,
  label: string,
): Promise<void> {
  const landing = pool.acquire(LANDING_SIZE);
  try {
    while (!transport.closed) {
      let arrival: [Uint8Array, Deno.Addr];
      try {
        arrival = await conn.receive(landing);
      } catch (error) {
        const failure = toIoError(error, label);
        if (transport.closed || failure.kind === "Closed" || failure.kind === "Aborted") return;
        // A socket error (an ICMP error the kernel reports) goes to one receive; receiving goes on.
        queue.fail(failure);
        continue;
      }
      const [bytes, from] = arrival;
      const address = from as Deno.NetAddr;
      queue.push(bytes, { hostname: address.hostname, port: address.port, family }, false);
    }
  } finally {
    pool.release(landing.buffer);
  }
}

/**
 * Deno's UDP over `pool`'s landing buffers. Bind fails with `Unsupported` without `--unstable-net`;
 * `InvalidInput` at once unless `pool` is a buffer pool.
 */
export function createDenoUdp(pool: BufferPool): Udp {
  checkMethods("createDenoUdp", "pool", pool, ["acquire", "release"]);
  return {
    bind(options: UdpBindOptions): Promise<DatagramSocket> {
      let checked: ReturnType<typeof checkBindOptions>;
      try {
        checked = checkBindOptions(options);
      } catch (error) {
        return Promise.reject(error);
      }
      const { hostname, family, port, reuseAddress, receiveQueue } = checked;
      const where = `${family === 6 ? `[${hostname}]` : hostname}:${port}`;
      let conn: Deno.DatagramConn;
      try {
        conn = Deno.listenDatagram({ transport: "udp", hostname, port, reuseAddress });
      } catch (error) {
        return Promise.reject(toIoError(error, `bind ${where}`));
      }
      const bound = conn.addr as Deno.NetAddr;
      const localAddress: SocketAddress = { hostname, port: bound.port, family };
      const label = `receive on ${hostname}:${bound.port}`;
      const transport = new DenoDatagramTransport(conn, localAddress);
      const queue = new DatagramQueue(label, receiveQueue);
      transport.pumped = pump(conn, transport, queue, pool, family, label);
      return Promise.resolve(
        new QueuedDatagramSocket(transport, queue, { adapter: "@anyrt/deno", broadcast: false, multicast: false }),
      );
    },
  };
}
