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
  return { keys, fingerprint: createHash("sha256").update(canonical).digest("hex").slice(0, 16) };
}
