import { hasControlCharacter } from "../contracts/aws-names";
import { bucketNameProblem } from "../s3/bucket-name";

/** What a grant allows on objects and listings (docs/design.md section 3). */
export type Access = "read" | "list" | "write" | "delete";
export const ACCESSES: readonly Access[] = ["read", "list", "write", "delete"];

/**
 * One parsed grant. `scope: "prefix"` covers every key starting with `path` (`""` is the whole
 * bucket); `scope: "exact"` covers the one key equal to `path`.
 */
export interface Grant {
  readonly access: ReadonlySet<Access>;
  readonly bucket: string;
  readonly scope: "prefix" | "exact";
  readonly path: string;
  /** The grant as written in the token, for messages. */
  readonly source: string;
}

export type GrantParse = { ok: true; grant: Grant } | { ok: false; problem: string };

const MAX_KEY_BYTES = 1024;

function accessSet(word: string): ReadonlySet<Access> | undefined {
  if (word === "*") return new Set(ACCESSES);
  return (ACCESSES as readonly string[]).includes(word) ? new Set([word as Access]) : undefined;
}

/**
 * Parses `<access>:<bucket>/<path>`. A path ending in `/` is a prefix, ending in `*` a literal prefix
 * with the star removed, empty the whole bucket, anything else one exact key.
 */
export function parseGrant(text: string): GrantParse {
  const problem = (why: string): GrantParse => ({ ok: false, problem: `grant ${JSON.stringify(text)} ${why}` });
  const colon = text.indexOf(":");
  if (colon < 0) return problem("has no ':'; write <access>:<bucket>/<path>, e.g. read:data/reports/");
  const access = accessSet(text.slice(0, colon));
  if (!access) return problem(`has access ${JSON.stringify(text.slice(0, colon))}; use read, list, write, delete or *`);
  const rest = text.slice(colon + 1);
  const slash = rest.indexOf("/");
  if (slash < 0) return problem("has no '/' after the bucket; write read:bucket/ for a whole bucket");
  const bucket = rest.slice(0, slash);
  const bucketProblem = bucketNameProblem(bucket);
  if (bucketProblem) return problem(`names bucket ${JSON.stringify(bucket)}, which ${bucketProblem}`);
  const written = rest.slice(slash + 1);
  if (hasControlCharacter(written)) return problem("has a control character in its path");
  const starIndex = written.indexOf("*");
  if (starIndex >= 0 && starIndex !== written.length - 1) return problem("has '*' before the end; '*' may only end a path");
  const segments = written.split("/");
  if (segments.some((s) => s === "." || s === "..")) return problem("has a '.' or '..' segment");
  const path = starIndex >= 0 ? written.slice(0, -1) : written;
  if (Buffer.byteLength(path, "utf8") > MAX_KEY_BYTES) return problem(`has a path over ${MAX_KEY_BYTES} bytes`);
  const scope = starIndex >= 0 || path === "" || path.endsWith("/") ? "prefix" : "exact";
  return { ok: true, grant: { access, bucket, scope, path, source: text } };
}

export type GrantsParse = { ok: true; grants: Grant[] } | { ok: false; problem: string };

/** Parses a token's `grants` claim. Any bad entry rejects the whole claim; nothing is partially honoured. */
export function parseGrants(claim: unknown): GrantsParse {
  if (!Array.isArray(claim)) return { ok: false, problem: "claim 'grants' must be an array of strings" };
  const grants: Grant[] = [];
  for (const [index, entry] of claim.entries()) {
    if (typeof entry !== "string") return { ok: false, problem: `grants[${index}] is not a string` };
    const parsed = parseGrant(entry);
    if (!parsed.ok) return parsed;
    grants.push(parsed.grant);
  }
  return { ok: true, grants };
}
