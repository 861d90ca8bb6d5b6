/**
 * Numeric reads and writes: fixed-size integers (8 to 64 bits, signed or not; 64-bit ones as
 * `bigint`) and IEEE 754 floats, big-endian (network order) by default or little-endian.
 * @module
 */
import { invalidInput } from "../error.ts";
import type { AsyncRead, AsyncWrite, OperationOptions } from "../io.ts";
import { abortReason } from "../signal.ts";
import { checkFlags, describe, signalOf } from "../validate.ts";
import { readExact } from "./read.ts";
import { writeAll } from "./write.ts";

/** Formats whose values are `number`s. */
export type NumberFormat = "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "f64";
/** 64-bit formats, whose values are `bigint`s. */
export type BigIntFormat = "u64" | "i64";
/** Every format of {@link readNumber} and {@link writeNumber}. */
export type NumericFormat = NumberFormat | BigIntFormat;
/** The JavaScript type of a value of `F`: `bigint` for 64-bit integers, `number` otherwise. */
export type NumericValue<F extends NumericFormat> = F extends BigIntFormat ? bigint : number;

/** Options of {@link readNumber} and {@link writeNumber}. */
export interface NumericOptions extends OperationOptions {
  /** Little-endian byte order; default `false` (big-endian, network order). */
  readonly littleEndian?: boolean | undefined;
}

interface Layout {
  readonly size: number;
  readonly get: (view: DataView, littleEndian: boolean) => number | bigint;
  readonly set: (view: DataView, value: never, littleEndian: boolean) => void;
  /** Inclusive range of integer formats; absent for floats. */
  readonly range?: readonly [bigint, bigint];
}

const layouts: Readonly<Record<NumericFormat, Layout>> = {
  u8: { size: 1, get: (v) => v.getUint8(0), set: (v, x: number) => v.setUint8(0, x), range: [0n, 255n] },
  i8: { size: 1, get: (v) => v.getInt8(0), set: (v, x: number) => v.setInt8(0, x), range: [-128n, 127n] },
  u16: {
    size: 2,
    get: (v, le) => v.getUint16(0, le),
    set: (v, x: number, le) => v.setUint16(0, x, le),
    range: [0n, 65535n],
  },
  i16: {
    size: 2,
    get: (v, le) => v.getInt16(0, le),
    set: (v, x: number, le) => v.setInt16(0, x, le),
    range: [-32768n, 32767n],
  },
  u32: {
    size: 4,
    get: (v, le) => v.getUint32(0, le),
    set: (v, x: number, le) => v.setUint32(0, x, le),
    range: [0n, 2n ** 32n - 1n],
  },
  i32: {
    size: 4,
    get: (v, le) => v.getInt32(0, le),
    set: (v, x: number, le) => v.setInt32(0, x, le),
    range: [-(2n ** 31n), 2n ** 31n - 1n],
  },
  u64: {
    size: 8,
    get: (v, le) => v.getBigUint64(0, le),
    set: (v, x: bigint, le) => v.setBigUint64(0, x, le),
    range: [0n, 2n ** 64n - 1n],
  },
  i64: {
    size: 8,
    get: (v, le) => v.getBigInt64(0, le),
    set: (v, x: bigint, le) => v.setBigInt64(0, x, le),
    range: [-(2n ** 63n), 2n ** 63n - 1n],
  },
  f32: { size: 4, get: (v, le) => v.getFloat32(0, le), set: (v, x: number, le) => v.setFloat32(0, x, le) },
  f64: { size: 8, get: (v, le) => v.getFloat64(0, le), set: (v, x: number, le) => v.setFloat64(0, x, le) },
};

function layoutOf(operation: string, format: unknown): Layout {
  if (typeof format !== "string" || !Object.hasOwn(layouts, format)) {
    throw invalidInput(
      `${operation}: unknown format ${describe(format)}; expected one of ${Object.keys(layouts).join(", ")}`,
    );
  }
  return layouts[format as NumericFormat];
}

/**
 * Reads one number of the given format (`"u8"`, `"i16"`, `"u64"`, `"f32"`, ...), big-endian unless
 * `littleEndian` is set; 64-bit integers resolve as `bigint`. An unknown format fails with
 * `InvalidInput` at once; EOF before the last byte fails with `UnexpectedEof`.
 *
 * **Cancel safety: not cancel-safe**, as {@link readExact}: an abort after part of the number was
 * read loses those bytes.
 *
 * @example
 * ```ts
 * import { readNumber, simplex } from "@anyrt/core";
 * const [reader, writer] = simplex();
 * await writer.write(new Uint8Array([0x01, 0x02, 0x01, 0x02]));
 * console.assert((await readNumber(reader, "u16")) === 0x0102);
 * console.assert((await readNumber(reader, "u16", { littleEndian: true })) === 0x0201);
 * ```
 */
export async function readNumber<F extends NumericFormat>(
  reader: AsyncRead,
  format: F,
  options?: NumericOptions,
): Promise<NumericValue<F>> {
  const layout = layoutOf("readNumber", format);
  checkNumericOptions("readNumber", options);
  const buf = await readExact(reader, new Uint8Array(layout.size), options);
  return layout.get(new DataView(buf.buffer), options?.littleEndian === true) as NumericValue<F>;
}

/**
 * Writes one number in the given format, big-endian unless `littleEndian` is set. 64-bit formats
 * take a `bigint`, the others a `number`. A value that the format cannot hold exactly (out of
 * range, not an integer for an integer format, a `number` for a 64-bit format) fails with
 * `InvalidInput` at once; floats are rounded to `f32` as `Math.fround` does. It does not flush.
 *
 * **Cancel safety: not cancel-safe.** An abort rejects with the signal's reason, even when some
 * of the number's bytes were already accepted (the stream is then mid-number).
 *
 * @example
 * ```ts
 * import { readNumber, simplex, writeNumber } from "@anyrt/core";
 * const [reader, writer] = simplex();
 * await writeNumber(writer, "i64", -2n, { littleEndian: true });
 * await writeNumber(writer, "f64", 0.5);
 * console.assert((await readNumber(reader, "i64", { littleEndian: true })) === -2n);
 * console.assert((await readNumber(reader, "f64")) === 0.5);
 * ```
 */
export async function writeNumber<F extends NumericFormat>(
  writer: AsyncWrite,
  format: F,
  value: NumericValue<F>,
  options?: NumericOptions,
): Promise<void> {
  const layout = layoutOf("writeNumber", format);
  checkNumericOptions("writeNumber", options);
  checkValue(format, layout, value);
  const buf = new Uint8Array(layout.size);
  layout.set(new DataView(buf.buffer), value as never, options?.littleEndian === true);
  const writeOptions = options?.signal === undefined ? undefined : { signal: options.signal };
  const n = await writeAll(writer, buf, writeOptions);
  if (n < buf.length && options?.signal !== undefined) throw abortReason(options.signal);
}

function checkValue(format: NumericFormat, layout: Layout, value: unknown): void {
  const fail = () => invalidInput(`writeNumber: ${describe(value)} is not a valid ${format} value`);
  if (layout.range === undefined) {
    if (typeof value !== "number") throw fail();
    return;
  }
  const big = layout.size === 8;
  if (big ? typeof value !== "bigint" : typeof value !== "number" || !Number.isInteger(value)) throw fail();
  const integer = BigInt(value as number | bigint);
  if (integer < layout.range[0] || integer > layout.range[1]) throw fail();
}

/** Throws `InvalidInput` unless `options` is absent or an object with a boolean `littleEndian` and an `AbortSignal`. */
function checkNumericOptions(operation: string, options: NumericOptions | undefined): void {
  signalOf(operation, options);
  checkFlags(operation, options, ["littleEndian"]);
}
