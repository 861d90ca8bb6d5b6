/**
 * `createRandom`: the simulation's one source of choices, a seeded xoshiro128** generator (state
 * expanded from the seed by splitmix32). Every latency, fault time and tie the world breaks comes
 * from here, so a seed names a run. 32-bit integer arithmetic only (`Math.imul`, `>>> 0`), which
 * every JavaScript engine computes identically.
 * @module
 */
import { invalidInput } from "@anyrt/core";

/** A seeded pseudo-random generator; see {@link createRandom}. */
export interface Random {
  /** The seed the generator was made from. */
  readonly seed: number;
  /** The next 32-bit unsigned integer. */
  nextUint32(): number;
  /** The next float in [0, 1), with 32 bits of randomness. */
  next(): number;
  /** An integer in `min..max`, both included (`min <= max`, both safe integers). */
  int(min: number, max: number): number;
  /** `true` with probability `p` (0 never, 1 always). */
  chance(p: number): boolean;
  /**
   * A generator of its own, seeded from this one's next output: a part of the world (one link,
   * one host's disk) that draws from it does not shift the choices of the others.
   */
  fork(): Random;
}

/** One step of splitmix32: `state` advanced by the golden gamma, then mixed. */
function splitmix32(state: number): [next: number, output: number] {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [next, (z ^ (z >>> 16)) >>> 0];
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * Creates a {@link Random} from `seed`, an integer in 0..2^32-1 (`InvalidInput` otherwise). Two
 * generators of the same seed give the same sequence on every runtime.
 *
 * @example
 * ```ts
 * import { createRandom } from "@anyrt/sim";
 * const a = createRandom(42);
 * const b = createRandom(42);
 * console.assert(a.nextUint32() === b.nextUint32() && a.int(1, 6) === b.int(1, 6));
 * ```
 */
export function createRandom(seed: number): Random {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw invalidInput(`createRandom: seed must be an integer in 0..4294967295, got ${String(seed)}`);
  }
  let mix = seed >>> 0;
  const state = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    const [next, output] = splitmix32(mix);
    mix = next;
    state[i] = output;
  }
  // xoshiro128** is undefined for the all-zero state; splitmix never yields it for four outputs in a row.
  const nextUint32 = (): number => {
    const s0 = state[0] as number;
    const s1 = state[1] as number;
    const s2 = state[2] as number;
    const s3 = state[3] as number;
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    const n2 = (s2 ^ s0) >>> 0;
    const n3 = (s3 ^ s1) >>> 0;
    state[1] = s1 ^ n2;
    state[0] = s0 ^ n3;
    state[2] = n2 ^ t;
    state[3] = rotl(n3, 11);
    return result;
  };
  const random: Random = {
    seed,
    nextUint32,
    next: () => nextUint32() / 0x100000000,
    int(min, max) {
      if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) {
        throw invalidInput(`Random.int: min and max must be safe integers with min <= max, got ${min}, ${max}`);
      }
      return min + Math.floor(random.next() * (max - min + 1));
    },
    chance(p) {
      if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
        throw invalidInput(`Random.chance: p must be a number in 0..1, got ${String(p)}`);
      }
      return p === 1 || random.next() < p;
    },
    fork: () => createRandom(nextUint32()),
  };
  return random;
}
