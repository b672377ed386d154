import fc from "fast-check";
import { classify, classifyRequest } from "../../../src/s3/classify";
import { DEFAULT_CANNED_ACL } from "../../../src/s3/headers";
import type { GatewayRequest } from "../../../src/s3/request";

/** The requests ordinary S3 clients send by default, and their denied twins. */

const put = (path: string, headers: Record<string, string> = {}): GatewayRequest => ({ method: "PUT", path, headers: { host: "gw", ...headers } });
const refusal = (request: GatewayRequest) => {
  const result = classify(request);
  if (result.ok) throw new Error(`allowed: ${request.method} ${request.path}`);
  return result.error;
};

describe("GetObjectTagging (aws s3 cp/mv/sync between S3 locations)", () => {
  it("maps GET ?tagging to a read of the object, with or without versionId", () => {
    expect(classifyRequest({ method: "GET", path: "/data/team/a.bin?tagging", headers: {} })).toMatchObject({
      operation: "GetObjectTagging",
      checks: [{ kind: "object", access: "read", bucket: "data", key: "team/a.bin" }],
      upstreamPath: "/data/team/a.bin?tagging",
    });
    expect(classifyRequest({ method: "GET", path: "/data/a?tagging&versionId=v1", headers: {} }).operation).toBe("GetObjectTagging");
  });

  it("still refuses writing or deleting tags, and ?tagging=value", () => {
    expect(refusal({ method: "PUT", path: "/data/a?tagging", headers: {} }).code).toBe("AccessDenied");
    expect(refusal({ method: "DELETE", path: "/data/a?tagging", headers: {} }).code).toBe("AccessDenied");
    expect(refusal({ method: "GET", path: "/data/a?tagging=x", headers: {} }).message).toContain("'tagging' takes no value");
    expect(refusal({ method: "GET", path: "/data?tagging", headers: {} }).code).toBe("AccessDenied");
  });
});

describe("x-amz-tagging", () => {
  it("is accepted on PutObject and CreateMultipartUpload, signed as sent", () => {
    expect(classifyRequest(put("/data/a", { "x-amz-tagging": "k=v" })).operation).toBe("PutObject");
    expect(classifyRequest({ method: "POST", path: "/data/a?uploads", headers: { "x-amz-tagging": "k=v&a=b" } }).operation).toBe("CreateMultipartUpload");
  });

  it("is refused elsewhere, and x-amz-tagging-directive stays refused", () => {
    expect(refusal(put("/data/b", { "x-amz-copy-source": "/data/a", "x-amz-tagging": "k=v" })).message).toContain("header 'x-amz-tagging' on CopyObject");
    expect(refusal({ method: "GET", path: "/data/a", headers: { "x-amz-tagging": "k=v" } }).code).toBe("AccessDenied");
    expect(refusal(put("/data/a?partNumber=1&uploadId=u", { "x-amz-tagging": "k=v" })).code).toBe("AccessDenied");
    expect(refusal(put("/data/b", { "x-amz-copy-source": "/data/a", "x-amz-tagging-directive": "COPY" })).message).toContain("x-amz-tagging-directive");
  });
});

describe("x-amz-acl (rclone sends 'private' on every upload and copy)", () => {
  it("accepts exactly 'private' on writes that create an object and strips it upstream", () => {
    for (const request of [put("/data/a", { "x-amz-acl": "private" }), put("/data/b", { "x-amz-acl": "private", "x-amz-copy-source": "/data/a" }), { method: "POST", path: "/data/a?uploads", headers: { "x-amz-acl": "private" } }]) {
      expect(classifyRequest(request)).toMatchObject({ removedHeaders: ["x-amz-acl"] });
    }
    expect(classifyRequest(put("/data/a")).removedHeaders).toEqual([]);
  });

  it("refuses every other canned ACL, any case variant, and 'private' on other operations", () => {
    for (const acl of ["public-read", "public-read-write", "authenticated-read", "bucket-owner-read", "bucket-owner-full-control", "aws-exec-read", "log-delivery-write", "Private", " private", "private,public-read"]) {
      expect(refusal(put("/data/a", { "x-amz-acl": acl })).code).toBe("AccessDenied");
    }
    expect(refusal(put("/data/a?partNumber=1&uploadId=u", { "x-amz-acl": "private" })).message).toContain("on UploadPart");
    expect(refusal({ method: "GET", path: "/data/a", headers: { "x-amz-acl": "private" } }).code).toBe("AccessDenied");
  });

  it("refuses grants beside 'private'", () => {
    expect(refusal(put("/data/a", { "x-amz-acl": "private", "x-amz-grant-read": "uri=http://acs.amazonaws.com/groups/global/AllUsers" })).message).toContain("x-amz-grant-read");
  });

  it("accepts a value only when it is exactly the default ACL (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom("private", "PRIVATE", "private ", "public-read")), (acl) => {
        expect(classify(put("/data/a", { "x-amz-acl": acl })).ok).toBe(acl === DEFAULT_CANNED_ACL);
      }),
    );
  });
});

describe("hoisted headers (SDK v3 getSignedUrl puts x-amz-* headers in the query)", () => {
  const presigned = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20300101T000000Z&X-Amz-Expires=900&X-Amz-Signature=abc";

  it("accepts a presigned PutObject with its default checksum parameters and forwards them, signed, as query parameters", () => {
    const request = put(`/data/a?${presigned}&x-amz-checksum-crc32=AAAAAA%3D%3D&x-amz-sdk-checksum-algorithm=CRC32&x-amz-meta-original_name=x&x-id=PutObject`);
    const classified = classifyRequest(request);
    expect(classified.operation).toBe("PutObject");
    expect(classified.upstreamPath).toBe("/data/a?x-amz-checksum-crc32=AAAAAA%3D%3D&x-amz-meta-original_name=x&x-amz-sdk-checksum-algorithm=CRC32&x-id=PutObject");
  });

  it("judges them with the header rules: a hoisted ACL, grant or lock is the header", () => {
    expect(refusal(put("/data/a?x-amz-acl=public-read")).message).toContain("query parameter 'x-amz-acl' (header 'x-amz-acl')");
    expect(refusal(put("/data/a?X-Amz-Grant-Read=id%3Dx")).message).toContain("'X-Amz-Grant-Read' (header 'x-amz-grant-read')");
    expect(refusal(put("/data/a?x-amz-object-lock-mode=COMPLIANCE")).code).toBe("AccessDenied");
    expect(refusal({ method: "GET", path: "/data/a?x-amz-tagging=a%3Db", headers: {} }).code).toBe("AccessDenied");
  });

  it("drops a hoisted x-amz-acl=private from the upstream query, removing no header", () => {
    const classified = classifyRequest(put("/data/a?x-amz-acl=private&x-amz-storage-class=STANDARD"));
    expect(classified.upstreamPath).toBe("/data/a?x-amz-storage-class=STANDARD");
    expect(classified.removedHeaders).toEqual([]);
  });

  it("refuses a header sent both hoisted and as a header, or hoisted twice under two spellings", () => {
    const both = refusal(put("/data/a?x-amz-meta-a=1", { "x-amz-meta-a": "2" }));
    expect(both).toMatchObject({ code: "InvalidRequest", status: 400 });
    expect(both.message).toContain("'x-amz-meta-a' sent both as a header and as a query parameter");
    expect(refusal(put("/data/a?x-amz-meta-a=1&X-Amz-Meta-A=2")).code).toBe("InvalidRequest");
    expect(refusal(put("/data/a?x-amz-acl=private", { "x-amz-acl": "private" })).code).toBe("InvalidRequest");
  });

  it("refuses hoisting a header the gateway reads only as a header", () => {
    for (const name of ["x-amz-copy-source", "X-Amz-Copy-Source-Range", "x-amz-content-sha256", "x-amz-date", "x-amz-decoded-content-length", "x-amz-trailer", "X-AMZ-SECURITY-TOKEN", "x-amz-security-token", "x-amz-signature", "x-amz-server-side-encryption-customer-key"]) {
      expect(refusal(put(`/data/b?${name}=x`)).message).toContain("reads only as a header");
    }
  });

  it("judges any hoisted header exactly as the same header (property)", () => {
    // Names with '_' differ on purpose: the load balancer drops them as headers, not in a query (header-names.test.ts).
    const nameArb = fc.constantFrom("x-amz-acl", "x-amz-grant-read", "x-amz-tagging", "x-amz-object-lock-mode", "x-amz-meta-a-b", "x-amz-storage-class", "x-amz-website-redirect-location", "x-amz-server-side-encryption", "x-amz-tagging-directive");
    const valueArb = fc.constantFrom("private", "public-read", "k=v", "STANDARD", "AES256", "/x");
    const requestArb = fc.record({ method: fc.constantFrom("PUT", "POST", "GET"), query: fc.constantFrom("", "uploads", "partNumber=1&uploadId=u") });
    fc.assert(
      fc.property(nameArb, valueArb, requestArb, fc.boolean(), (name, value, { method, query }, upper) => {
        const parameter = upper ? name.toUpperCase() : name;
        const sep = query === "" ? "?" : `?${query}&`;
        const asHeader = classify({ method, path: `/data/a${query === "" ? "" : `?${query}`}`, headers: { [name]: value } });
        const asQuery = classify({ method, path: `/data/a${sep}${parameter}=${encodeURIComponent(value)}`, headers: {} });
        expect(asQuery.ok).toBe(asHeader.ok);
        if (!asQuery.ok && !asHeader.ok) expect(asQuery.error.code).toBe(asHeader.error.code);
      }),
    );
  });
});

describe("SigV2 presigned URLs (boto3 generate_presigned_url, aws cli v1 s3 presign)", () => {
  it("accepts the SigV2 parameters and drops them upstream", () => {
    const classified = classifyRequest({ method: "GET", path: "/data/a.csv?AWSAccessKeyId=AKID&Signature=abc%2B%3D&Expires=1893456000&x-amz-security-token=a.b.c", headers: {} });
    expect(classified).toMatchObject({ operation: "GetObject", upstreamPath: "/data/a.csv" });
    expect(classified.upstreamQuery.size).toBe(0);
  });

  it("refuses the lower-case token parameter outside a SigV2 URL, as a hoisted header", () => {
    expect(refusal({ method: "GET", path: "/data/a.csv?Signature=abc&x-amz-security-token=a.b.c", headers: {} }).message).toContain("reads only as a header");
  });
});
