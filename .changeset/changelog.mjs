// The changelog lines `changeset version` writes: each change's summary with a link to the commit
// that added its changeset, on the repository named in the root package.json. Offline: the commit
// comes from the local git history (changesets looks it up), never from a hosting service's API.
import { readFileSync } from "node:fs";

/** The repository's web address: `https://github.com/<owner>/<name>`. */
const repository = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
  .repository.url.replace(/^git\+/, "")
  .replace(/\.git$/, "");

/** A markdown link to `commit`, or nothing when the changeset was not committed yet. */
function commitLink(commit) {
  return commit === undefined ? "" : `[\`${commit.slice(0, 7)}\`](${repository}/commit/${commit})`;
}

/** One change: `- [abc1234](…/commit/…) summary`, further lines of the summary indented under it. */
async function getReleaseLine(changeset) {
  const [first, ...rest] = changeset.summary.split("\n").map((line) => line.trimEnd());
  const link = commitLink(changeset.commit);
  const lines = [`- ${link === "" ? "" : `${link} `}${first}`, ...rest.map((line) => (line === "" ? "" : `  ${line}`))];
  return lines.join("\n");
}

/** The @anyrt packages this one now depends on at new versions, with links to the changes behind them. */
async function getDependencyReleaseLine(changesets, dependencies) {
  if (dependencies.length === 0) return "";
  const links = changesets.map((changeset) => commitLink(changeset.commit)).filter((link) => link !== "");
  return [
    `- Updated dependencies${links.length === 0 ? "" : ` ${links.join(", ")}`}`,
    ...dependencies.map((dependency) => `  - ${dependency.name}@${dependency.newVersion}`),
  ].join("\n");
}

export default { getReleaseLine, getDependencyReleaseLine };
