import { hasControlCharacter } from "../../src/contracts/aws-names";
import type { PolicyStatement } from "../shared/policy";

/**
 * The S3 actions the gateway maps (docs/design.md section 4), each with the operations that need it.
 * Nothing else is granted: not ACLs, object lock, bucket configuration or restores. Tagging only as
 * part of reads and writes the gateway serves (GetObjectTagging, tags on a new object).
 */
export const OBJECT_ACTIONS: Readonly<Record<string, string>> = {
  "s3:GetObject": "GetObject, HeadObject, CopyObject and UploadPartCopy sources",
  "s3:GetObjectVersion": "GetObject/HeadObject with versionId, versioned copy sources",
  "s3:GetObjectAttributes": "GetObjectAttributes",
  "s3:GetObjectVersionAttributes": "GetObjectAttributes with versionId",
  "s3:GetObjectTagging": "GetObjectTagging (aws s3 cp/mv/sync between S3 locations read the tags to copy), CopyObject sources' tags",
  "s3:GetObjectVersionTagging": "GetObjectTagging with versionId, versioned copy sources' tags",
  "s3:PutObject": "PutObject, CopyObject, CreateMultipartUpload, UploadPart(Copy), CompleteMultipartUpload",
  "s3:PutObjectTagging": "x-amz-tagging on PutObject and CreateMultipartUpload, and the tags CopyObject copies (PUT ?tagging stays unserved)",
  "s3:AbortMultipartUpload": "AbortMultipartUpload",
  "s3:ListMultipartUploadParts": "ListParts",
  "s3:DeleteObject": "DeleteObject, DeleteObjects",
  "s3:DeleteObjectVersion": "DeleteObject with versionId",
};

/** Bucket-level actions scoped by the `s3:prefix` condition key. */
export const PREFIXED_LIST_ACTIONS: Readonly<Record<string, string>> = {
  "s3:ListBucket": "ListObjects, ListObjectsV2 (and HeadBucket, which sends no prefix)",
  "s3:ListBucketVersions": "ListObjectVersions",
};

/** Bucket-level actions that do not support `s3:prefix`; the authorizer checks the prefix. */
export const BUCKET_ACTIONS: Readonly<Record<string, string>> = {
  "s3:ListBucketMultipartUploads": "ListMultipartUploads",
  "s3:GetBucketLocation": "GetBucketLocation",
};

/** Statements granting exactly the mapped actions on `bucket`, limited to `prefixes` (`""` = whole bucket). */
export function bucketStatements(partition: string, bucket: string, prefixes: readonly string[], sid: string): PolicyStatement[] {
  const bucketArn = `arn:${partition}:s3:::${bucket}`;
  const wholeBucket = prefixes.includes("");
  const objectPatterns = wholeBucket ? ["*"] : [...new Set(prefixes)].sort().map((p) => `${p}*`);
  const statements: PolicyStatement[] = [
    {
      Sid: `${sid}Objects`,
      Effect: "Allow",
      Action: Object.keys(OBJECT_ACTIONS),
      Resource: objectPatterns.map((p) => `${bucketArn}/${p}`),
    },
    wholeBucket
      ? { Sid: `${sid}List`, Effect: "Allow", Action: Object.keys(PREFIXED_LIST_ACTIONS), Resource: [bucketArn] }
      : {
          Sid: `${sid}List`,
          Effect: "Allow",
          Action: Object.keys(PREFIXED_LIST_ACTIONS),
          Resource: [bucketArn],
          Condition: { StringLike: { "s3:prefix": objectPatterns } },
        },
    { Sid: `${sid}Bucket`, Effect: "Allow", Action: Object.keys(BUCKET_ACTIONS), Resource: [bucketArn] },
  ];
  return statements;
}

/** Why `prefix` cannot scope an IAM policy, or undefined. */
export function prefixProblem(prefix: string): string | undefined {
  if (prefix.startsWith("/")) return "starts with '/'; S3 keys have no leading slash, drop it";
  if (/[*?]/.test(prefix)) return "contains a wildcard; list literal prefixes (each is already a prefix)";
  if (/[$%]\{/.test(prefix)) return "contains '${' or '%{', which IAM or Terraform would read as a variable; remove it";
  if (hasControlCharacter(prefix)) return "contains a control character; remove it";
  if (prefix.split("/").some((s) => s === "." || s === "..")) return "contains a '.' or '..' segment; the gateway rejects those keys";
  if (Buffer.byteLength(prefix) > 1024) return "is longer than 1024 bytes, the S3 key limit";
  return undefined;
}
