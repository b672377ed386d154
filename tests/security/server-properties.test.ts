import fc from "fast-check";
import { AuthorizerMetrics } from "../../handlers/authorizer/metrics";
import { Cursor } from "../../src/s3/xml-cursor";
import { jwksText, MemorySource, parseErrorXml, startHarness, TestClock, type Harness } from "../handlers/authorizer/support";
import { BUCKETS, encodeKey, grantArb, keyArb, referenceAllows } from "../support/grant-model";
import { LONG_TESTS } from "../support/long-tests";
import { rawRequest, type RawResponse } from "../support/raw-http";
import { signingKeys, tokenFor, type SigningKeys } from "./support/tokens";

/**
 * Properties of the authorizer's HTTP check port (the real app from `build()` on 127.0.0.1):
 * whatever arrives, it answers without crashing and never with a 5xx; it allows exactly what the
 * grant reference model allows; any change to a valid token is refused; and an unauthenticated
 * request costs bounded work, counted (body characters the DeleteObjects reader examines, token
 * verifications), never timed. `npm run test:long` (RAJEE_LONG_TESTS=1) runs 20 times as many cases.
 */

const NOW = new Date(Date.UTC(2030, 0, 1, 12, 0, 0));
const runs = (n: number) => (LONG_TESTS ? n * 20 : n);
const MAX_BODY = 2 * 1024 * 1024;

let keys: SigningKeys;
let harness: Harness;

/** Work done since the last reset: characters the XML reader examined or copied, and token verifications. */
const work = { bodyChars: 0, verifications: 0 };
const restore: (() => void)[] = [];

function countCalls<T extends object, K extends keyof T>(target: T, name: K, count: (result: unknown, args: unknown[]) => void): void {
  const original = target[name] as unknown as (...args: unknown[]) => unknown;
  (target as Record<K, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    count(result, args);
    return result;
  };
  restore.push(() => ((target as Record<K, unknown>)[name] = original));
}

beforeAll(async () => {
  keys = await signingKeys();
  harness = await startHarness({
    keySource: new MemorySource(jwksText(keys.trusted.publicKey)),
    clock: new TestClock(NOW.getTime()),
    env: { RAJEE_RATE_LIMIT_PER_SECOND: "0", RAJEE_LOG_LEVEL: "silent" },
  });
  countCalls(Cursor.prototype, "codeAt", () => work.bodyChars++);
  countCalls(Cursor.prototype, "take", (result) => (work.bodyChars += (result as string).length));
  // Every verification goes through the token cache lookup, hit or miss, which the metrics count.
  countCalls(AuthorizerMetrics.prototype, "cacheLookup", () => work.verifications++);
});

afterAll(async () => {
  for (const undo of restore) undo();
  await harness.close();
});

async function send(method: string, target: string, headers: Record<string, string | string[]>, body?: string): Promise<RawResponse> {
  work.bodyChars = 0;
  work.verifications = 0;
  return rawRequest(harness.checkPort, { method, target, headers: { host: "gateway.example.com", ...headers }, ...(body === undefined ? {} : { body }) });
}

const token = (grants: readonly string[]) => tokenFor({ grants }, keys, NOW);

/** Status and S3 error code; an answer to HEAD has no body, so its code is only known from the status. */
function outcome(method: string, answer: RawResponse): { status: number; code: string } {
  if (answer.status === 200) return { status: 200, code: "OK" };
  return { status: answer.status, code: method === "HEAD" ? (answer.status === 403 ? "AccessDenied" : "?") : parseErrorXml(answer.body).code };
}

/** A key spelled the way SDKs do, or with lower-case escapes: the same key either way. */
const spelledKeyArb = fc.tuple(keyArb, fc.boolean()).map(([key, lower]) => ({ key, path: lower ? encodeKey(key).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()) : encodeKey(key) }));

const operationArb = fc.oneof(
  fc.record({ kind: fc.constant("object" as const), method: fc.constantFrom("GET", "HEAD"), access: fc.constant("read"), query: fc.constant("") }),
  fc.record({ kind: fc.constant("object" as const), method: fc.constant("PUT"), access: fc.constant("write"), query: fc.constant("") }),
  fc.record({ kind: fc.constant("object" as const), method: fc.constant("POST"), access: fc.constant("write"), query: fc.constant("?uploads") }),
  fc.record({ kind: fc.constant("object" as const), method: fc.constant("DELETE"), access: fc.constant("delete"), query: fc.constant("") }),
);

describe("the authorizer's check port", () => {
  it("allows an object request exactly when the grant reference model does", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(grantArb, { maxLength: 5 }), operationArb, fc.constantFrom(...BUCKETS), spelledKeyArb, fc.constantFrom("header", "query", "bearer"), async (grants, op, bucket, key, place) => {
        const jwt = await token(grants);
        const headers: Record<string, string> = place === "header" ? { "x-amz-security-token": jwt } : place === "bearer" ? { authorization: `Bearer ${jwt}` } : {};
        const query = place === "query" ? `${op.query === "" ? "?" : `${op.query}&`}X-Amz-Security-Token=${encodeURIComponent(jwt)}` : op.query;
        const answer = await send(op.method, `/${bucket}/${key.path}${query}`, headers);
        const allowed = referenceAllows(grants, op.access, bucket, key.key);
        expect(outcome(op.method, answer)).toEqual(allowed ? { status: 200, code: "OK" } : { status: 403, code: "AccessDenied" });
      }),
      { numRuns: runs(250) },
    );
  });

  it("allows a listing, a copy and a DeleteObjects exactly when the reference model allows every part", async () => {
    const listArb = fc.record({ kind: fc.constant("list" as const), bucket: fc.constantFrom(...BUCKETS), prefix: fc.oneof(fc.constant(""), keyArb, keyArb.map((k) => `${k}/`)) });
    const copyArb = fc.record({ kind: fc.constant("copy" as const), bucket: fc.constantFrom(...BUCKETS), key: keyArb, sourceBucket: fc.constantFrom(...BUCKETS), sourceKey: keyArb, slash: fc.boolean() });
    const deleteArb = fc.record({ kind: fc.constant("delete" as const), bucket: fc.constantFrom(...BUCKETS), keys: fc.array(keyArb, { minLength: 1, maxLength: 5 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(grantArb, { maxLength: 5 }), fc.oneof(listArb, copyArb, deleteArb), async (grants, request) => {
        const headers: Record<string, string> = { "x-amz-security-token": await token(grants) };
        let answer: RawResponse;
        let allowed: boolean;
        if (request.kind === "list") {
          answer = await send("GET", `/${request.bucket}?list-type=2&prefix=${encodeURIComponent(request.prefix)}`, headers);
          allowed = referenceAllows(grants, "list", request.bucket, request.prefix);
        } else if (request.kind === "copy") {
          headers["x-amz-copy-source"] = `${request.slash ? "/" : ""}${request.sourceBucket}/${encodeKey(request.sourceKey)}`;
          answer = await send("PUT", `/${request.bucket}/${encodeKey(request.key)}`, headers);
          allowed = referenceAllows(grants, "write", request.bucket, request.key) && referenceAllows(grants, "read", request.sourceBucket, request.sourceKey);
        } else {
          const body = `<Delete>${request.keys.map((k) => `<Object><Key>${k}</Key></Object>`).join("")}</Delete>`;
          answer = await send("POST", `/${request.bucket}?delete`, headers, body);
          allowed = request.keys.every((k) => referenceAllows(grants, "delete", request.bucket, k));
        }
        expect(outcome("GET", answer)).toEqual(allowed ? { status: 200, code: "OK" } : { status: 403, code: "AccessDenied" });
      }),
      { numRuns: runs(250) },
    );
  });

  it("refuses any change to a valid token's text", async () => {
    const jwt = await token(["*:data/"]);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/. \t";
    const mutationArb = fc.record({ at: fc.nat({ max: jwt.length }), kind: fc.constantFrom("replace", "insert", "delete"), char: fc.constantFrom(...alphabet) });
    await fc.assert(
      fc.asyncProperty(mutationArb, async ({ at, kind, char }) => {
        const mutated = kind === "insert" ? jwt.slice(0, at) + char + jwt.slice(at) : kind === "delete" ? jwt.slice(0, at) + jwt.slice(at + 1) : jwt.slice(0, at) + char + jwt.slice(at + 1);
        // HTTP drops whitespace around a header value, so those spellings are the token itself.
        fc.pre(mutated.trim() !== jwt);
        const answer = await send("GET", "/data/a", { "x-amz-security-token": mutated });
        expect(answer.status).toBe(400);
        expect(parseErrorXml(answer.body).code).toBe("InvalidToken");
        expect(work.verifications).toBeLessThanOrEqual(1);
      }),
      { numRuns: runs(300) },
    );
  });

  it("answers every request without crashing or a 5xx, allows none without a valid token, and does bounded work for those", async () => {
    const valid = await token(["*:data/", "*:logs/"]);
    const methodArb = fc.constantFrom("GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "PROPFIND", "get");
    const pieceArb = fc.oneof(
      fc.constantFrom("/", "data", "logs", "a", "%", "%2e", "%2F", "..", ".", "?", "&", "=", "#", ";", "\\", "%ff", "%00", "%c0%ae", "delete", "uploads", "list-type=2", "prefix=", "X-Amz-Security-Token=", "X-Amz-Date=20300101T115500Z", "X-Amz-Expires=1"),
      fc.string({ unit: fc.constantFrom(..."abcxyz09-._~!$'()*+,;=:@%/?&") , maxLength: 8 }),
    );
    const targetArb = fc.array(pieceArb, { maxLength: 14 }).map((p) => `/${p.join("")}`);
    const nameArb = fc.oneof(
      fc.constantFrom("x-amz-copy-source", "x-amz-content-sha256", "content-encoding", "x-amz-decoded-content-length", "x-amz-acl", "x-amz-date", "content-md5", "content-type", "x-rajee-upstream-path", "x-envoy-original-path", "x-amz-meta-a"),
      fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz-"), minLength: 1, maxLength: 12 }),
    );
    const valueArb = fc.oneof(fc.string({ unit: fc.constantFrom(..." !\"#$%&'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~"), maxLength: 40 }), fc.constantFrom("/data/a", "data%2Fa", "UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "aws-chunked"));
    const tokenArb = fc.oneof(
      fc.constant({ valid: false, place: "none" as const, text: "" }),
      fc.record({ valid: fc.constant(true), place: fc.constantFrom("header" as const, "bearer" as const, "both" as const), text: fc.constant(valid) }),
      fc.record({ valid: fc.constant(false), place: fc.constantFrom("header" as const, "bearer" as const), text: fc.oneof(fc.string({ maxLength: 60 }).map((s) => s.replace(/[\r\n]/g, "")), fc.nat({ max: valid.length - 1 }).map((i) => valid.slice(0, i) + (valid[i] === "A" ? "B" : "A") + valid.slice(i + 1))) }),
    );
    const bodyArb = fc.oneof(
      { weight: 8, arbitrary: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom("<Delete><Object><Key>", "&", "<", "&#x41;", "<Delete>"), fc.integer({ min: 1, max: 40_000 })).map(([unit, n]) => unit.repeat(n)) },
    );
    await fc.assert(
      fc.asyncProperty(methodArb, targetArb, fc.dictionary(nameArb, valueArb, { maxKeys: 5 }), tokenArb, bodyArb, async (method, target, headers, tok, body) => {
        const sent: Record<string, string> = { ...headers };
        delete sent.authorization;
        delete sent["x-amz-security-token"];
        if (tok.place === "header" || tok.place === "both") sent["x-amz-security-token"] = tok.text;
        if (tok.place === "bearer" || tok.place === "both") sent.authorization = `Bearer ${tok.text}`;
        const answer = await send(method, target, sent, body);
        expect(answer.status).toBeGreaterThanOrEqual(200);
        expect(answer.status).toBeLessThan(500);
        const authenticated = tok.valid && tok.place !== "both";
        if (!authenticated) {
          expect(answer.status).not.toBe(200);
          expect(work.bodyChars).toBe(0);
        }
        expect(work.verifications).toBeLessThanOrEqual(tok.place === "none" || tok.place === "both" ? 0 : 1);
        if (body !== undefined) expect(work.bodyChars).toBeLessThanOrEqual(4 * body.length + 16);
      }),
      { numRuns: runs(300) },
    );
  });

  it("counts the work of an authenticated DeleteObjects, so the zero counts above are measured, not assumed", async () => {
    const body = `<Delete>${Array.from({ length: 50 }, (_, i) => `<Object><Key>a/${i}</Key></Object>`).join("")}</Delete>`;
    const answer = await send("POST", "/data?delete", { "x-amz-security-token": await token(["delete:data/a/"]) }, body);
    expect(answer.status).toBe(200);
    expect(work.bodyChars).toBeGreaterThanOrEqual(body.length);
    expect(work.bodyChars).toBeLessThanOrEqual(4 * body.length + 16);
    expect(work.verifications).toBe(1);
  });

  it("never examines an unauthenticated DeleteObjects body, up to and past the 2 MiB limit", async () => {
    const bodyArb = fc.tuple(fc.constantFrom("<Delete><Object><Key>a</Key></Object>", "&amp;", "<<<<", "&#x41;&#x41;", "<!DOCTYPE d [<!ENTITY a 'a'>]>"), fc.integer({ min: 1, max: MAX_BODY + 4096 })).map(([unit, size]) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size));
    const tokenArb = fc.constantFrom<Record<string, string>>({}, { "x-amz-security-token": "not-a-jwt" }, { authorization: "Bearer a.b.c" });
    await fc.assert(
      fc.asyncProperty(bodyArb, tokenArb, fc.constantFrom("/data?delete", "/logs?delete"), async (body, headers, target) => {
        const answer = await send("POST", target, headers, body);
        expect([400, 403]).toContain(answer.status);
        expect(work.bodyChars).toBe(0);
        expect(work.verifications).toBeLessThanOrEqual(1);
      }),
      { numRuns: runs(12) },
    );
  });
});
