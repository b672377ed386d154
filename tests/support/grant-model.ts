import fc from "fast-check";

/**
 * The reference model of docs/design.md section 3, read literally from the grant strings and sharing no
 * code with src/grants, plus the arbitraries the property tests draw grants and keys from.
 */

export const BUCKETS = ["data", "logs"];
export const SEGMENTS = ["a", "b", "ab", "a b", "é", "x+y", "~", "!"];
export const ACCESS = ["read", "list", "write", "delete", "*"] as const;

export const keyArb = fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 3 }).map((parts) => parts.join("/"));
export const grantArb = fc
  .record({
    access: fc.constantFrom(...ACCESS),
    bucket: fc.constantFrom(...BUCKETS),
    path: fc.oneof(keyArb, keyArb.map((k) => `${k}/`), keyArb.map((k) => `${k}*`), fc.constant("")),
  })
  .map(({ access, bucket, path }) => `${access}:${bucket}/${path}`);

/** Whether `grants` give `access` on `bucket`/`key` (for listings: `list` on the prefix `key`). */
export function referenceAllows(grants: string[], access: string, bucket: string, key: string): boolean {
  return grants.some((grant) => {
    const [grantAccess, rest] = [grant.slice(0, grant.indexOf(":")), grant.slice(grant.indexOf(":") + 1)];
    const grantBucket = rest.slice(0, rest.indexOf("/"));
    const path = rest.slice(rest.indexOf("/") + 1);
    if (grantBucket !== bucket) return false;
    if (grantAccess !== "*" && grantAccess !== access) return false;
    if (path.endsWith("*")) return key.startsWith(path.slice(0, -1));
    if (path === "" || path.endsWith("/")) return key.startsWith(path);
    return key === path;
  });
}

/** A key percent-encoded segment by segment, the way SDKs send it. */
export const encodeKey = (key: string) => key.split("/").map(encodeURIComponent).join("/");
