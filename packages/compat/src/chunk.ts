/**
 * What the bridges take as a chunk of bytes from a foreign stream (any `ArrayBufferView` or
 * `ArrayBuffer`, from any realm) and the chunk size they use when none is given. Shared by the
 * Web, iterable and Node bridges, so that none of them imports another bridge for it.
 * @module
 */
import { IoError } from "@anyrt/core";
import { checkFlags, checkString, describe } from "@anyrt/core/adapter";

/** Default auto-allocated chunk of `toWebReadable` and largest write chunk of `fromWebWritable`: 64 KiB. */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;

/**
 * Checks a bridge's options bag before anything is made: absent or an object, its `label` a
 * string when given, and each of `flags` a boolean when given (`InvalidInput` otherwise).
 */
export function checkBridgeOptions(operation: string, options: unknown, flags: readonly string[] = []): void {
  checkFlags(operation, options, flags);
  const label = (options as { readonly label?: unknown } | undefined)?.label;
  if (label !== undefined) checkString(operation, "label", label);
}

/** Turns a chunk of a default Web stream into bytes: any `ArrayBufferView` or `ArrayBuffer`. */
export function chunkBytes(value: unknown, label: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  // Another realm's Uint8Array fails instanceof but still has the shape of one.
  const view = value as { buffer?: unknown; byteOffset?: unknown; byteLength?: unknown };
  if (
    typeof value === "object" &&
    value !== null &&
    typeof view.byteOffset === "number" &&
    typeof view.byteLength === "number" &&
    typeof view.buffer === "object"
  ) {
    return new Uint8Array(view.buffer as ArrayBuffer, view.byteOffset, view.byteLength);
  }
  throw new IoError("InvalidData", `read ${label}: expected a chunk of bytes (Uint8Array), got ${describe(value)}`);
}
