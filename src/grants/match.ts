import type { Access, Grant } from "./grant";

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

/** The first check no grant satisfies, or undefined when all are satisfied. */
export function firstUnsatisfied(grants: readonly Grant[], checks: readonly Check[]): Check | undefined {
  return checks.find((check) => !grants.some((grant) => grantSatisfies(grant, check)));
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
