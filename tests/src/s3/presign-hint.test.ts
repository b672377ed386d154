import { parseQuery } from "../../../src/s3/query";
import { presignWithoutTokenError } from "../../../src/s3/presign-hint";

describe("presignWithoutTokenError", () => {
  it("says where the token goes and which presigners add it, for SigV2 and SigV4 URLs", () => {
    for (const query of ["AWSAccessKeyId=AKID&Expires=1&Signature=s", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=c&X-Amz-Signature=s", "X-Amz-Signature=s"]) {
      const error = presignWithoutTokenError(parseQuery(query));
      expect(error).toMatchObject({ code: "AccessDenied", status: 403 });
      expect(error?.message).toMatch(/^presigned URL without a token: .*X-Amz-Security-Token.*aws s3 presign.*generate_presigned_url.*getSignedUrl.*s3cmd signurl/);
    }
  });

  it("leaves requests that are not presigned URLs to the general message", () => {
    for (const query of ["", "versionId=v", "AWSAccessKeyId=AKID&Expires=1", "x-id=GetObject"]) expect(presignWithoutTokenError(parseQuery(query))).toBeUndefined();
  });
});
