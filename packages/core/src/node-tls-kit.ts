/**
 * anyrt's TLS options on a `node:tls` module (Node's own, or Bun's compatible one): clients'
 * secure contexts, cached by trust; `tls.connect`'s and `tls.createServer`'s options; and a
 * server's connections still in their handshake. Written once for the Node adapter, the Effect
 * runtime on Node and Bun; the module is a parameter, so core imports no runtime.
 * @module
 */
import { IoError } from "./error.ts";
import { isIpLiteral } from "./happy-eyeballs.ts";
import type { TlsClientOptions, TlsListenOptions } from "./tls.ts";
import { checkArray, checkMethods, checkText, checkTlsClientOptions, checkTlsServerOptions } from "./validate.ts";

/** What a client trusts and presents, as `createSecureContext` takes it; no `ca`: the module's bundled roots. */
export interface NodeTlsTrust {
  /** The CA certificates (PEM) trusted, replacing the module's roots. */
  readonly ca?: string[];
  /** The client certificate (PEM) presented for mutual TLS. */
  readonly cert?: string;
  /** The client certificate's private key (PEM). */
  readonly key?: string;
}

/** `tls.createServer`'s options for anyrt's {@link TlsListenOptions}. */
export interface NodeTlsServerOptions {
  /** The server's certificate (PEM). */
  readonly cert: string;
  /** Its private key (PEM). */
  readonly key: string;
  /** Always: a peer's FIN ends reading only (`shutdown` is a half-close). */
  readonly allowHalfOpen: true;
  /** The ALPN protocols accepted, in order of preference. */
  readonly ALPNProtocols?: string[];
  /** With `clientCertificates`: every client is asked for a certificate... */
  readonly requestCert?: true;
  /** ...and one that does not chain to `ca` fails its handshake. */
  readonly rejectUnauthorized?: true;
  /** The CAs (PEM) a client's certificate must chain to. */
  readonly ca?: string[];
}

/** The members of a `node:tls` module that {@link NodeTlsKit} uses. */
export interface NodeTlsModule {
  /** The module's bundled root CAs (PEM): the system store of `systemCertificates`. */
  readonly rootCertificates: readonly string[];
  /** Makes a secure context (parsing every certificate given); throws for PEM it cannot load. */
  createSecureContext(options: NodeTlsTrust): unknown;
  /** The error of a peer certificate not valid for `hostname`, else `undefined`. */
  checkServerIdentity(hostname: string, certificate: never): Error | undefined;
  /** Makes a TLS server, not listening yet; throws for PEM it cannot load. */
  createServer(options: NodeTlsServerOptions): unknown;
}

/** `tls.connect`'s options for a client, as {@link NodeTlsKit.clientOptions} makes them. */
export interface NodeTlsClientOptions {
  /** The secure context of the client's trust and certificate (what `createSecureContext` made). */
  readonly secureContext: unknown;
  /** SNI: the name verified, unless it is an IP literal (RFC 6066 sends no address). */
  readonly servername?: string;
  /** Checks the peer's certificate against the name verified, whatever host was connected to. */
  readonly checkServerIdentity: (hostname: string, certificate: unknown) => Error | undefined;
  /** `false` only with `dangerouslyAcceptInvalidCertificates`. */
  readonly rejectUnauthorized: boolean;
  /** The ALPN protocols offered, in order of preference. */
  readonly ALPNProtocols?: string[];
}

/** A socket of a `node:tls` server, as far as {@link NodeTlsKit.trackHandshakes} uses it. */
interface HandshakingSocket {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  once(event: "close", listener: () => void): unknown;
  destroy(): unknown;
}

/** A `node:tls` server, as far as {@link NodeTlsKit.trackHandshakes} uses it. */
export interface NodeTlsServer {
  /** Adds `listener` for `event` (`'connection'`, `'secureConnection'`, `'tlsClientError'`). */
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** A listener of `NodeTlsServer.on`, from one that knows what its event passes. */
function listener<A extends unknown[]>(handle: (...args: A) => void): (...args: unknown[]) => void {
  return handle as (...args: unknown[]) => void;
}

/** How many secure contexts a kit keeps: one per distinct trust and client certificate. */
const CONTEXT_CACHE_SIZE = 32;

/**
 * anyrt's TLS options mapped onto a `node:tls` module, once for every adapter that has one.
 * Secure contexts are cached by trust and client certificate (32, least recently used out), since
 * making one parses every certificate (the bundled store is over a hundred): no connect with the
 * same options parses PEM again. A certificate or key of the right shape that the module cannot
 * load is `InvalidInput`, as a malformed argument is. Verification stays on unless the options
 * carry `dangerouslyAcceptInvalidCertificates`, and the name verified is the one given.
 *
 * @example
 * ```ts runtimes=node,bun
 * import tls from "node:tls";
 * import { NodeTlsKit } from "@anyrt/core/adapter";
 * const kit = new NodeTlsKit(tls);
 * const options = kit.clientOptions("tls connect example.com:443", {}, "example.com");
 * console.assert(options.servername === "example.com" && options.rejectUnauthorized);
 * console.assert(kit.clientOptions("tls connect", {}, "127.0.0.1").servername === undefined);
 * console.assert(kit.secureContext("tls connect", {}) === options.secureContext);
 * ```
 */
export class NodeTlsKit {
  readonly #module: NodeTlsModule;
  readonly #contexts = new Map<string, unknown>();
  /** The configuration last asked for and its context (the most recently used entry of the cache). */
  #last: LastContext | null = null;

  /** `module` is `node:tls` (`InvalidInput` unless it has the members {@link NodeTlsModule} names). */
  constructor(module: NodeTlsModule) {
    checkMethods("NodeTlsKit", "module", module, ["createSecureContext", "checkServerIdentity", "createServer"]);
    checkArray("NodeTlsKit", "module.rootCertificates", module.rootCertificates);
    this.#module = module;
  }

  /**
   * What a client of `options` trusts and presents, as `createSecureContext` takes it: nothing
   * for the module's roots alone, else the roots plus `caCertificates` (a `ca` replaces the
   * roots) or those alone (`systemCertificates: false`), and the client certificate for mutual
   * TLS. `InvalidInput` for options that are not valid TLS client options.
   */
  trust(operation: string, options: TlsClientOptions): NodeTlsTrust {
    checkText("NodeTlsKit.trust", "operation", operation);
    checkTlsClientOptions(operation, options);
    const extra = options.caCertificates ?? [];
    const client = options.clientCertificate;
    return {
      ...(extra.length === 0
        ? {}
        : { ca: options.systemCertificates === false ? [...extra] : [...this.#module.rootCertificates, ...extra] }),
      ...(client === undefined ? {} : { cert: client.certificate, key: client.key }),
    };
  }

  /**
   * The secure context of {@link trust}, made by the module's `createSecureContext` and cached.
   * `InvalidInput` for options that are not valid TLS client options or for PEM the module cannot
   * load.
   */
  secureContext(operation: string, options: TlsClientOptions): unknown {
    checkText("NodeTlsKit.secureContext", "operation", operation);
    checkTlsClientOptions(operation, options);
    const client = options.clientCertificate;
    const systemCertificates = options.systemCertificates ?? true;
    const caCertificates = options.caCertificates ?? [];
    // The same configuration as the last connect (the usual case) skips the cache key: writing it
    // copies every PEM into a new string, and looking it up hashes that string.
    const last = this.#last;
    if (
      last !== null &&
      last.systemCertificates === systemCertificates &&
      last.certificate === client?.certificate &&
      last.key === client?.key &&
      sameStrings(last.caCertificates, caCertificates)
    ) {
      return last.context;
    }
    const key = JSON.stringify([
      options.systemCertificates ?? true,
      options.caCertificates ?? [],
      client?.certificate ?? null,
      client?.key ?? null,
    ]);
    const contexts = this.#contexts;
    let context: unknown;
    if (contexts.has(key)) {
      context = contexts.get(key);
      contexts.delete(key);
      contexts.set(key, context);
    } else {
      const trust = this.trust(operation, options);
      context = loading(operation, () => this.#module.createSecureContext(trust));
      contexts.set(key, context);
      if (contexts.size > CONTEXT_CACHE_SIZE) contexts.delete(contexts.keys().next().value as string);
    }
    this.#last = {
      systemCertificates,
      caCertificates: [...caCertificates],
      certificate: client?.certificate,
      key: client?.key,
      context,
    };
    return context;
  }

  /**
   * `tls.connect`'s options for a client of `options` that verifies `name`: its cached secure
   * context, SNI for a host name (never for an IP literal, as RFC 6066 says), the identity checked
   * against `name` whatever host the connection went to, and ALPN. `InvalidInput` as
   * {@link secureContext}, or for an empty `name`.
   */
  clientOptions(operation: string, options: TlsClientOptions, name: string): NodeTlsClientOptions {
    const secureContext = this.secureContext(operation, options);
    checkText(operation, "name", name);
    const module = this.#module;
    return {
      secureContext,
      ...(isIpLiteral(name) ? {} : { servername: name }),
      checkServerIdentity: (_host, certificate) => module.checkServerIdentity(name, certificate as never),
      rejectUnauthorized: options.dangerouslyAcceptInvalidCertificates !== true,
      ...(options.alpnProtocols === undefined ? {} : { ALPNProtocols: [...options.alpnProtocols] }),
    };
  }

  /**
   * A `tls.createServer` server for `options` (its certificate and key, ALPN, and with
   * `clientCertificates` a required client certificate chaining to those CAs), with half-close
   * allowed; not listening yet. `InvalidInput` for options that are not valid TLS server options
   * or for PEM the module cannot load.
   */
  createServer(operation: string, options: TlsListenOptions): unknown {
    checkText("NodeTlsKit.createServer", "operation", operation);
    checkTlsServerOptions(operation, options);
    const mutual = options.clientCertificates;
    const serverOptions: NodeTlsServerOptions = {
      cert: options.certificate,
      key: options.key,
      allowHalfOpen: true,
      ...(options.alpnProtocols === undefined ? {} : { ALPNProtocols: [...options.alpnProtocols] }),
      ...(mutual === undefined ? {} : { requestCert: true, rejectUnauthorized: true, ca: [...mutual.caCertificates] }),
    };
    return loading(operation, () => this.#module.createServer(serverOptions));
  }

  /**
   * Tracks `server`'s connections from their TCP accept to the end of their handshake, and
   * destroys those whose handshake failed (Node leaves such a socket open once anyone listens for
   * `'tlsClientError'`). Call it before adding a `'secureConnection'` listener. Returns the
   * function that ends the handshakes still under way, for the listener's close: a client that
   * went quiet, or half-closed (which `allowHalfOpen` keeps open), would otherwise outlive it.
   */
  trackHandshakes(server: NodeTlsServer): () => void {
    checkMethods("NodeTlsKit.trackHandshakes", "server", server, ["on"]);
    // By the peer's endpoint: the TLS socket of 'secureConnection' is not the raw one of 'connection'.
    const handshaking = new Map<string, HandshakingSocket>();
    const endpoint = (socket: HandshakingSocket) => `${socket.remoteAddress}:${socket.remotePort}`;
    server.on(
      "connection",
      listener((raw: HandshakingSocket) => {
        const key = endpoint(raw);
        handshaking.set(key, raw);
        raw.once("close", () => {
          if (handshaking.get(key) === raw) handshaking.delete(key);
        });
      }),
    );
    server.on(
      "secureConnection",
      listener((socket: HandshakingSocket) => {
        handshaking.delete(endpoint(socket));
      }),
    );
    server.on(
      "tlsClientError",
      listener((_error: unknown, socket: HandshakingSocket) => {
        socket.destroy();
      }),
    );
    return () => {
      for (const raw of handshaking.values()) raw.destroy();
      handshaking.clear();
    };
  }
}

/** A configuration {@link NodeTlsKit.secureContext} made or found last, and its context. */
interface LastContext {
  readonly systemCertificates: boolean;
  /** A copy: the caller's array may change after the call. */
  readonly caCertificates: readonly string[];
  readonly certificate: string | undefined;
  readonly key: string | undefined;
  readonly context: unknown;
}

/** Whether `a` and `b` hold the same strings in the same order. */
function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `make()`, whose failure means that the module could not load a certificate or key that looked like PEM. */
function loading<T>(operation: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new IoError("InvalidInput", `${operation}: a certificate or key cannot be loaded (${detail})`, {
      cause: error,
    });
  }
}
