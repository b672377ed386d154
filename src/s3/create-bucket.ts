import { s3Error, type S3Error } from "../errors";
import type { Grant } from "../grants/grant";

/** How the gateway answers a CreateBucket, and the decision log's reason for it. */
export interface CreateBucketAnswer {
  readonly error: S3Error;
  readonly reason: "bucket-already-owned" | "outside-grants";
}

/**
 * CreateBucket (`PUT /<bucket>`) is never forwarded: the task role cannot create buckets, and the
 * buckets a token names exist already. rclone sends it before uploads (its default
 * `no_check_bucket = false`) and carries on when S3 answers `BucketAlreadyOwnedByYou` or
 * `BucketAlreadyExists` (rclone backend/s3/s3.go, `makeBucket`), which is what S3 answers (409)
 * outside us-east-1 for a bucket the caller owns (CreateBucket API reference, "Errors").
 *
 * So, for a verified token: 409 `BucketAlreadyOwnedByYou` when a grant lets it write somewhere in
 * the bucket (it can then upload there, which is what the caller is about to do); otherwise 403
 * `AccessDenied`, as for any request outside the grants. A token with a grant on the bucket learns
 * nothing new (HeadBucket already answers for it), and one without learns nothing at all.
 */
export function createBucketAnswer(bucket: string, grants: readonly Grant[]): CreateBucketAnswer {
  if (grants.some((grant) => grant.bucket === bucket && grant.access.has("write"))) {
    return {
      reason: "bucket-already-owned",
      error: s3Error(
        "BucketAlreadyOwnedByYou",
        `bucket '${bucket}' exists and this token may write in it; CreateBucket is answered by the gateway and never forwarded`,
        bucket,
      ),
    };
  }
  return {
    reason: "outside-grants",
    error: s3Error("AccessDenied", `CreateBucket needs write somewhere in bucket ${bucket}, which the token does not grant; buckets are never created through this gateway`, bucket),
  };
}
