/**
 * `keepShapes`: keeps an instance of a hot class alive for as long as core is loaded, so that
 * engines keep the class's hidden classes and optimized callers keep their feedback.
 *
 * V8 holds the transitions to an object's hidden class weakly: when no instance of a class is
 * alive, a full collection drops them, the next instance gets new hidden classes, and every
 * optimized loop that used the class deoptimizes ("Insufficient type feedback") and learns them
 * again. `npm run bench` collects garbage between samples, which cost pipe-16b on Node about a
 * third (a ratio of 0.8 against `PassThrough` instead of 1.2-1.3, CPU time) and
 * length-delimited-decode a fifth (0.63 instead of 0.77); a program that makes pipes, buffers
 * or codecs from time to time pays the same after each full collection.
 * @module
 */

/** What {@link keepShapes} keeps: referenced from a function, so it outlives the module's evaluation. */
const live: unknown[] = [];

/** Keeps `instances` alive for as long as this module (small, unused instances of hot classes). */
export function keepShapes(...instances: unknown[]): void {
  live.push(...instances);
}
