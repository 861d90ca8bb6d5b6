/**
 * Buffered I/O and framing: `BufReader`, `BufWriter`, the `Decoder` / `Encoder` interfaces,
 * `FramedRead`, `FramedWrite`, `Framed`, and the codecs.
 * @module
 */
export { AnyDelimiter, type AnyDelimiterOptions } from "./any-delimiter.ts";
export { BufReader, type BufReaderOptions, type ReadLineOptions, type ReadUntilOptions } from "./buf-reader.ts";
export { BufWriter, type BufWriterOptions } from "./buf-writer.ts";
export { type BufferLike, ByteBuffer } from "./byte-buffer.ts";
export { Bytes } from "./bytes.ts";
export type { Decoder, Encoder } from "./codec.ts";
export { Framed, type FramedOptions } from "./framed.ts";
export { FramedRead, type FramedReadOptions } from "./framed-read.ts";
export { FramedWrite, type FramedWriteOptions } from "./framed-write.ts";
export { LengthDelimited, type LengthDelimitedOptions } from "./length-delimited.ts";
export { Lines, type LinesOptions } from "./lines.ts";
