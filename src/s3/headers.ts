import { fail } from "../errors";
import type { S3Operation } from "./operations";

/** A request's headers as the authorizer sees them: lower-case names. */
export type Headers = Readonly<Record<string, string | undefined>>;

/**
 * The one canned ACL served: S3's default, which rclone sends on every upload and copy. It grants
 * nothing beyond the owner, and the authorizer strips it upstream (S3 applies it anyway, and buckets
 * with ObjectOwnership BucketOwnerEnforced refuse any ACL header but bucket-owner-full-control).
 */
export const DEFAULT_CANNED_ACL = "private";

/**
 * Writes that create an object and may carry `x-amz-acl: private`, and CreateBucket (rclone sends its
 * `bucket_acl`, which defaults to `acl`, `private`, on CreateBucket; never forwarded anyway).
 */
const ACL_WRITES: ReadonlySet<S3Operation> = new Set(["PutObject", "CopyObject", "CreateMultipartUpload", "CreateBucket"]);
/** Writes that create an object and may tag it (`x-amz-tagging`): the task role holds s3:PutObjectTagging on the same prefixes. */
const TAGGING_WRITES: ReadonlySet<S3Operation> = new Set(["PutObject", "CreateMultipartUpload"]);

const FORBIDDEN_EXACT = new Set(["x-amz-tagging-directive", "x-amz-bypass-governance-retention", "x-amz-website-redirect-location", "x-amz-bucket-object-lock-enabled"]);
const FORBIDDEN_PREFIXES = ["x-amz-grant-", "x-amz-object-lock-"];

function hasForbiddenPrefix(name: string): boolean {
  for (const prefix of FORBIDDEN_PREFIXES) if (name.startsWith(prefix)) return true;
  return false;
}

const never = (where: string): never => fail("AccessDenied", `${where} needs permissions this gateway never grants; remove it from the request`);

/**
 * Headers that would need more than the mapped permission are 403 AccessDenied naming the header:
 * grants, object lock, website redirects, tagging directives; `x-amz-acl` other than `private` on a
 * write that creates an object or CreateBucket; `x-amz-tagging` other than on PutObject or CreateMultipartUpload.
 * `describe` names where a header came from (a header, or a hoisted query parameter).
 */
export function checkForbiddenHeaders(headers: Headers, operation: S3Operation, describe: (name: string) => string = (name) => `header '${name}'`): void {
  for (const name in headers) {
    if (name.charCodeAt(0) !== 120 /* x */ || !name.startsWith("x-amz-") || headers[name] === undefined) continue;
    if (FORBIDDEN_EXACT.has(name) || hasForbiddenPrefix(name)) never(describe(name));
    if (name === "x-amz-acl" && !(headers[name] === DEFAULT_CANNED_ACL && ACL_WRITES.has(operation))) {
      fail(
        "AccessDenied",
        `${describe(name)} '${headers[name]}' on ${operation} needs permissions this gateway never grants; only '${DEFAULT_CANNED_ACL}' (S3's default) is accepted, on PutObject, CopyObject, CreateMultipartUpload and CreateBucket: remove it`,
      );
    }
    if (name === "x-amz-tagging" && !TAGGING_WRITES.has(operation)) {
      fail("AccessDenied", `${describe(name)} on ${operation} needs permissions this gateway never grants; tags are accepted only on PutObject and CreateMultipartUpload: remove it`);
    }
  }
}

/** Whether the request carries exactly the default ACL, which the authorizer strips upstream. */
export function carriesDefaultAcl(headers: Headers): boolean {
  return headers["x-amz-acl"] === DEFAULT_CANNED_ACL;
}
