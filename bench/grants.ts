/** The grants of the benchmark's tokens, shared by the sections that must judge the same token. */

/** Grants in the token of the HTTP section's request (the last one matching): a scan would read them all. */
export const HTTP_TOKEN_GRANTS = 100;

/** `count` grants that do not match the benchmark request (GET data/reports/q1.csv), then the one that does. */
export function grantsOf(count: number): string[] {
  return [...Array.from({ length: count - 1 }, (_, i) => `read:data/other-${i}/`), "read:data/reports/"];
}
