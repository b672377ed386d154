import type { Grant } from "../grants/grant";

/**
 * Whether an allowed grant covers a requested one: everything the requested grant lets a token do,
 * the allowed grant lets it do too (docs/issuing.md, "Coverage"). Pure.
 *
 * Keys are compared as the matcher (src/grants/match.ts) compares them, by string prefix: an allowed
 * prefix `in` covers the prefix `in2/`, because the matcher lets `in` reach `in2/x` too.
 */
export function covers(allowed: Grant, requested: Grant): boolean {
  if (allowed.bucket !== requested.bucket) return false;
  for (const access of requested.access) if (!allowed.access.has(access)) return false;
  if (allowed.scope === "exact") return requested.scope === "exact" && requested.path === allowed.path;
  return requested.path.startsWith(allowed.path);
}
