import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

/**
 * Every repository path the docs name exists: `code spans` that start with a top-level folder or
 * file of the repository (`handlers/authorizer/service.ts`, `tests/review/`), and relative links.
 * A jest path pattern (`tests/review/workflow`) counts when a `.ts` or `.test.ts` file matches it.
 * Paths in the ignored folders (`.build/deploy-local/replan.json`) are outputs, not checked.
 */
const ROOT = join(__dirname, "../..");
/** Folders the repository ignores (`.build/`, `cdktf.out/`, `.dev/`...): what the docs name there is made by a run. */
const IGNORED = new Set(
  readFileSync(join(ROOT, ".gitignore"), "utf8")
    .split("\n")
    .filter((line) => /^[\w.-]+\/$/.test(line))
    .map((line) => line.slice(0, -1)),
);
const TOP_LEVEL = new Set(readdirSync(ROOT).filter((name) => name !== ".git" && !IGNORED.has(name)));
const DOCS = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

const PATH_SPAN = /`([^`\s]+)`/g;
const LINK = /\]\(([^)\s#]+)(?:#[^)]*)?\)/g;
const PATH_LIKE = /^[\w.-]+(\/[\w.-]*)+$/;

function exists(path: string): boolean {
  return [path, `${path}.ts`, `${path}.test.ts`].some((p) => existsSync(join(ROOT, p)));
}

/** Repository paths named in one doc, with the reference as written. */
function namedPaths(doc: string, text: string): Array<{ written: string; path: string }> {
  const named: Array<{ written: string; path: string }> = [];
  for (const [, span] of text.matchAll(PATH_SPAN)) {
    const path = span!.replace(/[:#].*$/, "");
    if (PATH_LIKE.test(path) && !path.includes("*") && TOP_LEVEL.has(path.split("/")[0]!)) named.push({ written: span!, path });
  }
  for (const [, target] of text.matchAll(LINK)) {
    if (/^[a-z]+:/.test(target!)) continue;
    named.push({ written: target!, path: normalize(join(dirname(doc), target!)) });
  }
  return named;
}

describe("paths named in the docs", () => {
  it.each(DOCS)("%s names only paths that exist", (doc) => {
    const missing = namedPaths(doc, readFileSync(join(ROOT, doc), "utf8")).filter((n) => !exists(n.path)).map((n) => n.written);
    expect(missing).toEqual([]);
  });

  it("finds code spans and relative links, and leaves globs, URLs and other text alone", () => {
    const text = "see `handlers/authorizer/service.ts:12`, `src/**`, `RAJEE_LISTEN`, [design](design.md#tokens), [x](https://example.com/a), `.build/out.json` and `/etc/rajee/jwks.json`";
    expect(namedPaths("docs/x.md", text).map((n) => n.path)).toEqual(["handlers/authorizer/service.ts", "docs/design.md"]);
    expect(exists("handlers/authorizer/nope.ts")).toBe(false);
  });
});
