import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import type { PublishedKey, SigningAlgorithm } from "./jwks";

/** A private signing key as stored in the private-key secret or `private.jwk.json`. */
export interface PrivateSigningKey extends JWK {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly d: string;
}

export interface GeneratedKeyPair {
  readonly privateKey: PrivateSigningKey;
  readonly publicKey: PublishedKey;
}

/**
 * Makes a fresh signing key pair. The kid is the RFC 7638 thumbprint of the public key, so it is
 * unique per key and anyone can recompute it.
 */
export async function generateSigningKeyPair(alg: SigningAlgorithm = "EdDSA"): Promise<GeneratedKeyPair> {
  const pair = await generateKeyPair(alg, alg === "EdDSA" ? { crv: "Ed25519", extractable: true } : { extractable: true });
  const publicJwk = await exportJWK(pair.publicKey);
  const privateJwk = await exportJWK(pair.privateKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    privateKey: { ...privateJwk, kid, alg, use: "sig" } as PrivateSigningKey,
    publicKey: { ...publicJwk, kid, alg, use: "sig" } as PublishedKey,
  };
}

/** The public half of a private JWK (drops the private members). */
export function publicPart(key: PrivateSigningKey): PublishedKey {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = key;
  return rest as PublishedKey;
}
