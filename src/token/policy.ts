import type { SigningAlgorithm } from "../keys/jwks";

/** What a verifier requires of a token (docs/design.md section 3). */
export interface TokenPolicy {
  /** Required `iss`. */
  readonly issuer: string;
  /** Required `aud` (the token's `aud` must be, or contain, this value). */
  readonly audience: string;
  /** Allowed `alg` values, checked before any key lookup. */
  readonly algorithms: readonly SigningAlgorithm[];
  /** Tolerated clock difference for exp, nbf and iat, seconds. */
  readonly clockSkewSeconds: number;
  /** Longest allowed `exp - iat`, seconds. */
  readonly maxLifetimeSeconds: number;
  /** Revoked token ids. */
  readonly deniedJtis: ReadonlySet<string>;
  /** Revoked subjects. */
  readonly deniedSubjects: ReadonlySet<string>;
}

export const DEFAULT_ISSUER = "rajee";
export const DEFAULT_AUDIENCE = "rajee";
export const DEFAULT_ALGORITHMS: readonly SigningAlgorithm[] = ["EdDSA", "ES256"];
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;
export const DEFAULT_MAX_LIFETIME_SECONDS = 12 * 60 * 60;

/** A policy with the documented defaults, overridden by `overrides`. */
export function tokenPolicy(overrides: Partial<TokenPolicy> = {}): TokenPolicy {
  return {
    issuer: DEFAULT_ISSUER,
    audience: DEFAULT_AUDIENCE,
    algorithms: DEFAULT_ALGORITHMS,
    clockSkewSeconds: DEFAULT_CLOCK_SKEW_SECONDS,
    maxLifetimeSeconds: DEFAULT_MAX_LIFETIME_SECONDS,
    deniedJtis: new Set(),
    deniedSubjects: new Set(),
    ...overrides,
  };
}
