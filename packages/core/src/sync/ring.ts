/**
 * `Ring`: the array-backed FIFO queue behind the channels. It grows by doubling up to the
 * channel's capacity, so that a channel of large capacity costs memory only for what it holds.
 * @module
 */

const INITIAL_LENGTH = 16;

/** A FIFO queue in a power-of-two array; the caller keeps `size` within its own bound. */
export class Ring<T> {
  #items: (T | undefined)[];
  #mask: number;
  #head = 0;
  #size = 0;

  constructor(bound: number) {
    const length = Math.min(INITIAL_LENGTH, nextPowerOfTwo(bound));
    this.#items = new Array<T | undefined>(length).fill(undefined);
    this.#mask = length - 1;
  }

  /** How many values the ring holds. */
  get size(): number {
    return this.#size;
  }

  /** Appends `value` at the back. */
  push(value: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) & this.#mask] = value;
    this.#size++;
  }

  /** Removes and returns the front value; the ring must not be empty. */
  shift(): T {
    const items = this.#items;
    const head = this.#head;
    const value = items[head] as T;
    items[head] = undefined;
    this.#head = (head + 1) & this.#mask;
    this.#size--;
    return value;
  }

  /** Drops every value (so that the ring keeps no reference to them). */
  clear(): void {
    this.#items.fill(undefined);
    this.#head = 0;
    this.#size = 0;
  }

  #grow(): void {
    const old = this.#items;
    const items = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.#size; i++) items[i] = old[(this.#head + i) & this.#mask];
    this.#items = items;
    this.#mask = items.length - 1;
    this.#head = 0;
  }
}

/** The smallest power of two `>= n` (for `n >= 1`). */
export function nextPowerOfTwo(n: number): number {
  let length = 1;
  while (length < n) length *= 2;
  return length;
}
