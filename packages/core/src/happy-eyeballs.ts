/**
 * Happy Eyeballs (RFC 8305), written once over an adapter's primitives: `tcp.connect` by host
 * name resolves the name with `dns.lookup`, interleaves the address families, starts one attempt
 * every "connection attempt delay" while the earlier ones are still pending, keeps the first that
 * connects and cancels (or closes) the rest. Every timer goes through the runtime's `Scheduler`.
 * @module
 */

import { checkConnectOptions } from "./accept-queue.ts";
import type { DnsAddress } from "./dns.ts";
import { IoError, invalidInput, isIoError } from "./error.ts";
import type { OperationOptions } from "./io.ts";
import type { Scheduler } from "./scheduler.ts";
import { abortReason } from "./signal.ts";
import type { HappyEyeballsOptions, TcpConnectOptions, TcpStream } from "./tcp.ts";
import { checkArray, checkFunction, checkScheduler, checkString, describe } from "./validate.ts";

/** RFC 8305's recommended "connection attempt delay": 250 ms. */
export const DEFAULT_ATTEMPT_DELAY_MS = 250;

/** How a host name is resolved: `runtime.dns.lookup`, or a caller's own resolver. */
export type Lookup = (hostname: string, options?: OperationOptions) => Promise<readonly DnsAddress[]>;

/** Whether `hostname` is an IP literal (connected to as it is, never resolved); `InvalidInput` unless it is a string. */
export function isIpLiteral(hostname: string): boolean {
  checkString("isIpLiteral", "hostname", hostname);
  return hostname.includes(":") || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * `addresses` in RFC 8305's order (section 4): the families alternate, starting with the family
 * of the first address, each family keeping the system's order; duplicates are dropped.
 *
 * @example
 * ```ts
 * import { interleaveAddresses } from "@anyrt/core";
 * const order = interleaveAddresses([
 *   { address: "::1", family: 6 }, { address: "::2", family: 6 }, { address: "127.0.0.1", family: 4 },
 * ]);
 * console.assert(order.map((a) => a.address).join(" ") === "::1 127.0.0.1 ::2");
 * ```
 */
export function interleaveAddresses(addresses: readonly DnsAddress[]): DnsAddress[] {
  checkArray("interleaveAddresses", "addresses", addresses);
  for (const entry of addresses) {
    const { address, family } = (entry ?? {}) as Partial<DnsAddress>;
    if (typeof address !== "string" || (family !== 4 && family !== 6)) {
      throw invalidInput(
        `interleaveAddresses: addresses must hold { address: string, family: 4 | 6 }, got ${describe(entry)}`,
      );
    }
  }
  const seen = new Set<string>();
  const unique = addresses.filter((entry) => !seen.has(entry.address) && seen.add(entry.address));
  const first = unique[0]?.family;
  const preferred = unique.filter((entry) => entry.family === first);
  const other = unique.filter((entry) => entry.family !== first);
  const order: DnsAddress[] = [];
  for (let index = 0; index < Math.max(preferred.length, other.length); index++) {
    const a = preferred[index];
    const b = other[index];
    if (a !== undefined) order.push(a);
    if (b !== undefined) order.push(b);
  }
  return order;
}

/**
 * Connects to `options.hostname` (a name) with Happy Eyeballs: resolves it with `lookup` (or
 * `happyEyeballs.lookup`), then races staggered attempts over the interleaved addresses through
 * `connect`. Resolves the first stream that connects; the other attempts are aborted, and any
 * that connects anyway is closed. Rejects with the first attempt's kind when every attempt
 * failed (a message naming every attempt, the first error as `cause`), `NotFound` when the name has no address, `TimedOut` past `options.timeoutMs`, and the
 * signal's reason when `options.signal` aborts (no stream is left open either way), and
 * `InvalidInput` before any lookup for a `connect` or `lookup` that is not a function, a
 * `scheduler` that is not a `Scheduler`, or options `checkConnectOptions` refuses.
 */
export async function connectHappyEyeballs(
  connect: (options: TcpConnectOptions) => Promise<TcpStream>,
  lookup: Lookup,
  scheduler: Scheduler,
  options: TcpConnectOptions,
): Promise<TcpStream> {
  checkFunction("connect", "connect", connect);
  checkFunction("connect", "lookup", lookup);
  checkScheduler("connect", scheduler);
  checkConnectOptions(options);
  const settings: HappyEyeballsOptions = typeof options.happyEyeballs === "object" ? options.happyEyeballs : {};
  const hostname = options.hostname ?? "127.0.0.1";
  const deadline = new AbortController();
  const cancelDeadline =
    options.timeoutMs === undefined
      ? undefined
      : scheduler.schedule(options.timeoutMs, () =>
          deadline.abort(
            new IoError("TimedOut", `connect ${hostname}:${options.port}: timed out after ${options.timeoutMs} ms`),
          ),
        );
  const signal = options.signal === undefined ? deadline.signal : AbortSignal.any([options.signal, deadline.signal]);
  try {
    if (signal.aborted) throw abortReason(signal);
    const addresses = await (settings.lookup ?? lookup)(hostname, { signal });
    if (signal.aborted) throw abortReason(signal);
    const order = interleaveAddresses(addresses);
    if (order.length === 0) throw new IoError("NotFound", `connect ${hostname}: the name has no address`);
    return await race(connect, scheduler, options, order, signal, settings);
  } finally {
    cancelDeadline?.();
  }
}

/**
 * The failure of a connect whose every attempt failed: the first attempt's kind, a message naming
 * every attempt, the first attempt's error as `cause` (a non-`IoError` first error passes through).
 */
function everyAttemptFailed(
  options: TcpConnectOptions,
  errors: readonly { readonly address: string; readonly error: unknown }[],
): unknown {
  const first = errors[0]?.error;
  if (!isIoError(first)) return first;
  const attempts = errors
    .map(({ address, error }) => `${address}: ${error instanceof Error ? error.message : String(error)}`)
    .join("; ");
  return new IoError(first.kind, `connect ${options.hostname}:${options.port}: every address failed (${attempts})`, {
    cause: first,
  });
}

/** The staggered race of RFC 8305 section 5 over `order`. */
function race(
  connect: (options: TcpConnectOptions) => Promise<TcpStream>,
  scheduler: Scheduler,
  options: TcpConnectOptions,
  order: readonly DnsAddress[],
  signal: AbortSignal,
  settings: HappyEyeballsOptions,
): Promise<TcpStream> {
  const delay = settings.attemptDelayMs ?? DEFAULT_ATTEMPT_DELAY_MS;
  const attemptTimeout = settings.attemptTimeoutMs;
  return new Promise<TcpStream>((resolve, reject) => {
    const attempts = new Set<AbortController>();
    const errors: { readonly address: string; readonly error: unknown }[] = [];
    let next = 0;
    let pending = 0;
    let done = false;
    let cancelStagger: (() => void) | undefined;
    const finish = () => {
      done = true;
      cancelStagger?.();
      signal.removeEventListener("abort", onAbort);
      for (const attempt of attempts) attempt.abort(new IoError("Aborted", "connect: another address connected first"));
      attempts.clear();
    };
    const onAbort = () => {
      if (done) return;
      finish();
      reject(abortReason(signal));
    };
    const start = () => {
      cancelStagger?.();
      cancelStagger = undefined;
      const address = order[next++];
      if (done || address === undefined) return;
      const attempt = new AbortController();
      attempts.add(attempt);
      pending++;
      const cancelTimeout =
        attemptTimeout === undefined
          ? undefined
          : scheduler.schedule(attemptTimeout, () =>
              attempt.abort(
                new IoError(
                  "TimedOut",
                  `connect ${address.address}:${options.port}: attempt timed out after ${attemptTimeout} ms`,
                ),
              ),
            );
      connect({
        hostname: address.address,
        port: options.port,
        ...(options.noDelay === undefined ? {} : { noDelay: options.noDelay }),
        signal: attempt.signal,
      }).then(
        (stream) => {
          cancelTimeout?.();
          pending--;
          attempts.delete(attempt);
          if (done) {
            void stream.close();
            return;
          }
          finish();
          resolve(stream);
        },
        (error: unknown) => {
          cancelTimeout?.();
          pending--;
          attempts.delete(attempt);
          if (done) return;
          errors.push({ address: address.address, error });
          // A failed attempt starts the next at once (section 5), without waiting out the delay.
          if (next < order.length) start();
          else if (pending === 0) {
            finish();
            reject(everyAttemptFailed(options, errors));
          }
        },
      );
      if (next < order.length) cancelStagger = scheduler.schedule(delay, start);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    start();
  });
}
