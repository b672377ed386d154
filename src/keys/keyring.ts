import { createHash } from "node:crypto";
import { importJWK } from "jose";
import type { Jwks, KeyState, SigningAlgorithm } from "./jwks";

/** A public key ready to verify signatures. */
export interface VerificationKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly state: KeyState;
  readonly key: Parameters<typeof import("jose").jwtVerify>[1] & object;
}

/** The keys a verifier trusts, by kid, and a fingerprint that changes whenever the set changes. */
export interface Keyring {
  readonly keys: ReadonlyMap<string, VerificationKey>;
  readonly fingerprint: string;
  /**
   * When the current signing key was created, epoch seconds (see {@link currentKeyCreatedAt}): the
   * time of the last successful rotation. Undefined for a hand-written JWKS without `created_at`.
   */
  readonly currentKeyCreatedAt?: number;
}

/**
 * When the current signing key was created, epoch seconds: the newest `created_at` among the keys
 * whose state is `current` (absent state means current). Rotation writes `created_at` when it
 * publishes a key, so this is the time of the last successful rotation. Undefined when no current
 * key carries one. Pure.
 */
export function currentKeyCreatedAt(jwks: Jwks): number | undefined {
  let newest: number | undefined;
  for (const key of jwks.keys) {
    if ((key.state ?? "current") !== "current") continue;
    const created: unknown = key.created_at;
    if (typeof created !== "number" || !Number.isFinite(created) || created < 0) continue;
    if (newest === undefined || created > newest) newest = created;
  }
  return newest;
}

/** Seconds from the current key's creation to `nowSeconds`, never negative (clock skew); undefined when unknown. */
export function signingKeyAgeSeconds(keyring: Keyring | undefined, nowSeconds: number): number | undefined {
  const createdAt = keyring?.currentKeyCreatedAt;
  return createdAt === undefined ? undefined : Math.max(0, nowSeconds - createdAt);
}

/** Imports every key of a validated JWKS. Throws naming the kid when a key cannot be imported. */
export async function buildKeyring(jwks: Jwks): Promise<Keyring> {
  const keys = new Map<string, VerificationKey>();
  for (const jwk of jwks.keys) {
    let key: VerificationKey["key"];
    try {
      key = (await importJWK(jwk, jwk.alg)) as VerificationKey["key"];
    } catch (error) {
      throw new Error(`key ${jwk.kid} cannot be imported as ${jwk.alg}: ${(error as Error).message}`, { cause: error });
    }
    keys.set(jwk.kid, { kid: jwk.kid, alg: jwk.alg, state: jwk.state ?? "current", key });
  }
  const canonical = JSON.stringify(
    [...jwks.keys].sort((a, b) => a.kid.localeCompare(b.kid)).map((k) => [k.kid, k.alg, k.x ?? null, k.y ?? null]),
  );
  const createdAt = currentKeyCreatedAt(jwks);
  return {
    keys,
    fingerprint: createHash("sha256").update(canonical).digest("hex").slice(0, 16),
    ...(createdAt === undefined ? {} : { currentKeyCreatedAt: createdAt }),
  };
}
