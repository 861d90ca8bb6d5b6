// The module the app's spawnBlocking task names: imported inside one of the pool's workers. It is
// plain JavaScript without imports, so Vite can emit it as it is (or inline it as a data: URL).
export function checksum(bytes) {
  let sum = 0;
  for (const byte of bytes) sum = (sum * 31 + byte) >>> 0;
  return { sum, inWorker: typeof WorkerGlobalScope === "function" && typeof document === "undefined" };
}
