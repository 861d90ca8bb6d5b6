/**
 * The messages between a page and the adapter's OPFS worker: a request names an engine operation
 * and its arguments, the answer carries the result or the error's kind and message. Byte buffers
 * are transferred, not copied.
 * @module
 */
import type { IoErrorKind } from "@anyrt/core";

/** A call of one engine operation. */
export type OpfsRequest = { readonly id: number } & (
  | {
      readonly op: "open";
      readonly path: string;
      readonly create: boolean;
      readonly createNew: boolean;
      readonly truncate: boolean;
    }
  | { readonly op: "read"; readonly file: number; readonly at: number; readonly length: number }
  | { readonly op: "write"; readonly file: number; readonly at: number | null; readonly data: Uint8Array }
  | { readonly op: "size" | "fileInfo" | "flush" | "close"; readonly file: number }
  | { readonly op: "truncate"; readonly file: number; readonly length: number }
  | { readonly op: "readFile" | "stat"; readonly path: string }
  | {
      readonly op: "writeFile";
      readonly path: string;
      readonly data: Uint8Array;
      readonly append: boolean;
      readonly createNew: boolean;
    }
  | { readonly op: "remove" | "mkdir"; readonly path: string; readonly recursive: boolean }
  | { readonly op: "makeTempDir"; readonly prefix: string; readonly tempDir: string }
);

/** A failure as it crosses the worker boundary; `causeName` is the native `DOMException`'s name. */
export interface OpfsFailure {
  readonly kind: IoErrorKind;
  readonly message: string;
  readonly causeName?: string;
  readonly causeMessage?: string;
}

/** The answer to the request with the same `id`. */
export type OpfsResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: OpfsFailure };
