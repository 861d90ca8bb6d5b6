// Vitest in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright): the tests
// of browser-facing code — compat's Web stream bridges against the Streams standard, and the
// browser adapter's own tests (`*.browser.test.ts`). `npm test` runs it when Chromium is installed.
import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";

/** The flags for a machine whose network ends at 127.0.0.1 (see ../shared/reference/toolchain.md). */
const args = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export default defineConfig({
  resolve: { conditions: ["browser", "module", "development|production"] },
  test: {
    include: [
      "packages/compat/test/web-readable.test.ts",
      "packages/compat/test/web-writable.test.ts",
      "adapters/web/test/**/*.browser.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: { executablePath: process.env.ANYRT_CHROMIUM ?? "/usr/bin/chromium", args },
      }),
      instances: [{ browser: "chromium" }],
    },
  },
});
