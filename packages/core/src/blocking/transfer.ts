/**
 * `transfer`: how a blocking task's export marks the objects of its result to move back to the
 * caller instead of being copied. Its own module, so that the main entry exports it without the
 * pool.
 * @module
 */
import { checkArray } from "../validate.ts";

const transferBrand = Symbol.for("@anyrt/core/transfer");

/** A worker's return value marked for transfer; see {@link transfer}. */
export interface Transfer<T> {
  /** Brands the object as made by {@link transfer}, so a plain `{ value, list }` is not mistaken for one. */
  readonly [transferBrand]: true;
  /** What the caller receives. */
  readonly value: T;
  /** The objects inside `value` that move instead of being copied. */
  readonly list: readonly Transferable[];
}

/**
 * Marks what a blocking task returns so that the objects in `list` (parts of `value`) are
 * transferred back to the caller instead of copied. The caller receives `value`.
 *
 * @example
 * ```ts
 * import { transfer } from "@anyrt/core";
 * // An export of a module run with spawnBlocking: the caller receives `pixels`, moved, not copied.
 * function render(size: number) {
 *   const pixels = new Uint8Array(size);
 *   return transfer(pixels, [pixels.buffer]);
 * }
 * console.assert(render(4).value.length === 4);
 * ```
 */
export function transfer<T>(value: T, list: readonly Transferable[]): Transfer<T> {
  checkArray("transfer", "list", list);
  return { [transferBrand]: true, value, list };
}

/** Whether `value` was made by {@link transfer}. */
export function isTransfer(value: unknown): value is Transfer<unknown> {
  return (
    typeof value === "object" && value !== null && (value as { [transferBrand]?: unknown })[transferBrand] === true
  );
}
