/**
 * The write side of a byte stream, written once: `WriteHalf` implements `write` / `tryWrite` /
 * `writeVectored` / `flush` / `shutdown` with Busy, Closed, BrokenPipe after shutdown, a sticky
 * error, flush waiters, cancel safety and idempotent shutdown and close over a pluggable
 * {@link WriteTransport}, the counterpart of `ReadHalf`. Adapters use it through
 * `@anyrt/core/adapter`.
 * @module
 */
import { IoError, invalidInput } from "./error.ts";
import { type OperationOptions, WOULD_BLOCK, type WriteStream } from "./io.ts";
import { abortReason, onAbort } from "./signal.ts";
import { checkArray, checkBuffer, checkCallback, checkMethods, describe, signalOf } from "./validate.ts";
import { WaitList } from "./wait-list.ts";
import { idleSlot, isIdleSlot, WaitSlot } from "./wait-slot.ts";

/**
 * What a {@link WriteHalf} needs from its transport: where accepted bytes go and how the write
 * side ends. The transport reports back through its half: {@link WriteHalf.room} (room again for
 * a waiting write), {@link WriteHalf.flushed} (everything accepted was handed down),
 * {@link WriteHalf.complete} (it took bytes of the waiting write itself) and
 * {@link WriteHalf.fail} (the stream failed).
 */
export interface WriteTransport {
  /** Names the stream in error messages, such as `"tcp 127.0.0.1:5000"`. */
  readonly label: string;
  /**
   * Whether every accepted byte has been handed down (to the operating system, the peer or the
   * native sink). When it turns true again, the transport calls {@link WriteHalf.flushed}.
   */
  readonly idle: boolean;
  /**
   * Takes a prefix of the non-empty `buf` now and returns its length, or {@link WOULD_BLOCK} when
   * there is no room (the transport then calls {@link WriteHalf.room} once there is). What it
   * takes is accepted: the caller may reuse `buf` at once, so the transport copies what it
   * keeps. When the native side refuses, the stream has failed: the transport reports the
   * `IoError` with {@link WriteHalf.fail}, then throws it (`throw half.fail(error)`), so that
   * every later operation reports the same failure.
   */
  accept(buf: Uint8Array): number;
  /**
   * Takes a prefix of the concatenation of `bufs` (checked, possibly with empty elements) at once,
   * such as by gathering it into one native write; returns its length, `0` only when every buffer
   * is empty, or {@link WOULD_BLOCK}. Without it, the half offers the buffers to `accept` in turn.
   */
  acceptVectored?(bufs: readonly Uint8Array[]): number;
  /**
   * Offered a write without a signal (so it ends only by completing, failing or `close`): returns
   * `true` when the transport writes `buf` as it is, without a copy; it must then settle the write
   * later, never synchronously, with {@link WriteHalf.complete} or {@link WriteHalf.fail}, and
   * count as not {@link idle} until the native write is done. A transport with {@link check} is
   * offered the write only after `check` passed.
   */
  writeDirect?(buf: Uint8Array): boolean;
  /**
   * With {@link writeDirect}: whether `writeDirect(buf)` would take `buf` now. `tryWrite` then
   * returns {@link WOULD_BLOCK} instead of copying it, so that the `write` a caller makes next
   * hands it down as it is (Deno's `conn.write` of a large buffer on an idle connection: the copy
   * and the staging memory it holds were most of the cost of many connections writing at once).
   * Only `tryWrite` asks: a write (with a signal, or retried for room) is accepted as before, so a
   * declined buffer never leaves a write waiting.
   */
  prefersDirect?(buf: Uint8Array): boolean;
  /**
   * Throws the `IoError` of `operation` when the native side refuses writes by its own state,
   * reporting it with {@link WriteHalf.fail} first, as {@link accept} does.
   */
  check?(operation: string): void;
  /** A write started waiting for room, or a retry found none: a transport that must ask for a wake-up asks. */
  onWait?(): void;
  /**
   * Once every accepted byte was handed down, pushes out what the native side still holds (a
   * cork buffer, a WebSocket's send queue); rejects with an `IoError` when that fails.
   */
  readonly flushNative?: (() => Promise<void> | void) | undefined;
  /** Closes the write side natively (TCP FIN, EOF on a pipe); called once, after everything was flushed. */
  end(): Promise<void> | void;
  /** The half was closed: release what the transport holds for writing. */
  onClose?(): void;
}

/** Where a shutdown stands: not asked for, running (flushing, then ending), done, failed. */
const SHUTDOWN_NONE = 0;
const SHUTDOWN_RUNNING = 1;
const SHUTDOWN_DONE = 2;
const SHUTDOWN_FAILED = 3;

const RESOLVED = Promise.resolve();

/**
 * The writer-facing half of a byte stream over a {@link WriteTransport}.
 *
 * Writers call `write` / `tryWrite` / `writeVectored` / `flush` / `shutdown`, which follow the
 * `AsyncWrite` contract and the rules of `io.ts`: at most one write waits (`Busy` otherwise,
 * shutdown included); a waiting write aborted by its signal accepted nothing; after `shutdown()`
 * writes fail with `BrokenPipe`; after {@link fail} every operation fails with that error (the
 * first one reported sticks); `close()` fails pending and later operations with `Closed`. Each
 * caller's signal governs only that caller's wait: aborting a `flush` or `shutdown` stops the
 * wait, never the flush or the half-close in progress. Precedence: `Closed`, then shut down, then
 * the error.
 *
 * @example
 * ```ts
 * import { WOULD_BLOCK } from "@anyrt/core";
 * import { WriteHalf, type WriteTransport } from "@anyrt/core/adapter";
 * // A transport that takes two bytes at a time until `room()` is called.
 * class TwoAtATime implements WriteTransport {
 *   readonly label = "demo";
 *   readonly idle = true;
 *   readonly half = new WriteHalf(this);
 *   readonly taken: number[] = [];
 *   full = false;
 *   ended = false;
 *   accept(buf: Uint8Array): number {
 *     if (this.full) return WOULD_BLOCK;
 *     this.full = true;
 *     this.taken.push(...buf.subarray(0, 2));
 *     return Math.min(2, buf.length);
 *   }
 *   end(): void {
 *     this.ended = true;
 *   }
 * }
 * const t = new TwoAtATime();
 * console.assert(t.half.tryWrite(new Uint8Array([1, 2, 3])) === 2);
 * const waiting = t.half.write(new Uint8Array([3]));
 * t.full = false;
 * t.half.room();
 * console.assert((await waiting) === 1);
 * await t.half.shutdown();
 * console.assert(t.ended && t.taken.join() === "1,2,3");
 * console.assert((await t.half.write(new Uint8Array(1)).catch((e) => e.kind)) === "BrokenPipe");
 * ```
 */
export class WriteHalf {
  readonly #transport: WriteTransport;
  /** The transport has no `check` hook, so an open half may hand a write straight to `accept`. */
  readonly #unchecked: boolean;
  /** The transport has {@link WriteTransport.prefersDirect}: `tryWrite` asks it first. */
  readonly #mayDecline: boolean;
  /** The pending write's slot: the shared idle one until the first write waits. */
  #pending: WaitSlot<number, Uint8Array> = idleSlot();
  /**
   * The waiting flushes, and the rejecters of the flush and shutdown waits that `close()` must end
   * with `Closed`: made at the first such wait, since most streams of a server with many
   * connections never flush explicitly, and each would hold an empty list and set.
   */
  #flushes: WaitList | null = null;
  #guards: Set<() => void> | null = null;
  /** Nothing (close, shutdown, a failure, a peer gone) stands in the way of a write. */
  #open = true;
  #closed = false;
  #error: unknown = null;
  /** The peer went away ({@link peerClosed}): the next write fails with this. */
  #peerGone: unknown = null;
  #shutdownState: number = SHUTDOWN_NONE;
  /** The shutdown's outcome, shared by every caller; `null` before the first call. */
  #shutdown: Promise<void> | null = null;
  #settleShutdown: { resolve: () => void; reject: (error: unknown) => void } | null = null;
  #ending = false;

  constructor(transport: WriteTransport) {
    checkMethods("WriteHalf", "transport", transport, ["accept", "end"]);
    this.#transport = transport;
    this.#unchecked = transport.check === undefined;
    this.#mayDecline = typeof transport.prefersDirect === "function" && typeof transport.writeDirect === "function";
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Whether a write may go straight to the transport now without further checks: the half is
   * open (not closed, shut down, failed or without a peer), the transport has no `check` hook and
   * no write is pending. A transport's own fast path tests it (see the in-memory pipe's
   * `tryWrite`).
   */
  get ready(): boolean {
    return this.#open && this.#unchecked && !this.#pending.busy;
  }

  /**
   * The buffer of the write waiting for room, for a transport that can take from it directly
   * (`null` when none waits, or for a direct write). Transports only read it; it is a plain field
   * because an in-memory pipe's reads look at it on every read.
   */
  waiting: Uint8Array | null = null;

  /**
   * Accepts what the transport can take now: see `AsyncWrite.tryWrite`. `WOULD_BLOCK` also when
   * the transport would rather write `buf` without a copy ({@link WriteTransport.prefersDirect}):
   * the caller's `write` then does.
   */
  tryWrite(buf: Uint8Array): number {
    // The common case in few bytecodes, so that engines inline it into a caller's write loop:
    // every condition below is one that the checked path would pass.
    if (this.#open && this.#unchecked && buf instanceof Uint8Array && buf.length !== 0 && !this.#pending.busy) {
      const transport = this.#transport;
      if (this.#mayDecline && (transport.prefersDirect as (buf: Uint8Array) => boolean)(buf)) return WOULD_BLOCK;
      return transport.accept(buf);
    }
    return this.#tryWriteChecked(buf, this.#mayDecline);
  }

  /** `tryWrite` for a write: the transport takes what it can, never declining. */
  #attempt(buf: Uint8Array): number {
    if (this.#open && this.#unchecked && buf instanceof Uint8Array && buf.length !== 0 && !this.#pending.busy) {
      return this.#transport.accept(buf);
    }
    return this.#tryWriteChecked(buf, false);
  }

  /** `tryWrite` through every check; `decline`: ask {@link WriteTransport.prefersDirect} too. */
  #tryWriteChecked(buf: Uint8Array, decline: boolean): number {
    checkBuffer("write", buf);
    if (!this.#open) throw this.#stateError("write");
    if (this.#pending.busy) throw this.#busy();
    const transport = this.#transport;
    transport.check?.("write");
    if (buf.length === 0) return 0;
    if (decline && (transport.prefersDirect as (buf: Uint8Array) => boolean)(buf)) return WOULD_BLOCK;
    return transport.accept(buf);
  }

  /** The transport's `check` passed (it throws the stream's error otherwise): a direct write may go. */
  #checked(transport: WriteTransport): true {
    transport.check?.("write");
    return true;
  }

  /** Accepts at least one byte, waiting for room: see `AsyncWrite.write`. Cancel-safe. */
  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    const transport = this.#transport;
    let signal: AbortSignal | undefined;
    let n: number;
    try {
      if (options !== undefined) signal = signalOf("write", options);
      if (signal === undefined) {
        if (
          transport.writeDirect !== undefined &&
          this.#open &&
          !this.#pending.busy &&
          buf instanceof Uint8Array &&
          buf.length > 0 &&
          (this.#unchecked || this.#checked(transport)) &&
          transport.writeDirect(buf)
        ) {
          return this.#slot().wait(buf);
        }
      } else if (signal.aborted) {
        checkBuffer("write", buf);
        throw abortReason(signal);
      }
      n = this.#attempt(buf);
    } catch (error) {
      return Promise.reject(error);
    }
    if (n !== WOULD_BLOCK) return Promise.resolve(n);
    // Only a signal can abort the wait: the mirror of its buffer is cleared then.
    const waiting = this.#slot().wait(buf, signal, signal === undefined ? undefined : () => this.#waitAborted());
    this.waiting = buf;
    transport.onWait?.();
    return waiting;
  }

  /** Writes several buffers as one: see `AsyncWrite.writeVectored`. */
  writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    let n: number;
    try {
      checkArray(`write ${this.#transport.label}`, "bufs", bufs);
      for (const buf of bufs) checkBuffer("write", buf);
      const signal = signalOf("write", options);
      if (signal?.aborted) throw abortReason(signal);
      if (!this.#open) throw this.#stateError("write");
      if (this.#pending.busy) throw this.#busy();
      n = this.#acceptVectored(bufs);
    } catch (error) {
      return Promise.reject(error);
    }
    if (n !== WOULD_BLOCK) return Promise.resolve(n);
    // Nothing fits now: wait as a plain write of the first non-empty buffer does.
    return this.write(bufs.find((buf) => buf.length > 0) as Uint8Array, options);
  }

  /** The slot a write waits in, made at the first wait. */
  #slot(): WaitSlot<number, Uint8Array> {
    if (isIdleSlot(this.#pending)) this.#pending = new WaitSlot();
    return this.#pending;
  }

  #waitAborted(): void {
    this.waiting = null;
  }

  #acceptVectored(bufs: readonly Uint8Array[]): number {
    const transport = this.#transport;
    transport.check?.("write");
    return transport.acceptVectored !== undefined ? transport.acceptVectored(bufs) : this.#acceptEach(bufs);
  }

  #acceptEach(bufs: readonly Uint8Array[]): number {
    const transport = this.#transport;
    let n = 0;
    for (const buf of bufs) {
      if (buf.length === 0) continue;
      const accepted = transport.accept(buf);
      if (accepted === WOULD_BLOCK) return n === 0 ? WOULD_BLOCK : n;
      n += accepted;
      if (accepted < buf.length) break;
    }
    return n;
  }

  /**
   * Resolves once every byte accepted so far was handed down: see `AsyncWrite.flush`. Rejects
   * with the stream's error once it failed, and with `Closed` after (or during) `close()`; an
   * abort ends only this caller's wait.
   */
  flush(options?: OperationOptions): Promise<void> {
    let signal: AbortSignal | undefined;
    try {
      signal = signalOf("flush", options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#closed) return Promise.reject(this.#closedError("flush"));
    if (this.#error !== null) return Promise.reject(this.#error);
    const transport = this.#transport;
    const native = transport.flushNative;
    if (transport.idle) return native === undefined ? RESOLVED : this.#flushNative(signal);
    this.#flushes ??= new WaitList();
    const flushed = this.#flushes.wait(signal);
    return native === undefined ? flushed : flushed.then(() => this.#flushNative(signal));
  }

  #flushNative(signal: AbortSignal | undefined): Promise<void> {
    let flushing: Promise<void> | void;
    try {
      flushing = this.#transport.flushNative?.();
    } catch (error) {
      this.fail(error);
      return Promise.reject(error);
    }
    if (flushing === undefined) return RESOLVED;
    return this.#guard(
      flushing.then(undefined, (error: unknown) => {
        this.fail(error);
        throw error;
      }),
      signal,
      "flush",
    );
  }

  /**
   * Half-close: flushes, then ends the write side natively; see `AsyncWrite.shutdown` and the
   * rules in `io.ts`. The half-close happens once; every call waits for that one outcome.
   */
  shutdown(options?: OperationOptions): Promise<void> {
    let signal: AbortSignal | undefined;
    try {
      signal = signalOf("shutdown", options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#closed) return Promise.reject(this.#closedError("shutdown"));
    let shutdown = this.#shutdown;
    if (shutdown === null) {
      if (this.#pending.busy) {
        return Promise.reject(new IoError("Busy", `shutdown ${this.#transport.label}: a write is pending`));
      }
      shutdown = this.#startShutdown();
    }
    if (this.#shutdownState === SHUTDOWN_DONE) return RESOLVED;
    return this.#guard(shutdown, signal, "shutdown");
  }

  #startShutdown(): Promise<void> {
    this.#open = false;
    let shutdown: Promise<void>;
    if (this.#error !== null) {
      this.#shutdownState = SHUTDOWN_FAILED;
      shutdown = Promise.reject(this.#error);
    } else {
      this.#shutdownState = SHUTDOWN_RUNNING;
      shutdown = new Promise<void>((resolve, reject) => {
        this.#settleShutdown = { resolve, reject };
      });
    }
    // A failed shutdown is reported to whoever awaits it; it must not be unhandled otherwise.
    shutdown.catch(noop);
    this.#shutdown = shutdown;
    this.#continueShutdown();
    return shutdown;
  }

  /** Ends the write side once the transport is idle (now, or from {@link flushed}). */
  #continueShutdown(): void {
    const transport = this.#transport;
    if (this.#shutdownState !== SHUTDOWN_RUNNING || this.#ending || !transport.idle) return;
    this.#ending = true;
    let ending: Promise<void> | void;
    try {
      const native = transport.flushNative?.();
      ending = native === undefined ? transport.end() : native.then(() => transport.end());
    } catch (error) {
      this.#shutdownFailed(error);
      return;
    }
    if (ending === undefined) this.#shutdownDone();
    else
      ending.then(
        () => this.#shutdownDone(),
        (error: unknown) => this.#shutdownFailed(error),
      );
  }

  #shutdownDone(): void {
    if (this.#shutdownState !== SHUTDOWN_RUNNING) return;
    this.#shutdownState = SHUTDOWN_DONE;
    this.#settleShutdown?.resolve();
    this.#settleShutdown = null;
  }

  #shutdownFailed(error: unknown): void {
    this.fail(error);
  }

  /** Transport: there is room again; a waiting write takes what fits now, or keeps waiting. */
  room(): void {
    const buf = this.waiting;
    if (buf === null) return;
    const transport = this.#transport;
    let n: number;
    try {
      transport.check?.("write");
      n = transport.accept(buf);
    } catch (error) {
      this.fail(error);
      this.waiting = null;
      this.#pending.reject(error);
      return;
    }
    if (n === WOULD_BLOCK) {
      transport.onWait?.();
    } else {
      this.waiting = null;
      this.#pending.resolve(n);
    }
  }

  /** Transport: it took `n` bytes of the pending write itself; resolves that write with `n`. */
  complete(n: number): void {
    if (!(Number.isInteger(n) && n >= 0)) {
      throw invalidInput(`write ${this.#transport.label}: complete: n must be an integer >= 0, got ${describe(n)}`);
    }
    this.waiting = null;
    this.#pending.resolve(n);
  }

  /** Transport: every accepted byte was handed down; settles flushes and lets a shutdown go on. */
  flushed(): void {
    if (!this.#transport.idle) return;
    this.#flushes?.resolveAll();
    if (this.#shutdownState === SHUTDOWN_RUNNING) this.#continueShutdown();
  }

  /**
   * Transport: the stream failed (peer gone, reset) with `error`, an `IoError`. The waiting write,
   * flushes and a shutdown in progress reject with it, and so does every later operation. The
   * first error sticks; one reported after `close()` or after the shutdown completed changes
   * nothing (the write side is finished). Returns `error`, for `throw half.fail(error)`.
   */
  fail(error: unknown): unknown {
    if (this.#closed || this.#error !== null || this.#shutdownState === SHUTDOWN_DONE) return error;
    this.#error = error;
    this.#open = false;
    this.waiting = null;
    this.#pending.reject(error);
    this.#flushes?.rejectAll(error);
    if (this.#shutdownState === SHUTDOWN_RUNNING) {
      this.#shutdownState = SHUTDOWN_FAILED;
      this.#settleShutdown?.reject(error);
      this.#settleShutdown = null;
    }
    return error;
  }

  /**
   * Transport: the peer went away (an in-memory pipe's reader closed) while nothing this side
   * wrote has failed yet. A waiting write fails with `error` at once; otherwise the next write
   * does, and from then on everything fails as after {@link fail}. Until then `flush` and
   * `shutdown` go on as before: what was written was handed over.
   */
  peerClosed(error: unknown): void {
    if (this.#closed || this.#error !== null || this.#peerGone !== null) return;
    if (this.waiting !== null) {
      this.fail(error);
      return;
    }
    this.#peerGone = error;
    this.#open = false;
  }

  /**
   * Closes this half: the waiting write, flushes and shutdown waits reject with `Closed`, and so
   * does every later operation; the transport releases what it holds. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#open = false;
    this.waiting = null;
    // Only what waits gets an error: making one captures a stack, and most closes find nothing waiting.
    if (this.#pending.busy) this.#pending.reject(this.#closedError("write", true));
    const flushes = this.#flushes;
    if (flushes !== null && flushes.size > 0) flushes.rejectAll(this.#closedError("flush", true));
    const guards = this.#guards;
    this.#guards = null;
    if (guards !== null) for (const reject of guards) reject();
    this.#transport.onClose?.();
  }

  /** `promise`, or `Closed` on `close()`, or the signal's reason on abort, whichever comes first. */
  #guard(promise: Promise<void>, signal: AbortSignal | undefined, operation: string): Promise<void> {
    this.#guards ??= new Set();
    const guards = this.#guards;
    return new Promise<void>((resolve, reject) => {
      const onClose = () => {
        removeAbort();
        reject(this.#closedError(operation, true));
      };
      const removeAbort = onAbort(signal, (reason) => {
        guards.delete(onClose);
        reject(reason);
      });
      guards.add(onClose);
      promise.then(
        () => {
          guards.delete(onClose);
          removeAbort();
          resolve();
        },
        (error: unknown) => {
          guards.delete(onClose);
          removeAbort();
          reject(error);
        },
      );
    });
  }

  /** Why a write cannot go on: closed, then shut down, then the stream's error. */
  #stateError(operation: string): unknown {
    if (this.#closed) return this.#closedError(operation);
    if (this.#shutdownState !== SHUTDOWN_NONE) {
      return new IoError("BrokenPipe", `${operation} ${this.#transport.label}: write side was shut down`);
    }
    // The first write after the peer went away makes that the stream's failure.
    if (this.#error === null) this.fail(this.#peerGone);
    return this.#error;
  }

  #closedError(operation: string, during = false): IoError {
    const what = during ? "stream was closed while waiting" : "stream is closed";
    return new IoError("Closed", `${operation} ${this.#transport.label}: ${what}`);
  }

  #busy(): IoError {
    return new IoError("Busy", `write ${this.#transport.label}: another write is pending`);
  }
}

/**
 * A `WriteStream` over a {@link WriteHalf}: the stdin of a child, a bridged writable. `close()`
 * closes the half (pending and later operations fail with `Closed`), then calls `release` once
 * to free the native resource; it is idempotent and does not flush (call `shutdown()` first).
 */
export class WriteHalfStream implements WriteStream {
  readonly #half: WriteHalf;
  readonly #release: (() => void) | undefined;

  constructor(half: WriteHalf, release?: () => void) {
    if (!(half instanceof WriteHalf))
      throw invalidInput(`WriteHalfStream: half must be a WriteHalf, got ${describe(half)}`);
    checkCallback("WriteHalfStream", "release", release);
    this.#half = half;
    this.#release = release;
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#half.write(buf, options);
  }

  tryWrite(buf: Uint8Array): number {
    return this.#half.tryWrite(buf);
  }

  writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    return this.#half.writeVectored(bufs, options);
  }

  flush(options?: OperationOptions): Promise<void> {
    return this.#half.flush(options);
  }

  shutdown(options?: OperationOptions): Promise<void> {
    return this.#half.shutdown(options);
  }

  close(): Promise<void> {
    if (!this.#half.closed) {
      this.#half.close();
      this.#release?.();
    }
    return RESOLVED;
  }

  /** Closes the stream (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function noop(): void {}
