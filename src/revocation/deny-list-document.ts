/**
 * Editing the deny list document the authorizers poll (RAJEE_DENY_LIST_SECRET_ARN): the empty
 * document the infrastructure starts the secret with, and the additions and removals of
 * `rajee token revoke`. Every document written here is read back with the authorizer's own parser
 * first, so an edit the authorizers would refuse (and so keep serving the previous list until it
 * went stale) is never written. Pure.
 */
import { DENY_LIST_MAX_ENTRIES, parseDenyList, type DenyList } from "../../handlers/authorizer/deny-list";
import { hasControlCharacter } from "../contracts/aws-names";

/** Secrets Manager's limit on a secret string: SecretString is at most 65,536 long (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_SecretValueEntry.html); counted here in bytes, the stricter reading. */
export const SECRET_STRING_MAX_BYTES = 65536;

/** Longest `jti` or `sub` accepted; ids are UUIDs or principal names, far shorter. */
export const REVOCATION_ID_MAX_LENGTH = 1024;

/** Revoked values, by kind: `jti` (one token) and `sub` (every token of a subject). */
export interface Revocations {
  readonly jtis: readonly string[];
  readonly subs: readonly string[];
}

/** The document text of `list`: both members always present, each sorted, so equal lists write equal text. */
export function serializeDenyList(list: DenyList): string {
  return JSON.stringify({ jtis: [...list.jtis].sort(), subs: [...list.subs].sort() });
}

/** The deny list the secret starts with: nothing revoked. */
export const EMPTY_DENY_LIST_DOCUMENT = serializeDenyList({ jtis: new Set(), subs: new Set() });

/**
 * Why `id` cannot be a revoked `jti` or `sub`, or undefined when it can. The authorizer compares
 * ids byte for byte, so white space around an id (a copy-and-paste slip) would revoke nothing.
 */
export function revocationIdProblem(id: string): string | undefined {
  if (id === "") return "is empty";
  if (hasControlCharacter(id)) return "holds a control character";
  if (id.trim() !== id) return "starts or ends with white space; the authorizer compares ids exactly, so it would match no token";
  if (id.length > REVOCATION_ID_MAX_LENGTH) return `is ${id.length} characters, over ${REVOCATION_ID_MAX_LENGTH}`;
  return undefined;
}

/** What one edit does to the document. */
export interface DenyListEdit {
  /** The document to write (equal to the input's meaning when nothing changed). */
  readonly document: string;
  /** The list that document holds. */
  readonly list: DenyList;
  /** Entries this edit adds (revoke) or removes (undo). */
  readonly changed: Revocations;
  /** Entries asked for that were already revoked (revoke) or were not revoked (undo). */
  readonly unchanged: Revocations;
}

/** An edit that cannot be made: a bad id, a current document the authorizer refuses, or a result too large. */
export class DenyListEditError extends Error {
  override readonly name = "DenyListEditError";
}

function parseOrExplain(text: string, source: string): DenyList {
  try {
    return parseDenyList(text, source);
  } catch (error) {
    throw new DenyListEditError(
      `${(error as Error).message}. The authorizers keep the last list they could read until it is stale; write a valid document ({"jtis": [...], "subs": [...]}) first (docs/operations.md, "Revoking a token")`,
      { cause: error },
    );
  }
}

/**
 * Applies `request` to the current document `current` (read from `source`): `revoke` adds the
 * entries, `undo` removes them. Idempotent: entries already in the wanted state are reported in
 * `unchanged`. Throws a DenyListEditError for a bad id, a current document the authorizer would
 * refuse, or a result the authorizer would refuse or Secrets Manager cannot hold.
 */
export function editDenyList(current: string, source: string, request: Revocations, mode: "revoke" | "undo"): DenyListEdit {
  const problems = (["jtis", "subs"] as const).flatMap((member) =>
    request[member].flatMap((id) => {
      const problem = revocationIdProblem(id);
      return problem === undefined ? [] : [`${member === "jtis" ? "--jti" : "--sub"} ${JSON.stringify(id)} ${problem}`];
    }),
  );
  if (problems.length > 0) throw new DenyListEditError(problems.join("\n"));
  if (request.jtis.length + request.subs.length === 0) throw new DenyListEditError("nothing to change: give at least one --jti or --sub");

  const list = parseOrExplain(current, source);
  const next = { jtis: new Set(list.jtis), subs: new Set(list.subs) };
  const changed = { jtis: [] as string[], subs: [] as string[] };
  const unchanged = { jtis: [] as string[], subs: [] as string[] };
  for (const member of ["jtis", "subs"] as const) {
    for (const id of new Set(request[member])) {
      const present = next[member].has(id);
      if (mode === "revoke" ? present : !present) {
        unchanged[member].push(id);
        continue;
      }
      if (mode === "revoke") next[member].add(id);
      else next[member].delete(id);
      changed[member].push(id);
    }
  }

  const document = serializeDenyList(next);
  const bytes = Buffer.byteLength(document);
  if (bytes > SECRET_STRING_MAX_BYTES) {
    throw new DenyListEditError(
      `the new deny list would be ${bytes} bytes, over Secrets Manager's ${SECRET_STRING_MAX_BYTES}; undo the jtis of tokens that have expired (a jti matters only until its token's exp), or revoke by --sub`,
    );
  }
  // The authorizer's own parser has the last word (member types, DENY_LIST_MAX_ENTRIES entries).
  const written = parseOrExplain(document, `the new deny list (at most ${DENY_LIST_MAX_ENTRIES} entries)`);
  return { document, list: written, changed, unchanged };
}
