/**
 * Buffered I/O and framing: `BufReader`, `BufWriter`, the `Decoder` / `Encoder` interfaces,
 * `FramedRead`, `FramedWrite`, `Framed`, and the codecs.
 * @module
 */
export {};
