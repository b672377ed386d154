import fc from "fast-check";
import { parseGrants, type Access, type Grant } from "../../../src/grants/grant";
import { indexCovers, indexGrants, indexHasBucket } from "../../../src/grants/grant-index";
import { firstUnsatisfied, grantSatisfies, type Check } from "../../../src/grants/match";
import { BUCKETS, grantArb, keyArb, referenceAllows } from "../../support/grant-model";

function grants(texts: readonly string[]): Grant[] {
  const result = parseGrants(texts);
  if (!result.ok) throw new Error(result.problem);
  return result.grants;
}

/** The answer without an index: every grant asked of every check, in order. */
const scanned = (list: readonly Grant[], checks: readonly Check[]) => checks.find((check) => !list.some((grant) => grantSatisfies(grant, check)));

const checkArb: fc.Arbitrary<Check> = fc.oneof(
  fc.record({ kind: fc.constant("object" as const), access: fc.constantFrom<Access>("read", "list", "write", "delete"), bucket: fc.constantFrom(...BUCKETS, "other"), key: keyArb }),
  fc.record({ kind: fc.constant("list" as const), bucket: fc.constantFrom(...BUCKETS), prefix: fc.oneof(keyArb, fc.constant("")) }),
  fc.record({ kind: fc.constant("bucket" as const), bucket: fc.constantFrom(...BUCKETS, "other") }),
);

describe("the grant index", () => {
  it("finds a prefix grant behind a longer sibling that sorts between it and the key", () => {
    const index = indexGrants(grants(["read:data/a/", "read:data/a/b0/", "read:data/a/b1/x"]));
    expect(indexCovers(index, "data", "read", "a/c")).toBe(true);
    expect(indexCovers(index, "data", "read", "b")).toBe(false);
  });

  it("keeps exact keys apart from prefixes: an exact grant covers only its key", () => {
    const index = indexGrants(grants(["write:data/out/report.csv", "write:data/tmp/"]));
    expect(indexCovers(index, "data", "write", "out/report.csv")).toBe(true);
    expect(indexCovers(index, "data", "write", "out/report.csv.bak")).toBe(false);
    expect(indexCovers(index, "data", "write", "tmp/x")).toBe(true);
    expect(indexCovers(index, "data", "read", "tmp/x")).toBe(false);
  });

  it("gives '*' every access, and a whole-bucket grant every key of that bucket only", () => {
    const index = indexGrants(grants(["*:data/"]));
    for (const access of ["read", "list", "write", "delete"] as const) expect(indexCovers(index, "data", access, "any/key")).toBe(true);
    expect(indexCovers(index, "logs", "read", "any/key")).toBe(false);
    expect(indexHasBucket(index, "data")).toBe(true);
    expect(indexHasBucket(index, "logs")).toBe(false);
  });

  it("answers every check as the reference model does, for tokens of up to 60 grants", () => {
    fc.assert(
      fc.property(fc.array(grantArb, { minLength: 0, maxLength: 60 }), fc.constantFrom("read", "list", "write", "delete"), fc.constantFrom(...BUCKETS), keyArb, (texts, access, bucket, key) => {
        expect(indexCovers(indexGrants(grants(texts)), bucket, access as Access, key)).toBe(referenceAllows(texts, access, bucket, key));
      }),
      { numRuns: 1000 },
    );
  });

  it("names the same first unsatisfied check as a scan of every grant, with and without the index", () => {
    fc.assert(
      fc.property(fc.array(grantArb, { minLength: 0, maxLength: 40 }), fc.array(checkArb, { minLength: 1, maxLength: 4 }), (texts, checks) => {
        const list = grants(texts);
        expect(firstUnsatisfied(list, checks)).toBe(scanned(list, checks));
        // Asked again, the index built the first time answers.
        expect(firstUnsatisfied(list, checks)).toBe(scanned(list, checks));
      }),
      { numRuns: 1000 },
    );
  });
});
