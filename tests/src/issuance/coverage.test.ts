import fc from "fast-check";
import { parseGrant, type Grant } from "../../../src/grants/grant";
import { grantSatisfies, type Check } from "../../../src/grants/match";
import { covers } from "../../../src/issuance/coverage";
import { BUCKETS, grantArb, keyArb } from "../../support/grant-model";

function grant(text: string): Grant {
  const parsed = parseGrant(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.grant;
}

const coversText = (allowed: string, requested: string) => covers(grant(allowed), grant(requested));

describe("covers", () => {
  it.each([
    ["read:data/reports/", "read:data/reports/2026/", "a narrower prefix"],
    ["read:data/reports/", "read:data/reports/q1.csv", "an exact key inside the prefix"],
    ["read:data/reports/q1.csv", "read:data/reports/q1.csv", "the same exact key"],
    ["*:data/", "read:data/anything/", "read under *"],
    ["*:data/", "*:data/", "the same whole bucket"],
    ["write:box/in*", "write:box/in2/x", "a key the matcher reaches through a prefix not ending in '/'"],
    ["write:box/in*", "write:box/in2/", "a prefix inside a '*' prefix"],
  ])("allows %s to cover %s (%s)", (allowed, requested) => {
    expect(coversText(allowed, requested)).toBe(true);
  });

  it.each([
    ["read:data/reports/2026/", "read:data/reports/", "a wider prefix"],
    ["read:data/reports/", "read:logs/reports/", "another bucket"],
    ["read:data/", "*:data/x/", "* where only read is allowed"],
    ["read:data/", "write:data/x/", "another access"],
    ["read:data/reports/q1.csv", "read:data/reports/", "a prefix at an exact key"],
    ["read:data/reports/q1.csv", "read:data/reports/q1.csv.bak", "a longer exact key"],
    ["read:data/reports/q1.csv", "read:data/reports/q1.csv*", "a prefix starting with the exact key"],
    ["write:box/in/", "write:box/in2/x", "a sibling of a '/' prefix"],
    ["write:box/in", "write:box/in2/x", "a key under an exact key (a path without '/' or '*' is one key)"],
  ])("refuses %s as cover for %s (%s)", (allowed, requested) => {
    expect(coversText(allowed, requested)).toBe(false);
  });

  const checkFor = (base: fc.Arbitrary<string>): fc.Arbitrary<Check> =>
    fc.oneof(
      fc.record({ kind: fc.constant("object" as const), access: fc.constantFrom("read", "list", "write", "delete" as const), bucket: fc.constantFrom(...BUCKETS), key: base }),
      fc.record({ kind: fc.constant("list" as const), bucket: fc.constantFrom(...BUCKETS), prefix: base }),
      fc.record({ kind: fc.constant("bucket" as const), bucket: fc.constantFrom(...BUCKETS) }),
    );

  /** Keys near a grant's path (the path itself and a few extensions) besides random ones, so checks land where grants differ. */
  const nearKeys = (path: string) => fc.oneof(keyArb, fc.constantFrom(path, `${path}a`, `${path}/a`, `${path}b/a`), keyArb.map((k) => `${path}${k}`));

  it("is sound: whatever check the requested grant satisfies, a covering grant satisfies too", () => {
    fc.assert(
      fc.property(
        fc.tuple(grantArb, grantArb).chain(([allowed, requested]) => fc.tuple(fc.constant(allowed), fc.constant(requested), fc.array(checkFor(nearKeys(grant(requested).path)), { minLength: 1, maxLength: 8 }))),
        ([allowedText, requestedText, checks]) => {
          const allowed = grant(allowedText);
          const requested = grant(requestedText);
          fc.pre(covers(allowed, requested));
          for (const check of checks) if (grantSatisfies(requested, check)) expect(grantSatisfies(allowed, check)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("is sound when the requested grant is drawn inside the allowed one", () => {
    const inside = grantArb.chain((allowedText) => {
      const allowed = grant(allowedText);
      const path = allowed.scope === "exact" ? fc.constant(allowed.path) : keyArb.map((k) => `${allowed.path}${k}`).chain((p) => fc.constantFrom(p, `${p}/`, `${p}*`));
      return fc.tuple(fc.constant(allowedText), path.map((p) => `read:${allowed.bucket}/${p}`));
    });
    fc.assert(
      fc.property(inside.chain(([a, r]) => fc.tuple(fc.constant(a), fc.constant(r), fc.array(checkFor(nearKeys(grant(r).path)), { minLength: 1, maxLength: 8 }))), ([allowedText, requestedText, checks]) => {
        const allowed = grant(allowedText);
        const requested = grant(requestedText);
        if (!covers(allowed, requested)) return;
        for (const check of checks) if (grantSatisfies(requested, check)) expect(grantSatisfies(allowed, check)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("is exact: when it refuses, some check the requested grant satisfies is one the allowed grant does not", () => {
    fc.assert(
      fc.property(grantArb, grantArb, (allowedText, requestedText) => {
        const allowed = grant(allowedText);
        const requested = grant(requestedText);
        fc.pre(!covers(allowed, requested));
        const witnesses: Check[] = [...requested.access].flatMap((access) =>
          [requested.path, `${requested.path}x`, `${requested.path}y`].map((key): Check => (access === "list" ? { kind: "list", bucket: requested.bucket, prefix: key } : { kind: "object", access, bucket: requested.bucket, key })),
        );
        expect(witnesses.some((check) => grantSatisfies(requested, check) && !grantSatisfies(allowed, check))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
