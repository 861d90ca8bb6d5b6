// The part of workerd's `cloudflare:sockets` module this adapter uses (the WinterTC Sockets API
// shape), declared here so that the adapter compiles without `@cloudflare/workers-types`.
declare module "cloudflare:sockets" {
  /** Options of `connect()`. */
  interface SocketOptions {
    secureTransport?: "off" | "on" | "starttls";
    allowHalfOpen?: boolean;
  }
  /** Where to connect. */
  interface SocketAddress {
    hostname: string;
    port: number;
  }
  /** What `opened` resolves. */
  interface SocketInfo {
    remoteAddress?: string;
    localAddress?: string;
  }
  /** A connected socket. */
  interface Socket {
    readonly readable: ReadableStream<Uint8Array>;
    readonly writable: WritableStream<Uint8Array>;
    readonly opened: Promise<SocketInfo>;
    readonly closed: Promise<void>;
    close(): Promise<void>;
    startTls(options?: { expectedServerHostname?: string }): Socket;
  }
  function connect(address: string | SocketAddress, options?: SocketOptions): Socket;
}
