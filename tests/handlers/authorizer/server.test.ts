import { hasBody } from "../../../handlers/authorizer/server";
import { CHECK_MAX_HEADERS_COUNT } from "../../../src/contracts/gateway";
import { rawRequest } from "../../support/raw-http";
import type { GeneratedKeyPair } from "../../../src/keys/generate";
import { jwksText, keyPair, MemorySource, mint, parseErrorXml, startHarness, TestClock, type Harness, type RawResponse } from "./support";

const GRANTS = ["read:data/reports/", "list:data/reports/", "write:data/uploads/", "delete:data/tmp/", "read:healthz/", "read:metrics/"];
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let pair: GeneratedKeyPair;
let clock: TestClock;
let harness: Harness;
let token: string;
const tokens: string[] = [];

beforeAll(async () => {
  pair = await keyPair();
  clock = new TestClock();
  harness = await startHarness({ keySource: new MemorySource(jwksText(pair.publicKey)), clock, env: { RAJEE_RATE_LIMIT_PER_SECOND: "0" } });
  token = await mint(pair, GRANTS, { now: clock.date });
  tokens.push(token);
});

afterAll(() => harness.close());

const withToken = (headers: Record<string, string | string[]> = {}) => ({ "x-amz-security-token": token, ...headers });

/** Asserts an S3 XML denial and returns its fields. */
function expectDenial(response: RawResponse, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers["content-type"]).toBe("application/xml");
  const error = parseErrorXml(response.body);
  expect(error.code).toBe(code);
  expect(response.headers["x-amz-request-id"]).toBe(error.requestId);
  return error;
}

describe("check port over HTTP", () => {
  it("answers an allowed GetObject 200 with an empty body", async () => {
    const response = await harness.check({ path: "/data/reports/q1.csv", headers: withToken() });
    expect(response.status).toBe(200);
    expect(response.body).toBe("");
    expect(response.headers["content-length"]).toBe("0");
    expect(response.headers["content-type"]).toBeUndefined();
  });

  it("allows a DeleteObjects whose body keys are all granted", async () => {
    const body = "<Delete><Object><Key>tmp/a</Key></Object><Object><Key>tmp/b</Key></Object></Delete>";
    const response = await harness.check({ method: "POST", path: "/data?delete", headers: withToken(), body });
    expect(response.status).toBe(200);
  });

  it("reads a DeleteObjects body sent chunked, without content-length", async () => {
    const granted = "<Delete><Object><Key>tmp/a</Key></Object></Delete>";
    expect((await harness.check({ method: "POST", path: "/data?delete", headers: withToken({ "transfer-encoding": "chunked" }), body: granted })).status).toBe(200);
    const outside = "<Delete><Object><Key>reports/a</Key></Object></Delete>";
    expectDenial(await harness.check({ method: "POST", path: "/data?delete", headers: withToken({ "transfer-encoding": "chunked" }), body: outside }), 403, "AccessDenied");
  });

  it("reads a header that comes after 2,000 others (Node's default would drop it) and judges it", async () => {
    const filler = Array.from({ length: 2100 }, (_, i) => `${i}`);
    const response = await rawRequest(harness.checkPort, {
      method: "PUT",
      target: "/data/uploads/x",
      headers: { host: "gateway.example.com", ...withToken(), "x-amz-meta-f": filler, "x-amz-copy-source": "/secret/payroll.csv" },
    });
    // Judged as the CopyObject it is, not as the PutObject its first 2,000 headers describe.
    expect(expectDenial(response, 403, "AccessDenied").message).toMatch(/^CopyObject needs read on s3:\/\/secret\/payroll\.csv/);
  });

  it("refuses a request whose headers reach the count it reads, as it may have lost some", async () => {
    const filler = Array.from({ length: CHECK_MAX_HEADERS_COUNT }, () => "1");
    const response = await rawRequest(harness.checkPort, { method: "GET", target: "/data/reports/q1.csv", headers: { host: "gateway.example.com", ...withToken(), "x-a": filler } });
    expect(expectDenial(response, 400, "InvalidRequest").message).toContain(`${CHECK_MAX_HEADERS_COUNT} or more headers`);
    expect(harness.logs.at(-1)).toMatchObject({ event: "decision", decision: "deny", reason: "too-many-headers" });
  });

  it("expects a body only when content-length is above 0 or transfer-encoding is present", () => {
    expect(hasBody({})).toBe(false);
    expect(hasBody({ "content-length": "0" })).toBe(false);
    expect(hasBody({ "content-length": "12" })).toBe(true);
    expect(hasBody({ "transfer-encoding": "chunked" })).toBe(true);
  });

  it("drops the connection and logs why when Node refuses the answer's headers, and keeps serving", async () => {
    const local = await startHarness({ keySource: new MemorySource(jwksText(pair.publicKey)), onAllow: () => ({ "x-amz-security-token": "tok\r" }) });
    try {
      const token = await mint(pair, ["read:data/"]);
      await expect(local.check({ method: "GET", path: "/data/k", headers: { "x-amz-security-token": token } })).rejects.toThrow();
      expect(local.logs.find((line) => line.event === "answer_failed")).toMatchObject({ level: "error", error: expect.stringMatching(/Invalid character/) });
      const refused = await local.check({ method: "GET", path: "/data/k", headers: {} });
      expect(refused.status).toBe(403);
    } finally {
      await local.close();
    }
  });

  it("answers 403 AccessDenied without a token", async () => {
    const error = expectDenial(await harness.check({ path: "/data/reports/q1.csv" }), 403, "AccessDenied");
    expect(error.message).toMatch(/^no token: /);
  });

  it("answers 403 AccessDenied naming the resource outside the grants", async () => {
    const error = expectDenial(await harness.check({ path: "/data/private/x", headers: withToken() }), 403, "AccessDenied");
    expect(error.resource).toBe("data/private/x");
    expect(error.message).toBe("GetObject needs read on s3://data/private/x, which the token does not grant");
  });

  it("answers 403 AccessDenied for an unsupported subresource", async () => {
    const error = expectDenial(await harness.check({ path: "/data/reports/q1.csv?acl", headers: withToken() }), 403, "AccessDenied");
    expect(error.message).toMatch(/^operation not supported by this gateway/);
  });

  it("answers 403 AccessDenied for a header needing more than the mapped permission", async () => {
    const error = expectDenial(await harness.check({ method: "PUT", path: "/data/uploads/a", headers: withToken({ "x-amz-acl": "public-read" }) }), 403, "AccessDenied");
    expect(error.message).toMatch(/'x-amz-acl'/);
  });

  it("answers 403 AccessDenied for a presigned URL past its own expiry", async () => {
    const query = `X-Amz-Date=20200101T000000Z&X-Amz-Expires=60&X-Amz-Security-Token=${token}`;
    const error = expectDenial(await harness.check({ path: `/data/reports/q1.csv?${query}` }), 403, "AccessDenied");
    expect(error.message).toMatch(/presigned URL has expired/);
  });

  it("answers 400 InvalidToken for a token that is not a JWT", async () => {
    expectDenial(await harness.check({ path: "/data/reports/q1.csv", headers: { "x-amz-security-token": "not-a-jwt" } }), 400, "InvalidToken");
  });

  it("answers 400 InvalidToken for a token sent in two places", async () => {
    const response = await harness.check({ path: "/data/reports/q1.csv", headers: withToken({ authorization: `Bearer ${token}` }) });
    expectDenial(response, 400, "InvalidToken");
  });

  it("answers 400 InvalidToken for the token header sent twice, even with equal values", async () => {
    const response = await harness.check({ path: "/data/reports/q1.csv", headers: { "x-amz-security-token": [token, token] } });
    const error = expectDenial(response, 400, "InvalidToken");
    expect(error.message).toBe("header 'x-amz-security-token' sent more than once; send the token exactly once");
  });

  it("answers 400 InvalidRequest for a repeated copy source header", async () => {
    const headers = withToken({ "x-amz-copy-source": ["/data/reports/a", "/data/private/b"] });
    expectDenial(await harness.check({ method: "PUT", path: "/data/uploads/c", headers }), 400, "InvalidRequest");
  });

  it("answers 400 ExpiredToken for a token past exp plus skew", async () => {
    const old = await mint(pair, GRANTS, { now: new Date(clock.nowMs - 3600_000), ttlSeconds: 600 });
    tokens.push(old);
    expectDenial(await harness.check({ path: "/data/reports/q1.csv", headers: { "x-amz-security-token": old } }), 400, "ExpiredToken");
  });

  it("answers 400 InvalidURI for an invalid escape in the path", async () => {
    expectDenial(await harness.check({ path: "/data/reports/a%ZZ", headers: withToken() }), 400, "InvalidURI");
  });

  it("answers 400 InvalidURI for a dot segment, sent unnormalised", async () => {
    expectDenial(await harness.check({ path: "/data/reports/../private/x", headers: withToken() }), 400, "InvalidURI");
  });

  it("answers 400 KeyTooLongError for a key over 1024 bytes", async () => {
    expectDenial(await harness.check({ path: `/data/reports/${"k".repeat(1020)}`, headers: withToken() }), 400, "KeyTooLongError");
  });

  it("answers 400 MalformedXML for a DeleteObjects body that is not XML", async () => {
    expectDenial(await harness.check({ method: "POST", path: "/data?delete", headers: withToken(), body: "<Delete><Object>" }), 400, "MalformedXML");
  });

  it("answers 400 MalformedXML for a DeleteObjects body over 2 MiB without buffering it all", async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 0x20);
    const error = expectDenial(await harness.check({ method: "POST", path: "/data?delete", headers: withToken(), body }), 400, "MalformedXML");
    expect(error.message).toBe("DeleteObjects body is not a valid <Delete> document: the body is 2097153 bytes, over the 2097152-byte limit; delete at most 1000 keys per request");
  });

  it("answers 400 InvalidRequest for a signed-chunk upload", async () => {
    const headers = withToken({ "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" });
    expectDenial(await harness.check({ method: "PUT", path: "/data/uploads/big", headers }), 400, "InvalidRequest");
  });

  it("answers a denied HEAD with the status and no body", async () => {
    const response = await harness.check({ method: "HEAD", path: "/data/private/x", headers: withToken() });
    expect(response.status).toBe(403);
    expect(response.body).toBe("");
    expect(response.headers["x-amz-request-id"]).toMatch(REQUEST_ID);
  });

  it("echoes Envoy's x-request-id as x-amz-request-id and in the XML", async () => {
    const response = await harness.check({ path: "/data/private/x", headers: withToken({ "x-request-id": "req-123.abc" }) });
    expect(expectDenial(response, 403, "AccessDenied").requestId).toBe("req-123.abc");
    expect(response.headers["x-amz-request-id"]).toBe("req-123.abc");
  });

  it("generates a request id when Envoy sent none or an unusable one", async () => {
    const none = await harness.check({ path: "/data/private/x", headers: withToken() });
    expect(expectDenial(none, 403, "AccessDenied").requestId).toMatch(REQUEST_ID);
    const odd = await harness.check({ path: "/data/private/x", headers: withToken({ "x-request-id": "<script>" }) });
    expect(expectDenial(odd, 403, "AccessDenied").requestId).toMatch(REQUEST_ID);
  });

  it.each(["healthz", "readyz", "metrics"])("judges a bucket named %s like any other on the check port", async (bucket) => {
    expectDenial(await harness.check({ path: `/${bucket}` }), 403, "AccessDenied");
    const listing = await harness.check({ path: `/${bucket}/x`, headers: withToken() });
    if (bucket === "readyz") expectDenial(listing, 403, "AccessDenied");
    else expect(listing.status).toBe(200);
  });

  it("logs one decision line per check with the documented fields", async () => {
    await harness.check({ path: "/data/private/x", headers: withToken({ "x-request-id": "log-check-1" }) });
    const line = harness.logs.find((l) => l.request_id === "log-check-1");
    expect(line).toMatchObject({
      level: "warn",
      service: "rajee-authorizer",
      event: "decision",
      decision: "deny",
      status: 403,
      reason: "outside-grants",
      code: "AccessDenied",
      operation: "GetObject",
      bucket: "data",
      key: "private/x",
      sub: "alice",
      cache: "hit",
    });
    expect(line?.token_fp).toMatch(/^[0-9a-f]{12}$/);
    expect(typeof line?.latency_ms).toBe("number");
  });

  it("never puts token bytes in a response body or a log line", async () => {
    const signatures = tokens.map((t) => t.split(".")[2] as string);
    const bodies = [
      await harness.check({ path: "/data/private/x", headers: withToken() }),
      await harness.check({ path: `/data/private/x?X-Amz-Security-Token=${token}` }),
      await harness.check({ path: "/data/reports/q1.csv", headers: { authorization: `Bearer ${token}x` } }),
    ].map((r) => r.body);
    for (const text of [...bodies, harness.rawLogs()]) {
      for (const signature of signatures) expect(text).not.toContain(signature);
    }
  });
});

describe("operations port", () => {
  it("answers /healthz and /readyz 200 once keys are loaded", async () => {
    expect(await harness.admin("/healthz")).toMatchObject({ status: 200, body: "ok\n" });
    expect(await harness.admin("/readyz")).toMatchObject({ status: 200, body: "ready\n" });
  });

  it("serves Prometheus metrics with decisions by result and reason", async () => {
    const response = await harness.admin("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.body).toMatch(/^rajee_authorizer_decisions_total\{result="allow",reason="allowed"\} \d+$/m);
    expect(response.body).toMatch(/^rajee_authorizer_decisions_total\{result="deny",reason="outside-grants"\} \d+$/m);
    expect(response.body).toMatch(/^rajee_authorizer_check_duration_seconds_bucket\{le="0\.001"\} \d+$/m);
    expect(response.body).toMatch(/^rajee_authorizer_token_cache_lookups_total\{result="hit"\} \d+$/m);
    expect(response.body).toMatch(/^rajee_authorizer_key_refresh_age_seconds \d/m);
    expect(response.body).toMatch(/^rajee_authorizer_ready 1$/m);
  });

  it("has nothing else: other paths are 404 and other methods 405", async () => {
    expect((await harness.admin("/data/reports/q1.csv")).status).toBe(404);
    expect((await harness.admin("/readyz", "POST")).status).toBe(405);
  });
});

describe("allow hook and internal errors", () => {
  it("returns the allow hook's headers on 200 and fails closed with 403 when it throws", async () => {
    const signer = await keyPair();
    let fail = false;
    const hooked = await startHarness({
      keySource: new MemorySource(jwksText(signer.publicKey)),
      onAllow: (decision) => {
        if (fail) throw new Error("credentials unavailable");
        return { "x-amz-date": "20300101T000000Z", "x-rajee-upstream-path": decision.request.upstreamPath };
      },
    });
    try {
      const headers = { "x-amz-security-token": await mint(signer, ["read:data/"]) };
      const allowed = await hooked.check({ path: "/data/a%20b", headers });
      expect(allowed.status).toBe(200);
      expect(allowed.headers["x-amz-date"]).toBe("20300101T000000Z");
      expect(allowed.headers["x-rajee-upstream-path"]).toBe("/data/a%20b");
      fail = true;
      const denied = await hooked.check({ path: "/data/a", headers });
      const error = expectDenial(denied, 403, "AccessDenied");
      expect(error.message).toBe("internal error in the gateway; the request was denied, retry later");
      expect(hooked.logs.some((l) => l.event === "check_failed" && l.level === "error")).toBe(true);
      expect(hooked.logs.find((l) => l.event === "decision" && l.reason === "internal-error")).toMatchObject({ decision: "deny", status: 403 });
    } finally {
      await hooked.close();
    }
  });
});

describe("per-subject rate limit", () => {
  it("answers 429 SlowDown with Retry-After once a subject's burst is spent", async () => {
    const signer = await keyPair();
    const limitedClock = new TestClock();
    const limited = await startHarness({
      keySource: new MemorySource(jwksText(signer.publicKey)),
      clock: limitedClock,
      env: { RAJEE_RATE_LIMIT_PER_SECOND: "1", RAJEE_RATE_LIMIT_BURST: "2" },
    });
    try {
      const headers = { "x-amz-security-token": await mint(signer, ["read:data/"], { now: limitedClock.date }) };
      const other = { "x-amz-security-token": await mint(signer, ["read:data/"], { now: limitedClock.date, subject: "bob" }) };
      expect((await limited.check({ path: "/data/a", headers })).status).toBe(200);
      expect((await limited.check({ path: "/data/a", headers })).status).toBe(200);
      const slow = await limited.check({ path: "/data/a", headers });
      const error = expectDenial(slow, 429, "SlowDown");
      expect(slow.headers["retry-after"]).toBe("1");
      expect(error.message).toBe("too many requests for subject 'alice'; retry after 1s");
      expect((await limited.check({ path: "/data/a", headers: other })).status).toBe(200);
      limitedClock.advance(1);
      expect((await limited.check({ path: "/data/a", headers })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
