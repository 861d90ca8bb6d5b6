// docs/semantics.md is the specification the suite follows. Each rule names the cases that hold
// adapters to it ("Cases: `id`, `id`."): every id it names must be a case of the suite, every case
// must be named by some rule, and every rule must name its cases or say that it has none yet.
import { readFileSync } from "node:fs";
import { areaOf, cases } from "@anyrt/conformance";
import { describe, expect, it } from "vitest";

const specification = readFileSync(new URL("../../docs/semantics.md", import.meta.url), "utf8");
const suiteIds = new Set(cases.map((testCase) => testCase.id));
const suiteAreas = new Set(cases.map((testCase) => areaOf(testCase.id)));

/** The ids of every "Cases:" clause: its backticked names, up to the end of its sentence (ids hold no period). */
function namedIds(text: string): string[] {
  const ids: string[] = [];
  for (const clause of text.matchAll(/Cases:([^.]*)/g)) {
    for (const name of (clause[1] ?? "").matchAll(/`([^`]+)`/g)) ids.push(name[1] as string);
  }
  return ids;
}

/** Backticked names anywhere that look like an id of one of the suite's areas (`read/eof-repeats-zero`). */
function idLikeNames(text: string): string[] {
  return [...text.matchAll(/`([a-z]+(?:-[a-z]+)*\/[a-z0-9]+(?:-[a-z0-9]+)*)`/g)]
    .map((match) => match[1] as string)
    .filter((name) => suiteAreas.has(areaOf(name)));
}

/** The rule paragraphs: those opening with a bold name, from section 1 up to the list of gaps. */
function rules(text: string): string[] {
  const start = text.indexOf("\n## 1.");
  const end = text.indexOf("\n## Gaps");
  if (start === -1 || end === -1) return [];
  return text
    .slice(start, end)
    .split(/\n\s*\n/)
    .filter((paragraph) => paragraph.startsWith("**"));
}

describe("docs/semantics.md", () => {
  it("names only cases that exist in the suite", () => {
    const named = namedIds(specification);
    expect(named.length).toBeGreaterThanOrEqual(cases.length);
    expect(named.filter((id) => !suiteIds.has(id))).toEqual([]);
    expect(idLikeNames(specification).filter((id) => !suiteIds.has(id))).toEqual([]);
  });

  it("names every case of the suite in some rule", () => {
    const named = new Set(namedIds(specification));
    expect(cases.map((testCase) => testCase.id).filter((id) => !named.has(id))).toEqual([]);
  });

  it("has rules that each name their cases, say they have none yet, or are being decided", () => {
    const all = rules(specification);
    expect(all.length).toBeGreaterThanOrEqual(100);
    // Paragraphs are wrapped: any run of whitespace may separate the words.
    const marked = /Cases:\s+`|No\s+case\s+yet|Being\s+decided\s+in\s+issue\s+15\s+§1/;
    const unmarked = all.filter((rule) => !marked.test(rule));
    expect(unmarked.map((rule) => rule.slice(0, 80))).toEqual([]);
  });
});
