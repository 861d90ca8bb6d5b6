/**
 * The wire protocol between a blocking pool and its workers: the request, the response, and
 * errors made fit to cross threads and rebuilt on the other side with their stack.
 * @module
 */
import { IoError, type IoErrorKind, ioErrorKinds, isIoError } from "../error.ts";

/** What the pool posts to a worker. @internal */
export interface BlockingRequest {
  readonly id: number;
  readonly module: string;
  readonly export: string;
  readonly args: readonly unknown[];
}

/** An error as it crosses threads: enough to rebuild it with its stack on the other side. @internal */
export type SerializedError =
  | {
      readonly type: "error";
      readonly name: string;
      readonly message: string;
      readonly stack: string | undefined;
      readonly code: unknown;
      readonly kind: string | undefined;
    }
  | { readonly type: "value"; readonly value: unknown };

/** What a worker posts back. @internal */
export type BlockingResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

/** Turns what a task threw into something every structured clone accepts. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error || isIoError(error)) {
    const { name, message, stack } = error as Error;
    const code = (error as { code?: unknown }).code;
    return {
      type: "error",
      name: String(name),
      message: String(message),
      stack: typeof stack === "string" ? stack : undefined,
      code: typeof code === "string" || typeof code === "number" ? code : undefined,
      kind: isIoError(error) ? error.kind : undefined,
    };
  }
  try {
    structuredClone(error);
    return { type: "value", value: error };
  } catch {
    return { type: "value", value: String(error) };
  }
}

const errorConstructors: Readonly<Record<string, ErrorConstructor>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Rebuilds a worker's error on this side, keeping its name, message, stack, code and kind. */
export function reviveError(serialized: SerializedError): unknown {
  if (serialized.type === "value") return serialized.value;
  const { name, message, stack, code, kind } = serialized;
  let error: Error;
  if (kind !== undefined && (ioErrorKinds as readonly string[]).includes(kind)) {
    error = new IoError(kind as IoErrorKind, message);
  } else {
    error = new (errorConstructors[name] ?? Error)(message);
    if (!(name in errorConstructors)) Object.defineProperty(error, "name", { value: name, configurable: true });
  }
  if (stack !== undefined) Object.defineProperty(error, "stack", { value: stack, configurable: true, writable: true });
  if (code !== undefined) Object.defineProperty(error, "code", { value: code, configurable: true, writable: true });
  return error;
}
