import { parseGrants, type Grant } from "../../../src/grants/grant";
import { firstUnsatisfied, grantSatisfies, type Check } from "../../../src/grants/match";

function grants(...texts: string[]): Grant[] {
  const result = parseGrants(texts);
  if (!result.ok) throw new Error(result.problem);
  return result.grants;
}
const allowed = (texts: string[], check: Check) => firstUnsatisfied(grants(...texts), [check]) === undefined;

describe("grant matching", () => {
  it("covers keys under a prefix grant and nothing beside it", () => {
    expect(allowed(["read:data/reports/"], { kind: "object", access: "read", bucket: "data", key: "reports/x/y" })).toBe(true);
    expect(allowed(["read:data/reports/"], { kind: "object", access: "read", bucket: "data", key: "reports" })).toBe(false);
    expect(allowed(["read:data/reports/"], { kind: "object", access: "read", bucket: "data", key: "reports-old/x" })).toBe(false);
  });

  it("covers only the one key of an exact grant", () => {
    expect(allowed(["read:data/a.csv"], { kind: "object", access: "read", bucket: "data", key: "a.csv" })).toBe(true);
    expect(allowed(["read:data/a.csv"], { kind: "object", access: "read", bucket: "data", key: "a.csv.bak" })).toBe(false);
  });

  it("never lets one access stand for another or one bucket for another", () => {
    expect(allowed(["read:data/"], { kind: "object", access: "write", bucket: "data", key: "k" })).toBe(false);
    expect(allowed(["read:data/"], { kind: "object", access: "read", bucket: "data2", key: "k" })).toBe(false);
  });

  it("covers a listing only when the list prefix starts with the grant's prefix", () => {
    expect(allowed(["list:data/reports/"], { kind: "list", bucket: "data", prefix: "reports/2024" })).toBe(true);
    expect(allowed(["list:data/reports/"], { kind: "list", bucket: "data", prefix: "report" })).toBe(false);
    expect(allowed(["list:data/reports/"], { kind: "list", bucket: "data", prefix: "" })).toBe(false);
    expect(allowed(["read:data/"], { kind: "list", bucket: "data", prefix: "" })).toBe(false);
    expect(allowed(["list:data/a.csv"], { kind: "list", bucket: "data", prefix: "a.csv" })).toBe(true);
  });

  it("satisfies a bucket check with any grant on that bucket", () => {
    expect(grantSatisfies(grants("delete:data/x/")[0]!, { kind: "bucket", bucket: "data" })).toBe(true);
    expect(allowed(["delete:data/x/"], { kind: "bucket", bucket: "other" })).toBe(false);
  });

  it("names the first check no grant satisfies", () => {
    const checks: Check[] = [
      { kind: "object", access: "write", bucket: "data", key: "out/a" },
      { kind: "object", access: "read", bucket: "data", key: "secret/b" },
    ];
    expect(firstUnsatisfied(grants("write:data/out/", "read:data/in/"), checks)).toEqual(checks[1]);
  });
});
