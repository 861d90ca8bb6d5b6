/**
 * The byte-stream contract: `AsyncRead`, `AsyncWrite` and their duplex union. Every stream in
 * anyrt (sockets, files, process pipes, in-memory pipes) honours these rules, and the conformance
 * suite checks them on every adapter.
 * @module
 */

/** Options of every operation that can wait. */
export interface OperationOptions {
  /**
   * Cancels the wait. The operation then rejects with `signal.reason` (an `AbortError`
   * `DOMException` by default), as the web platform does. A signal that is already aborted
   * rejects at once.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Returned by {@link AsyncRead.tryRead} and {@link AsyncWrite.tryWrite} when the operation would
 * have to wait. A negative number so that it can never be confused with a byte count.
 */
export const WOULD_BLOCK = -1;

/**
 * A source of bytes.
 *
 * **Reading.** `read(buf)` with `buf.length > 0` waits until at least one byte is available, then
 * resolves with `n`, `1 <= n <= buf.length`, the bytes in stream order in `buf[0, n)`. It
 * resolves `0` only at end of stream (EOF), and every read after EOF resolves `0` again. A read
 * into an empty buffer resolves `0` at once without consuming anything. A read that fails consumed
 * nothing.
 *
 * **Buffers.** The caller owns `buf`. Implementations write only `buf[0, n)`, must not keep a
 * reference to `buf` after the read settles, and must not write to it after the read was aborted.
 *
 * **Cancellation safety.** `read` is cancel-safe: when a pending read is aborted through its
 * signal, no byte is lost. Bytes that had arrived are either delivered by that read (it resolves
 * instead of rejecting) or kept for the next one.
 *
 * **Concurrency.** At most one read may be in flight. A second `read` while one is pending rejects
 * at once with kind `Busy` and does not disturb the first.
 *
 * **Fast path.** `tryRead(buf)` is the synchronous form: it returns what `read` would resolve with
 * when that is known without waiting, and {@link WOULD_BLOCK} otherwise. A consumer loop that calls
 * `tryRead` first and `await read` only on `WOULD_BLOCK` pays one promise per wait rather than
 * one per chunk; see `docs/decisions/0001-read-path.md`.
 *
 * **Errors.** Failures reject with an `IoError`: `Closed` after `close()`, `InvalidInput` for a
 * `buf` that is not a `Uint8Array` or is detached, `Busy` as above, and the mapped native error
 * (`ConnectionReset`, ...) otherwise. Bytes that arrived before the stream failed are delivered
 * first; then the read rejects with the error, and so does every later read.
 */
export interface AsyncRead {
  /**
   * Reads at least one byte into `buf`, or resolves `0` at EOF or for an empty `buf`.
   * Cancel-safe (see the interface contract).
   */
  read(buf: Uint8Array, options?: OperationOptions): Promise<number>;

  /**
   * Reads synchronously what is available: `n > 0` bytes copied into `buf`, `0` at EOF or for an
   * empty `buf`, or {@link WOULD_BLOCK}. Throws the `IoError` that `read` would reject with,
   * including `Busy` while a `read` is pending.
   */
  tryRead(buf: Uint8Array): number;
}

/**
 * A sink of bytes.
 *
 * **Writing.** `write(buf)` with `buf.length > 0` waits until the stream can take at least one
 * byte, then accepts `n`, `1 <= n <= buf.length`, bytes from the start of `buf` and resolves `n`.
 * A partial write is not an error (`writeAll` loops). A write of an empty buffer resolves `0` at
 * once. A write that fails wrote nothing. Once a write resolved, the stream no longer uses `buf`:
 * the caller may reuse it at once.
 *
 * **Backpressure.** A writer to a slow peer waits. Memory held by the stream for accepted bytes is
 * bounded by its high-water mark; no anyrt stream buffers without bound.
 *
 * **Concurrency.** At most one write may be in flight; a second rejects at once with `Busy`.
 *
 * **Cancellation.** A write is cancel-safe: when its signal aborts while it waits for room, it
 * rejects with the signal's reason having accepted nothing, and the caller may retry the same
 * bytes. If the stream had already accepted bytes when the signal fired, the write resolves with
 * that count instead of rejecting, so the number of bytes that reached the stream is always
 * known. Bytes accepted by earlier writes stay accepted.
 *
 * **Half-close and close.** `flush()` resolves when everything accepted so far has been handed to
 * the operating system or the peer. `shutdown()` flushes, then closes the write side only: the
 * peer drains what is buffered and reads EOF, and can still write back; this side can still read.
 * `shutdown()` is idempotent. A write after `shutdown()` rejects with `BrokenPipe`.
 *
 * **Shutdown while a write waits.** `shutdown()` while a write is pending rejects at once with
 * `Busy` and changes nothing: the write keeps waiting and the stream is not shut down. As with a
 * second write, the half-close must not overtake bytes not yet accepted (they would be lost after
 * the FIN) nor wait behind a write that may never get room; finish or abort the write first.
 *
 * **Repeated shutdown.** The half-close happens once, and every `shutdown()` call, concurrent or
 * later, settles as that one does. Each caller's signal governs only that caller's wait: aborting
 * it rejects that call with the signal's reason, while the shutdown goes on and the other callers
 * still get its outcome (a FIN possibly on its way cannot be taken back). A call whose signal is
 * already aborted rejects at once and does nothing: it does not start a shutdown.
 *
 * **Failure.** When the stream fails (the peer reset the connection, a native write failed), the
 * waiting write, pending flushes and a shutdown in progress reject with that error, and so do every
 * later write, `flush()` and the first `shutdown()` (later calls settle as it did): the first
 * failure sticks, so whoever flushes learns that accepted bytes may not have reached the peer. A
 * failure after the shutdown completed changes nothing: the write side had finished.
 *
 * **Precedence.** A write fails with `Closed` after `close()`; otherwise with `BrokenPipe` once
 * `shutdown()` was called, whatever its outcome and whatever happened since; otherwise with the
 * stream's failure. `flush()` fails with `Closed`, then with the failure, and resolves after a
 * completed shutdown. `shutdown()` fails with `Closed`, then settles as the first call did. Of the
 * two errors a waiting operation could see, the first to happen is the one it gets.
 *
 * **Close during flush or shutdown.** `close()` while a `flush()` or `shutdown()` waits rejects
 * it with `Closed`, as every pending operation; whether the half-close reached the peer is then
 * unknown, and later calls fail with `Closed`.
 *
 * **Peer loss.** When the peer has gone away, a waiting writer wakes with `BrokenPipe` or
 * `ConnectionReset`, and any later write, even an empty one, fails with one of the two.
 */
export interface AsyncWrite {
  /** Accepts at least one byte of `buf`, resolving how many; `0` only for an empty `buf`. */
  write(buf: Uint8Array, options?: OperationOptions): Promise<number>;

  /**
   * Accepts synchronously what the stream can take now: `n >= 1` bytes, `0` for an empty `buf`,
   * or {@link WOULD_BLOCK}, when the stream would have to wait or when `write` takes `buf` more
   * cheaply (a large buffer sent without a copy): follow it with `write`, not another `tryWrite`.
   * Throws the `IoError` that `write` would reject with.
   */
  tryWrite(buf: Uint8Array): number;

  /**
   * Optional vectored write: accepts at least one byte of the concatenation of `bufs`, in order,
   * and resolves how many (`n` counts from the start of `bufs[0]`, across buffer boundaries);
   * `0` only when every buffer is empty. Every rule of {@link write} applies unchanged
   * (backpressure, `Busy`, cancel safety, errors, bad input: any element that is not a
   * `Uint8Array` fails with `InvalidInput` and nothing is written). Streams that can hand several
   * buffers to the peer or the operating system in one operation implement it; `writeAllVectored`
   * falls back to one write per buffer when it is absent.
   */
  writeVectored?(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number>;

  /** Resolves once every accepted byte has been handed to the operating system or the peer. */
  flush(options?: OperationOptions): Promise<void>;

  /**
   * Half-close: flushes, then closes the write side (TCP FIN). Idempotent. The read side, if
   * any, stays open.
   */
  shutdown(options?: OperationOptions): Promise<void>;
}

/**
 * A resource that must be released: `close()` releases it, is idempotent, and makes every later
 * operation fail with kind `Closed` (reads, writes, `flush`, `shutdown`). Pending operations
 * reject with `Closed` too. `await using` calls `close()`.
 */
export interface Closeable extends AsyncDisposable {
  /** Releases the resource. Idempotent; never rejects for a second call. */
  close(): Promise<void>;
}

/** A readable stream that must be closed. */
export interface ReadStream extends AsyncRead, Closeable {}

/** A writable stream that must be closed. `close()` does not flush; call `shutdown()` first. */
export interface WriteStream extends AsyncWrite, Closeable {}

/**
 * A bidirectional byte stream (a socket, an in-memory pipe end). Its two directions are
 * independent: one read and one write may be in flight at the same time (`split` relies on it),
 * each direction allowing one operation as above. `close()` closes both directions and releases
 * the resource; it does not wait for unflushed bytes.
 */
export interface Duplex extends AsyncRead, AsyncWrite, Closeable {}
