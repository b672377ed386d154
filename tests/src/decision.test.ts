import fc from "fast-check";
import { decide, decideNow, type DecisionContext } from "../../src/decision";
import { s3Error } from "../../src/errors";
import { verifyToken, type VerifyResult } from "../../src/token/verify";
import { tokenPolicy } from "../../src/token/policy";
import { parseDeleteObjectsBody } from "../../src/s3/delete-objects";
import type { GatewayRequest } from "../../src/s3/request";
import { tokenFixture, type TokenFixture } from "../support/tokens";

// The real DeleteObjects reader behind a spy, to see whether a decision ever reached it.
jest.mock("../../src/s3/delete-objects", () => {
  const actual = jest.requireActual<typeof import("../../src/s3/delete-objects")>("../../src/s3/delete-objects");
  return { ...actual, parseDeleteObjectsBody: jest.fn(actual.parseDeleteObjectsBody) };
});
const bodyParser = jest.mocked(parseDeleteObjectsBody);

let fixture: TokenFixture;
beforeAll(async () => {
  fixture = await tokenFixture();
});

const DELETE_BODY = (...keys: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${keys
    .map((k) => `<Object><Key>${k}</Key></Object>`)
    .join("")}<Quiet>true</Quiet></Delete>`;

interface Row {
  operation: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Grants that allow it, and grants just outside that must deny it. */
  allowedBy: string[];
  deniedBy: string[];
}

// docs/design.md section 4: every row, with an allow case and a deny case just outside the grant.
const ROWS: Row[] = [
  { operation: "GetObject", method: "GET", path: "/data/reports/a.csv", allowedBy: ["read:data/reports/"], deniedBy: ["read:data/reports/a.cs", "list:data/reports/"] },
  { operation: "GetObject", method: "GET", path: "/data/reports/a.csv?versionId=v1&partNumber=1&response-content-type=text/plain", allowedBy: ["read:data/reports/a.csv"], deniedBy: ["write:data/reports/"] },
  { operation: "HeadObject", method: "HEAD", path: "/data/reports/a.csv", allowedBy: ["read:data/reports/"], deniedBy: ["read:data/report/x"] },
  { operation: "GetObjectAttributes", method: "GET", path: "/data/reports/a.csv?attributes", allowedBy: ["read:data/reports/a*"], deniedBy: ["read:data/reports/b*"] },
  { operation: "ListObjectsV2", method: "GET", path: "/data?list-type=2&prefix=reports/2024/", allowedBy: ["list:data/reports/"], deniedBy: ["list:data/reports/2025/", "read:data/reports/"] },
  { operation: "ListObjects", method: "GET", path: "/data?prefix=reports/&marker=x", allowedBy: ["list:data/reports/"], deniedBy: ["list:data/reports/a"] },
  { operation: "ListObjectsV2", method: "GET", path: "/data?list-type=2", allowedBy: ["list:data/"], deniedBy: ["list:data/reports/"] },
  { operation: "ListMultipartUploads", method: "GET", path: "/data?uploads&prefix=inbox/", allowedBy: ["list:data/inbox/"], deniedBy: ["list:data/outbox/"] },
  { operation: "ListObjectVersions", method: "GET", path: "/data?versions&prefix=inbox/", allowedBy: ["list:data/inbox/"], deniedBy: ["list:other/inbox/"] },
  { operation: "HeadBucket", method: "HEAD", path: "/data", allowedBy: ["delete:data/x/"], deniedBy: ["*:other/"] },
  { operation: "GetBucketLocation", method: "GET", path: "/data?location", allowedBy: ["read:data/a"], deniedBy: ["read:datb/"] },
  { operation: "PutObject", method: "PUT", path: "/data/inbox/a.csv", allowedBy: ["write:data/inbox/"], deniedBy: ["read:data/inbox/", "write:data/outbox/"] },
  { operation: "CopyObject", method: "PUT", path: "/data/inbox/a.csv", headers: { "x-amz-copy-source": "/data/reports/a.csv" }, allowedBy: ["write:data/inbox/", "read:data/reports/"], deniedBy: ["write:data/inbox/", "read:data/reports/b"] },
  { operation: "CopyObject", method: "PUT", path: "/data/inbox/a.csv", headers: { "x-amz-copy-source": "data/reports/a%20b.csv?versionId=v2" }, allowedBy: ["write:data/inbox/", "read:data/reports/a b.csv"], deniedBy: ["read:data/reports/", "write:data/inbox/b"] },
  { operation: "CreateMultipartUpload", method: "POST", path: "/data/inbox/big?uploads", allowedBy: ["write:data/inbox/"], deniedBy: ["write:data/inbox/big2"] },
  { operation: "UploadPart", method: "PUT", path: "/data/inbox/big?partNumber=2&uploadId=u1", allowedBy: ["write:data/inbox/big"], deniedBy: ["delete:data/inbox/"] },
  { operation: "UploadPartCopy", method: "PUT", path: "/data/inbox/big?partNumber=2&uploadId=u1", headers: { "x-amz-copy-source": "/data/reports/a.csv", "x-amz-copy-source-range": "bytes=0-9" }, allowedBy: ["write:data/inbox/", "read:data/reports/"], deniedBy: ["write:data/inbox/"] },
  { operation: "CompleteMultipartUpload", method: "POST", path: "/data/inbox/big?uploadId=u1", allowedBy: ["write:data/inbox/"], deniedBy: ["read:data/inbox/"] },
  { operation: "AbortMultipartUpload", method: "DELETE", path: "/data/inbox/big?uploadId=u1", allowedBy: ["write:data/inbox/"], deniedBy: ["delete:data/inbox/"] },
  { operation: "ListParts", method: "GET", path: "/data/inbox/big?uploadId=u1&max-parts=10", allowedBy: ["write:data/inbox/"], deniedBy: ["read:data/inbox/"] },
  { operation: "DeleteObject", method: "DELETE", path: "/data/inbox/a.csv?versionId=v1", allowedBy: ["delete:data/inbox/"], deniedBy: ["write:data/inbox/"] },
  { operation: "DeleteObjects", method: "POST", path: "/data?delete", body: DELETE_BODY("inbox/a", "inbox/b&amp;c"), allowedBy: ["delete:data/inbox/"], deniedBy: ["delete:data/inbox/a"] },
];

describe("the request-to-operation table", () => {
  it.each(ROWS)("allows $operation ($method $path) inside the grants", async (row) => {
    const decision = await fixture.decideWith(row.allowedBy, { method: row.method, path: row.path, headers: row.headers ?? {}, body: row.body });
    expect(decision).toMatchObject({ allow: true, status: 200, request: { operation: row.operation } });
  });

  it.each(ROWS)("denies $operation ($method $path) just outside the grants", async (row) => {
    const decision = await fixture.decideWith(row.deniedBy, { method: row.method, path: row.path, headers: row.headers ?? {}, body: row.body });
    expect(decision).toMatchObject({ allow: false, status: 403, reason: "outside-grants", error: { code: "AccessDenied" }, request: { operation: row.operation } });
  });

  it.each(ROWS)("classifies $operation the same way virtual-hosted", async (row) => {
    const [, bucket, rest] = /^\/([^/?]+)\/?(.*)$/.exec(row.path) as unknown as [string, string, string];
    const allowed = await fixture.decideWith(
      row.allowedBy,
      { method: row.method, path: `/${rest}`, headers: { ...row.headers, host: `${bucket}.s3.gw.example.com:443` }, body: row.body },
      { virtualHostDomain: "s3.gw.example.com" },
    );
    expect(allowed).toMatchObject({ allow: true, request: { operation: row.operation, bucket, addressing: "virtual-host", upstreamPath: expect.stringMatching(`^/${bucket}`) } });
  });

  it("names the key outside the grants in a DeleteObjects denial", async () => {
    const decision = await fixture.decideWith(["delete:data/inbox/"], { method: "POST", path: "/data?delete", body: DELETE_BODY("inbox/a", "secret/b") });
    expect(decision).toMatchObject({ allow: false, error: { code: "AccessDenied", message: expect.stringContaining("s3://data/secret/b") } });
  });

  it("rebuilds the upstream path canonically from what it judged", async () => {
    const decision = await fixture.decideWith(["read:data/"], { method: "GET", path: "/data/a%7Eb%20c!d?x-id=GetObject&X-Amz-Expires=60&X-Amz-Date=20990101T000000Z" });
    expect(decision).toMatchObject({ allow: true, request: { key: "a~b c!d", upstreamPath: "/data/a~b%20c%21d?x-id=GetObject" } });
  });

  it("asks Envoy to remove the client's credential headers", async () => {
    const decision = await fixture.decideWith(["read:data/"], { method: "GET", path: "/data/k", headers: { "x-amz-date": "20250101T000000Z", authorization: "AWS4-HMAC-SHA256 Credential=x" } });
    expect(decision.allow && [...decision.removeHeaders].sort()).toEqual(["authorization", "x-amz-date", "x-amz-security-token"]);
  });
});

describe("decideNow with a verifier that answers synchronously (a token-cache hit)", () => {
  /** A context whose verify answers from results verified beforehand, as the service's cache does on a hit. */
  async function synchronousContext(tokens: readonly string[]): Promise<DecisionContext> {
    const now = new Date();
    const verified = new Map<string, VerifyResult>();
    for (const token of tokens) verified.set(token, await verifyToken(token, fixture.keyring, tokenPolicy(), now));
    return { verify: (token) => verified.get(token) ?? { ok: false, reason: "malformed", error: s3Error("InvalidToken", "not verified beforehand") }, classify: {}, now };
  }

  it.each(ROWS)("decides $operation ($method $path) in the same turn, as decide does", async (row) => {
    for (const grants of [row.allowedBy, row.deniedBy]) {
      const token = await fixture.mint(grants);
      const request = { method: row.method, path: row.path, headers: { host: "gw", ...row.headers, "x-amz-security-token": token }, ...(row.body === undefined ? {} : { body: Buffer.from(row.body) }) };
      const context = await synchronousContext([token]);
      const now = decideNow(request, context);
      expect(now).not.toBeInstanceOf(Promise);
      expect(now).toEqual(await decide(request, fixture.context({ now: context.now })));
    }
  });

  it("answers with a promise when the verifier does, with the same decision", async () => {
    const token = await fixture.mint(["read:data/"]);
    const request = { method: "GET", path: "/data/k", headers: { "x-amz-security-token": token } };
    const context = fixture.context();
    const pending = decideNow(request, context);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toEqual(decideNow(request, { ...(await synchronousContext([token])), now: context.now }));
  });

  it("lists only the credential headers the request carried for Envoy to remove", async () => {
    const token = await fixture.mint(["read:data/"]);
    const context = await synchronousContext([token]);
    const both = decideNow({ method: "GET", path: "/data/k", headers: { "x-amz-security-token": token, authorization: "x", "x-amz-date": "20300101T000000Z" } }, context);
    const tokenOnly = decideNow({ method: "GET", path: "/data/k", headers: { "x-amz-security-token": token } }, context);
    expect(!(both instanceof Promise) && both.allow && [...both.removeHeaders].sort()).toEqual(["authorization", "x-amz-date", "x-amz-security-token"]);
    expect(!(tokenOnly instanceof Promise) && tokenOnly.allow && tokenOnly.removeHeaders).toEqual(["x-amz-security-token"]);
  });
});

describe("CreateBucket (rclone's bucket check), answered by the gateway", () => {
  it("answers 409 BucketAlreadyOwnedByYou when the token may write somewhere in the bucket, and never allows it", async () => {
    for (const grants of [["write:data/team/"], ["*:data/"], ["read:data/", "write:data/inbox/a.csv"]]) {
      const decision = await fixture.decideWith(grants, { method: "PUT", path: "/data", headers: { "x-amz-acl": "private" } });
      expect(decision).toMatchObject({ allow: false, status: 409, reason: "bucket-already-owned", error: { code: "BucketAlreadyOwnedByYou", resource: "data" } });
      expect(decision.allow || decision.error.message).toContain("never forwarded");
    }
  });

  it("answers 403 AccessDenied when the token may not write in the bucket, as for any request outside the grants", async () => {
    for (const grants of [["read:data/", "list:data/", "delete:data/"], ["write:other/"], ["write:datab/"]]) {
      const decision = await fixture.decideWith(grants, { method: "PUT", path: "/data" });
      expect(decision).toMatchObject({ allow: false, status: 403, reason: "outside-grants", error: { code: "AccessDenied", message: expect.stringContaining("write somewhere in bucket data") } });
    }
  });

  it("checks the token first: no token, or a bad one, is refused as for any other request", async () => {
    expect(await decide({ method: "PUT", path: "/data", headers: { host: "gw" } }, fixture.context())).toMatchObject({ allow: false, status: 403, reason: "no-token" });
    expect(await decide({ method: "PUT", path: "/data", headers: { host: "gw", "x-amz-security-token": "a.b.c" } }, fixture.context())).toMatchObject({ allow: false, status: 400 });
  });

  it("refuses widening headers on it like on any write: ACLs other than private, grants, object lock", async () => {
    for (const headers of [{ "x-amz-acl": "public-read" }, { "x-amz-grant-full-control": "id=x" }, { "x-amz-bucket-object-lock-enabled": "true" }]) {
      expect(await fixture.decideWith(["*:data/"], { method: "PUT", path: "/data", headers })).toMatchObject({ allow: false, status: 403, error: { code: "AccessDenied" } });
    }
  });

  it("never allows a CreateBucket, whatever the grants (property)", async () => {
    const grantArb = fc.tuple(fc.constantFrom("read", "write", "list", "delete", "*"), fc.constantFrom("data", "other"), fc.constantFrom("", "team/", "a.csv")).map(([a, b, p]) => `${a}:${b}/${p}`);
    await fc.assert(
      fc.asyncProperty(fc.array(grantArb, { minLength: 1, maxLength: 4 }), fc.constantFrom("/data", "/other"), async (grants, path) => {
        const decision = await fixture.decideWith(grants, { method: "PUT", path });
        expect(decision.allow).toBe(false);
        const bucket = path.slice(1);
        const writes = grants.some((g) => /^(write|\*):/.test(g) && g.split(":")[1]!.startsWith(`${bucket}/`));
        expect(decision.status).toBe(writes ? 409 : 403);
      }),
      { numRuns: 40 },
    );
  });
});

describe("a presigned URL without a token", () => {
  it("says where the token goes and which presigners add it", async () => {
    const sigv2 = await decide({ method: "GET", path: "/data/k?AWSAccessKeyId=AKID&Expires=4102444800&Signature=abc", headers: { host: "gw" } }, fixture.context());
    expect(sigv2).toMatchObject({ allow: false, status: 403, reason: "no-token", error: { code: "AccessDenied" } });
    expect(sigv2.allow || sigv2.error.message).toMatch(/presigned URL without a token.*aws s3 presign.*s3cmd signurl/);
    const sigv4 = await decide({ method: "GET", path: "/data/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20300101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=abc", headers: { host: "gw" } }, fixture.context());
    expect(sigv4.allow || sigv4.error.message).toContain("presigned URL without a token");
  });

  it("keeps the general message for a request that is not a presigned URL", async () => {
    const plain = await decide({ method: "GET", path: "/data/k", headers: { host: "gw" } }, fixture.context());
    expect(plain.allow || plain.error.message).toMatch(/^no token/);
  });
});

describe("deny by default", () => {
  it.each([
    ["ListBuckets", "GET", "/"],
    ["a bucket policy write", "PUT", "/data?policy"],
    ["a bucket CORS write", "PUT", "/data?cors"],
    ["DeleteBucket", "DELETE", "/data"],
    ["an object ACL", "GET", "/data/k?acl"],
    ["PutObjectAcl", "PUT", "/data/k?acl"],
    ["changing tags", "PUT", "/data/k?tagging"],
    ["deleting tags", "DELETE", "/data/k?tagging"],
    ["bucket tagging", "GET", "/data?tagging"],
    ["bucket policy", "GET", "/data?policy"],
    ["restore", "POST", "/data/k?restore"],
    ["select", "POST", "/data/k?select&select-type=2"],
    ["torrent", "GET", "/data/k?torrent"],
    ["retention", "PUT", "/data/k?retention"],
    ["legal hold", "GET", "/data/k?legal-hold"],
    ["bucket lifecycle", "GET", "/data?lifecycle"],
    ["an unknown parameter", "GET", "/data/k?foo=bar"],
    ["PATCH", "PATCH", "/data/k"],
    ["OPTIONS", "OPTIONS", "/data/k"],
    ["browser POST upload", "POST", "/data"],
    ["list-type=1", "GET", "/data?list-type=1"],
    ["a flag with a value", "GET", "/data?uploads=yes"],
    ["UploadPart without uploadId", "PUT", "/data/k?partNumber=1"],
  ])("denies %s with 403 AccessDenied", async (_name, method, path) => {
    const decision = await fixture.decideWith(["*:data/"], { method, path });
    expect(decision).toMatchObject({ allow: false, status: 403, error: { code: "AccessDenied", message: expect.stringContaining("not supported") } });
  });

  it.each(["x-amz-acl", "x-amz-grant-read", "x-amz-tagging-directive", "x-amz-object-lock-mode", "x-amz-bypass-governance-retention", "x-amz-website-redirect-location"])(
    "denies a request carrying %s, naming the header",
    async (header) => {
      const decision = await fixture.decideWith(["*:data/"], { method: "PUT", path: "/data/k", headers: { [header]: "x" } });
      expect(decision).toMatchObject({ allow: false, status: 403, error: { code: "AccessDenied", message: expect.stringContaining(`'${header}'`) } });
    },
  );

  it("denies x-amz-tagging other than on an upload that creates the object, naming the header", async () => {
    const copy = await fixture.decideWith(["*:data/"], { method: "PUT", path: "/data/k", headers: { "x-amz-tagging": "a=b", "x-amz-copy-source": "/data/x" } });
    expect(copy).toMatchObject({ allow: false, status: 403, error: { code: "AccessDenied", message: expect.stringContaining("'x-amz-tagging'") } });
    const put = await fixture.decideWith(["*:data/"], { method: "PUT", path: "/data/k", headers: { "x-amz-tagging": "a=b" } });
    expect(put).toMatchObject({ allow: true });
  });

  it("denies x-amz-copy-source on an operation that does not copy", async () => {
    const decision = await fixture.decideWith(["*:data/"], { method: "GET", path: "/data/k", headers: { "x-amz-copy-source": "/data/x" } });
    expect(decision).toMatchObject({ allow: false, status: 403, error: { message: expect.stringContaining("x-amz-copy-source") } });
  });
});

describe("400 cases", () => {
  it.each([
    ["an invalid escape", "/data/a%zz", "InvalidURI"],
    ["invalid UTF-8", "/data/a%ff", "InvalidURI"],
    ["an encoded NUL", "/data/a%00b", "InvalidURI"],
    ["an encoded newline", "/data/a%0Ab", "InvalidURI"],
    ["a raw dot-dot segment", "/data/a/../b", "InvalidURI"],
    ["an encoded dot-dot segment", "/data/a/%2e%2E/b", "InvalidURI"],
    ["a dot segment", "/data/./b", "InvalidURI"],
    ["a dot-dot prefix in a listing", "/data?prefix=a/../b", "InvalidURI"],
    ["a bad escape in the query", "/data?prefix=%G1", "InvalidURI"],
    ["a repeated parameter", "/data?prefix=a&prefix=b", "InvalidURI"],
    ["an invalid bucket name", "/Data/k", "InvalidURI"],
    ["a path without a leading slash", "data/k", "InvalidURI"],
    ["a key over 1024 bytes", `/data/${"k".repeat(1025)}`, "KeyTooLongError"],
    ["a prefix over 1024 bytes", `/data?prefix=${"é".repeat(513)}`, "KeyTooLongError"],
  ])("refuses %s with 400 %s", async (_name, path, code) => {
    const decision = await fixture.decideWith(["*:data/"], { method: "GET", path });
    expect(decision).toMatchObject({ allow: false, status: 400, error: { code } });
  });

  it("keeps // in keys literally", async () => {
    const decision = await fixture.decideWith(["read:data/a//"], { method: "GET", path: "/data/a//b" });
    expect(decision).toMatchObject({ allow: true, request: { key: "a//b", upstreamPath: "/data/a//b" } });
  });

  it("decodes exactly once: %2541 is the key '%41'", async () => {
    const decision = await fixture.decideWith(["read:data/%41"], { method: "GET", path: "/data/%2541" });
    expect(decision).toMatchObject({ allow: true, request: { key: "%41", upstreamPath: "/data/%2541" } });
  });

  it.each([
    ["a truncated body", "<Delete><Object><Key>a</Key></Object>"],
    ["a DTD", '<!DOCTYPE Delete [<!ENTITY x "inbox/a">]><Delete><Object><Key>&x;</Key></Object></Delete>'],
    ["not XML", "delete inbox/a please"],
    ["an empty body", ""],
    ["more than 1000 keys", DELETE_BODY(...Array.from({ length: 1001 }, (_, i) => `inbox/${i}`))],
  ])("refuses a DeleteObjects with %s as MalformedXML", async (_name, body) => {
    const decision = await fixture.decideWith(["delete:data/"], { method: "POST", path: "/data?delete", body });
    expect(decision).toMatchObject({ allow: false, status: 400, error: { code: "MalformedXML" } });
  });

  it("refuses a DeleteObjects body over the 2 MiB bound", async () => {
    const body = DELETE_BODY("inbox/a") + " ".repeat(2 * 1024 * 1024);
    const decision = await fixture.decideWith(["delete:data/"], { method: "POST", path: "/data?delete", body });
    expect(decision).toMatchObject({ allow: false, error: { code: "MalformedXML", message: expect.stringContaining("limit") } });
  });

  it("applies path rules to DeleteObjects keys", async () => {
    const decision = await fixture.decideWith(["delete:data/"], { method: "POST", path: "/data?delete", body: DELETE_BODY("k".repeat(1025)) });
    expect(decision).toMatchObject({ allow: false, error: { code: "KeyTooLongError" } });
  });
});

describe("payload-hash rules", () => {
  const put = (headers: Record<string, string>, path = "/data/k") => fixture.decideWith(["write:data/"], { method: "PUT", path, headers });

  it("passes 64 hex digits and UNSIGNED-PAYLOAD through unchanged", async () => {
    const hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    expect(await put({ "x-amz-content-sha256": hex })).toMatchObject({ allow: true, request: { payloadHash: hex } });
    expect(await put({ "x-amz-content-sha256": "UNSIGNED-PAYLOAD" })).toMatchObject({ allow: true, request: { payloadHash: "UNSIGNED-PAYLOAD" } });
  });

  it("adds UNSIGNED-PAYLOAD when the client sent none", async () => {
    expect(await put({})).toMatchObject({ allow: true, request: { payloadHash: "UNSIGNED-PAYLOAD" } });
  });

  it("passes streaming unsigned trailers on PutObject and UploadPart with a decoded length", async () => {
    const headers = { "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "content-encoding": "aws-chunked", "x-amz-decoded-content-length": "5", "x-amz-trailer": "x-amz-checksum-crc32" };
    expect(await put(headers)).toMatchObject({ allow: true });
    expect(await put(headers, "/data/k?partNumber=1&uploadId=u")).toMatchObject({ allow: true, request: { operation: "UploadPart" } });
  });

  it.each([
    ["streaming trailer without x-amz-decoded-content-length", { "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER" }, /x-amz-decoded-content-length/],
    ["UNSIGNED-PAYLOAD with aws-chunked", { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-encoding": "aws-chunked" }, /aws-chunked/],
    ["signed chunks", { "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" }, /use HTTPS or set AWS_REQUEST_CHECKSUM_CALCULATION=when_required/],
    ["signed chunks with trailer", { "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" }, /use HTTPS/],
    ["ECDSA signed chunks", { "x-amz-content-sha256": "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD" }, /use HTTPS/],
    ["anything else", { "x-amz-content-sha256": "abc" }, /64 hex digits/],
  ])("refuses %s with 400 InvalidRequest", async (_name, headers, message) => {
    expect(await put(headers)).toMatchObject({ allow: false, status: 400, error: { code: "InvalidRequest", message: expect.stringMatching(message) } });
  });

  it("refuses a streaming trailer on an operation that is not an upload", async () => {
    const decision = await fixture.decideWith(["write:data/"], {
      method: "POST",
      path: "/data/k?uploads",
      headers: { "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "x-amz-decoded-content-length": "0" },
    });
    expect(decision).toMatchObject({ allow: false, status: 400, error: { code: "InvalidRequest" } });
  });
});

describe("where the token is", () => {
  it("accepts each of the three places", async () => {
    const token = await fixture.mint(["read:data/"]);
    const context = fixture.context();
    for (const [path, headers] of [
      ["/data/k", { "x-amz-security-token": token }],
      [`/data/k?X-Amz-Security-Token=${token}`, {}],
      ["/data/k", { authorization: `Bearer ${token}` }],
    ] as const) {
      expect(await decide({ method: "GET", path, headers }, context)).toMatchObject({ allow: true });
    }
  });

  it("refuses an anonymous request with 403 AccessDenied", async () => {
    expect(await decide({ method: "GET", path: "/data/k", headers: {} }, fixture.context())).toMatchObject({ status: 403, reason: "no-token", error: { code: "AccessDenied" } });
  });

  it("ignores a client SigV4 authorization header as a token place", async () => {
    const decision = await decide({ method: "GET", path: "/data/k", headers: { authorization: "AWS4-HMAC-SHA256 Credential=AKIA/x" } }, fixture.context());
    expect(decision).toMatchObject({ status: 403, reason: "no-token" });
  });

  it("refuses a token in two places with 400 InvalidToken, even when equal", async () => {
    const token = await fixture.mint(["read:data/"]);
    const decision = await decide({ method: "GET", path: `/data/k?X-Amz-Security-Token=${token}`, headers: { "x-amz-security-token": token } }, fixture.context());
    expect(decision).toMatchObject({ status: 400, reason: "multiple-tokens", error: { code: "InvalidToken" } });
  });

  it("refuses a presigned URL past X-Amz-Date + X-Amz-Expires with 403 even while the token is valid", async () => {
    const token = await fixture.mint(["read:data/"]);
    const now = new Date("2030-01-01T00:10:00Z");
    const fresh = await fixture.mint(["read:data/"], { now });
    const path = (t: string) => `/data/k?X-Amz-Date=20300101T000000Z&X-Amz-Expires=300&X-Amz-Security-Token=${t}`;
    expect(await decide({ method: "GET", path: path(fresh), headers: {} }, fixture.context({ now }))).toMatchObject({ status: 403, reason: "presign-expired" });
    const earlier = new Date("2030-01-01T00:04:00Z");
    const valid = await fixture.mint(["read:data/"], { now: earlier });
    expect(await decide({ method: "GET", path: path(valid), headers: {} }, fixture.context({ now: earlier }))).toMatchObject({ allow: true });
    expect(token).toBeTruthy();
  });

  it("refuses malformed presign parameters with 403", async () => {
    const token = await fixture.mint(["read:data/"]);
    for (const query of ["X-Amz-Expires=60", "X-Amz-Date=2030-01-01&X-Amz-Expires=60", "X-Amz-Date=20300101T000000Z&X-Amz-Expires=999999999", "X-Amz-Date=20300231T000000Z&X-Amz-Expires=60"]) {
      const decision = await decide({ method: "GET", path: `/data/k?${query}&X-Amz-Security-Token=${token}`, headers: {} }, fixture.context());
      expect(decision).toMatchObject({ status: 403, error: { code: "AccessDenied", message: expect.stringContaining("presign") } });
    }
  });

  it("never echoes the token in any message", async () => {
    const token = await fixture.mint(["read:data/"]);
    const tampered = `${token.slice(0, -4)}AAAA`;
    for (const t of [token, tampered]) {
      for (const path of ["/data/other?acl", "/other/k", "/data/k"]) {
        const decision = await decide({ method: "GET", path, headers: { "x-amz-security-token": t } }, fixture.context({ policy: { audience: "elsewhere" } }));
        expect(JSON.stringify(decision.allow ? {} : decision.error)).not.toContain(t.split(".")[2]);
      }
    }
  });
});

describe("no body work before authentication", () => {
  // The attack from the issue: 2 MiB of '&' in one key, with no token.
  const ATTACK = `<Delete><Object><Key>${"&".repeat(2 * 1024 * 1024 - 64)}</Key></Object></Delete>`;

  /** A request whose body is a getter: counts reads, so "never parsed" also means "never looked at". */
  function watched(headers: Record<string, string>, body: string): { request: GatewayRequest; reads: () => number } {
    let reads = 0;
    const request = { method: "POST", path: "/data?delete", headers: { host: "gw", ...headers } } as GatewayRequest;
    Object.defineProperty(request, "body", { enumerable: true, get: () => ((reads += 1), body) });
    return { request, reads: () => reads };
  }

  beforeEach(() => bodyParser.mockClear());

  it("answers an anonymous DeleteObjects 403 without reading or parsing its body", async () => {
    const { request, reads } = watched({}, ATTACK);
    expect(await decide(request, fixture.context())).toMatchObject({ allow: false, status: 403, reason: "no-token", request: { operation: "DeleteObjects" } });
    expect(bodyParser).not.toHaveBeenCalled();
    expect(reads()).toBe(0);
  });

  it("never parses the body for a token that fails: bad signature, wrong audience, expired, non-canonical, two places", async () => {
    const token = await fixture.mint(["delete:data/"]);
    const expired = await fixture.mint(["delete:data/"], { now: new Date(Date.now() - 3600_000) });
    const cases: [Record<string, string>, string][] = [
      [{ "x-amz-security-token": `${token.slice(0, -4)}AAAA` }, "signature"],
      [{ "x-amz-security-token": expired }, "expired"],
      [{ "x-amz-security-token": `${token}==` }, "malformed"],
      [{ "x-amz-security-token": token, authorization: `Bearer ${token}` }, "multiple-tokens"],
    ];
    for (const [headers, reason] of cases) {
      const { request, reads } = watched(headers, ATTACK);
      expect(await decide(request, fixture.context())).toMatchObject({ allow: false, reason });
      expect(reads()).toBe(0);
    }
    const { request } = watched({ "x-amz-security-token": token }, DELETE_BODY("a"));
    expect(await decide(request, fixture.context({ policy: { audience: "elsewhere" } }))).toMatchObject({ allow: false, reason: "claims" });
    expect(bodyParser).not.toHaveBeenCalled();
  });

  it("parses the body once the token verifies, and refuses the attack body there as MalformedXML", async () => {
    const token = await fixture.mint(["delete:data/"]);
    const { request } = watched({ "x-amz-security-token": token }, ATTACK);
    const decision = await decide(request, fixture.context());
    expect(decision).toMatchObject({ allow: false, status: 400, error: { code: "MalformedXML" }, token: { subject: "alice" }, request: { operation: "DeleteObjects" } });
    expect(bodyParser).toHaveBeenCalledTimes(1);
  });

  it("refuses an Object hidden inside Quiet instead of checking only the visible keys", async () => {
    const body = "<Delete><Quiet><Object><Key>reports/secret</Key></Object></Quiet><Object><Key>tmp/a</Key></Object></Delete>";
    const decision = await fixture.decideWith(["delete:data/tmp/"], { method: "POST", path: "/data?delete", body });
    expect(decision).toMatchObject({ allow: false, status: 400, error: { code: "MalformedXML" } });
  });
});

describe("copy sources judged as S3 reads them", () => {
  it("allows CopySource: encodeURIComponent('bucket/key') and sends S3 the canonical form", async () => {
    const decision = await fixture.decideWith(["write:data/in/", "read:data/reports/"], {
      method: "PUT",
      path: "/data/in/a.csv",
      headers: { "x-amz-copy-source": encodeURIComponent("data/reports/q1 2024+final.csv") },
    });
    expect(decision).toMatchObject({
      allow: true,
      request: { operation: "CopyObject", copySource: { bucket: "data", key: "reports/q1 2024+final.csv" }, upstreamCopySource: "/data/reports/q1%202024%2Bfinal.csv" },
    });
  });

  it("judges the key S3 would read from an encoded slash, and denies it outside the grants", async () => {
    const decision = await fixture.decideWith(["write:data/in/", "read:data/reports/"], {
      method: "PUT",
      path: "/data/in/a.csv",
      headers: { "x-amz-copy-source": "data%2Fsecret%2Fa.csv" },
    });
    expect(decision).toMatchObject({ allow: false, status: 403, error: { code: "AccessDenied", message: expect.stringContaining("s3://data/secret/a.csv") } });
  });
});
