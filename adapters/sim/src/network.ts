/**
 * The virtual network's TCP: connections between the hosts of a world, each direction a flow of
 * segments delivered after a seeded latency on the world's virtual scheduler, with the stream
 * contract from core's kit (a `ReadHalf` over a `ChunkQueue` receiving, a `WriteHalf` over the
 * flow sending). Backpressure is a window per direction: bytes in flight plus bytes the receiver
 * has not read never exceed it. Refused connects, resets, partitions (segments held until the
 * link heals, as TCP's retransmissions would deliver them) and crashes are modelled here.
 * @module
 */
import {
  IoError,
  type OperationOptions,
  type Scheduler,
  type SocketAddress,
  type TcpConnectOptions,
  type TcpListener,
  type TcpListenOptions,
  type TcpStream,
  WOULD_BLOCK,
} from "@anyrt/core";
import {
  AcceptQueue,
  abortReason,
  ChunkQueue,
  checkBoolean,
  checkConnectOptions,
  checkKeepAlive,
  checkListenOptions,
  hostnameOf,
  onAbort,
  QueuedListener,
  ReadHalf,
  WriteHalf,
  type WriteTransport,
} from "@anyrt/core/adapter";

/** The first port handed out for port 0 and for the local end of a connect (the IANA dynamic range). */
export const FIRST_DYNAMIC_PORT = 49152;

/**
 * The largest segment on a link with a bandwidth limit. Without a limit a write's accepted bytes
 * travel as one segment; with one, a segment arrives only once it has all left, so smaller
 * segments let the receiver read (and give window back) while the rest is still on the wire, as
 * TCP's acknowledgements would: the link stays busy instead of idling a latency per window.
 */
export const LIMITED_SEGMENT = 16 * 1024;

/** The SYN retransmission delays of a connect that gets no answer (Linux's: 127 s in all). */
const SYN_RETRIES_MS = [1000, 2000, 4000, 8000, 16000, 32000, 64000] as const;

/** What the network asks of its world: time, choices, the log, and the state of hosts and links. */
export interface NetworkWorld {
  /** The world's scheduler (virtual). */
  readonly scheduler: Scheduler;
  /** The window of each direction of a connection, in bytes. */
  readonly window: number;
  /** Records an event. */
  record(host: string, what: string): void;
  /** A one-way latency for a segment from `from` to `to`, drawn from the link's distribution. */
  latency(from: NetHost, to: NetHost): number;
  /**
   * Puts `bytes` on the link from `from` to `to` after what it is sending already, at a bandwidth
   * drawn from the link's distribution; returns the virtual time the last byte has left (now, on
   * a link without a bandwidth limit).
   */
  transmit(from: NetHost, to: NetHost, bytes: number): number;
  /** Whether the link from `from` to `to` has a bandwidth limit (its data goes in segments of at most {@link LIMITED_SEGMENT} bytes). */
  limited(from: NetHost, to: NetHost): boolean;
  /** Whether a segment from `from` reaches `to` now: both up and not partitioned. */
  linked(from: NetHost, to: NetHost): boolean;
  /** The host `hostname` names as seen from `from` (an address, a host name, loopback), or `null`. */
  resolve(from: NetHost, hostname: string): NetHost | null;
  /** A flow started holding segments at a down link: the world releases it when links heal. */
  holding(flow: { release(): void }): void;
  /** The id of the next connection (per world, so that logs do not depend on other worlds). */
  nextConnectionId(): number;
}

/** A host as the network sees it. */
export interface NetHost {
  /** The host's name in the log. */
  readonly name: string;
  /** The host's IP address on the virtual network. */
  readonly address: string;
  /** Whether the host is up (not crashed). */
  readonly up: boolean;
  /** The host's TCP state: listeners by port, open endpoints, the next dynamic port. */
  readonly tcp: HostTcp;
}

/** One host's TCP state. */
export class HostTcp {
  /** Listeners by port. */
  readonly listeners = new Map<number, SimListener>();
  /** Open connection ends on this host. */
  readonly endpoints = new Set<SimTcpStream>();
  #nextPort = FIRST_DYNAMIC_PORT;

  /** A free dynamic port, in order (deterministic). */
  freePort(): number {
    for (let tries = 0; tries < 16384; tries++) {
      const port = this.#nextPort;
      this.#nextPort = port === 65535 ? FIRST_DYNAMIC_PORT : port + 1;
      if (!this.listeners.has(port) && ![...this.endpoints].some((end) => end.localAddress.port === port)) return port;
    }
    throw new IoError("AddrNotAvailable", "no free port left on this host");
  }
}

/** A segment of one direction of a connection. */
type Segment =
  | { readonly kind: "data"; readonly bytes: Uint8Array }
  | { readonly kind: "fin" }
  | { readonly kind: "rst" };

/** A TCP connection: its two ends and whether it was reset. */
export class Connection {
  readonly id: number;
  /** The connecting end (set once both ends exist). */
  client!: SimTcpStream;
  /** The accepted end. */
  server!: SimTcpStream;
  /** Set once either end sent or received a reset: nothing more is delivered either way. */
  reset = false;

  constructor(readonly world: NetworkWorld) {
    this.id = world.nextConnectionId();
  }
}

/**
 * One direction of a connection: the sender's write transport and the receiver's read side.
 * Accepted bytes travel as one segment per accept, arriving in order at
 * `max(last arrival, now + latency)`.
 */
class Flow implements WriteTransport {
  readonly half: WriteHalf;
  readonly queue = new ChunkQueue();
  readonly reader: ReadHalf;
  #inFlight = 0;
  #lastArrival = Number.NEGATIVE_INFINITY;
  /** Segments that arrived while the link was down, in order, waiting for it to heal. */
  readonly #held: Segment[] = [];
  #releasing = false;
  /** The FIN was sent (a shutdown, or a close). */
  finSent = false;

  constructor(
    readonly connection: Connection,
    readonly from: NetHost,
    readonly to: NetHost,
    readonly label: string,
    readonly receiver: () => SimTcpStream,
  ) {
    this.reader = new ReadHalf(this.queue, { label, onConsumed: () => this.half.room() });
    this.half = new WriteHalf(this);
  }

  get #world(): NetworkWorld {
    return this.connection.world;
  }

  /** Every accepted byte has arrived at the receiver. */
  get idle(): boolean {
    return this.#inFlight === 0;
  }

  /** Sends no segment before `time`: the SYN-ACK of a connect precedes the server's first bytes. */
  notBefore(time: number): void {
    this.#lastArrival = Math.max(this.#lastArrival, time);
  }

  accept(buf: Uint8Array): number {
    const free = this.#world.window - this.#inFlight - this.queue.size;
    if (free <= 0) return WOULD_BLOCK;
    const n = Math.min(buf.length, free);
    this.#inFlight += n;
    const size = this.#world.limited(this.from, this.to) ? LIMITED_SEGMENT : n;
    for (let offset = 0; offset < n; offset += size) {
      this.send({ kind: "data", bytes: buf.slice(offset, Math.min(n, offset + size)) });
    }
    return n;
  }

  end(): void {
    this.sendFin();
  }

  /** Sends FIN after the bytes before it, once. */
  sendFin(): void {
    if (this.finSent) return;
    this.finSent = true;
    this.send({ kind: "fin" });
  }

  /** Sends `segment` after the ones before it. */
  send(segment: Segment): void {
    const world = this.#world;
    const now = world.scheduler.now();
    const left = world.transmit(this.from, this.to, segment.kind === "data" ? segment.bytes.length : 0);
    const arrival = Math.max(this.#lastArrival, left + world.latency(this.from, this.to));
    this.#lastArrival = arrival;
    world.record(this.from.name, `${this.label} send ${describeSegment(segment)} arrives ${arrival.toFixed(3)}`);
    world.scheduler.schedule(arrival - now, () => this.#arrive(segment));
  }

  #arrive(segment: Segment): void {
    if (this.connection.reset) return;
    if (this.#held.length > 0 || !this.#world.linked(this.from, this.to)) {
      if (this.#held.length === 0) {
        this.#world.record(this.to.name, `${this.label} link down: holding segments`);
        this.#world.holding(this);
      }
      this.#held.push(segment);
      return;
    }
    this.#deliver(segment);
  }

  /** The link healed: the held segments arrive, in order, one latency from now. */
  release(): void {
    if (this.#held.length === 0 || this.#releasing || this.connection.reset) return;
    this.#releasing = true;
    const world = this.#world;
    const delay = world.latency(this.from, this.to);
    world.scheduler.schedule(delay, () => {
      this.#releasing = false;
      if (this.connection.reset) return;
      if (!world.linked(this.from, this.to)) {
        world.holding(this);
        return;
      }
      world.record(this.to.name, `${this.label} link up: ${this.#held.length} held segments arrive`);
      for (const segment of this.#held.splice(0)) {
        if (this.connection.reset) return;
        this.#deliver(segment);
      }
    });
  }

  #deliver(segment: Segment): void {
    const world = this.#world;
    const receiver = this.receiver();
    world.record(this.to.name, `${this.label} recv ${describeSegment(segment)}`);
    switch (segment.kind) {
      case "data":
        this.#inFlight -= segment.bytes.length;
        if (receiver.isClosed) {
          // Bytes for an end that is closed: its stack answers with a reset.
          receiver.sendReset("data arrived after close");
        } else {
          this.queue.push(segment.bytes);
          this.reader.notify();
        }
        if (this.#inFlight === 0) this.half.flushed();
        return;
      case "fin":
        this.reader.end();
        return;
      case "rst":
        this.connection.reset = true;
        receiver.abort(new IoError("ConnectionReset", `read ${receiver.label}: connection reset by peer`));
        receiver.peer.abort(new IoError("ConnectionReset", `${receiver.peer.label}: connection was reset`), false);
        return;
    }
  }
}

function describeSegment(segment: Segment): string {
  return segment.kind === "data" ? `data ${segment.bytes.length} B` : segment.kind.toUpperCase();
}

/**
 * One end of a simulated TCP connection. `close()` with received bytes unread resets the
 * connection (`tcp.resetOnClose`); otherwise it sends FIN after what was written. Socket options
 * are accepted and have no effect on the model.
 */
export class SimTcpStream implements TcpStream {
  readonly localAddress: SocketAddress;
  readonly remoteAddress: SocketAddress;
  readonly label: string;
  /** The other end; set right after both ends are made. */
  peer!: SimTcpStream;
  /** The flow this end reads (peer to this end). */
  inbound!: Flow;
  /** The flow this end writes (this end to peer). */
  outbound!: Flow;
  #closed = false;
  #aborted = false;
  #resetSent = false;

  constructor(
    readonly connection: Connection,
    readonly host: NetHost,
    localAddress: SocketAddress,
    remoteAddress: SocketAddress,
  ) {
    this.localAddress = localAddress;
    this.remoteAddress = remoteAddress;
    this.label = `tcp#${connection.id} ${localAddress.hostname}:${localAddress.port}>${remoteAddress.hostname}:${remoteAddress.port}`;
  }

  /** Whether `close()` was called. */
  get isClosed(): boolean {
    return this.#closed;
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.inbound.reader.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.inbound.reader.tryRead(buf);
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.outbound.half.write(buf, options);
  }

  tryWrite(buf: Uint8Array): number {
    return this.outbound.half.tryWrite(buf);
  }

  writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    return this.outbound.half.writeVectored(bufs, options);
  }

  flush(options?: OperationOptions): Promise<void> {
    return this.outbound.half.flush(options);
  }

  shutdown(options?: OperationOptions): Promise<void> {
    return this.outbound.half.shutdown(options);
  }

  setNoDelay(enable: boolean): void {
    checkBoolean("setNoDelay", "enable", enable);
    if (this.#closed) throw new IoError("Closed", `setNoDelay ${this.label}: stream is closed`);
  }

  setKeepAlive(enable: boolean, initialDelayMs?: number): void {
    checkKeepAlive("setKeepAlive", enable, initialDelayMs);
    if (this.#closed) throw new IoError("Closed", `setKeepAlive ${this.label}: stream is closed`);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.host.tcp.endpoints.delete(this);
    const unread = this.inbound.queue.size > 0;
    this.inbound.reader.close();
    this.outbound.half.close();
    this.connection.world.record(this.host.name, `${this.label} close${unread ? " with unread bytes" : ""}`);
    if (this.connection.reset || this.#aborted) return Promise.resolve();
    if (unread) this.sendReset("closed with unread bytes");
    else this.outbound.sendFin();
    return Promise.resolve();
  }

  /** Closes the stream (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Sends RST to the peer, once; nothing this end sends or receives afterwards matters. */
  sendReset(why: string): void {
    if (this.#resetSent || this.connection.reset) return;
    this.#resetSent = true;
    this.connection.world.record(this.host.name, `${this.label} RST (${why})`);
    this.outbound.send({ kind: "rst" });
  }

  /**
   * The connection failed under this end: reads fail with `error` after the bytes already
   * received, writes fail at once. `local` is false for the end that sent the reset.
   */
  abort(error: IoError, local = true): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.host.tcp.endpoints.delete(this);
    if (local) this.inbound.reader.fail(error);
    this.outbound.half.fail(error);
  }
}

/** Makes the two ends of a connection and their flows. */
function connectionBetween(
  world: NetworkWorld,
  client: { host: NetHost; address: SocketAddress },
  server: { host: NetHost; address: SocketAddress },
): Connection {
  const connection = new Connection(world);
  const clientEnd = new SimTcpStream(connection, client.host, client.address, server.address);
  const serverEnd = new SimTcpStream(connection, server.host, server.address, client.address);
  clientEnd.peer = serverEnd;
  serverEnd.peer = clientEnd;
  const up = new Flow(connection, client.host, server.host, clientEnd.label, () => serverEnd);
  const down = new Flow(connection, server.host, client.host, serverEnd.label, () => clientEnd);
  clientEnd.outbound = up;
  clientEnd.inbound = down;
  serverEnd.outbound = down;
  serverEnd.inbound = up;
  connection.client = clientEnd;
  connection.server = serverEnd;
  return connection;
}

/** A listening socket of a host. */
export class SimListener {
  readonly queue: AcceptQueue<SimTcpStream>;
  readonly listener: TcpListener;

  constructor(
    readonly host: NetHost,
    readonly hostname: string,
    readonly port: number,
    backlog: number,
  ) {
    const label = `accept on ${host.name} ${hostname}:${port}`;
    this.queue = new AcceptQueue<SimTcpStream>(label, backlog);
    this.listener = new QueuedListener({ hostname, port, family: hostname === "::" ? 6 : 4 }, this.queue, () => {
      if (host.tcp.listeners.get(port) === this) host.tcp.listeners.delete(port);
    });
  }

  /** Whether a connection to `destination` (an address of this host) reaches this listener. */
  accepts(destination: string): boolean {
    if (this.hostname === "0.0.0.0" || this.hostname === "::") return true;
    return this.hostname === destination;
  }
}

/** Whether `hostname` names the host itself through loopback (127/8, `localhost`, `::1`). */
export function isLoopback(hostname: string): boolean {
  return hostname.startsWith("127.") || hostname === "localhost" || hostname === "::1";
}

/** The address a connection to `hostname` on `host` goes to: the loopback address it names, or the host's. */
function destinationOf(host: NetHost, hostname: string): string {
  if (hostname === "localhost") return "127.0.0.1";
  return isLoopback(hostname) ? hostname : host.address;
}

/** The simulated stack's answer, kept as an `IoError`'s cause as a native error would be. */
function segmentCause(code: string, what: string): Error {
  return Object.assign(new Error(`${code}: ${what}`), { code });
}

/**
 * `runtime.tcp.listen` of `host`: binds `hostname` (loopback, the host's address or a wildcard;
 * `AddrNotAvailable` otherwise) and `port` (`AddrInUse` when the host has a listener there; 0
 * takes the next free dynamic port).
 */
export function listen(world: NetworkWorld, host: NetHost, options: TcpListenOptions): Promise<TcpListener> {
  try {
    checkListenOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const requested = hostnameOf("listen", options);
  const hostname = requested === "localhost" || requested === "::1" ? "127.0.0.1" : requested;
  if (!host.up) return Promise.reject(new IoError("Other", `listen ${hostname}: host ${host.name} is down`));
  if (hostname !== "127.0.0.1" && hostname !== "0.0.0.0" && hostname !== "::" && hostname !== host.address) {
    return Promise.reject(
      new IoError("AddrNotAvailable", `listen ${hostname}:${options.port}: not an address of host ${host.name}`),
    );
  }
  if (host.tcp.listeners.has(options.port)) {
    return Promise.reject(new IoError("AddrInUse", `listen ${hostname}:${options.port}: address already in use`));
  }
  const port = options.port === 0 ? host.tcp.freePort() : options.port;
  const bound = new SimListener(host, hostname, port, options.backlog ?? 128);
  host.tcp.listeners.set(port, bound);
  world.record(host.name, `listen ${hostname}:${port}`);
  return Promise.resolve(bound.listener);
}

/**
 * `runtime.tcp.connect` of `host`: a SYN to the host `hostname` names, one latency away. A
 * listener there accepts (the connect resolves one latency later, with the SYN-ACK); no listener
 * refuses (`ConnectionRefused`, one latency later). An unknown name fails `NotFound` at once; an
 * unreachable host (crashed, partitioned away, an address nobody has) gets SYN retransmissions,
 * 1 s, 2 s, ... 64 s apart, and fails `TimedOut` after 127 s. Aborting rejects with the signal's
 * reason; a connection established after that is reset.
 */
export function connect(world: NetworkWorld, host: NetHost, options: TcpConnectOptions): Promise<TcpStream> {
  try {
    checkConnectOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const hostname = hostnameOf("connect", options);
  const port = options.port;
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (!host.up) return Promise.reject(new IoError("Other", `connect ${hostname}:${port}: host ${host.name} is down`));
  const target = world.resolve(host, hostname);
  if (target === null && !/^[\d.]+$|:/.test(hostname)) {
    return Promise.reject(new IoError("NotFound", `connect ${hostname}:${port}: no such host in the world`));
  }
  return new Promise<TcpStream>((resolve, reject) => {
    let settled = false;
    const cancels: (() => void)[] = [];
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      for (const cancel of cancels) cancel();
      outcome();
    };
    cancels.push(onAbort(signal, (reason) => finish(() => reject(reason))));
    const what = `connect ${hostname}:${port}`;
    world.record(host.name, `${what} SYN`);
    const attempt = (retry: number): void => {
      const latency = target === null ? 0 : world.latency(host, target);
      const cancel = world.scheduler.schedule(latency, () => {
        if (settled) return;
        if (target === null || !world.linked(host, target)) {
          const wait = SYN_RETRIES_MS[retry];
          if (wait === undefined) {
            world.record(host.name, `${what} timed out`);
            const cause = segmentCause("ETIMEDOUT", `no answer to ${SYN_RETRIES_MS.length + 1} SYNs`);
            finish(() => reject(new IoError("TimedOut", `${what}: connection timed out`, { cause })));
            return;
          }
          world.record(host.name, `${what} SYN lost, retransmit in ${wait} ms`);
          cancels.push(world.scheduler.schedule(wait, () => attempt(retry + 1)));
          return;
        }
        synArrived(target, latency);
      });
      cancels.push(cancel);
    };
    const synArrived = (server: NetHost, latency: number): void => {
      const bound = server.tcp.listeners.get(port);
      const back = world.latency(server, host);
      const destination = destinationOf(server, hostname);
      if (bound === undefined || !bound.accepts(destination) || bound.queue.refusing) {
        world.record(server.name, `${what} from ${host.name} refused`);
        const cause = segmentCause("ECONNREFUSED", `RST from ${server.name} port ${port}`);
        cancels.push(
          world.scheduler.schedule(back, () =>
            finish(() => reject(new IoError("ConnectionRefused", `${what}: connection refused`, { cause }))),
          ),
        );
        return;
      }
      // Over loopback both ends have the loopback address; otherwise each its host's.
      const source = isLoopback(destination) ? destination : host.address;
      const connection = connectionBetween(
        world,
        { host, address: { hostname: source, port: host.tcp.freePort(), family: 4 } },
        { host: server, address: { hostname: destination, port, family: 4 } },
      );
      const { client, server: accepted } = connection;
      host.tcp.endpoints.add(client);
      server.tcp.endpoints.add(accepted);
      world.record(server.name, `${accepted.label} accepted (SYN after ${latency.toFixed(3)} ms)`);
      accepted.outbound.notBefore(world.scheduler.now() + back);
      bound.queue.push(accepted);
      // The SYN-ACK: the client end exists once it arrives.
      world.scheduler.schedule(back, () => {
        if (settled) {
          client.sendReset("connect was aborted");
          void client.close();
          return;
        }
        world.record(host.name, `${client.label} established`);
        finish(() => resolve(client));
      });
    };
    attempt(0);
  });
}
