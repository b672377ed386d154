/**
 * The S3 operations this gateway serves: docs/design.md section 4's table is the allow-list, plus
 * CreateBucket, which is never forwarded (LOCALLY_ANSWERED).
 */
export type S3Operation =
  | "GetObject"
  | "HeadObject"
  | "GetObjectAttributes"
  | "GetObjectTagging"
  | "ListObjectsV2"
  | "ListObjects"
  | "ListMultipartUploads"
  | "ListObjectVersions"
  | "HeadBucket"
  | "GetBucketLocation"
  | "PutObject"
  | "CopyObject"
  | "CreateMultipartUpload"
  | "UploadPart"
  | "UploadPartCopy"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "ListParts"
  | "DeleteObject"
  | "DeleteObjects"
  | "CreateBucket";

/**
 * Operations the authorizer answers itself after the token check, never forwarded to S3:
 * CreateBucket (`PUT /<bucket>`), which rclone sends before uploads (src/s3/create-bucket.ts).
 */
export const LOCALLY_ANSWERED: ReadonlySet<S3Operation> = new Set(["CreateBucket"]);

/** SigV4 presigned-URL parameters. `X-Amz-Content-Sha256` is not in the design's list, but AWS SDK v3 presigned URLs carry it. */
const SIGV4_PRESIGN_PARAMETERS = [
  "X-Amz-Algorithm",
  "X-Amz-Content-Sha256",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-SignedHeaders",
  "X-Amz-Signature",
  "X-Amz-Security-Token",
];

/**
 * SigV2 query-string authentication (boto3's `generate_presigned_url` and aws cli v1's `s3 presign`
 * by default): the access key id, the signature and the expiry in epoch seconds. The client's
 * signature is ignored like a SigV4 one; `Expires` is honoured (src/token/extract.ts).
 */
export const SIGV2_PRESIGN_PARAMETERS: readonly string[] = Object.freeze(["AWSAccessKeyId", "Signature", "Expires"]);

/**
 * A SigV2 presigned URL carries the session token under its header's lower-case name. It is a
 * token place only in a SigV2 URL (all of SIGV2_PRESIGN_PARAMETERS present), so `Expires` always
 * bounds it; anywhere else it is a hoisted `x-amz-security-token` header, which is refused.
 */
export const SIGV2_TOKEN_PARAMETER = "x-amz-security-token";

/** Whether a query is SigV2 query-string authentication: every SigV2 parameter present. */
export function isSigV2Query(query: ReadonlyMap<string, string>): boolean {
  return SIGV2_PRESIGN_PARAMETERS.every((name) => query.has(name));
}

/** Presign parameters (SigV4 and SigV2), dropped from the upstream request (the authorizer signs with headers). */
export const PRESIGN_PARAMETERS: ReadonlySet<string> = new Set([...SIGV4_PRESIGN_PARAMETERS, ...SIGV2_PRESIGN_PARAMETERS]);

/** The presign parameters of one query: PRESIGN_PARAMETERS, and the SigV2 token parameter in a SigV2 URL. */
export function presignParametersOf(query: ReadonlyMap<string, string>): ReadonlySet<string> {
  return isSigV2Query(query) ? new Set([...PRESIGN_PARAMETERS, SIGV2_TOKEN_PARAMETER]) : PRESIGN_PARAMETERS;
}

/** Query parameters any request may carry: the presign parameters and the SDKs' `x-id`. */
export const ALWAYS_ALLOWED_PARAMETERS: ReadonlySet<string> = new Set([...PRESIGN_PARAMETERS, "x-id"]);

const RESPONSE_OVERRIDES = [
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "response-content-language",
  "response-content-type",
  "response-expires",
];
const LIST_V2 = ["list-type", "prefix", "delimiter", "max-keys", "encoding-type", "start-after", "continuation-token", "fetch-owner", "optional-object-attributes"];

/**
 * The parameters each operation accepts beyond ALWAYS_ALLOWED_PARAMETERS and hoisted headers
 * (`x-amz-*` parameters, judged as the headers they stand for: hoisted.ts). Anything else is denied.
 */
export const OPERATION_PARAMETERS: Readonly<Record<S3Operation, ReadonlySet<string>>> = {
  GetObject: new Set(["versionId", "partNumber", ...RESPONSE_OVERRIDES]),
  HeadObject: new Set(["versionId", "partNumber", ...RESPONSE_OVERRIDES]),
  GetObjectAttributes: new Set(["attributes", "versionId"]),
  GetObjectTagging: new Set(["tagging", "versionId"]),
  ListObjectsV2: new Set(LIST_V2),
  ListObjects: new Set(["prefix", "delimiter", "max-keys", "encoding-type", "marker"]),
  ListMultipartUploads: new Set(["uploads", "prefix", "delimiter", "max-uploads", "encoding-type", "key-marker", "upload-id-marker"]),
  ListObjectVersions: new Set(["versions", "prefix", "delimiter", "max-keys", "encoding-type", "key-marker", "version-id-marker"]),
  HeadBucket: new Set(),
  GetBucketLocation: new Set(["location"]),
  PutObject: new Set(),
  CopyObject: new Set(),
  CreateMultipartUpload: new Set(["uploads"]),
  UploadPart: new Set(["partNumber", "uploadId"]),
  UploadPartCopy: new Set(["partNumber", "uploadId"]),
  CompleteMultipartUpload: new Set(["uploadId"]),
  AbortMultipartUpload: new Set(["uploadId"]),
  ListParts: new Set(["uploadId", "max-parts", "part-number-marker"]),
  DeleteObject: new Set(["versionId"]),
  DeleteObjects: new Set(["delete"]),
  CreateBucket: new Set(),
};

/** Parameters that select a subresource and take no value (`?uploads`, `?delete`). */
export const FLAG_PARAMETERS: ReadonlySet<string> = new Set(["uploads", "delete", "versions", "location", "attributes", "tagging"]);
