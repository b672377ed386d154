import { createHash } from "node:crypto";

/**
 * Requests S3 refuses before it looks at objects, and moto accepts. Pure: method, target and
 * headers in, S3's refusal (code, status, message) out. Sources for each rule:
 * - codes, statuses and messages: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 * - user metadata limit (2 KB, UTF-8 bytes of each name and value):
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html
 * - key length (1,024 bytes of UTF-8): https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
 * - DeleteObjects needs Content-MD5 or an x-amz-checksum-* header:
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html (S3's message, as clients
 *   report it: aws/aws-cli#400, aws/aws-sdk-cpp#91)
 */
export interface S3RefusalReason {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** Largest total of user metadata names (without `x-amz-meta-`) and values, in bytes. */
export const MAX_USER_METADATA_BYTES = 2048;
/** Longest object key, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

const CHECKSUM_HEADERS = ["x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-crc64nvme", "x-amz-checksum-sha1", "x-amz-checksum-sha256"];

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function queryNames(rawQuery: string): Set<string> {
  return new Set(rawQuery.split("&").filter((p) => p !== "").map((p) => decodeURIComponent(p.split("=")[0]!)));
}

/** Bytes of a header value as it came off the wire (Node decodes header bytes as latin1). */
const wireBytes = (value: string) => Buffer.byteLength(value, "latin1");

/**
 * The refusal S3 would answer before reading the body, or undefined. `target` is the path-style
 * request target (`/bucket/key?query`) as received.
 */
export function refusalBeforeBody(method: string, target: string, headers: Headers): S3RefusalReason | undefined {
  const question = target.indexOf("?");
  const path = question < 0 ? target : target.slice(0, question);
  const query = queryNames(question < 0 ? "" : target.slice(question + 1));
  const slash = path.indexOf("/", 1);
  const rawKey = slash < 0 ? "" : path.slice(slash + 1);
  let key: string;
  try {
    key = decodeURIComponent(rawKey);
  } catch {
    return { status: 400, code: "InvalidURI", message: "Couldn't parse the specified URI." };
  }
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) return { status: 400, code: "KeyTooLongError", message: "Your key is too long." };

  const isCopy = headers["x-amz-copy-source"] !== undefined;
  // An aws-chunked upload may come with Transfer-Encoding: chunked: its length is then
  // x-amz-decoded-content-length (the SDK v3 sends streams of known length this way).
  if (method === "PUT" && key !== "" && !isCopy && headers["content-length"] === undefined && headers["x-amz-decoded-content-length"] === undefined) {
    return { status: 411, code: "MissingContentLength", message: "You must provide the Content-Length HTTP header." };
  }
  let metadataBytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith("x-amz-meta-") || value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) metadataBytes += name.length - "x-amz-meta-".length + wireBytes(one);
  }
  if (metadataBytes > MAX_USER_METADATA_BYTES) {
    return { status: 400, code: "MetadataTooLarge", message: "Your metadata headers exceed the maximum allowed metadata size." };
  }
  if (method === "POST" && key === "" && query.has("delete") && headers["content-md5"] === undefined && !CHECKSUM_HEADERS.some((h) => headers[h] !== undefined)) {
    return { status: 400, code: "InvalidRequest", message: "Missing required header for this request: Content-MD5" };
  }
  return undefined;
}

/** S3's answer to a Content-MD5 that is malformed or does not match the body, or undefined. */
export function contentMd5Refusal(contentMd5: string | undefined, body: Uint8Array): S3RefusalReason | undefined {
  if (contentMd5 === undefined) return undefined;
  const claimed = Buffer.from(contentMd5, "base64");
  if (claimed.length !== 16 || claimed.toString("base64") !== contentMd5.trim()) {
    return { status: 400, code: "InvalidDigest", message: "The Content-MD5 you specified was invalid." };
  }
  if (!claimed.equals(createHash("md5").update(body).digest())) {
    return { status: 400, code: "BadDigest", message: "The Content-MD5 you specified did not match what we received." };
  }
  return undefined;
}
