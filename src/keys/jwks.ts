import type { JWK } from "jose";

/** Signing algorithms a key may carry. HS* never: keys are asymmetric so verifiers hold no secret. */
export const SUPPORTED_ALGORITHMS = ["EdDSA", "ES256"] as const;
export type SigningAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];

/**
 * Where a key is in its life (docs/design.md section 7): `pending` is published but does not sign yet,
 * `current` signs, `previous` no longer signs and stays published until tokens it signed have expired.
 */
export type KeyState = "pending" | "current" | "previous";

/** A public key as published in the JWKS secret. `state`, `retired_at` and `created_at` are rajee's own members. */
export interface PublishedKey extends JWK {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly use?: "sig";
  /** @default "current" when absent (a JWKS written by hand) */
  readonly state?: KeyState;
  /** When the key stopped signing, epoch seconds; set on `previous` keys. */
  readonly retired_at?: number;
  /** When rotation first published the key, epoch seconds; absent on hand-written keys. */
  readonly created_at?: number;
}

export interface Jwks {
  readonly keys: readonly PublishedKey[];
}

/** A JWKS document is unusable. The message names its source and what is wrong. */
export class JwksError extends Error {
  override readonly name = "JwksError";
}

const STATES: readonly string[] = ["pending", "current", "previous"];

function checkKey(key: unknown, index: number, source: string): PublishedKey {
  const where = `${source}: keys[${index}]`;
  if (typeof key !== "object" || key === null || Array.isArray(key)) throw new JwksError(`${where} is not an object`);
  const k = key as Record<string, unknown>;
  if (typeof k.kid !== "string" || k.kid === "") throw new JwksError(`${where} has no "kid"; every key needs one`);
  if (typeof k.alg !== "string" || !(SUPPORTED_ALGORITHMS as readonly string[]).includes(k.alg)) {
    throw new JwksError(`${where} (kid ${k.kid}) has alg ${JSON.stringify(k.alg)}; use one of ${SUPPORTED_ALGORITHMS.join(", ")}`);
  }
  if ("d" in k) throw new JwksError(`${where} (kid ${k.kid}) holds a private key ("d"); publish only public keys`);
  if (k.use !== undefined && k.use !== "sig") throw new JwksError(`${where} (kid ${k.kid}) has use ${JSON.stringify(k.use)}; use "sig"`);
  if (k.state !== undefined && (typeof k.state !== "string" || !STATES.includes(k.state))) {
    throw new JwksError(`${where} (kid ${k.kid}) has state ${JSON.stringify(k.state)}; use one of ${STATES.join(", ")}`);
  }
  if (k.retired_at !== undefined && (typeof k.retired_at !== "number" || !Number.isInteger(k.retired_at) || k.retired_at < 0)) {
    throw new JwksError(`${where} (kid ${k.kid}) has retired_at ${JSON.stringify(k.retired_at)}; use epoch seconds`);
  }
  return k as unknown as PublishedKey;
}

/** Validates a parsed JWKS document. Throws a JwksError naming `source` on anything unusable. */
export function parseJwks(document: unknown, source: string): Jwks {
  if (typeof document !== "object" || document === null || !Array.isArray((document as { keys?: unknown }).keys)) {
    throw new JwksError(`${source}: not a JWKS document (expected {"keys": [...]})`);
  }
  const keys = (document as { keys: unknown[] }).keys.map((key, i) => checkKey(key, i, source));
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key.kid)) throw new JwksError(`${source}: kid ${key.kid} appears twice; kids must be unique`);
    seen.add(key.kid);
  }
  return { keys };
}

/** Parses JWKS JSON text, naming `source` in any error. */
export function parseJwksText(text: string, source: string): Jwks {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new JwksError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  return parseJwks(document, source);
}
