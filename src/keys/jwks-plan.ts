import type { Jwks, KeyState, PublishedKey } from "./jwks";

/**
 * A JWKS entry as rotation writes it: rajee's `state`, `retired_at` and `created_at` (so `rajee keys
 * status` can show ages and the authorizer can publish the current key's age).
 */
export type RotatedKey = PublishedKey;

/** What a JWKS transformation did, for logs and for deciding whether to write. */
export interface JwksChange {
  readonly jwks: Jwks;
  /** False when the result equals the input: nothing needs writing. */
  readonly changed: boolean;
  /** Kids newly published. */
  readonly added: readonly string[];
  /** Kids that stopped being current or pending here (retired_at set now). */
  readonly retired: readonly string[];
  /** Kids removed because their overlap window has passed. */
  readonly pruned: readonly string[];
  /** Kids whose state was corrected to match the private-key secret (e.g. after a manual rollback). */
  readonly repaired: readonly string[];
}

type MutableKey = { -readonly [K in keyof RotatedKey]: RotatedKey[K] };

const LIFECYCLE_MEMBERS = ["state", "retired_at", "created_at"] as const;

/** The key's JWK members only, without rajee's lifecycle members. */
function jwkOnly(key: PublishedKey): MutableKey {
  const copy = { ...key } as MutableKey;
  for (const member of LIFECYCLE_MEMBERS) delete copy[member];
  return copy;
}

function stateOf(key: PublishedKey): KeyState {
  return key.state ?? "current";
}

/** Sets `key` to `state`; a key that signs or is about to sign has no retirement time. */
function setState(key: MutableKey, state: "current" | "pending"): boolean {
  const before = JSON.stringify(key);
  key.state = state;
  delete key.retired_at;
  return JSON.stringify(key) !== before;
}

/** Marks every key not in `keep` as previous, recording `now` as its retirement unless it has one. */
function retireOthers(keys: MutableKey[], keep: ReadonlySet<string>, now: number): string[] {
  const retired: string[] = [];
  for (const key of keys) {
    if (keep.has(key.kid)) continue;
    if (stateOf(key) !== "previous") {
      key.state = "previous";
      key.retired_at = now;
      retired.push(key.kid);
    } else if (key.retired_at === undefined) {
      key.retired_at = now;
      retired.push(key.kid);
    }
  }
  return retired;
}

function upsert(keys: MutableKey[], key: PublishedKey, state: "current" | "pending", now: number): { added: boolean; repaired: boolean } {
  const existing = keys.find((k) => k.kid === key.kid);
  if (!existing) {
    keys.push({ ...jwkOnly(key), state, created_at: now });
    return { added: true, repaired: false };
  }
  return { added: false, repaired: setState(existing, state) };
}

function result(before: Jwks, keys: MutableKey[], change: Omit<JwksChange, "jwks" | "changed">): JwksChange {
  const jwks: Jwks = { keys: keys as RotatedKey[] };
  return { jwks, changed: JSON.stringify(jwks) !== JSON.stringify(before), ...change };
}

export interface PublishPendingInput {
  /** The public half of the key createSecret stored as AWSPENDING. */
  readonly pending: PublishedKey;
  /** The public half of the AWSCURRENT private key; absent before the first rotation. */
  readonly current: PublishedKey | undefined;
  /** Epoch seconds. */
  readonly now: number;
  /** How long a retired key stays published (maximum token lifetime plus clock skew). */
  readonly overlapSeconds: number;
}

/**
 * setSecret's JWKS: publishes the pending key, keeps (or restores) the key that signs now as
 * `current`, retires anything else still marked current or pending (an abandoned rotation's key, a
 * hand-written entry), and removes previous keys retired at least `overlapSeconds` ago. The signing
 * key and the pending key are never removed, and a key is never removed before its overlap ends.
 */
export function publishPendingKey(jwks: Jwks, input: PublishPendingInput): JwksChange {
  const keys = jwks.keys.map((k) => ({ ...k }) as MutableKey);
  const added: string[] = [];
  const repaired: string[] = [];
  const keep = new Set<string>([input.pending.kid]);
  if (input.current && input.current.kid !== input.pending.kid) {
    keep.add(input.current.kid);
    const outcome = upsert(keys, input.current, "current", input.now);
    if (outcome.added || outcome.repaired) repaired.push(input.current.kid);
  }
  const outcome = upsert(keys, input.pending, "pending", input.now);
  if (outcome.added) added.push(input.pending.kid);
  if (outcome.repaired) repaired.push(input.pending.kid);
  const retired = retireOthers(keys, keep, input.now);
  const pruned: string[] = [];
  const kept = keys.filter((key) => {
    const expired = !keep.has(key.kid) && key.state === "previous" && key.retired_at !== undefined && key.retired_at + input.overlapSeconds <= input.now;
    if (expired) pruned.push(key.kid);
    return !expired;
  });
  return result(jwks, kept, { added, retired, pruned, repaired });
}

export interface PromoteInput {
  /** The public half of the key that has just become AWSCURRENT. */
  readonly key: PublishedKey;
  /** Epoch seconds: the retirement time recorded for the key it replaces. */
  readonly now: number;
}

/**
 * finishSecret's JWKS: the new signing key becomes `current` (published if somehow missing) and every
 * other current or pending key becomes `previous` with `retired_at` = now. Nothing is removed here.
 * Running it again changes nothing, so a retried finishSecret keeps the first retirement time.
 */
export function promoteKey(jwks: Jwks, input: PromoteInput): JwksChange {
  const keys = jwks.keys.map((k) => ({ ...k }) as MutableKey);
  const outcome = upsert(keys, input.key, "current", input.now);
  const retired = retireOthers(keys, new Set([input.key.kid]), input.now);
  return result(jwks, keys, { added: outcome.added ? [input.key.kid] : [], retired, pruned: [], repaired: outcome.repaired ? [input.key.kid] : [] });
}

/** One row of `rajee keys status`. */
export interface KeyStatus {
  readonly kid: string;
  readonly state: KeyState;
  readonly alg: string;
  /** Epoch seconds; absent on keys not published by rotation. */
  readonly createdAt?: number;
  /** Seconds since createdAt. */
  readonly ageSeconds?: number;
  readonly retiredAt?: number;
  /** When rotation may remove a previous key (retired_at + overlap), epoch seconds. */
  readonly removableAt?: number;
}

const STATE_ORDER: Readonly<Record<KeyState, number>> = { current: 0, pending: 1, previous: 2 };

/** The keys of a JWKS with their states and ages at `now`: current first, then pending, then previous, newest retirement first. */
export function keyStatuses(jwks: Jwks, now: number, overlap: number): KeyStatus[] {
  return (jwks.keys as readonly RotatedKey[])
    .map((key): KeyStatus => {
      const createdAt = typeof key.created_at === "number" ? key.created_at : undefined;
      return {
        kid: key.kid,
        state: stateOf(key),
        alg: key.alg,
        ...(createdAt === undefined ? {} : { createdAt, ageSeconds: Math.max(0, now - createdAt) }),
        ...(key.retired_at === undefined ? {} : { retiredAt: key.retired_at, removableAt: key.retired_at + overlap }),
      };
    })
    .sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || (b.retiredAt ?? 0) - (a.retiredAt ?? 0));
}

/**
 * How long a retired key stays published, seconds: tokens it signed live at most this long after
 * it stopped signing (the longest token lifetime plus the clock skew verifiers tolerate).
 */
export function overlapSeconds(token: { readonly maxTokenLifetimeSeconds: number; readonly clockSkewSeconds: number }): number {
  return token.maxTokenLifetimeSeconds + token.clockSkewSeconds;
}
