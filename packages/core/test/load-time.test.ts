// ARCHITECTURE.md invariant 10: loading a module touches nothing realm-specific. Every entry of
// every published package (each target of its `exports` map, built `dist`) is bundled with the
// workspace packages it imports, every other import a stub, and evaluated in a fresh `node:vm`
// realm that has only the web-standard globals all of anyrt's runtimes share. There, reading any
// property of `import.meta` (workerd leaves `import.meta.url` undefined) or touching a
// realm-specific global (`process`, `Deno`, `Bun`, `navigator`, `location`, `document`, `Worker`,
// ...), even with `typeof`, throws: a module that does so while it loads fails here, naming what
// it touched. Runs on Node only: the realm is synthetic, so Deno and Bun would check the same.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createContext, runInContext } from "node:vm";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const here = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL("../../../", import.meta.url));
const onNode = !("Deno" in globalThis) && !("Bun" in globalThis);

/**
 * Globals that differ between anyrt's runtimes (missing on some, different on others): a module
 * may use them inside the functions it exports, never while it loads, unless they belong to the one
 * runtime its entry is for (see {@link ownGlobals}).
 */
const realmSpecific = [
  "process",
  "Deno",
  "Bun",
  "navigator",
  "location",
  "document",
  "window",
  "self",
  "global",
  "Buffer",
  "__dirname",
  "__filename",
  "Worker",
  "SharedWorker",
  "WebSocket",
  "WebSocketStream",
  "setImmediate",
  "clearImmediate",
  "scheduler",
  "caches",
  "importScripts",
  "postMessage",
  "addEventListener",
  "removeEventListener",
  "localStorage",
  "sessionStorage",
  "indexedDB",
  "XMLHttpRequest",
] as const;

/** The runtimes an entry can be for; `neutral` is every runtime at once. */
type Runtime = "node" | "deno" | "bun" | "workerd" | "browser" | "neutral";

/**
 * The globals of each runtime that an entry for that runtime alone may read while it loads: an
 * adapter makes its shared runtime object then (`nodeRuntime`, `denoRuntime`, ...), reading the
 * runtime's name and version, and it only ever loads there. Present as permissive stubs.
 */
const ownGlobals: Record<Runtime, readonly string[]> = {
  node: ["process", "Buffer", "global", "setImmediate", "clearImmediate"],
  deno: ["Deno", "navigator", "self", "Worker", "WebSocket", "addEventListener"],
  bun: ["Bun", "process", "Buffer", "global", "navigator", "self", "Worker", "WebSocket", "setImmediate"],
  workerd: ["navigator", "self", "caches", "WebSocket", "scheduler", "addEventListener"],
  browser: [
    "navigator",
    "location",
    "document",
    "window",
    "self",
    "Worker",
    "SharedWorker",
    "WebSocket",
    "WebSocketStream",
    "scheduler",
    "caches",
    "postMessage",
    "addEventListener",
    "removeEventListener",
    "localStorage",
    "sessionStorage",
    "indexedDB",
    "XMLHttpRequest",
  ],
  neutral: [],
};

/**
 * The runtime an entry is for: an adapter's entries are for its runtime (the web adapter's relay,
 * which serves from any runtime, excepted), `@anyrt/auto`'s for their export condition, the rest
 * (core, compat, the suite, Effect) for every runtime.
 */
function runtimeOf(name: string, condition: string): Runtime {
  const [, adapter] = /^@anyrt\/(node|deno|bun|workerd|web)(?:\/|$)/.exec(name) ?? [];
  if (name === "@anyrt/web/relay") return "neutral";
  if (adapter !== undefined) return adapter === "web" ? "browser" : (adapter as Runtime);
  if (name === "@anyrt/auto" && condition in ownGlobals) return condition as Runtime;
  return "neutral";
}

/** Web-standard globals that every runtime anyrt supports has (Node 20 and later, Deno, Bun, workerd, browsers). */
const shared = [
  "URL",
  "URLSearchParams",
  "TextEncoder",
  "TextDecoder",
  "AbortController",
  "AbortSignal",
  "DOMException",
  "Event",
  "EventTarget",
  "MessageChannel",
  "MessagePort",
  "ReadableStream",
  "WritableStream",
  "TransformStream",
  "ByteLengthQueuingStrategy",
  "CountQueuingStrategy",
  "Blob",
  "Headers",
  "Request",
  "Response",
  "fetch",
  "structuredClone",
  "atob",
  "btoa",
  "crypto",
  "performance",
  "setTimeout",
  "clearTimeout",
  "setInterval",
  "clearInterval",
  "queueMicrotask",
  "console",
] as const;

/** An entry of a package: its name as a user imports it, the runtime it is for, and the built file. */
interface Entry {
  readonly name: string;
  readonly runtime: Runtime;
  readonly file: string;
}

/** Every entry of every published workspace package; worker bootstraps (listed in `sideEffects`) excepted. */
function entries(): Entry[] {
  const workspace = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { workspaces: string[] };
  const directories = workspace.workspaces.flatMap((pattern) =>
    pattern.endsWith("/*")
      ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => join(pattern.slice(0, -2), entry.name))
      : [pattern],
  );
  const found: Entry[] = [];
  for (const directory of directories) {
    let manifest: {
      name: string;
      private?: boolean;
      exports?: Record<string, string | Record<string, string>>;
      sideEffects?: boolean | string[];
    };
    try {
      manifest = JSON.parse(readFileSync(join(root, directory, "package.json"), "utf8"));
    } catch {
      continue;
    }
    if (manifest.private === true || manifest.exports === undefined) continue;
    const bootstraps = new Set(Array.isArray(manifest.sideEffects) ? manifest.sideEffects : []);
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (subpath === "./package.json") continue;
      const name = `${manifest.name}${subpath.slice(1)}`;
      const conditions = typeof target === "string" ? { default: target } : target;
      for (const [condition, file] of Object.entries(conditions)) {
        if (condition === "types" || bootstraps.has(file)) continue;
        const label =
          typeof target === "string" || Object.keys(conditions).length <= 2 ? name : `${name} [${condition}]`;
        found.push({ name: label, runtime: runtimeOf(name, condition), file: join(root, directory, file) });
      }
    }
  }
  return found;
}

/** A value standing for anything an import gives: callable, constructible, every property another one. */
function stub(name: string): unknown {
  const target = function stubbed() {};
  const proxy: unknown = new Proxy(target, {
    get(_, key) {
      if (key === Symbol.toPrimitive) return (hint: string) => (hint === "number" ? 1 : `[stub ${name}]`);
      if (key === "then") return undefined;
      if (key === "prototype") return target.prototype;
      return stub(`${name}.${String(key)}`);
    },
    getPrototypeOf: () => Function.prototype,
    apply: () => stub(`${name}()`),
    construct: () => stub(`new ${name}`) as object,
  });
  return proxy;
}

/**
 * A fresh realm: the shared globals, stubs for the own globals of `runtime`, and throwing getters
 * for the other realm-specific ones and `import.meta`.
 */
function realm(entry: string, runtime: Runtime): object {
  const sandbox: Record<string, unknown> = {};
  for (const name of shared) sandbox[name] = (globalThis as Record<string, unknown>)[name];
  const context = createContext(sandbox);
  const touched = (what: string) => () => {
    throw new Error(`${entry} touched ${what} while loading`);
  };
  // Defined from inside the realm: Node's vm does not call getters defined on the sandbox object.
  const define = runInContext(
    "(name, get) => Object.defineProperty(globalThis, name, { get, configurable: true })",
    context,
  ) as (name: string, get: () => unknown) => void;
  const own = new Set(ownGlobals[runtime]);
  for (const name of realmSpecific) {
    // Node's own globals are this host's; other runtimes' are stubs.
    const value = runtime === "node" ? (globalThis as Record<string, unknown>)[name] : stub(name);
    define(name, own.has(name) ? () => value : touched(name));
  }
  const importMeta = new Proxy({}, { get: (_, key) => touched(`import.meta.${String(key)}`)() });
  define("__anyrtImportMeta", () => importMeta);
  return context;
}

/**
 * Bundles `entryPoint` (or `source`) as one script: `@anyrt/*` packages inlined from their `dist`,
 * every other import (`node:*`, `cloudflare:*`, npm packages) left to `require`, and `import.meta`
 * the realm's trap.
 */
async function bundle(input: { entryPoint: string } | { source: string }): Promise<string> {
  const result = await build({
    ...("entryPoint" in input
      ? { entryPoints: [input.entryPoint] }
      : { stdin: { contents: input.source, loader: "ts", resolveDir: root } }),
    bundle: true,
    write: false,
    format: "cjs",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    define: { "import.meta": "__anyrtImportMeta" },
    logLevel: "silent",
    plugins: [
      {
        name: "external-but-anyrt",
        setup(builder) {
          builder.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith("@anyrt/") ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
  return result.outputFiles[0]?.text ?? "";
}

/**
 * Loads a bundle in a fresh realm for `runtime`; throws what it touched. Its imports are this
 * host's modules (Node's built-ins, npm packages, resolved from `from`), except the modules of
 * runtimes other than Node (`cloudflare:*`, `bun:*`) and `vitest` (which loads only inside its
 * runner), which are stubs.
 */
function load(code: string, entry: string, from: string, runtime: Runtime = "neutral"): void {
  const context = realm(entry, runtime);
  const module = { exports: {} };
  const wrapper = runInContext(`(function (require, module, exports) {\n${code}\n})`, context, {
    filename: entry,
  }) as (require: (name: string) => unknown, module: object, exports: object) => void;
  const host = createRequire(from);
  wrapper((name) => (/^(cloudflare:|bun:|vitest$)/.test(name) ? stub(name) : host(name)), module, module.exports);
}

// One skipped test stands for the whole check on Deno and Bun, rather than one per entry.
const describeOnNode = onNode ? describe : () => it.skip("runs on Node only: the realm is synthetic");

describeOnNode("loading a package's module", () => {
  it("this check fails a module that reads import.meta.url, or a realm-specific global, as it loads", async () => {
    const cases = [
      "export const here = new URL('./x.js', import.meta.url);",
      "export const isNode = typeof process !== 'undefined';",
      "export const cores = globalThis.navigator?.hardwareConcurrency;",
      "export const w = new Worker('x');",
    ];
    for (const source of cases) {
      const code = await bundle({ source });
      expect(() => load(code, "probe", here), source).toThrow(
        /probe touched (import\.meta\.url|process|navigator|Worker)/,
      );
    }
    const lazy = await bundle({ source: "export const start = () => new Worker(new URL('./x.js', import.meta.url));" });
    expect(() => load(lazy, "probe", here)).not.toThrow();
  });

  const all = entries();

  it("finds the entries of every published package", () => {
    const names = all.map((entry) => entry.name);
    for (const name of ["@anyrt/core", "@anyrt/core/adapter", "@anyrt/web", "@anyrt/workerd", "@anyrt/conformance"]) {
      expect(names).toContain(name);
    }
  });

  for (const entry of all) {
    const others = entry.runtime === "neutral" ? "realm-specific global" : `global but ${entry.runtime}'s`;
    it(`${entry.name} touches no import.meta property and no ${others} as it loads`, async () => {
      load(await bundle({ entryPoint: entry.file }), entry.name, entry.file, entry.runtime);
    });
  }
});
