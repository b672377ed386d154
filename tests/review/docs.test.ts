import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RULE_NAMES } from "../../review/core";
import { RULES } from "../../review/core/rules";
import { ENVOY_SAFE_VALUES } from "../../review/core/envoy";

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

describe("the security tables together", () => {
  /** Rules that guard no setting of their own: they report a configuration the other rules cannot read. */
  const META_RULES = ["envoy-config-unreadable"];

  it("name every rule of the review, so a new rule says which documented setting it guards", () => {
    const named = new Set(TABLES.flatMap(([file, heading, column]) => {
      const [header, , ...rows] = tableAfter(doc(file), heading);
      const at = header!.indexOf(column);
      return rows.flatMap((row) => rulesIn(row[at] ?? ""));
    }));
    expect(RULE_NAMES.filter((r) => !named.has(r) && !META_RULES.includes(r))).toEqual([]);
  });
});

describe("docs/envoy.md's Value column and the review's safe values", () => {
  const [header, , ...rows] = tableAfter(doc("envoy.md"), "## Security-relevant options");
  const valueAt = header!.indexOf("Value");
  const valueOf = (option: string) => {
    const row = rows.find((r) => r[0] === `\`${option}\``);
    if (row === undefined) throw new Error(`docs/envoy.md has no row for ${option}`);
    return row[valueAt]!;
  };

  it.each([
    ["ext_authz.failure_mode_allow", String(ENVOY_SAFE_VALUES.failureModeAllow)],
    ["ext_authz.status_on_error", String(ENVOY_SAFE_VALUES.statusOnError)],
    ["normalize_path", String(ENVOY_SAFE_VALUES.normalizePath)],
    ["merge_slashes", String(ENVOY_SAFE_VALUES.mergeSlashes)],
    ["path_with_escaped_slashes_action", ENVOY_SAFE_VALUES.escapedSlashesAction],
    ["headers_with_underscores_action", ENVOY_SAFE_VALUES.headersWithUnderscoresAction],
  ])("agree on %s", (option, safe) => {
    expect(valueOf(option)).toMatch(new RegExp(`^\`${safe}\``));
  });

  it("agree on the admin address", () => {
    expect(valueOf("admin.address")).toMatch(new RegExp(`^\`${ENVOY_SAFE_VALUES.adminAddresses[0]}:`));
  });
});

describe("docs/plan-review.md", () => {
  it("lists every rule in its rules table, in the order the report checks them", () => {
    const listed = tableAfter(doc("plan-review.md"), "## Policy rules").slice(2).map((r) => rulesIn(r[0]!)[0]);
    expect(listed).toEqual(RULES.map((r) => r.name));
  });
});
