import fc from "fast-check";
import { decide } from "../../../src/decision";
import { S3ErrorSignal } from "../../../src/errors";
import { copySourceHeader, parseCopySource, type CopySource } from "../../../src/s3/copy-source";
import { tokenFixture, type TokenFixture } from "../../support/tokens";

function codeOf(raw: string): string {
  try {
    parseCopySource(raw);
    return "accepted";
  } catch (error) {
    if (error instanceof S3ErrorSignal) return error.error.code;
    throw error;
  }
}

let fixture: TokenFixture;
beforeAll(async () => {
  fixture = await tokenFixture();
});

describe("x-amz-copy-source read as S3 reads it", () => {
  it.each([
    ["bucket/key", "data/reports/a.csv", { bucket: "data", key: "reports/a.csv" }],
    ["a leading slash", "/data/reports/a.csv", { bucket: "data", key: "reports/a.csv" }],
    // encodeURIComponent("bucket/key"), as the SDK docs show it.
    ["the whole value encoded", "data%2Freports%2Fa.csv", { bucket: "data", key: "reports/a.csv" }],
    ["the leading slash encoded too", "%2Fdata%2Freports%2Fa.csv", { bucket: "data", key: "reports/a.csv" }],
    ["an encoded space and plus", "data/a%20b%2Bc", { bucket: "data", key: "a b+c" }],
    ["a raw plus, which S3 reads as a space", "data/a+b", { bucket: "data", key: "a b" }],
    ["an encoded question mark, part of the key", "data/a%3Fversion", { bucket: "data", key: "a?version" }],
    ["a versionId", "data/a?versionId=v%2B1", { bucket: "data", key: "a", versionId: "v+1" }],
    ["UTF-8", "data/%C3%A9t%C3%A9", { bucket: "data", key: "été" }],
  ])("reads %s", (_name, raw, expected) => {
    expect(parseCopySource(raw)).toEqual(expected);
  });

  it.each([
    ["no key", "/data", "InvalidRequest"],
    ["an empty key", "data/", "InvalidRequest"],
    ["no bucket", "/%2Fa", "InvalidRequest"],
    ["another suffix", "data/a?acl", "InvalidRequest"],
    ["an empty versionId", "data/a?versionId=", "InvalidRequest"],
    ["a dot-dot segment", "data/a/../b", "InvalidURI"],
    ["an encoded dot-dot segment", "data%2Fa%2F..%2Fb", "InvalidURI"],
    ["an invalid bucket", "DATA/a", "InvalidURI"],
    ["an access point ARN", encodeURIComponent("arn:aws:s3:eu-west-1:123456789012:accesspoint/ap/object/a"), "InvalidURI"],
    ["a bad escape", "data/a%zz", "InvalidURI"],
    ["a double-encoded slash, which is a literal %2F in the bucket name", "data%252Fa", "InvalidRequest"],
    ["an encoded NUL", "data/a%00b", "InvalidURI"],
  ])("refuses %s", (_name, raw, code) => {
    expect(codeOf(raw)).toBe(code);
  });

  it("rebuilds the canonical header: /bucket/key, RFC 3986 encoded, versionId as a component", () => {
    expect(copySourceHeader({ bucket: "data", key: "a b+c/é?.csv" })).toBe("/data/a%20b%2Bc/%C3%A9%3F.csv");
    expect(copySourceHeader({ bucket: "data", key: "a", versionId: "v+1/=" })).toBe("/data/a?versionId=v%2B1%2F%3D");
  });
});

// --- Properties ---

// eslint-disable-next-line no-control-regex
const segmentArb = fc.string({ unit: "binary", minLength: 1, maxLength: 8 }).filter((s) => !/[\u0000-\u001f\u007f/]/u.test(s) && s !== "." && s !== "..");
const keyArb = fc.array(segmentArb, { minLength: 1, maxLength: 3 }).map((parts) => parts.join("/"));
const sourceArb: fc.Arbitrary<CopySource> = fc.record(
  { bucket: fc.constantFrom("data", "other", "my.bucket-1"), key: keyArb, versionId: fc.stringMatching(/^[A-Za-z0-9._+/=-]{1,20}$/) },
  { requiredKeys: ["bucket", "key"] },
);

/** The ways clients spell the same copy source: all of them mean it to S3. */
const SPELLINGS: readonly [string, (s: CopySource) => string][] = [
  ["canonical", (s) => copySourceHeader({ bucket: s.bucket, key: s.key })],
  ["encodeURIComponent of bucket/key", (s) => encodeURIComponent(`${s.bucket}/${s.key}`)],
  ["encodeURIComponent of /bucket/key", (s) => encodeURIComponent(`/${s.bucket}/${s.key}`)],
  ["encodeURI of bucket/key", (s) => encodeURI(`${s.bucket}/${s.key}`).replace(/[+?#&]/g, (c) => encodeURIComponent(c))],
  ["segments encoded one by one", (s) => `${s.bucket}/${s.key.split("/").map(encodeURIComponent).join("/")}`],
  ["spaces as plus", (s) => `/${s.bucket}/${s.key.split("/").map((p) => encodeURIComponent(p).replace(/%20/g, "+")).join("/")}`],
];
const withVersion = (s: CopySource, spelled: string) => (s.versionId === undefined ? spelled : `${spelled}?versionId=${encodeURIComponent(s.versionId)}`);

describe("copy source properties", () => {
  it("round-trips: the canonical header reads back as the same bucket, key and versionId, and is its own canonical form", () => {
    fc.assert(
      fc.property(sourceArb, (source) => {
        const header = copySourceHeader(source);
        expect(parseCopySource(header)).toEqual(source);
        expect(copySourceHeader(parseCopySource(header))).toBe(header);
      }),
      { numRuns: 500 },
    );
  });

  it("reads every client spelling of one object as that object, and rebuilds one canonical header for all", () => {
    fc.assert(
      fc.property(sourceArb, fc.constantFrom(...SPELLINGS), (source, [, spell]) => {
        const parsed = parseCopySource(withVersion(source, spell(source)));
        expect(parsed).toEqual(source);
        expect(copySourceHeader(parsed)).toBe(copySourceHeader(source));
      }),
      { numRuns: 500 },
    );
  });

  it("gives equivalent spellings of the same source the same decision", async () => {
    const token = await fixture.mint(["write:data/in/", "read:data/a/", "read:other/"]);
    const context = fixture.context();
    await fc.assert(
      fc.asyncProperty(sourceArb, (source) => {
        const outcomes = SPELLINGS.map(async ([, spell]) => {
          const decision = await decide(
            { method: "PUT", path: "/data/in/copy", headers: { host: "gw", "x-amz-security-token": token, "x-amz-copy-source": withVersion(source, spell(source)) } },
            context,
          );
          return decision.allow ? `allow ${decision.request.upstreamCopySource}` : `deny ${decision.error.code}`;
        });
        return Promise.all(outcomes).then((all) => {
          expect(new Set(all).size).toBe(1);
          const allowed = source.bucket === "other" || (source.bucket === "data" && source.key.startsWith("a/"));
          expect(all[0]).toBe(allowed ? `allow ${copySourceHeader(source)}` : "deny AccessDenied");
        });
      }),
      { numRuns: 150 },
    );
  });
});
