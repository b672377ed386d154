import { fail } from "../errors";
import type { Headers } from "./headers";
import type { S3Operation } from "./operations";

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
const SIGNED_CHUNKS = new Set([
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
  "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
  "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
]);
const STREAMING_UPLOADS: ReadonlySet<S3Operation> = new Set(["PutObject", "UploadPart"]);

/** The payload hash Envoy sets upstream: the client's value, or UNSIGNED-PAYLOAD when absent. */
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

function isAwsChunked(headers: Headers): boolean {
  const encoding = headers["content-encoding"];
  return encoding !== undefined && encoding.split(",").some((e) => e.trim().toLowerCase() === "aws-chunked");
}

/**
 * Checks `x-amz-content-sha256` against docs/design.md section 5 and returns the value to sign with. The
 * client's value is kept so S3 can check the body; only what can be re-signed without the client's
 * secret passes.
 */
export function payloadHashFor(operation: S3Operation, headers: Headers): string {
  const value = headers["x-amz-content-sha256"];
  if (value === undefined) return UNSIGNED_PAYLOAD;
  if (HEX_SHA256.test(value)) return value;
  if (value === UNSIGNED_PAYLOAD) {
    if (isAwsChunked(headers)) {
      fail("InvalidRequest", "x-amz-content-sha256 UNSIGNED-PAYLOAD cannot be used with content-encoding aws-chunked; send a plain body");
    }
    return value;
  }
  if (value === "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
    if (!STREAMING_UPLOADS.has(operation)) {
      fail("InvalidRequest", `x-amz-content-sha256 STREAMING-UNSIGNED-PAYLOAD-TRAILER is only accepted on PutObject and UploadPart, not ${operation}`);
    }
    if (headers["x-amz-decoded-content-length"] === undefined) {
      fail("InvalidRequest", "a STREAMING-UNSIGNED-PAYLOAD-TRAILER upload needs the x-amz-decoded-content-length header");
    }
    return value;
  }
  if (SIGNED_CHUNKS.has(value)) {
    fail(
      "InvalidRequest",
      `signed-chunk uploads (${value}) cannot be forwarded by this gateway; use HTTPS or set AWS_REQUEST_CHECKSUM_CALCULATION=when_required`,
    );
  }
  fail("InvalidRequest", "x-amz-content-sha256 must be 64 hex digits, UNSIGNED-PAYLOAD or STREAMING-UNSIGNED-PAYLOAD-TRAILER");
}
