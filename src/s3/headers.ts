import { fail } from "../errors";

/** A request's headers as the authorizer sees them: lower-case names. */
export type Headers = Readonly<Record<string, string | undefined>>;

const FORBIDDEN_EXACT = new Set([
  "x-amz-acl",
  "x-amz-tagging",
  "x-amz-tagging-directive",
  "x-amz-bypass-governance-retention",
  "x-amz-website-redirect-location",
]);
const FORBIDDEN_PREFIXES = ["x-amz-grant-", "x-amz-object-lock-"];

/**
 * Headers that would need more than the mapped permission (ACLs, tagging, object lock, website
 * redirects) are 403 AccessDenied naming the header.
 */
export function checkForbiddenHeaders(headers: Headers): void {
  for (const name in headers) {
    if (name.charCodeAt(0) !== 120 /* x */ || !name.startsWith("x-amz-")) continue;
    if (FORBIDDEN_EXACT.has(name) || FORBIDDEN_PREFIXES.some((p) => name.startsWith(p))) {
      fail("AccessDenied", `header '${name}' needs permissions this gateway never grants; remove it from the request`);
    }
  }
}
