import { fail } from "../errors";
import { bucketNameProblem } from "./bucket-name";
import { checkKeyText, checkNoDotSegments, decodeOnce, encodeComponent, encodePath } from "./encoding";

export interface CopySource {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

const WHAT = "x-amz-copy-source";

/**
 * Parses `x-amz-copy-source` the way S3 reads it (CopyObject and UploadPartCopy: "the value must be
 * URL-encoded"):
 * 1. a literal `?` ends the location; what follows must be exactly `versionId=<id>` (the id
 *    percent-decoded once); an encoded `%3F` stays part of the key;
 * 2. the location is percent-decoded once as a whole, `+` read as a space (S3 does: a raw `+`
 *    in a copy source finds the key with a space), so `bucket%2Fkey` names `bucket`/`key`;
 * 3. one leading `/` is dropped and the bucket ends at the first `/`.
 * Decoding and key rules are the path's: invalid escapes, control characters and `.`/`..`
 * segments are 400 InvalidURI; a bad bucket name is InvalidURI; a bad shape is InvalidRequest.
 */
export function parseCopySource(raw: string): CopySource {
  const question = raw.indexOf("?");
  const location = question < 0 ? raw : raw.slice(0, question);
  let versionId: string | undefined;
  if (question >= 0) {
    const suffix = raw.slice(question + 1);
    if (!suffix.startsWith("versionId=") || suffix.includes("&")) {
      fail("InvalidRequest", `${WHAT} may end only in '?versionId=<id>'; remove any other suffix`);
    }
    versionId = decodeOnce(suffix.slice("versionId=".length), `${WHAT} versionId`);
    if (versionId === "") fail("InvalidRequest", `${WHAT} has an empty versionId; drop '?versionId=' or give the id`);
  }
  const decoded = decodeOnce(location.replace(/\+/g, " "), WHAT);
  const path = decoded.startsWith("/") ? decoded.slice(1) : decoded;
  const slash = path.indexOf("/");
  if (slash <= 0 || slash === path.length - 1) fail("InvalidRequest", `${WHAT} must be 'bucket/key', URL-encoded (a leading '/' is optional)`);
  const bucket = path.slice(0, slash);
  const problem = bucketNameProblem(bucket);
  if (problem) fail("InvalidURI", `${WHAT} names bucket '${bucket}', which ${problem}`);
  const key = path.slice(slash + 1);
  checkKeyText(key, `${WHAT} key`);
  checkNoDotSegments(key, `${WHAT} key`);
  return versionId === undefined ? { bucket, key } : { bucket, key, versionId };
}

/**
 * The canonical `x-amz-copy-source` for a judged copy source: `/bucket/key` with the key encoded like
 * the upstream path (RFC 3986, `/` kept) and `?versionId=` encoded as a component. The authorizer
 * sends S3 this instead of the client's spelling, so S3 reads exactly the object that was judged;
 * `parseCopySource(copySourceHeader(x))` is `x`.
 */
export function copySourceHeader(source: CopySource): string {
  const location = `/${encodePath(source.bucket)}/${encodePath(source.key)}`;
  return source.versionId === undefined ? location : `${location}?versionId=${encodeComponent(source.versionId)}`;
}
