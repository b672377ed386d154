import { createHash } from "node:crypto";

/** Revoked tokens: by `jti` (one token) and by `sub` (every token of a subject). */
export interface DenyList {
  readonly jtis: ReadonlySet<string>;
  readonly subs: ReadonlySet<string>;
}

export const EMPTY_DENY_LIST: DenyList = Object.freeze({ jtis: new Set<string>(), subs: new Set<string>() });

/** Most entries accepted in one deny list; beyond it a revocation belongs in key rotation or a subject entry. */
export const DENY_LIST_MAX_ENTRIES = 100_000;

function strings(document: Record<string, unknown>, member: "jtis" | "subs", source: string): Set<string> {
  const value = document[member] ?? [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === "")) {
    throw new Error(`${source}: "${member}" must be an array of non-empty strings`);
  }
  return new Set(value as string[]);
}

/**
 * Parses a deny list document: `{"jtis": ["..."], "subs": ["..."]}` (either member may be absent).
 * Throws an Error naming the source on anything else, so a broken list is never read as "nothing revoked".
 */
export function parseDenyList(text: string, source: string): DenyList {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: deny list is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new Error(`${source}: deny list must be an object {"jtis": [...], "subs": [...]}`);
  }
  const unknown = Object.keys(document).filter((k) => k !== "jtis" && k !== "subs");
  if (unknown.length > 0) throw new Error(`${source}: deny list has unknown member(s) ${unknown.join(", ")}; only "jtis" and "subs" are read`);
  const list = { jtis: strings(document as Record<string, unknown>, "jtis", source), subs: strings(document as Record<string, unknown>, "subs", source) };
  if (list.jtis.size + list.subs.size > DENY_LIST_MAX_ENTRIES) {
    throw new Error(`${source}: deny list has ${list.jtis.size + list.subs.size} entries, over ${DENY_LIST_MAX_ENTRIES}; revoke by subject or rotate the key instead`);
  }
  return list;
}

/** Changes exactly when the set of revoked values changes (order and duplicates do not count). */
export function denyListFingerprint(list: DenyList): string {
  const canonical = JSON.stringify([[...list.jtis].sort(), [...list.subs].sort()]);
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}
