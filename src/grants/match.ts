import type { Access, Grant } from "./grant";
import { indexCovers, indexGrants, indexHasBucket, type GrantIndex } from "./grant-index";

/** One permission a request needs (docs/design.md section 4, "needs"). */
export type Check =
  | { readonly kind: "object"; readonly access: Access; readonly bucket: string; readonly key: string }
  | { readonly kind: "list"; readonly bucket: string; readonly prefix: string }
  | { readonly kind: "bucket"; readonly bucket: string };

function coversKey(grant: Grant, key: string): boolean {
  return grant.scope === "prefix" ? key.startsWith(grant.path) : key === grant.path;
}

/** Whether one grant satisfies one check. */
export function grantSatisfies(grant: Grant, check: Check): boolean {
  if (grant.bucket !== check.bucket) return false;
  switch (check.kind) {
    case "object":
      return grant.access.has(check.access) && coversKey(grant, check.key);
    case "list":
      // A list grant covers a listing whose prefix starts with the grant's prefix (or equals an exact grant).
      return grant.access.has("list") && coversKey(grant, check.prefix);
    case "bucket":
      return true;
  }
}

/** Up to this many grants a scan is as fast as an index lookup, and needs no index. */
const SCAN_MAX_GRANTS = 8;
/**
 * Indexes by grants array. A verified token's grants (readonly, never changed after parsing) are
 * one array for as long as the token is cached, so each token is indexed once, not per request.
 */
const indexes = new WeakMap<readonly Grant[], GrantIndex>();

function indexOf(grants: readonly Grant[]): GrantIndex {
  let index = indexes.get(grants);
  if (index === undefined) {
    index = indexGrants(grants);
    indexes.set(grants, index);
  }
  return index;
}

function indexSatisfies(index: GrantIndex, check: Check): boolean {
  switch (check.kind) {
    case "object":
      return indexCovers(index, check.bucket, check.access, check.key);
    case "list":
      return indexCovers(index, check.bucket, "list", check.prefix);
    case "bucket":
      return indexHasBucket(index, check.bucket);
  }
}

/**
 * The first check no grant satisfies, or undefined when all are satisfied. Same answer as asking
 * `grantSatisfies` of every grant for every check; a token of many grants is looked up in its
 * index (src/grants/grant-index.ts) instead, so the cost grows with log(grants), not with grants.
 */
export function firstUnsatisfied(grants: readonly Grant[], checks: readonly Check[]): Check | undefined {
  if (grants.length <= SCAN_MAX_GRANTS) return checks.find((check) => !grants.some((grant) => grantSatisfies(grant, check)));
  const index = indexOf(grants);
  return checks.find((check) => !indexSatisfies(index, check));
}

/** How a check reads in a denial message. */
export function describeCheck(check: Check): string {
  switch (check.kind) {
    case "object":
      return `${check.access} on s3://${check.bucket}/${check.key}`;
    case "list":
      return `list on s3://${check.bucket}/${check.prefix}${check.prefix === "" ? " (the whole bucket)" : ""}`;
    case "bucket":
      return `any grant on bucket ${check.bucket}`;
  }
}
