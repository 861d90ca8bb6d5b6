/**
 * POSIX-style paths on the Origin Private File System: an absolute path such as `/a/b/c.txt` names
 * the entry `c.txt` in the directory `b` in the directory `a` of the origin's root directory.
 * @module
 */
import { invalidInput } from "@anyrt/core";
import { checkPath } from "@anyrt/core/adapter";

/**
 * The entry names of `path` from the OPFS root, resolved lexically: empty segments and `.` are
 * dropped and `..` removes the segment before it (OPFS has no symbolic links, so this is exact).
 * Relative paths (there is no working directory in a browser) and a `..` above the root fail with
 * `InvalidInput`, as does anything but a non-empty string without NUL. The root itself is `[]`.
 * (Internal to the adapter: `opfsSegments("open", "/a/./b/../c.txt")` is `["a", "c.txt"]`.)
 */
export function opfsSegments(operation: string, path: unknown): string[] {
  checkPath(operation, path);
  if (!path.startsWith("/")) {
    throw invalidInput(
      `${operation} ${path}: OPFS paths must be absolute (start with '/'); a browser has no working directory`,
    );
  }
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (segments.length === 0) throw invalidInput(`${operation} ${path}: '..' leaves the OPFS root`);
      segments.pop();
      continue;
    }
    segments.push(segment);
  }
  return segments;
}
