/**
 * `AddressedUnixStream`: a `UnixStream` over any byte stream of the same socket, with its two
 * addresses: for adapters whose Unix sockets are read and written by the stream class of their
 * TCP (Node, Bun, Effect), so that the Unix part reuses that class whole instead of copying it.
 * @module
 */
import type { Duplex, OperationOptions } from "./io.ts";
import type { UnixAddress, UnixStream } from "./unix.ts";
import { checkDuplex, checkFunction, checkObject, checkString } from "./validate.ts";

function checkAddress(name: string, address: unknown): void {
  checkObject("AddressedUnixStream", name, address);
  checkString("AddressedUnixStream", `${name}.path`, (address as UnixAddress).path);
}

/** A {@link Duplex} with the optional `writeVectored`, as every adapter's socket stream has it. */
export type VectoredDuplex = Duplex & Required<Pick<Duplex, "writeVectored">>;

/**
 * A {@link UnixStream} whose every byte-stream method is `stream`'s (the same contract, cancel
 * safety and close), with the Unix addresses the adapter knows.
 *
 * @example
 * ```ts
 * import { duplex } from "@anyrt/core";
 * import { AddressedUnixStream, type VectoredDuplex } from "@anyrt/core/adapter";
 * const [a] = duplex(16); // a pipe's ends have writeVectored too
 * const stream = new AddressedUnixStream(a as VectoredDuplex, { path: "" }, { path: "/tmp/s.sock" });
 * console.assert(stream.remoteAddress.path === "/tmp/s.sock");
 * await stream.close();
 * ```
 */
export class AddressedUnixStream implements UnixStream {
  readonly #stream: VectoredDuplex;
  readonly localAddress: UnixAddress;
  readonly remoteAddress: UnixAddress;

  /** Throws `InvalidInput` unless `stream` is a duplex with `writeVectored` and both addresses have a string `path`. */
  constructor(stream: VectoredDuplex, localAddress: UnixAddress, remoteAddress: UnixAddress) {
    checkDuplex("AddressedUnixStream", "stream", stream);
    checkFunction("AddressedUnixStream", "stream.writeVectored", stream.writeVectored);
    checkAddress("localAddress", localAddress);
    checkAddress("remoteAddress", remoteAddress);
    this.#stream = stream;
    this.localAddress = localAddress;
    this.remoteAddress = remoteAddress;
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#stream.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#stream.tryRead(buf);
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#stream.write(buf, options);
  }

  tryWrite(buf: Uint8Array): number {
    return this.#stream.tryWrite(buf);
  }

  writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    return this.#stream.writeVectored(bufs, options);
  }

  flush(options?: OperationOptions): Promise<void> {
    return this.#stream.flush(options);
  }

  shutdown(options?: OperationOptions): Promise<void> {
    return this.#stream.shutdown(options);
  }

  close(): Promise<void> {
    return this.#stream.close();
  }

  /** Closes the stream (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
