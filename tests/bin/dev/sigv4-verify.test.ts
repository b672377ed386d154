import { createHash } from "node:crypto";
import { computeSignature, DEFAULT_MAX_SKEW_SECONDS, HEADER_VALUE_FORMS, maxSkewSeconds, verifySigV4 } from "../../../bin/dev/sigv4-verify";

// The GET Object example from the Amazon S3 SigV4 documentation ("Signature Calculations for the
// Authorization Header"), with its published signature.
const S3_DOCS_EXAMPLE = {
  method: "GET",
  target: "/test.txt",
  headers: {
    host: "examplebucket.s3.amazonaws.com",
    range: "bytes=0-9",
    "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "x-amz-date": "20130524T000000Z",
  },
  signedHeaders: ["host", "range", "x-amz-content-sha256", "x-amz-date"],
  payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  amzDate: "20130524T000000Z",
  region: "us-east-1",
  service: "s3",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};
const PUBLISHED = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";

describe("the stand-in's SigV4 verifier", () => {
  it("reproduces the signature published in the S3 documentation", () => {
    expect(computeSignature(S3_DOCS_EXAMPLE)).toBe(PUBLISHED);
  });

  const authorization = `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=${PUBLISHED}`;
  const credentials = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: S3_DOCS_EXAMPLE.secretAccessKey };
  const at = new Date("2013-05-24T00:01:00Z");
  const request = { method: "GET", target: "/test.txt", headers: { ...S3_DOCS_EXAMPLE.headers, authorization } };

  it("accepts the documented request", () => {
    expect(verifySigV4(request, credentials, "us-east-1", at)).toEqual({ ok: true, signedHeaders: S3_DOCS_EXAMPLE.signedHeaders });
  });

  it("accepts a header value signed in SDK v3's form or in botocore's, and refuses one signed over another value or of another length", () => {
    const signedHeaders = ["host", "x-amz-content-sha256", "x-amz-date", "x-amz-meta-note"];
    for (const value of ["ab\u00a0", "\u00a0ab", "a\u0085b", "a\tb"]) {
      const headers = { ...S3_DOCS_EXAMPLE.headers, "x-amz-meta-note": value };
      for (const headerValueForm of Object.values(HEADER_VALUE_FORMS)) {
        const signature = computeSignature({ ...S3_DOCS_EXAMPLE, headers, signedHeaders, headerValueForm });
        const signed = (sig: string) => ({ method: "GET", target: "/test.txt", headers: { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=${signedHeaders.join(";")}, Signature=${sig}` } });
        expect(verifySigV4(signed(signature), credentials, "us-east-1", at)).toMatchObject({ ok: true });
        expect(verifySigV4({ ...signed(signature), headers: { ...signed(signature).headers, "x-amz-meta-note": `${value}x` } }, credentials, "us-east-1", at)).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
        expect(verifySigV4(signed(signature.slice(2)), credentials, "us-east-1", at)).toMatchObject({ ok: false });
      }
    }
  });

  it("refuses a changed path, method or header", () => {
    expect(verifySigV4({ ...request, target: "/test2.txt" }, credentials, "us-east-1", at)).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
    expect(verifySigV4({ ...request, method: "DELETE" }, credentials, "us-east-1", at)).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
    expect(verifySigV4({ ...request, headers: { ...request.headers, range: "bytes=0-99" } }, credentials, "us-east-1", at)).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
  });

  it("refuses an unsigned x-amz-* header, a skewed clock and another key", () => {
    expect(verifySigV4({ ...request, headers: { ...request.headers, "x-amz-acl": "public-read" } }, credentials, "us-east-1", at)).toMatchObject({ ok: false, code: "AccessDenied" });
    expect(verifySigV4(request, credentials, "us-east-1", new Date("2013-05-24T01:00:00Z"))).toMatchObject({ ok: false, code: "RequestTimeTooSkewed" });
    expect(verifySigV4(request, { ...credentials, accessKeyId: "OTHER" }, "us-east-1", at)).toMatchObject({ ok: false, code: "InvalidAccessKeyId" });
  });

  it("allows S3 its 15 minutes of clock skew and Lambda the 5 minutes most services allow", () => {
    expect([maxSkewSeconds("s3"), maxSkewSeconds("lambda"), DEFAULT_MAX_SKEW_SECONDS]).toEqual([900, 300, 300]);
    const signedAt = Date.parse("2013-05-24T00:00:00Z");
    expect(verifySigV4(request, credentials, "us-east-1", new Date(signedAt + 14 * 60_000))).toMatchObject({ ok: true });
    const payloadHash = createHash("sha256").update("{}").digest("hex");
    const headers = { host: "abc.lambda-url.us-east-1.on.aws", "content-type": "application/json", "x-amz-date": S3_DOCS_EXAMPLE.amzDate };
    const signedHeaders = ["content-type", "host", "x-amz-date"];
    const signature = computeSignature({ method: "POST", target: "/", headers, signedHeaders, payloadHash, amzDate: S3_DOCS_EXAMPLE.amzDate, region: "us-east-1", service: "lambda", secretAccessKey: credentials.secretAccessKey });
    const lambdaRequest = {
      method: "POST",
      target: "/",
      headers: { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20130524/us-east-1/lambda/aws4_request, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}` },
    };
    const lambda = { service: "lambda", payloadHash };
    expect(verifySigV4(lambdaRequest, credentials, "us-east-1", new Date(signedAt + 4 * 60_000), lambda)).toMatchObject({ ok: true });
    expect(verifySigV4(lambdaRequest, credentials, "us-east-1", new Date(signedAt + 6 * 60_000), lambda)).toMatchObject({ ok: false, code: "RequestTimeTooSkewed", message: expect.stringContaining("300 seconds") });
    expect(verifySigV4(lambdaRequest, credentials, "us-east-1", new Date(signedAt - 6 * 60_000), lambda)).toMatchObject({ ok: false, code: "RequestTimeTooSkewed" });
  });
});
