import { fail } from "../errors";
import { bucketNameProblem } from "./bucket-name";
import { checkKeyText, checkNoDotSegments, decodeOnce } from "./encoding";

export interface CopySource {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

/**
 * Parses `x-amz-copy-source`: `[/]bucket/key[?versionId=v]`, percent-decoded once like a path, with
 * the same 400 cases.
 */
export function parseCopySource(raw: string): CopySource {
  const what = "x-amz-copy-source";
  const question = raw.indexOf("?");
  const location = question < 0 ? raw : raw.slice(0, question);
  let versionId: string | undefined;
  if (question >= 0) {
    const suffix = raw.slice(question + 1);
    if (!suffix.startsWith("versionId=") || suffix.includes("&")) {
      fail("InvalidRequest", `${what} may end only in '?versionId=<id>'; remove any other suffix`);
    }
    versionId = decodeOnce(suffix.slice("versionId=".length), `${what} versionId`);
  }
  const path = location.startsWith("/") ? location.slice(1) : location;
  const slash = path.indexOf("/");
  if (slash <= 0 || slash === path.length - 1) fail("InvalidRequest", `${what} must be 'bucket/key' (a leading '/' is optional)`);
  const bucket = decodeOnce(path.slice(0, slash), `${what} bucket`);
  const problem = bucketNameProblem(bucket);
  if (problem) fail("InvalidURI", `${what} names bucket '${bucket}', which ${problem}`);
  const key = decodeOnce(path.slice(slash + 1), `${what} key`);
  checkKeyText(key, `${what} key`);
  checkNoDotSegments(key, `${what} key`);
  return versionId === undefined ? { bucket, key } : { bucket, key, versionId };
}
