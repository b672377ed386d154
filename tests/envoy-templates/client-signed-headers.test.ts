import { envoySettings } from "../../envoy-templates";
import type { HeaderNameSet } from "../../envoy-templates/settings";

/**
 * The SignedHeaders each real client sent, captured by pointing it at a recording HTTP server with
 * temporary credentials (aws-cli 2 and 1.45.11/botocore 1.43.11, boto3 1.43.11, @aws-sdk/client-s3
 * 3.x, rclone 1.60.1, s3cmd 2.x). The authorizer can verify a signature only if Envoy's ext_authz
 * forwards every header it covers (tests/e2e/pop-clients.test.ts runs the clients for real).
 */
const CAPTURED: Record<string, readonly string[]> = {
  "aws cli v2 s3 cp (PutObject)": ["content-md5", "content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"],
  "aws cli v2 s3api get-object --range": ["host", "range", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"],
  "aws cli v1 s3 cp (PutObject)": ["content-type", "host", "x-amz-checksum-crc32", "x-amz-content-sha256", "x-amz-date", "x-amz-sdk-checksum-algorithm", "x-amz-security-token"],
  "boto3 put_object with metadata": ["content-type", "host", "x-amz-checksum-crc32", "x-amz-content-sha256", "x-amz-date", "x-amz-meta-a", "x-amz-sdk-checksum-algorithm", "x-amz-security-token"],
  "boto3 get_object with Range and IfMatch": ["host", "if-match", "range", "x-amz-checksum-mode", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"],
  "SDK v3 PutObject": [
    "amz-sdk-invocation-id",
    "amz-sdk-request",
    "content-length",
    "content-type",
    "host",
    "x-amz-checksum-crc32",
    "x-amz-content-sha256",
    "x-amz-date",
    "x-amz-sdk-checksum-algorithm",
    "x-amz-security-token",
    "x-amz-user-agent",
  ],
  "SDK v3 GetObject with Range": ["amz-sdk-invocation-id", "amz-sdk-request", "host", "range", "x-amz-checksum-mode", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token", "x-amz-user-agent"],
  "rclone copyto (PutObject)": ["content-length", "content-md5", "content-type", "host", "x-amz-acl", "x-amz-content-sha256", "x-amz-date", "x-amz-meta-mtime", "x-amz-security-token"],
  "rclone cat (GetObject)": ["accept-encoding", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"],
  "s3cmd put": ["content-length", "content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-meta-s3cmd-attrs", "x-amz-security-token", "x-amz-storage-class"],
};

const settings = envoySettings({ s3Region: "eu-west-1" });

/** How a signed header reaches the authorizer, or undefined when it does not. */
function carriedBy(name: string, allowed: HeaderNameSet): string | undefined {
  if (name === "host") return "Envoy's default (:authority)";
  if (name === "content-length") return allowed.exact.includes(settings.extAuthz.clientContentLengthHeader) ? settings.extAuthz.clientContentLengthHeader : undefined;
  if (allowed.exact.includes(name)) return "allowed_headers (exact)";
  if (allowed.prefixes.some((prefix) => name.startsWith(prefix))) return "allowed_headers (prefix)";
  return undefined;
}

describe("headers real clients sign reach the authorizer", () => {
  it.each(Object.entries(CAPTURED))("%s", (_client, signed) => {
    const missing = signed.filter((name) => carriedBy(name, settings.extAuthz.allowedRequestHeaders) === undefined);
    expect(missing).toEqual([]);
  });

  it("notices a signed header the allow-list does not carry", () => {
    expect(carriedBy("x-custom-signed", settings.extAuthz.allowedRequestHeaders)).toBeUndefined();
    expect(carriedBy("content-length", { exact: [], prefixes: [] })).toBeUndefined();
  });
});
