// compat(x): recognition by structure (across realms, not instanceof), the precise InvalidInput
// error, the task bridges, and the main entry's freedom from node:* imports.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { compat, fromAbortable, fromAsyncIterable, toAbortable, toAsyncIterable } from "@anyrt/compat";
import { duplex, IoError, isIoError, readToString, simplex, writeAll } from "@anyrt/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concat, delay, encoder } from "./support.ts";

/** A ReadableStream look-alike from "another realm": same members, different prototype. */
function foreignReadable(stream: ReadableStream): ReadableStream {
  return {
    get locked() {
      return stream.locked;
    },
    getReader: (options?: { mode?: "byob" }) => stream.getReader(options as never),
    cancel: (reason?: unknown) => stream.cancel(reason),
    pipeTo: (destination: WritableStream) => stream.pipeTo(destination),
  } as unknown as ReadableStream;
}

describe("compat", () => {
  it("returns anyrt streams as they are", () => {
    const [a] = duplex();
    const [reader, writer] = simplex();
    expect(compat(a)).toBe(a);
    expect(compat(reader)).toBe(reader);
    expect(compat(writer)).toBe(writer);
  });

  it("recognises Web streams, pairs and look-alikes from another realm", async () => {
    expect(await readToString(compat(new Blob(["web"]).stream()))).toBe("web");
    expect(await readToString(compat(foreignReadable(new Blob(["foreign"]).stream())))).toBe("foreign");
    const chunks: Uint8Array[] = [];
    const writer = compat(new WritableStream<Uint8Array>({ write: (chunk) => void chunks.push(chunk) }));
    await writeAll(writer, encoder.encode("sink"));
    await writer.shutdown();
    expect(new TextDecoder().decode(concat(chunks))).toBe("sink");
    const pair = compat(new TransformStream<Uint8Array, Uint8Array>());
    await writeAll(pair, encoder.encode("pair"));
    await pair.shutdown();
    expect(await readToString(pair)).toBe("pair");
  });

  it("recognises Node duplexes, readables and writables without importing node:stream", async () => {
    const loop = compat(new PassThrough());
    await writeAll(loop, encoder.encode("node"));
    await loop.shutdown();
    expect(await readToString(loop)).toBe("node");
    expect(await readToString(compat(Readable.from([Buffer.from("readable")])))).toBe("readable");
    const written: Buffer[] = [];
    const sink = compat(
      new Writable({
        write(chunk, _encoding, callback) {
          written.push(chunk);
          callback();
        },
      }),
    );
    await writeAll(sink, encoder.encode("writable"));
    await sink.shutdown();
    expect(Buffer.concat(written).toString()).toBe("writable");
  });

  it("recognises async and sync iterables of chunks", async () => {
    async function* generate() {
      yield encoder.encode("async ");
      yield encoder.encode("gen");
    }
    expect(await readToString(compat(generate()))).toBe("async gen");
    expect(await readToString(compat([encoder.encode("a"), encoder.encode("b")]))).toBe("ab");
  });

  it("fails with InvalidInput naming what it got", () => {
    const cases: [unknown, RegExp][] = [
      [42, /got 42/],
      ["text", /got "text"/],
      [new Uint8Array(3), /got Uint8Array/],
      [{ read: 1 }, /got Object/],
      [() => {}, /got \(\) =>/],
      [null, /got null/],
      [new Date(0), /got Date/],
    ];
    for (const [value, message] of cases) {
      let error: unknown;
      try {
        compat(value as never);
      } catch (e) {
        error = e;
      }
      expect(isIoError(error, "InvalidInput")).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe("fromAsyncIterable / toAsyncIterable", () => {
  it("any split of the input into chunks gives the same bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 5000 }), { maxLength: 20 }), async (chunks) => {
        const reader = fromAsyncIterable(chunks, { readAhead: 1000 });
        const got: Uint8Array[] = [];
        for await (const chunk of toAsyncIterable(reader, { bufferSize: 333 })) got.push(chunk);
        expect(concat(got)).toEqual(concat(chunks));
      }),
      { numRuns: 50 },
    );
  });

  it("pulls an endless generator only as far as the read-ahead, and close() ends it", async () => {
    let pulled = 0;
    let finished = false;
    function* endless() {
      try {
        for (;;) {
          pulled++;
          yield new Uint8Array(1024);
        }
      } finally {
        finished = true;
      }
    }
    const reader = fromAsyncIterable(endless(), { readAhead: 8 * 1024 });
    await delay(20);
    expect(pulled).toBeLessThanOrEqual(9);
    await reader.close();
    await delay(5);
    expect(finished).toBe(true);
  });

  it("a failing iterator rejects reads with its IoError after the bytes before it", async () => {
    async function* failing() {
      yield encoder.encode("ok");
      throw new IoError("TimedOut", "upstream timed out");
    }
    const reader = fromAsyncIterable(failing());
    const buf = new Uint8Array(8);
    expect(await reader.read(buf)).toBe(2);
    await expect(reader.read(buf)).rejects.toMatchObject({ kind: "TimedOut" });
  });
});

describe("task bridges", () => {
  it("fromAbortable: abort reaches the function's signal and the handle rejects with Aborted", async () => {
    let seen: AbortSignal | undefined;
    const handle = fromAbortable(
      (signal) =>
        new Promise<never>((_, reject) => {
          seen = signal;
          signal.addEventListener("abort", () => reject(signal.reason));
        }),
    );
    await delay(1);
    handle.abort(new Error("stop"));
    const error = await Promise.resolve(handle).catch((e: unknown) => e);
    expect(isIoError(error, "Aborted")).toBe(true);
    expect(seen?.aborted).toBe(true);
  });

  it("toAbortable: the result, or the signal's reason when aborted", async () => {
    let taskSignal: AbortSignal | undefined;
    const run = toAbortable(() =>
      fromAbortable(async (signal) => {
        taskSignal = signal;
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return 1;
      }),
    );
    const controller = new AbortController();
    const pending = run(controller.signal);
    await delay(1);
    const reason = new Error("enough");
    controller.abort(reason);
    expect(await pending.catch((e: unknown) => e)).toBe(reason);
    expect(taskSignal?.aborted).toBe(true);
    expect(await toAbortable(() => fromAbortable(() => 7))()).toBe(7);
  });

  it("bad input fails at once with InvalidInput", () => {
    expect(() => fromAbortable(1 as never)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    expect(() => toAbortable(null as never)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
  });
});

describe("the main entry", () => {
  it("imports nothing from node:* (it must load on Deno, Bun, browsers and workerd)", () => {
    const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
    const seen = new Set<string>();
    const nodeImports: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      // Examples in TSDoc comments import node:stream on purpose; only code counts.
      const text = readFileSync(join(dist, file), "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/^\s*\/\/.*$/gm, "");
      for (const match of text.matchAll(
        /(?:import|export)[^"']*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g,
      )) {
        const specifier = match[1] ?? match[2] ?? "";
        if (specifier.startsWith("node:")) nodeImports.push(`${file}: ${specifier}`);
        else if (specifier.startsWith("./") && !match[0].startsWith("import(")) visit(specifier.slice(2));
      }
    };
    visit("index.js");
    expect(seen.size).toBeGreaterThan(5);
    expect(nodeImports).toEqual([]);
    expect(seen.has("node.js")).toBe(false);
  });
});
