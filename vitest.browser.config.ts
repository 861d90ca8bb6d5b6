// Vitest in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright): the tests
// of browser-facing code — compat's Web stream bridges against the Streams standard, and the
// browser adapter's own tests (`*.browser.test.ts`). `npm test` runs it when Chromium is installed.
import { playwright } from "@vitest/browser-playwright";
import { transformSync } from "esbuild";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";
// The conformance driver's binary and headless flags (for a machine whose network ends at 127.0.0.1).
import { chromiumArgs, chromiumBinary } from "./conformance-tests/drivers/chromium.ts";
import { collectDocExamples, exampleModule } from "./packages/examples/test/doc-examples.ts";

/**
 * `virtual:anyrt-examples`: the documented examples that run in Chromium, each a virtual module of
 * its own (`virtual:anyrt-example/N.ts`), so that packages/examples/test/doc-examples.browser.test.ts
 * runs them in the page the way doc-examples.test.ts runs the others on Node, Deno, Bun and workerd.
 */
function browserExamples(): Plugin {
  const examples = collectDocExamples().filter((example) => example.runtimes.includes("chromium"));
  const list = "\0virtual:anyrt-examples";
  const one = "\0virtual:anyrt-example/";
  return {
    name: "anyrt-browser-examples",
    resolveId(id) {
      if (id === "virtual:anyrt-examples") return list;
      if (id.startsWith("virtual:anyrt-example/")) return `\0${id}`;
      return undefined;
    },
    load(id) {
      if (id === list) {
        const entries = examples.map(
          (example, index) =>
            `{ name: ${JSON.stringify(example.id)}, load: () => import("virtual:anyrt-example/${index}.ts") }`,
        );
        return `export const examples = [${entries.join(",\n")}];\n`;
      }
      if (id.startsWith(one)) {
        const index = Number(id.slice(one.length).replace(/\.ts$/, ""));
        // Vite does not strip types from virtual modules: esbuild does it here.
        const code = exampleModule(examples[index]?.code ?? "throw new Error('no such example');");
        return transformSync(code, { loader: "ts", format: "esm", target: "es2022" }).code;
      }
      return undefined;
    },
  };
}

export default defineConfig({
  plugins: [browserExamples()],
  resolve: { conditions: ["browser", "module", "development|production"] },
  test: {
    include: [
      "packages/compat/test/web-readable.test.ts",
      "packages/compat/test/web-writable.test.ts",
      "adapters/web/test/**/*.browser.test.ts",
      "packages/examples/test/**/*.browser.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: { executablePath: chromiumBinary, args: chromiumArgs },
      }),
      instances: [{ browser: "chromium" }],
    },
  },
});
