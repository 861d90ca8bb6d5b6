// Every documented example of the workspace in one list: the code blocks of every Markdown file
// (the READMEs, docs/) and of every TSDoc comment of every package's sources, each with the
// runtimes it runs on, read from its fence (```ts runtimes=deno, ```ts not-run="why", ...) or
// from where it lives. doc-examples.test.ts runs them on Node, Deno, Bun and workerd, and
// doc-examples.browser.test.ts in Chromium (through vitest.browser.config.ts); a block that runs
// nowhere and does not say why fails.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root directory. */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Where an example can run: the three server runtimes in a process, Chromium in a page, workerd in a worker. */
export type ExampleRuntime = "node" | "deno" | "bun" | "chromium" | "workerd";

const runtimes: readonly ExampleRuntime[] = ["node", "deno", "bun", "chromium", "workerd"];

/** One documented example: where it is, its code and how its fence says to run it. */
export interface DocExample {
  /** `README.md:42` or `packages/core/src/io.ts:118`: the file and the line of the opening fence. */
  readonly id: string;
  readonly file: string;
  readonly line: number;
  /** A Markdown block is a program a reader copies into a file; a TSDoc block is a snippet. */
  readonly source: "markdown" | "tsdoc";
  readonly code: string;
  /** Where it runs (empty when it does not run here: see `notRun` and `inFile`). */
  readonly runtimes: readonly ExampleRuntime[];
  /** `not-run="reason"`: the block cannot run as it is, and says why. */
  readonly notRun: string | null;
  /** `in=path`: the block is part of that file (a test, or an example program), which the tests run. */
  readonly inFile: string | null;
  /** `stdout="..."`: what the program prints, trimmed (Markdown blocks only). */
  readonly stdout: string | null;
  /** `allow=net,read`: the Deno permissions the program runs with (default: all). */
  readonly allow: readonly string[] | null;
  /** What is wrong with the fence's attributes. */
  readonly problems: readonly string[];
}

/**
 * Where each package's examples run unless their fence says otherwise: runtime-neutral code on
 * the three server runtimes, an adapter on its own runtime, the Effect adapter on Node (its
 * platform layers run elsewhere through their own tests), the simulation (runtime-neutral) on all three.
 */
const defaultRuntimes: readonly [prefix: string, runtimes: readonly ExampleRuntime[]][] = [
  ["adapters/node/", ["node"]],
  ["adapters/deno/", ["deno"]],
  ["adapters/bun/", ["bun"]],
  ["adapters/web/", ["chromium"]],
  ["adapters/workerd/", ["workerd"]],
  ["adapters/effect/", ["node"]],
  ["adapters/sim/", ["node", "deno", "bun"]],
  ["packages/core/", ["node", "deno", "bun"]],
  ["packages/compat/", ["node", "deno", "bun"]],
  ["packages/auto/", ["node", "deno", "bun"]],
  ["conformance-tests/", ["node", "deno", "bun"]],
  ["", ["node"]],
];

/** Folders never searched: installs, build output, scratch, reports, changesets, git. */
const skipped = new Set(["node_modules", "dist", ".tmp", "reports", ".changeset", ".git"]);

/** The files under `dir` (relative to the root) whose names end with `suffix`, recursively. */
function filesUnder(dir: string, suffix: string): string[] {
  const out: string[] = [];
  const walk = (relativeDir: string) => {
    const absolute = join(root, relativeDir);
    if (!existsSync(absolute)) return;
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      if (skipped.has(entry.name)) continue;
      const path = relativeDir === "" ? entry.name : `${relativeDir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(suffix)) out.push(path);
    }
  };
  walk(dir);
  return out.sort();
}

/** The workspace folders whose sources hold TSDoc: every package, adapter and the suite. */
function sourceFolders(): string[] {
  const folders: string[] = [];
  for (const parent of ["packages", "adapters"]) {
    for (const name of readdirSync(join(root, parent))) folders.push(`${parent}/${name}/src`);
  }
  return [...folders, "conformance-tests/src", "conformance-tests/drivers"];
}

const fence =
  /^(?<indent>[ \t]*(?:\* ?)?)```(?<lang>ts|typescript|js|javascript)(?<info>(?:[ \t][^\n`]*)?)\n(?<body>[\s\S]*?)^[ \t]*(?:\* ?)?```[ \t]*$/gm;

/** Parses a fence's attributes: `key=value` or `key="value with spaces"`, separated by spaces. */
export function parseAttributes(info: string): { attributes: Map<string, string>; problems: string[] } {
  const attributes = new Map<string, string>();
  const problems: string[] = [];
  const rest = info.replace(
    /(?<key>[a-z-]+)=(?:"(?<quoted>[^"]*)"|(?<bare>[^\s"]+))/g,
    (_, key: string, quoted, bare) => {
      attributes.set(key, (quoted ?? bare) as string);
      return "";
    },
  );
  if (rest.trim() !== "") problems.push(`unreadable fence attributes: ${JSON.stringify(rest.trim())}`);
  for (const key of attributes.keys()) {
    if (!["runtimes", "not-run", "in", "stdout", "allow"].includes(key))
      problems.push(`unknown fence attribute ${key}`);
  }
  return { attributes, problems };
}

function exampleOf(file: string, line: number, source: DocExample["source"], info: string, code: string): DocExample {
  const { attributes, problems } = parseAttributes(info);
  const notRun = attributes.get("not-run") ?? null;
  const inFile = attributes.get("in") ?? null;
  let chosen = defaultRuntimes.find(([prefix]) => file.startsWith(prefix))?.[1] ?? ["node"];
  const named = attributes.get("runtimes");
  if (named !== undefined) {
    const list = named.split(",").filter((name) => name !== "");
    const unknown = list.filter((name) => !runtimes.includes(name as ExampleRuntime));
    if (unknown.length > 0 || list.length === 0)
      problems.push(`runtimes=${named}: known runtimes are ${runtimes.join(", ")}`);
    chosen = list.filter((name): name is ExampleRuntime => runtimes.includes(name as ExampleRuntime));
  }
  if (notRun !== null && notRun.trim().length < 10) problems.push("not-run needs a reason (a sentence, not a word)");
  if (notRun !== null && inFile !== null) problems.push("a block is either not run or part of a file, not both");
  if ((notRun !== null || inFile !== null) && named !== undefined)
    problems.push("runtimes= names where a block runs; it does not go with not-run= or in=");
  if (source === "tsdoc" && (attributes.has("stdout") || attributes.has("allow"))) {
    problems.push("stdout= and allow= are for Markdown programs; a TSDoc example checks with console.assert");
  }
  return {
    id: `${file}:${line}`,
    file,
    line,
    source,
    code,
    runtimes: notRun !== null || inFile !== null ? [] : chosen,
    notRun,
    inFile,
    stdout: attributes.get("stdout") ?? null,
    allow: attributes.get("allow")?.split(",") ?? null,
    problems,
  };
}

/** The code blocks of one Markdown file (relative to the root). */
export function markdownExamples(file: string): DocExample[] {
  const text = readFileSync(join(root, file), "utf8");
  return [...text.matchAll(fence)].map((match) =>
    exampleOf(
      file,
      text.slice(0, match.index).split("\n").length,
      "markdown",
      match.groups?.info ?? "",
      match.groups?.body ?? "",
    ),
  );
}

/** The code blocks inside the doc comments of one source file (relative to the root). */
export function tsdocExamples(file: string): DocExample[] {
  const text = readFileSync(join(root, file), "utf8");
  const out: DocExample[] = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    for (const match of comment[0].matchAll(fence)) {
      const body = (match.groups?.body ?? "")
        .split("\n")
        .map((line) => line.replace(/^\s*\* ?/, ""))
        .join("\n");
      const line = text.slice(0, (comment.index ?? 0) + (match.index ?? 0)).split("\n").length;
      out.push(exampleOf(file, line, "tsdoc", match.groups?.info ?? "", body));
    }
  }
  return out;
}

/** Every documented example of the workspace: Markdown files first, then the TSDoc of every package. */
export function collectDocExamples(): DocExample[] {
  return [
    ...filesUnder("", ".md").flatMap(markdownExamples),
    ...sourceFolders()
      .flatMap((folder) => filesUnder(folder, ".ts"))
      .filter((file) => !file.endsWith(".d.ts"))
      .flatMap(tsdocExamples),
  ];
}

/**
 * What is wrong with an example as documentation that must run: malformed attributes, an `in=`
 * file that does not hold the block (every non-blank line of it, in order), or a block that runs
 * nowhere without saying why.
 */
export function planProblems(example: DocExample): string[] {
  const problems = [...example.problems];
  if (example.inFile !== null) {
    const path = join(root, example.inFile);
    if (!existsSync(path)) problems.push(`in=${example.inFile}: no such file`);
    else {
      const lines = readFileSync(path, "utf8").split("\n");
      let at = 0;
      for (const wanted of example.code.split("\n").filter((line) => line.trim() !== "")) {
        while (at < lines.length && lines[at]?.trimEnd() !== wanted.trimEnd()) at++;
        if (at === lines.length) {
          problems.push(`in=${example.inFile}: the file does not hold the line ${JSON.stringify(wanted.trim())}`);
          break;
        }
        at++;
      }
      if (!/\.test\.ts$/.test(example.inFile) && !example.inFile.startsWith("packages/examples/src/")) {
        problems.push(
          `in=${example.inFile}: must be a test file or an example program of packages/examples, which the tests run`,
        );
      }
    }
  }
  if (example.notRun === null && example.inFile === null && example.runtimes.length === 0) {
    problems.push('runs on no runtime: name one with runtimes=, or say why with not-run="..."');
  }
  return problems.map((problem) => `${example.id}: ${problem}`);
}

/** A file name for an example: its id with every non-word character replaced. */
export function slugOf(example: DocExample): string {
  return example.id.replace(/\W+/g, "_");
}

/** The wrapper's name for `console.assert` in a snippet: failures are collected, not printed. */
const assertShim =
  "const __failures: string[] = [];\nconst __assert = (ok: unknown, ...m: unknown[]) => { if (!ok) __failures.push(m.map(String).join(' ') || 'assertion'); };\n";

/** A snippet as a module: its failed `console.assert` calls become the default export. */
export function exampleModule(code: string): string {
  return `${assertShim}${code.replaceAll("console.assert(", "__assert(")}\nexport default __failures;\n`;
}

/**
 * A snippet as a module exporting `run()`, which runs its body and resolves to its failed
 * assertions: for workerd, where a module may not do I/O while it loads. The import declarations
 * move to the top (they are hoisted in the snippet too); the rest becomes the function's body.
 */
export function exampleFunction(code: string): string {
  const imports: string[] = [];
  const body = code.replace(
    /^import\s[\s\S]*?\sfrom\s*["'][^"']+["'];?[ \t]*$|^import\s*["'][^"']+["'];?[ \t]*$/gm,
    (statement) => {
      imports.push(statement);
      return "";
    },
  );
  return `${imports.join("\n")}\nexport async function run(): Promise<string[]> {\n${assertShim}${body.replaceAll("console.assert(", "__assert(")}\nreturn __failures;\n}\n`;
}
