import { s3Error, type S3Error } from "../errors";
import { isSigV2Query } from "./operations";
import type { Query } from "./query";

/** Whether a query is a presigned URL's: SigV4 (`X-Amz-Signature`) or SigV2 (all three SigV2 parameters). */
function isPresignedQuery(query: Query): boolean {
  return query.has("X-Amz-Signature") || query.has("X-Amz-Credential") || isSigV2Query(query);
}

/**
 * The refusal for a presigned URL that carries no token, saying what to do instead. The token is
 * the credential, so a URL signed with an access key alone (`s3cmd signurl`, whose SigV2 URLs carry
 * only `AWSAccessKeyId`, `Expires` and `Signature`: s3cmd S3/Crypto.py `sign_url_base_v2`) has
 * nothing the gateway can judge. Undefined for a request that is not a presigned URL.
 */
export function presignWithoutTokenError(query: Query): S3Error | undefined {
  if (!isPresignedQuery(query)) return undefined;
  return s3Error(
    "AccessDenied",
    "presigned URL without a token: the URL must carry the token (X-Amz-Security-Token, or x-amz-security-token in a SigV2 URL). " +
      "Presign with the token as the session token: `aws s3 presign` with AWS_SESSION_TOKEN set, boto3's generate_presigned_url, or the JS SDK's getSignedUrl; " +
      "`s3cmd signurl` cannot add one",
  );
}
