// The CPU-bound work that blocking.ts runs on worker threads: a module whose exports take and
// return structured-cloneable values.

/** The number of primes in [from, to), by trial division: deliberately CPU-bound. */
export function countPrimes(from: number, to: number): number {
  let count = 0;
  for (let n = Math.max(2, from); n < to; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}
