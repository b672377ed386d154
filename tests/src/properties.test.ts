import fc from "fast-check";
import { authorizeClassified, decide } from "../../src/decision";
import { parseGrants } from "../../src/grants/grant";
import { classify } from "../../src/s3/classify";
import type { VerifiedToken } from "../../src/token/verify";
import { BUCKETS, encodeKey, grantArb, keyArb, referenceAllows } from "../support/grant-model";
import { tokenFixture, type TokenFixture } from "../support/tokens";

let fixture: TokenFixture;
beforeAll(async () => {
  fixture = await tokenFixture();
});

const OPERATIONS = [
  { method: "GET", access: "read", query: "" },
  { method: "HEAD", access: "read", query: "" },
  { method: "PUT", access: "write", query: "" },
  { method: "DELETE", access: "delete", query: "" },
  { method: "POST", access: "write", query: "?uploads" },
] as const;

function tokenWith(grants: string[]): VerifiedToken {
  const parsed = parseGrants(grants);
  if (!parsed.ok) throw new Error(parsed.problem);
  return { subject: "s", jti: "j", kid: "k", issuedAt: 0, expiresAt: 1, grants: parsed.grants, fingerprint: "f" };
}

describe("decision properties", () => {
  it("matches the reference model for object operations", () => {
    fc.assert(
      fc.property(fc.array(grantArb, { maxLength: 6 }), fc.constantFrom(...OPERATIONS), fc.constantFrom(...BUCKETS), keyArb, (grants, op, bucket, key) => {
        const classified = classify({ method: op.method, path: `/${bucket}/${encodeKey(key)}${op.query}`, headers: {} });
        expect(classified.ok).toBe(true);
        if (!classified.ok) return;
        const allowed = authorizeClassified(classified.request, tokenWith(grants)).ok;
        expect(allowed).toBe(referenceAllows(grants, op.access, bucket, key));
      }),
      { numRuns: 2000 },
    );
  });

  it("matches the reference model for listings", () => {
    fc.assert(
      fc.property(fc.array(grantArb, { maxLength: 6 }), fc.constantFrom(...BUCKETS), fc.oneof(fc.constant(""), keyArb, keyArb.map((k) => `${k}/`)), (grants, bucket, prefix) => {
        const classified = classify({ method: "GET", path: `/${bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`, headers: {} });
        if (!classified.ok) throw new Error(classified.error.message);
        expect(authorizeClassified(classified.request, tokenWith(grants)).ok).toBe(referenceAllows(grants, "list", bucket, prefix));
      }),
      { numRuns: 2000 },
    );
  });

  it("gives every equivalent percent-encoding of a key the same decision", () => {
    const charArb = fc.constantFrom(..."abcAZ09-._~!$&'()*+,;=:@ /é😀%?#");
    const encodingArb = fc.array(fc.record({ char: charArb, style: fc.constantFrom("raw", "upper", "lower") }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(encodingArb, fc.array(grantArb, { maxLength: 4 }), (chars, grants) => {
        const key = chars.map((c) => c.char).join("");
        const variant = chars
          .map(({ char, style }) => {
            const mustEncode = "%?# ".includes(char) || char.charCodeAt(0) > 127;
            if (style === "raw" && !mustEncode) return char;
            const hex = [...Buffer.from(char, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
            return style === "upper" ? hex.toUpperCase() : hex;
          })
          .join("");
        const canonical = classify({ method: "GET", path: `/data/${encodeKey(key)}`, headers: {} });
        const other = classify({ method: "GET", path: `/data/${variant}`, headers: {} });
        expect(other.ok).toBe(canonical.ok);
        if (canonical.ok && other.ok) {
          expect(other.request.key).toBe(canonical.request.key);
          expect(other.request.upstreamPath).toBe(canonical.request.upstreamPath);
          const token = tokenWith(grants);
          expect(authorizeClassified(other.request, token).ok).toBe(authorizeClassified(canonical.request, token).ok);
        } else if (!canonical.ok && !other.ok) {
          expect(other.error.status).toBe(400);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws, whatever the request", async () => {
    const token = await fixture.mint(["*:data/"]);
    const context = fixture.context({ virtualHostDomain: "gw.example.com" });
    const headerArb = fc.dictionary(
      fc.oneof(fc.constantFrom("host", "x-amz-copy-source", "x-amz-content-sha256", "content-encoding", "authorization", "x-amz-acl", "x-amz-security-token"), fc.string()),
      fc.oneof(fc.string(), fc.constant(token), fc.constant(`Bearer ${token}`), fc.constant("data.gw.example.com")),
    );
    const pathArb = fc.oneof(
      fc.string({ unit: "grapheme" }),
      fc.array(fc.oneof(fc.constantFrom("/", "%", "%2e", "..", ".", "?", "&", "=", "data", "uploads", "delete", "prefix", "%ff", "%00", "list-type=2"), fc.string()), { maxLength: 12 }).map((p) => `/${p.join("")}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "get"), pathArb, headerArb, fc.option(fc.string()), async (method, path, headers, body) => {
        const decision = await decide({ method, path, headers, ...(body === null ? {} : { body }) }, context);
        expect([200, 400, 403]).toContain(decision.status);
      }),
      { numRuns: 1500 },
    );
  });
});
