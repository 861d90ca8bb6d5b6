/**
 * The capability table: every capability anyrt defines, grouped by the part of a runtime it
 * belongs to, with what it promises, which methods it gates and what it needs; and beside it the
 * fact table, for what a runtime states that is not yes/no. Everything else about capabilities is
 * derived from these two tables: the manifest's type, `defineRuntime`'s gating,
 * `Runtime.supports`, the suite's `restrictRuntime` and `Unsupported` cases, and the report's
 * capability and fact tables (`docs/adding-a-capability.md` walks through adding one).
 * @module
 */
import type { Blocking } from "./blocking.ts";
import type { Dns } from "./dns.ts";
import { IoError } from "./error.ts";
import type { Fs } from "./fs.ts";
import type { Processes } from "./process.ts";
import type { Tcp, TcpStream } from "./tcp.ts";
import type { Tls } from "./tls.ts";
import type { DatagramSocket, Udp } from "./udp.ts";
import type { Unix } from "./unix.ts";
import { checkObject, describe } from "./validate.ts";

/** The interface of each part of a runtime, by the part's name: `runtime.tcp` is a `Tcp`. */
export interface RuntimePartTypes {
  /** `runtime.tcp`. */
  readonly tcp: Tcp;
  /** `runtime.tls`. */
  readonly tls: Tls;
  /** `runtime.fs`. */
  readonly fs: Fs;
  /** `runtime.process`. */
  readonly process: Processes;
  /** `runtime.blocking`. */
  readonly blocking: Blocking;
  /** `runtime.udp`. */
  readonly udp: Udp;
  /** `runtime.unix`. */
  readonly unix: Unix;
  /** `runtime.dns`. */
  readonly dns: Dns;
}

/**
 * The name of a part of a runtime that has capabilities: `"tcp"`, `"tls"`, `"fs"`, `"process"`,
 * `"blocking"`, `"udp"`, `"unix"`, `"dns"`.
 */
export type Part = keyof RuntimePartTypes;

/** The names of the methods of `T`. */
export type MethodName<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T] &
  string;

/**
 * The objects a part hands out whose methods a capability can gate, by name. The adapter's own
 * objects enforce these gates: core does not wrap streams, which would put a call on every read
 * and write.
 */
export interface GatedObjectTypes {
  /** A TCP stream's socket options. */
  readonly TcpStream: TcpStream;
  /** A datagram socket's broadcast and multicast options. */
  readonly DatagramSocket: DatagramSocket;
}

/** A method of an object a part hands out (a `TcpStream`'s `setNoDelay`) that a capability gates. */
export type ObjectGate = {
  [O in keyof GatedObjectTypes]: {
    /** The object type, such as `"TcpStream"`. */
    readonly object: O;
    /** The gated method. */
    readonly method: MethodName<GatedObjectTypes[O]>;
  };
}[keyof GatedObjectTypes];

/**
 * An option of a part's method that a capability gates (`writeFile`'s `atomic`): a call whose
 * argument number `argument` (from 0) is an object with `option` set (neither `undefined` nor
 * `false`) rejects with kind `Unsupported` unless the capability is declared, rather than the
 * option being ignored; `defineRuntime` enforces it.
 */
export interface OptionGate<P extends Part> {
  /** The part's method that takes the option: `"writeFile"`. */
  readonly method: MethodName<RuntimePartTypes[P]>;
  /** Which argument holds the options object, counted from 0: `2` for `writeFile(path, data, options)`. */
  readonly argument: number;
  /** The option's key in that object: `"atomic"`. */
  readonly option: string;
}

/** One row of the {@link capabilityTable}: one capability of part `P`. */
export interface CapabilitySpec<P extends Part> {
  /** What a runtime that declares the capability does, in one sentence; the report and the docs show it. */
  readonly summary: string;
  /**
   * The methods of the part that reject with kind `Unsupported` unless the capability is declared
   * (and implemented); `defineRuntime` enforces it.
   */
  readonly gates: readonly MethodName<RuntimePartTypes[P]>[];
  /**
   * Methods of objects the part hands out that fail with kind `Unsupported` unless the capability
   * is declared; the adapter's objects enforce it, the suite holds them to it.
   */
  readonly objectGates: readonly ObjectGate[];
  /** Options of the part's methods that fail with kind `Unsupported` unless the capability is declared. */
  readonly optionGates?: readonly OptionGate<P>[];
  /** The capabilities this one means nothing without; declaring it without them is refused. */
  readonly needs: readonly string[];
}

/**
 * Every capability anyrt defines, by part and then by key. A capability's id is
 * `"<part>.<key>"`, or the part's own name for its `available` key: `tcp.connect` is
 * `capabilityTable.tcp.connect`, `fs` is `capabilityTable.fs.available`. A capability that gates
 * nothing is a behaviour the adapter promises (`tcp.halfClose`); the suite's cases check it.
 *
 * Adding a row makes every adapter's manifest fail to compile until it states the new capability,
 * makes `defineRuntime` gate what the row names, and gives the suite an `Unsupported` case per
 * gated method (which fails to compile until the suite knows how to call the method harmlessly).
 */
export const capabilityTable = {
  tcp: {
    connect: {
      summary: "`runtime.tcp.connect` opens TCP connections.",
      gates: ["connect"],
      objectGates: [],
      needs: [],
    },
    listen: {
      summary: "`runtime.tcp.listen` binds a port and accepts TCP connections.",
      gates: ["listen"],
      objectGates: [],
      needs: [],
    },
    halfClose: {
      summary: "`shutdown()` on a TCP stream sends FIN and keeps the read side open until the peer's FIN.",
      gates: [],
      objectGates: [],
      needs: [],
    },
    socketOptions: {
      summary: "`setNoDelay` and `setKeepAlive(enable)` on a TCP stream take effect.",
      gates: [],
      objectGates: [
        { object: "TcpStream", method: "setNoDelay" },
        { object: "TcpStream", method: "setKeepAlive" },
      ],
      needs: [],
    },
    resetOnClose: {
      summary:
        "`close()` of a TCP stream holding received bytes nobody read resets the connection (RST, no FIN before it), so the peer's reads fail with `ConnectionReset` instead of reading a clean EOF.",
      gates: [],
      objectGates: [],
      needs: [],
    },
    keepAliveDelay: {
      summary:
        "`setKeepAlive(true, initialDelayMs)` sets the idle time before the first probe; undeclared, a given delay fails rather than being ignored.",
      gates: [],
      objectGates: [{ object: "TcpStream", method: "setKeepAlive" }],
      needs: ["tcp.socketOptions"],
    },
  },
  tls: {
    connect: {
      summary: "`runtime.tls.connect` opens TLS connections, verifying the server's certificate.",
      gates: ["connect"],
      objectGates: [],
      needs: [],
    },
    upgrade: {
      summary: "`runtime.tls.upgrade` turns an open TCP stream into a TLS client stream in place (STARTTLS).",
      gates: ["upgrade"],
      objectGates: [],
      needs: [],
    },
    listen: {
      summary: "`runtime.tls.listen` accepts TLS connections with a certificate and key.",
      gates: ["listen"],
      objectGates: [],
      needs: [],
    },
    clientCertificates: {
      summary:
        "Mutual TLS: a client presents `clientCertificate`, and a server with `clientCertificates` requires and verifies one; undeclared, either option fails rather than being ignored.",
      gates: [],
      objectGates: [],
      optionGates: [
        { method: "connect", argument: 0, option: "clientCertificate" },
        { method: "upgrade", argument: 1, option: "clientCertificate" },
        { method: "listen", argument: 0, option: "clientCertificates" },
      ],
      needs: ["tls.connect"],
    },
    acceptInvalidCertificates: {
      summary:
        "`dangerouslyAcceptInvalidCertificates: true` turns certificate verification off for one client connection (connect and upgrade); undeclared, the option fails rather than being ignored.",
      gates: [],
      objectGates: [],
      optionGates: [
        { method: "connect", argument: 0, option: "dangerouslyAcceptInvalidCertificates" },
        { method: "upgrade", argument: 1, option: "dangerouslyAcceptInvalidCertificates" },
      ],
      needs: ["tls.connect"],
    },
    alpn: {
      summary:
        "`alpnProtocols` offers protocols in the handshake (connect, upgrade, listen) and the stream reports the one agreed; undeclared, the option fails rather than being ignored.",
      gates: [],
      objectGates: [],
      optionGates: [
        { method: "connect", argument: 0, option: "alpnProtocols" },
        { method: "upgrade", argument: 1, option: "alpnProtocols" },
        { method: "listen", argument: 0, option: "alpnProtocols" },
      ],
      needs: ["tls.connect"],
    },
    distinctFailures: {
      summary:
        "A failed handshake says why: `UntrustedCertificate`, `CertificateNameMismatch`, `ExpiredCertificate`, `InvalidData` for a peer not speaking TLS, `HandshakeFailed` otherwise; undeclared, any of them may be reported as `HandshakeFailed`.",
      gates: [],
      objectGates: [],
      needs: ["tls.connect"],
    },
    perConnectionTrust: {
      summary:
        "What a connection trusts is the system store and its own `caCertificates`, so a CA it was not given is untrusted; undeclared, the runtime's configuration decides what is trusted (workerd).",
      gates: [],
      objectGates: [],
      needs: ["tls.connect"],
    },
    peerCertificate: {
      summary:
        "A TLS stream reports the peer's certificate (`tls.peerCertificate`: subject, issuer, validity, fingerprint, names).",
      gates: [],
      objectGates: [],
      needs: ["tls.connect"],
    },
    halfClose: {
      summary:
        "`shutdown()` on a TLS stream sends close_notify and FIN and keeps reading until the peer's close_notify.",
      gates: [],
      objectGates: [],
      needs: ["tls.connect"],
    },
    cancelHandshake: {
      summary:
        "A `connect` aborted or past its `timeoutMs` while the handshake waits for the peer closes its connection at once; undeclared, the connection may stay open until the peer answers or closes it (Deno) or the request ends (workerd).",
      gates: [],
      objectGates: [],
      needs: ["tls.connect"],
    },
  },
  fs: {
    available: {
      summary: "Files and directories: `runtime.fs` (`open`, `readFile`, `writeFile`, `stat`, `remove`, `mkdir`, ...).",
      gates: ["open", "readFile", "readTextFile", "writeFile", "stat", "remove", "mkdir", "makeTempDir"],
      objectGates: [],
      needs: [],
    },
    atomicWrite: {
      summary:
        "`writeFile` with `atomic: true` replaces the file through a temporary file and a rename: never seen half-written; undeclared, `atomic` fails rather than being ignored.",
      gates: [],
      objectGates: [],
      optionGates: [{ method: "writeFile", argument: 2, option: "atomic" }],
      needs: ["fs"],
    },
  },
  process: {
    available: {
      summary: "Subprocesses with piped stdio: `runtime.process.spawn` and `output`.",
      gates: ["spawn", "output"],
      objectGates: [],
      needs: [],
    },
    signals: {
      summary: "`kill(signal)` on a child process delivers named POSIX signals.",
      gates: [],
      objectGates: [],
      needs: ["process"],
    },
  },
  blocking: {
    available: {
      summary: "`runtime.blocking.spawnBlocking` runs tasks on a pool of worker threads.",
      gates: ["spawnBlocking"],
      objectGates: [],
      needs: [],
    },
  },
  udp: {
    available: {
      summary:
        "`runtime.udp.bind` binds a UDP socket: whole datagrams sent and received with truncation reported, connected mode, cancel-safe receives into a bounded queue whose drops are counted.",
      gates: ["bind"],
      objectGates: [],
      needs: [],
    },
    reuseAddress: {
      summary:
        "`bind` with `reuseAddress: true` sets `SO_REUSEADDR`, so that several sockets bind one address; undeclared, the option fails rather than being ignored.",
      gates: [],
      objectGates: [],
      optionGates: [{ method: "bind", argument: 0, option: "reuseAddress" }],
      needs: ["udp"],
    },
    broadcast: {
      summary: "`setBroadcast(true)` on a datagram socket allows sending to broadcast addresses.",
      gates: [],
      objectGates: [{ object: "DatagramSocket", method: "setBroadcast" }],
      needs: ["udp"],
    },
    multicast: {
      summary:
        "A datagram socket joins and leaves multicast groups and sets the multicast TTL, loopback and outgoing interface.",
      gates: [],
      objectGates: [
        { object: "DatagramSocket", method: "joinMulticast" },
        { object: "DatagramSocket", method: "leaveMulticast" },
        { object: "DatagramSocket", method: "setMulticastTtl" },
        { object: "DatagramSocket", method: "setMulticastLoopback" },
        { object: "DatagramSocket", method: "setMulticastInterface" },
      ],
      needs: ["udp"],
    },
  },
  unix: {
    connect: {
      summary:
        "`runtime.unix.connect` opens Unix domain stream connections by path, with the whole byte-stream contract (half-close included).",
      gates: ["connect"],
      objectGates: [],
      needs: [],
    },
    listen: {
      summary:
        "`runtime.unix.listen` creates a socket file (`AddrInUse` if anything is at the path) and accepts Unix domain stream connections; `close()` removes the file.",
      gates: ["listen"],
      objectGates: [],
      needs: [],
    },
  },
  dns: {
    lookup: {
      summary:
        "`runtime.dns.lookup` resolves a host name to all its addresses as the system does, in its order; `tcp.connect` by name then connects with Happy Eyeballs.",
      gates: ["lookup"],
      objectGates: [],
      needs: [],
    },
    records: {
      summary:
        "`runtime.dns.records` queries A, AAAA, CNAME, MX, SRV and TXT records, with a timeout, a signal and an optional name server.",
      gates: ["records"],
      objectGates: [],
      needs: [],
    },
  },
} as const satisfies { readonly [P in Part]: { readonly [key: string]: CapabilitySpec<P> } };

/** The manifest keys of part `P`'s capabilities: `"connect"`, `"halfClose"`, `"available"`, ... */
export type CapabilityKey<P extends Part> = keyof (typeof capabilityTable)[P] & string;

/** The id of the capability with key `K` in part `P`: `"tcp.connect"`, or `"fs"` for `fs.available`. */
export type CapabilityId<P extends Part, K extends string> = K extends "available" ? P : `${P}.${K}`;

/** One capability id, as `supports()` and the report name it: `"tcp.connect"`, `"fs"`, `"process.signals"`, ... */
export type Capability = { [P in Part]: CapabilityId<P, CapabilityKey<P>> }[Part];

/** What an adapter states about one part: each of the part's capabilities, `true` or `false`. */
export type PartManifest<P extends Part> = { readonly [K in CapabilityKey<P>]: boolean };

/**
 * What an adapter supports: every part, and in it every capability, each stated `true` or
 * `false`. The type names every capability so that adding one to the table makes every adapter
 * decide (the compiler asks), and so that the report can show the `false`s as well as the
 * `true`s.
 */
export type CapabilityManifest = { readonly [P in Part]: PartManifest<P> };

/**
 * What `defineRuntime` accepts: a {@link CapabilityManifest}, or `false` for a whole part the
 * adapter does not have at all (every capability of it undeclared, including any added later).
 * Every part is still named, so a new part makes its author decide.
 */
export type CapabilityDeclaration = { readonly [P in Part]: PartManifest<P> | false };

/** The methods of part `P` that some capability gates. */
export type GatedMethod<P extends Part> = {
  [K in CapabilityKey<P>]: (typeof capabilityTable)[P][K] extends {
    /** The gated methods. */ readonly gates: readonly (infer M extends string)[];
  }
    ? M
    : never;
}[CapabilityKey<P>];

/** The capabilities of the table whose {@link CapabilitySpec.objectGates} are not empty. */
export type ObjectGatedCapability = {
  [P in Part]: {
    [K in CapabilityKey<P>]: (typeof capabilityTable)[P][K] extends {
      /** No object gates. */
      readonly objectGates: readonly [];
    }
      ? never
      : CapabilityId<P, K>;
  }[CapabilityKey<P>];
}[Part];

/** The object gates of capability `C`: `{ object: "TcpStream"; method: "setNoDelay" } | ...`. */
export type ObjectGateOf<C extends Capability> = {
  [P in Part]: {
    [K in CapabilityKey<P>]: CapabilityId<P, K> extends C
      ? (typeof capabilityTable)[P][K] extends {
          /** The object gates. */
          readonly objectGates: readonly (infer G)[];
        }
        ? G
        : never
      : never;
  }[CapabilityKey<P>];
}[Part];

type Needed = {
  [P in Part]: {
    [K in CapabilityKey<P>]: (typeof capabilityTable)[P][K] extends {
      /** The capabilities it needs. */
      readonly needs: readonly (infer N)[];
    }
      ? N
      : never;
  }[CapabilityKey<P>];
}[Part];

type MustBeNever<T extends never> = T;

/**
 * Checks of the table that fail to compile, naming the culprit, when it is unsound: a method of a
 * part that no capability gates (every method of a part belongs to some capability, so that an
 * adapter without it cannot be called by accident), and a `needs` entry that names no capability.
 */
export type CapabilityTableChecks = [
  ungatedMethods: MustBeNever<{ [P in Part]: Exclude<MethodName<RuntimePartTypes[P]>, GatedMethod<P>> }[Part]>,
  unknownNeeds: MustBeNever<Exclude<Needed, Capability>>,
];

/** One capability of the {@link capabilityTable} with its id and part, as the suite and the report list them. */
export interface CapabilityRow {
  /** Its id: `"tcp.connect"`, or `"fs"` for `fs.available`. */
  readonly id: Capability;
  /** The part it belongs to. */
  readonly part: Part;
  /** Its key in the part's manifest. */
  readonly key: string;
  /** What a runtime that declares it does, in one sentence. */
  readonly summary: string;
  /** The methods of the part that fail with `Unsupported` without it. */
  readonly gates: readonly string[];
  /** The methods of the part's objects (a `TcpStream`'s) that fail with `Unsupported` without it. */
  readonly objectGates: readonly ObjectGate[];
  /** Options of the part's methods that fail with `Unsupported` without it (`writeFile`'s `atomic`). */
  readonly optionGates: readonly OptionGate<Part>[];
  /** The capabilities it needs declared too. */
  readonly needs: readonly Capability[];
}

/** A row of any part, as code that walks the whole table reads it. */
type AnyCapabilitySpec = Omit<CapabilitySpec<Part>, "gates" | "optionGates"> & {
  readonly gates: readonly string[];
  readonly optionGates?: CapabilityRow["optionGates"];
};

function idOf(part: Part, key: string): Capability {
  return (key === "available" ? part : `${part}.${key}`) as Capability;
}

/** The parts, in the table's order. */
export const partNames: readonly Part[] = Object.freeze(Object.keys(capabilityTable) as Part[]);

/** Every capability of the {@link capabilityTable}, in its order (part by part). */
export const capabilityRows: readonly CapabilityRow[] = Object.freeze(
  partNames.flatMap((part) =>
    Object.entries(capabilityTable[part] as Readonly<Record<string, AnyCapabilitySpec>>).map(([key, spec]) =>
      Object.freeze({
        id: idOf(part, key),
        part,
        key,
        summary: spec.summary,
        gates: spec.gates,
        objectGates: spec.objectGates,
        optionGates: spec.optionGates ?? [],
        needs: spec.needs as readonly Capability[],
      }),
    ),
  ),
);

/** Every capability id anyrt defines, in the table's order. */
export const capabilities: readonly Capability[] = Object.freeze(capabilityRows.map((row) => row.id));

const rowById: ReadonlyMap<string, CapabilityRow> = new Map(capabilityRows.map((row) => [row.id, row]));

/** The table's row of `capability`, or `undefined` for a string that names no capability. */
export function capabilityRow(capability: string): CapabilityRow | undefined {
  return rowById.get(capability);
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null;
}

/**
 * Reads `declaration` as a complete, frozen manifest (a part given as `false` has every
 * capability `false`). Throws `InvalidInput` for a part or capability that is missing or not a
 * boolean, a key that names no capability, or a declared capability without one it needs.
 */
export function readManifest(declaration: CapabilityDeclaration): CapabilityManifest {
  if (!isRecord(declaration)) {
    throw new IoError("InvalidInput", `capabilities: a manifest object is required, got ${describe(declaration)}`);
  }
  const manifest: Record<string, Readonly<Record<string, boolean>>> = {};
  for (const part of partNames) {
    const given: unknown = declaration[part];
    const rows = capabilityRows.filter((row) => row.part === part);
    if (given === false) {
      manifest[part] = Object.freeze(Object.fromEntries(rows.map((row) => [row.key, false])));
      continue;
    }
    if (!isRecord(given)) {
      throw new IoError("InvalidInput", `capabilities.${part}: an object or false is required, got ${describe(given)}`);
    }
    for (const key of Object.keys(given)) {
      if (!rows.some((row) => row.key === key)) {
        throw new IoError("InvalidInput", `capabilities.${part}.${key}: no such capability`);
      }
    }
    const entries = rows.map((row) => {
      const value = given[row.key];
      if (typeof value !== "boolean") {
        throw new IoError(
          "InvalidInput",
          `capabilities.${part}.${row.key} (${row.id}): a boolean is required, got ${describe(value)}`,
        );
      }
      return [row.key, value] as const;
    });
    manifest[part] = Object.freeze(Object.fromEntries(entries));
  }
  for (const key of Object.keys(declaration)) {
    if (!(partNames as readonly string[]).includes(key))
      throw new IoError("InvalidInput", `capabilities.${key}: no such part`);
  }
  const result = Object.freeze(manifest) as CapabilityManifest;
  const declared = declaredIn(result);
  for (const capability of declared) {
    const missing = rowById.get(capability)?.needs.filter((need) => !declared.has(need)) ?? [];
    if (missing.length > 0) {
      throw new IoError(
        "InvalidInput",
        `capabilities: ${capability} is declared without ${missing.join(" and ")}, which it needs`,
      );
    }
  }
  return result;
}

/** The capabilities `manifest` declares `true`. */
export function declaredIn(manifest: CapabilityManifest): ReadonlySet<Capability> {
  const byPart = manifest as unknown as Readonly<Record<string, Readonly<Record<string, boolean>>>>;
  return new Set(capabilityRows.filter((row) => byPart[row.part]?.[row.key] === true).map((row) => row.id));
}

/**
 * `manifest` as one flat record from capability id to boolean, in the table's order:
 * `{ "tcp.connect": true, ..., fs: true, ... }`. The report's `capabilities` have this shape.
 */
export function flattenCapabilities(manifest: CapabilityManifest): Readonly<Record<Capability, boolean>> {
  checkObject("flattenCapabilities", "manifest", manifest);
  const declared = declaredIn(manifest);
  return Object.freeze(Object.fromEntries(capabilityRows.map((row) => [row.id, declared.has(row.id)]))) as Readonly<
    Record<Capability, boolean>
  >;
}

/**
 * What a runtime states that is not yes/no, grouped by part like the manifest: units, limits,
 * supported kinds. Each fact belongs to a capability ({@link FactSpec.of}) and is `null` exactly
 * when that capability is not declared.
 */
export interface RuntimeFacts {
  /** The TCP part's facts. */
  readonly tcp: TcpFacts;
  /** The Unix domain socket part's facts. */
  readonly unix: UnixFacts;
}

/** The {@link RuntimeFacts} of Unix domain sockets. */
export interface UnixFacts {
  /**
   * The longest socket path the platform accepts, in UTF-8 bytes (its `sun_path` less the
   * terminating NUL): 107 on Linux, 103 on macOS and the BSDs. A longer path is `InvalidInput`
   * at once. `null` without `unix.connect`.
   */
  readonly maxPathBytes: number | null;
}

/** The {@link RuntimeFacts} of TCP. */
export interface TcpFacts {
  /**
   * The step, in milliseconds, that `setKeepAlive`'s delay is rounded down to: Node and Bun set
   * the kernel's keep-alive idle time in whole seconds, so 1000 there. `null` without
   * `tcp.keepAliveDelay`.
   */
  readonly keepAliveDelayResolutionMs: number | null;
}

/** A fact's value: JSON, as the report carries it. */
export type FactValue = number | string | boolean | readonly string[] | null;

/** One row of the {@link factTable}. */
export interface FactSpec {
  /** What the fact says, in one sentence; the report shows it. */
  readonly summary: string;
  /** The capability the fact describes: the fact is `null` exactly when it is not declared. */
  readonly of: Capability;
  /** Whether a non-null value is well-formed. */
  readonly check: (value: unknown) => boolean;
}

/**
 * Every fact anyrt defines, by part and then by key, mirroring {@link RuntimeFacts} (the compiler
 * keeps the two in step). A fact's id is `"<part>.<key>"`.
 */
export const factTable: { readonly [P in keyof RuntimeFacts]: { readonly [K in keyof RuntimeFacts[P]]-?: FactSpec } } =
  {
    tcp: {
      keepAliveDelayResolutionMs: {
        summary: "The step, in ms, that a keep-alive delay is rounded down to.",
        of: "tcp.keepAliveDelay",
        check: (value) => typeof value === "number" && Number.isSafeInteger(value) && value > 0,
      },
    },
    unix: {
      maxPathBytes: {
        summary: "The longest Unix socket path the platform accepts, in UTF-8 bytes.",
        of: "unix.connect",
        check: (value) => typeof value === "number" && Number.isSafeInteger(value) && value > 0 && value <= 107,
      },
    },
  };

/**
 * What `defineRuntime` accepts as facts: every part, each given whole or as `null` when the
 * adapter declares none of the capabilities its facts describe.
 */
export type FactsDeclaration = { readonly [P in keyof RuntimeFacts]: RuntimeFacts[P] | null };

/** One fact of the {@link factTable} with its id and part, as the report lists them. */
export interface FactRow {
  /** Its id, such as `"tcp.keepAliveDelayResolutionMs"`. */
  readonly id: string;
  /** The part it belongs to. */
  readonly part: keyof RuntimeFacts;
  /** Its key in the part's facts. */
  readonly key: string;
  /** What it states, in one sentence. */
  readonly summary: string;
  /** The capability it describes: the fact is `null` where that is undeclared. */
  readonly of: Capability;
  /** Whether a value is valid for it. */
  readonly check: (value: unknown) => boolean;
}

/** Every fact of the {@link factTable}, in its order. */
export const factRows: readonly FactRow[] = Object.freeze(
  (Object.keys(factTable) as (keyof RuntimeFacts)[]).flatMap((part) =>
    Object.entries(factTable[part] as Readonly<Record<string, FactSpec>>).map(([key, spec]) =>
      Object.freeze({ id: `${part}.${key}`, part, key, ...spec }),
    ),
  ),
);

/**
 * Reads `declaration` as complete, frozen facts, checked against the capabilities `declared`:
 * throws `InvalidInput` for a missing or malformed fact, a key that names no fact, a fact given
 * for a capability that is not declared, or a fact missing (`null`) for one that is.
 */
export function readFacts(declaration: FactsDeclaration, declared: ReadonlySet<Capability>): RuntimeFacts {
  if (!isRecord(declaration)) {
    throw new IoError("InvalidInput", `facts: a facts object is required, got ${describe(declaration)}`);
  }
  const facts: Record<string, Readonly<Record<string, FactValue>>> = {};
  for (const part of Object.keys(factTable) as (keyof RuntimeFacts)[]) {
    const given: unknown = declaration[part];
    const rows = factRows.filter((row) => row.part === part);
    if (given !== null && !isRecord(given)) {
      throw new IoError("InvalidInput", `facts.${part}: an object or null is required, got ${describe(given)}`);
    }
    for (const key of given === null ? [] : Object.keys(given)) {
      if (!rows.some((row) => row.key === key)) throw new IoError("InvalidInput", `facts.${part}.${key}: no such fact`);
    }
    const entries = rows.map((row) => {
      const value = given === null ? null : given[row.key];
      if (value === undefined)
        throw new IoError("InvalidInput", `facts.${row.id}: missing (null when ${row.of} is undeclared)`);
      if (declared.has(row.of) && value === null) {
        throw new IoError("InvalidInput", `facts.${row.id}: required, since ${row.of} is declared`);
      }
      if (!declared.has(row.of) && value !== null) {
        throw new IoError("InvalidInput", `facts.${row.id}: must be null, since ${row.of} is not declared`);
      }
      if (value !== null && !row.check(value)) {
        throw new IoError("InvalidInput", `facts.${row.id}: malformed value ${describe(value)}`);
      }
      return [row.key, value as FactValue] as const;
    });
    facts[part] = Object.freeze(Object.fromEntries(entries));
  }
  return Object.freeze(facts) as unknown as RuntimeFacts;
}

/** `facts` as one flat record from fact id to value, in the table's order; the report's `facts` have this shape. */
export function flattenFacts(facts: RuntimeFacts): Readonly<Record<string, FactValue>> {
  checkObject("flattenFacts", "facts", facts);
  const byPart = facts as unknown as Readonly<Record<string, Readonly<Record<string, FactValue>>>>;
  return Object.freeze(Object.fromEntries(factRows.map((row) => [row.id, byPart[row.part]?.[row.key] ?? null])));
}
