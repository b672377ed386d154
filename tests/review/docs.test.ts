import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RULE_NAMES } from "../../review/core";
import { RULES } from "../../review/core/rules";

/**
 * One source of truth: every security setting the docs list names the plan-review rule that guards
 * it, every named rule exists, and every rule is in docs/plan-review.md's rules table.
 */
const doc = (name: string) => readFileSync(join(__dirname, "../../docs", name), "utf8");

/** Rows of the first table after `heading`, as cells. */
function tableAfter(text: string, heading: string): string[][] {
  const lines = text.split("\n");
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`heading ${JSON.stringify(heading)} not found`);
  const first = lines.findIndex((l, i) => i > start && l.startsWith("| "));
  const rows: string[][] = [];
  for (let i = first; i < lines.length && lines[i]!.startsWith("|"); i++) rows.push(lines[i]!.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  return rows;
}

/** Rule names in a cell: code spans that are rule names, or the `envoy-*` family. */
const rulesIn = (cell: string) => [...cell.matchAll(/`([a-z0-9-]+)(\*?)`/g)].map((m) => m[1]! + m[2]!);

const TABLES: ReadonlyArray<readonly [string, string, string]> = [
  ["envoy.md", "## Security-relevant options", "Review rule"],
  ["infrastructure.md", "### Security settings and the review rule that guards each", "Review rule"],
];

describe.each(TABLES)("docs/%s, %s", (file, heading, column) => {
  const [header, , ...rows] = tableAfter(doc(file), heading);
  const at = header!.indexOf(column);

  it("has a rule column", () => {
    expect(at).toBeGreaterThan(0);
  });

  it("names a rule of the review for every setting, and only rules that exist", () => {
    const known = new Set<string>(RULE_NAMES);
    const problems = rows.flatMap((row) => {
      const named = rulesIn(row[at] ?? "");
      const unknown = named.filter((r) => !known.has(r) && !(r.endsWith("-*") && RULE_NAMES.some((k) => k.startsWith(r.slice(0, -1)))));
      return named.length === 0 ? [`${row[0]}: names no rule`] : unknown.map((r) => `${row[0]}: ${r} is not a rule`);
    });
    expect(problems).toEqual([]);
    expect(rows.length).toBeGreaterThan(10);
  });
});

describe("docs/plan-review.md", () => {
  it("lists every rule in its rules table, in the order the report checks them", () => {
    const listed = tableAfter(doc("plan-review.md"), "## Policy rules").slice(2).map((r) => rulesIn(r[0]!)[0]);
    expect(listed).toEqual(RULES.map((r) => r.name));
  });
});
