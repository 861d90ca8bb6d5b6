/**
 * What the TLS benchmarks share: the run's test certificates (made once per process), a `node:tls`
 * server on 127.0.0.1 with the server certificate, and a client secure context trusting only the
 * test CA, made once as the fastest native client would.
 * @module
 */
import { once } from "node:events";
import tls from "node:tls";
import { makeTestCertificates, type TestCertificates } from "@anyrt/conformance";
import { HOST } from "./tcp-native.ts";

let made: Promise<TestCertificates> | undefined;

/** The test certificates of this benchmark process. */
export function certificates(): Promise<TestCertificates> {
  made ??= makeTestCertificates();
  return made;
}

/** A `node:tls` server presenting the test server certificate, on a free port of 127.0.0.1. */
export async function listenNativeTls(
  onSecure: (socket: tls.TLSSocket) => void,
): Promise<{ server: tls.Server; port: number }> {
  const { server: certified } = await certificates();
  const server = tls.createServer({ cert: certified.certificate, key: certified.key }, onSecure);
  server.listen(0, HOST);
  await once(server, "listening");
  return { server, port: (server.address() as { port: number }).port };
}

/** A client secure context trusting only the test CA, made once (so no handshake parses PEM). */
export async function nativeClientContext(): Promise<tls.SecureContext> {
  return tls.createSecureContext({ ca: (await certificates()).ca });
}

/** Closes a server without waiting for its connections (their owners destroy them). */
export function stopServer(server: tls.Server): Promise<void> {
  server.close();
  return new Promise((resolve) => setImmediate(resolve));
}
