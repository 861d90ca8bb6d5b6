/**
 * `EventLog`: what happened in a simulation, one line a person can read per event, with a
 * running FNV-1a 64 digest over the lines. Two runs are the same run exactly when their digests
 * are equal; the lines say where they part.
 * @module
 */

/** FNV-1a 64's offset basis and prime, as four 16-bit limbs (least significant first). */
const OFFSET = [0x2325, 0x8422, 0x9ce4, 0xcbf2] as const;

/** Options of {@link EventLog}. */
export interface EventLogOptions {
  /** Keep every line in {@link EventLog.lines} (default `true`); the digest is kept either way. */
  readonly keepLines?: boolean | undefined;
  /** Called with every line as it is recorded (print a run live). */
  readonly onLine?: ((line: string) => void) | undefined;
}

/**
 * The event log of a world. `record` adds a line `"<virtual ms> <host> <what>"`; the digest is
 * FNV-1a 64 over the UTF-8 bytes of every line and its newline, computed with 16-bit limbs so
 * that every runtime gets the same value without `BigInt`.
 */
export class EventLog {
  readonly #lines: string[] = [];
  readonly #keep: boolean;
  readonly #onLine: ((line: string) => void) | undefined;
  readonly #encoder = new TextEncoder();
  #h0: number = OFFSET[0];
  #h1: number = OFFSET[1];
  #h2: number = OFFSET[2];
  #h3: number = OFFSET[3];
  #count = 0;

  constructor(options: EventLogOptions = {}) {
    this.#keep = options.keepLines ?? true;
    this.#onLine = options.onLine;
  }

  /** How many events were recorded. */
  get count(): number {
    return this.#count;
  }

  /** The recorded lines (empty when `keepLines` is `false`). */
  get lines(): readonly string[] {
    return this.#lines;
  }

  /** The digest of every line so far: 16 hexadecimal digits. */
  get digest(): string {
    return [this.#h3, this.#h2, this.#h1, this.#h0].map((limb) => limb.toString(16).padStart(4, "0")).join("");
  }

  /** Records one event at virtual time `now` (milliseconds) on `host` (a name, or `world`). */
  record(now: number, host: string, what: string): void {
    const line = `${now.toFixed(3).padStart(12)} ${host} ${what}`;
    this.#count++;
    this.#hash(this.#encoder.encode(`${line}\n`));
    if (this.#keep) this.#lines.push(line);
    this.#onLine?.(line);
  }

  /** h = (h ^ byte) * 0x100000001b3 mod 2^64, for every byte. */
  #hash(bytes: Uint8Array): void {
    let h0 = this.#h0;
    let h1 = this.#h1;
    let h2 = this.#h2;
    let h3 = this.#h3;
    for (const byte of bytes) {
      h0 ^= byte;
      // The prime is 2^40 + 0x1b3: multiply every limb by 0x1b3, add h shifted left by 40 bits.
      let t0 = h0 * 0x1b3;
      let t1 = h1 * 0x1b3;
      let t2 = h2 * 0x1b3 + (h0 << 8);
      let t3 = h3 * 0x1b3 + (h1 << 8);
      t1 += t0 >>> 16;
      t0 &= 0xffff;
      t2 += t1 >>> 16;
      t1 &= 0xffff;
      t3 += t2 >>> 16;
      t2 &= 0xffff;
      h0 = t0;
      h1 = t1;
      h2 = t2;
      h3 = t3 & 0xffff;
    }
    this.#h0 = h0;
    this.#h1 = h1;
    this.#h2 = h2;
    this.#h3 = h3;
  }
}
