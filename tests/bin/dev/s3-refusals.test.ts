import { createHash } from "node:crypto";
import fc from "fast-check";
import { contentMd5Refusal, MAX_KEY_BYTES, MAX_USER_METADATA_BYTES, refusalBeforeBody } from "../../../bin/dev/s3-refusals";

const percentPath = (key: string) => key.split("/").map(encodeURIComponent).join("/");
const md5 = (data: string) => createHash("md5").update(data).digest("base64");

describe("what the verifying layer refuses before S3 stores anything", () => {
  it("refuses a key over 1,024 bytes of UTF-8 and accepts any key up to it", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 700 }), (key) => {
        const refusal = refusalBeforeBody("PUT", `/b/${percentPath(key)}`, { "content-length": "1" });
        if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) expect(refusal).toMatchObject({ status: 400, code: "KeyTooLongError" });
        else expect(refusal).toBeUndefined();
      }),
    );
    expect(refusalBeforeBody("GET", `/b/${"é".repeat(512)}`, {})).toBeUndefined();
    expect(refusalBeforeBody("GET", `/b/${encodeURIComponent("é".repeat(512))}a`, {})).toMatchObject({ code: "KeyTooLongError" });
  });

  it("refuses user metadata whose names and values add up to more than 2 KB, counting bytes", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.nat(900)), { minLength: 1, maxLength: 5 }), (entries) => {
        const headers: Record<string, string> = { "content-length": "0" };
        for (const [name, size] of entries) headers[`x-amz-meta-${name}`] = "v".repeat(size);
        const total = Object.entries(headers).reduce((sum, [name, value]) => (name.startsWith("x-amz-meta-") ? sum + name.length - 11 + value.length : sum), 0);
        const refusal = refusalBeforeBody("PUT", "/b/k", headers);
        expect(refusal?.code === "MetadataTooLarge").toBe(total > MAX_USER_METADATA_BYTES);
      }),
    );
    // A UTF-8 value arrives as latin1 characters, one per byte: 1,020 two-byte characters are 2,040 bytes, and the name 8 or 9 more.
    const utf8 = Buffer.from("é".repeat(1020), "utf8").toString("latin1");
    expect(refusalBeforeBody("PUT", "/b/k", { "content-length": "0", "x-amz-meta-abcdefghi": utf8 })).toMatchObject({ code: "MetadataTooLarge", status: 400 });
    expect(refusalBeforeBody("PUT", "/b/k", { "content-length": "0", "x-amz-meta-abcdefgh": utf8 })).toBeUndefined();
  });

  it("refuses a PUT of an object with no length (411), but not a copy or an aws-chunked upload of known decoded length", () => {
    expect(refusalBeforeBody("PUT", "/b/k", {})).toEqual({ status: 411, code: "MissingContentLength", message: "You must provide the Content-Length HTTP header." });
    expect(refusalBeforeBody("PUT", "/b/k?partNumber=1&uploadId=u", {})).toMatchObject({ code: "MissingContentLength" });
    expect(refusalBeforeBody("PUT", "/b/k", { "x-amz-copy-source": "/b/src" })).toBeUndefined();
    expect(refusalBeforeBody("PUT", "/b/k", { "x-amz-decoded-content-length": "10", "transfer-encoding": "chunked" })).toBeUndefined();
    expect(refusalBeforeBody("GET", "/b/k", {})).toBeUndefined();
  });

  it("refuses DeleteObjects without Content-MD5 or an x-amz-checksum-* header, with S3's message", () => {
    expect(refusalBeforeBody("POST", "/b?delete", { "content-length": "10" })).toEqual({ status: 400, code: "InvalidRequest", message: "Missing required header for this request: Content-MD5" });
    expect(refusalBeforeBody("POST", "/b?delete=", { "content-length": "10" })).toMatchObject({ code: "InvalidRequest" });
    expect(refusalBeforeBody("POST", "/b?delete", { "content-md5": "x" })).toBeUndefined();
    for (const algorithm of ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"]) expect(refusalBeforeBody("POST", "/b?delete", { [`x-amz-checksum-${algorithm}`]: "x" })).toBeUndefined();
    expect(refusalBeforeBody("POST", "/b?delete", { "x-amz-sdk-checksum-algorithm": "CRC32" })).toMatchObject({ code: "InvalidRequest" });
    expect(refusalBeforeBody("POST", "/b/k?uploads", {})).toBeUndefined();
  });

  it("checks Content-MD5 against the body: malformed is InvalidDigest, different is BadDigest", () => {
    expect(contentMd5Refusal(undefined, Buffer.from("x"))).toBeUndefined();
    expect(contentMd5Refusal(md5("body"), Buffer.from("body"))).toBeUndefined();
    expect(contentMd5Refusal(md5("other"), Buffer.from("body"))).toMatchObject({ status: 400, code: "BadDigest" });
    expect(contentMd5Refusal("not-md5", Buffer.from("body"))).toMatchObject({ status: 400, code: "InvalidDigest" });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (a, b) => {
        const claimed = createHash("md5").update(a).digest("base64");
        expect(contentMd5Refusal(claimed, b) === undefined).toBe(Buffer.from(a).equals(Buffer.from(b)));
      }),
    );
  });
});
