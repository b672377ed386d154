/** The S3 operations this gateway serves: docs/design.md section 4's table is the allow-list. */
export type S3Operation =
  | "GetObject"
  | "HeadObject"
  | "GetObjectAttributes"
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
  | "DeleteObjects";

/**
 * Query parameters any request may carry: presigned-URL parameters and the SDKs' `x-id`.
 * `X-Amz-Content-Sha256` is not in the design's list, but AWS SDK v3 presigned URLs carry it.
 */
export const ALWAYS_ALLOWED_PARAMETERS: ReadonlySet<string> = new Set([
  "X-Amz-Algorithm",
  "X-Amz-Content-Sha256",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-SignedHeaders",
  "X-Amz-Signature",
  "X-Amz-Security-Token",
  "x-id",
]);

/** Presign parameters, dropped from the upstream request (the authorizer signs with headers). */
export const PRESIGN_PARAMETERS: ReadonlySet<string> = new Set([...ALWAYS_ALLOWED_PARAMETERS].filter((p) => p !== "x-id"));

const RESPONSE_OVERRIDES = [
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "response-content-language",
  "response-content-type",
  "response-expires",
];
const LIST_V2 = ["list-type", "prefix", "delimiter", "max-keys", "encoding-type", "start-after", "continuation-token", "fetch-owner", "optional-object-attributes"];

/** The parameters each operation accepts beyond ALWAYS_ALLOWED_PARAMETERS. Anything else is denied. */
export const OPERATION_PARAMETERS: Readonly<Record<S3Operation, ReadonlySet<string>>> = {
  // x-amz-checksum-mode: the ChecksumMode header, which presigners hoist into the query.
  GetObject: new Set(["versionId", "partNumber", "x-amz-checksum-mode", ...RESPONSE_OVERRIDES]),
  HeadObject: new Set(["versionId", "partNumber", "x-amz-checksum-mode", ...RESPONSE_OVERRIDES]),
  GetObjectAttributes: new Set(["attributes", "versionId"]),
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
};

/** Parameters that select a subresource and take no value (`?uploads`, `?delete`). */
export const FLAG_PARAMETERS: ReadonlySet<string> = new Set(["uploads", "delete", "versions", "location", "attributes"]);
