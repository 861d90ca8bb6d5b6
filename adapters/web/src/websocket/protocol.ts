/**
 * The `anyrt.tcp.v1` wire protocol shared by the client transport and the relay: the subprotocol
 * name, the control messages, the default window and how a close code maps onto an `IoError`.
 * @module
 */
import { IoError, type IoErrorKind, ioErrorKinds } from "@anyrt/core";

/** The WebSocket subprotocol of TCP over WebSocket. */
export const TCP_SUBPROTOCOL = "anyrt.tcp.v1";

/** The close code with which the relay reports a failure; the reason is an `IoErrorKind`. */
export const CLOSE_FAILURE = 4000;

/**
 * The flow-control window the client asks for when none is given: 4 MiB. Smaller windows stall
 * the relay while acknowledgements travel back through the browser (in Chromium 156, 256 KiB gave
 * 0.72 of a bare WebSocket, 1 MiB 0.85, 4 MiB 0.90, the same as no window); decision 0005.
 */
export const DEFAULT_WINDOW = 4 * 1024 * 1024;

/** A text control message of the protocol. */
export type ControlMessage =
  | { readonly type: "open"; readonly localAddress: unknown; readonly remoteAddress: unknown }
  | { readonly type: "end" }
  | { readonly type: "ack"; readonly bytes: number };

/** Parses a control message; `null` for anything that is not one. */
export function parseControl(text: string): ControlMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (type === "end" || type === "open") return value as ControlMessage;
  if (type === "ack") {
    const bytes = (value as { bytes?: unknown }).bytes;
    if (typeof bytes === "number" && Number.isSafeInteger(bytes) && bytes > 0) return { type, bytes };
  }
  return null;
}

const kinds: ReadonlySet<string> = new Set(ioErrorKinds);

/** Whether `reason` names an `IoErrorKind`. */
export function isKind(reason: string): reason is IoErrorKind {
  return kinds.has(reason);
}

/**
 * The error a close reports: `null` for a normal close (1000), the reason's kind for
 * {@link CLOSE_FAILURE}, and `fallback` (a connection that never opened: `ConnectionRefused`;
 * an open one: `ConnectionReset`) for anything else.
 */
export function closeError(code: number, reason: string, fallback: IoErrorKind, operation: string): IoError | null {
  if (code === 1000) return null;
  if (code === CLOSE_FAILURE && isKind(reason))
    return new IoError(reason, `${operation}: the relay reported ${reason}`);
  const detail = reason === "" ? `close code ${code}` : `close code ${code} (${reason})`;
  return new IoError(fallback, `${operation}: the WebSocket to the relay closed with ${detail}`);
}
