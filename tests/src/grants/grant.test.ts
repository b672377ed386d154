import { parseGrant, parseGrants } from "../../../src/grants/grant";

const parsed = (text: string) => {
  const result = parseGrant(text);
  if (!result.ok) throw new Error(result.problem);
  return { access: [...result.grant.access].sort(), bucket: result.grant.bucket, scope: result.grant.scope, path: result.grant.path };
};

describe("grant grammar", () => {
  it("reads a trailing slash as a prefix", () => {
    expect(parsed("read:data/reports/")).toEqual({ access: ["read"], bucket: "data", scope: "prefix", path: "reports/" });
  });

  it("reads a trailing star as a literal prefix without the star", () => {
    expect(parsed("read:data/reports/2024*")).toEqual({ access: ["read"], bucket: "data", scope: "prefix", path: "reports/2024" });
  });

  it("reads an empty path as the whole bucket", () => {
    expect(parsed("list:data/")).toEqual({ access: ["list"], bucket: "data", scope: "prefix", path: "" });
  });

  it("reads anything else as one exact key", () => {
    expect(parsed("write:data/inbox/a.csv")).toEqual({ access: ["write"], bucket: "data", scope: "exact", path: "inbox/a.csv" });
  });

  it("expands * access to all four", () => {
    expect(parsed("*:scratch/").access).toEqual(["delete", "list", "read", "write"]);
  });

  it.each([
    ["no colon", "readdata/x", /has no ':'/],
    ["unknown access", "admin:data/x", /access "admin"/],
    ["no slash after the bucket", "read:data", /no '\/' after the bucket/],
    ["invalid bucket", "read:Data/x", /bucket "Data"/],
    ["IP-shaped bucket", "read:192.168.1.1/x", /IP address/],
    ["star in the middle", "read:data/a*b", /'\*' before the end/],
    ["two stars", "read:data/a**", /'\*' before the end/],
    ["dot-dot segment", "read:data/a/../b", /'\.' or '\.\.' segment/],
    ["dot segment", "read:data/./b", /'\.' or '\.\.' segment/],
    ["control character", "read:data/a\nb", /control character/],
    ["path over 1024 bytes", `read:data/${"é".repeat(513)}`, /over 1024 bytes/],
  ])("rejects %s, naming the grant", (_name, text, message) => {
    const result = parseGrant(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem).toMatch(message);
      expect(result.problem).toContain(JSON.stringify(text));
    }
  });

  it("rejects the whole claim when one grant is bad", () => {
    const result = parseGrants(["read:data/ok/", "read:data/bad*x"]);
    expect(result).toEqual({ ok: false, problem: expect.stringContaining('"read:data/bad*x"') });
  });

  it("rejects a claim that is not an array of strings", () => {
    expect(parseGrants("read:data/").ok).toBe(false);
    expect(parseGrants([42])).toEqual({ ok: false, problem: "grants[0] is not a string" });
  });

  it("accepts an empty claim (a token that grants nothing)", () => {
    expect(parseGrants([])).toEqual({ ok: true, grants: [] });
  });
});
