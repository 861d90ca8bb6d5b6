/**
 * The relay's TLS, opened on a page's behalf: the `tls` option and its check, what a relay with
 * it announces (`hello`), and what it grants a page's request: the relay's trust always, the
 * page's CAs and the page's wish to skip verification only where an option of the relay says so.
 * @module
 */
import { invalidInput, type Runtime, type TlsConnectOptions } from "@anyrt/core";
import { checkBoolean, checkObject, checkTlsClientOptions, describe } from "@anyrt/core/adapter";
import type { RelayTlsFeatures } from "../websocket/protocol.ts";
import type { TlsRequest } from "./destination.ts";

/**
 * The relay's `tls` option: TLS connections opened by the relay for pages that ask (`tls=1`),
 * verified by the relay. Off by default, because the relay then reads every byte in clear and its
 * trust store, not the browser's, decides which servers are genuine.
 */
export interface RelayTlsOptions {
  /** CA certificates (PEM) the relay trusts for every page's connection, besides the system store. */
  readonly caCertificates?: readonly string[];
  /** Whether the system's CAs are trusted. Default `true`; `false` needs `caCertificates`. */
  readonly systemCertificates?: boolean;
  /**
   * Whether a page may add CA certificates of its own (and leave the system store out) for its
   * connection. Default `false`: a page asking for it is refused with `PermissionDenied`.
   */
  readonly pageCertificates?: boolean;
  /**
   * `true` lets a page turn verification off for its connection
   * (`dangerouslyAcceptInvalidCertificates`). Absent, a page asking for it is refused with
   * `PermissionDenied`; no other value is accepted. Never set it outside a test.
   */
  readonly dangerouslyLetPagesAcceptInvalidCertificates?: true;
}

/** The `tls` option checked, with its defaults. */
export interface RelayTlsSettings {
  readonly caCertificates: readonly string[];
  readonly systemCertificates: boolean;
  readonly pageCertificates: boolean;
  readonly pagesMayAcceptInvalid: boolean;
}

/**
 * Checks the `tls` option (`InvalidInput` at once): `true` or an object of
 * {@link RelayTlsOptions}; `false` or absent is `null`, no TLS.
 */
export function relayTlsSettings(operation: string, value: unknown): RelayTlsSettings | null {
  if (value === undefined || value === false) return null;
  if (value === true) value = {};
  checkObject(operation, "tls", value);
  const options = value as RelayTlsOptions;
  checkTlsClientOptions(`${operation}: tls`, {
    ...(options.caCertificates === undefined ? {} : { caCertificates: options.caCertificates }),
    ...(options.systemCertificates === undefined ? {} : { systemCertificates: options.systemCertificates }),
  });
  if (options.pageCertificates !== undefined) checkBoolean(operation, "tls.pageCertificates", options.pageCertificates);
  const dangerous = options.dangerouslyLetPagesAcceptInvalidCertificates;
  if (dangerous !== undefined && dangerous !== true) {
    throw invalidInput(
      `${operation}: tls.dangerouslyLetPagesAcceptInvalidCertificates must be true or absent, got ${describe(dangerous)}`,
    );
  }
  return {
    caCertificates: Object.freeze([...(options.caCertificates ?? [])]),
    systemCertificates: options.systemCertificates ?? true,
    pageCertificates: options.pageCertificates ?? false,
    pagesMayAcceptInvalid: dangerous === true,
  };
}

/** Throws `InvalidInput` when the relay should open TLS but `runtime` cannot (no `tls.connect`). */
export function checkRelayTlsRuntime(operation: string, runtime: Runtime, tls: RelayTlsSettings | null): void {
  if (tls !== null && !runtime.supports("tls.connect")) {
    throw invalidInput(
      `${operation}: the tls option needs a runtime with tls.connect, and ${runtime.adapter} has none`,
    );
  }
}

/**
 * What a relay announces in its `hello`: `null` without TLS, else what its options and its
 * runtime's capabilities together let a page do.
 */
export function relayTlsFeatures(runtime: Runtime, tls: RelayTlsSettings | null): RelayTlsFeatures | null {
  if (tls === null) return null;
  return {
    upgrade: runtime.supports("tls.upgrade"),
    alpn: runtime.supports("tls.alpn"),
    peerCertificate: runtime.supports("tls.peerCertificate"),
    halfClose: runtime.supports("tls.halfClose"),
    distinctFailures: runtime.supports("tls.distinctFailures"),
    perConnectionTrust: tls.pageCertificates && runtime.supports("tls.perConnectionTrust"),
    acceptInvalidCertificates: tls.pagesMayAcceptInvalid && runtime.supports("tls.acceptInvalidCertificates"),
  };
}

/**
 * What the relay grants a page's TLS request: the client options it connects with, or the kind
 * it refuses with. `Unsupported` without the `tls` option; `PermissionDenied` for page CAs
 * without `pageCertificates` and for turning verification off without
 * `dangerouslyLetPagesAcceptInvalidCertificates`. The relay's own CAs are always trusted; the
 * system store only when both the relay and the page keep it.
 */
export function grantTls(
  tls: RelayTlsSettings | null,
  request: TlsRequest,
): { readonly options: Omit<TlsConnectOptions, "hostname" | "port"> } | { readonly refusal: string } {
  if (tls === null) return { refusal: "Unsupported" };
  const pageTrust = request.caCertificates.length > 0 || !request.systemCertificates;
  if (pageTrust && !tls.pageCertificates) return { refusal: "PermissionDenied" };
  if (request.acceptInvalidCertificates && !tls.pagesMayAcceptInvalid) return { refusal: "PermissionDenied" };
  const caCertificates = [...tls.caCertificates, ...request.caCertificates];
  return {
    options: {
      ...(request.serverName === undefined ? {} : { serverName: request.serverName }),
      ...(request.alpnProtocols.length === 0 ? {} : { alpnProtocols: request.alpnProtocols }),
      ...(caCertificates.length === 0 ? {} : { caCertificates }),
      ...(tls.systemCertificates && request.systemCertificates ? {} : { systemCertificates: false }),
      ...(request.acceptInvalidCertificates ? { dangerouslyAcceptInvalidCertificates: true as const } : {}),
    },
  };
}
