import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { s3Error, type S3Error } from "../errors";
import { parseGrants, type Grant } from "../grants/grant";
import type { Keyring } from "../keys/keyring";
import { compactTokenProblem } from "./compact";
import { tokenFingerprint } from "./fingerprint";
import type { TokenPolicy } from "./policy";

/** A token whose signature, header and claims all passed. */
export interface VerifiedToken {
  readonly subject: string;
  readonly jti: string;
  readonly kid: string;
  /** Epoch seconds. */
  readonly issuedAt: number;
  /** Epoch seconds. */
  readonly expiresAt: number;
  readonly grants: readonly Grant[];
  readonly fingerprint: string;
  /** RFC 7800 confirmation: the credential's secret sealed to the authorizers' binding key (src/token/binding.ts). Absent on a bearer token. */
  readonly cnf?: { readonly jwe: string };
}

/** Why a token was refused, for logs and metrics (the client sees `error`). */
export type TokenRejection =
  | "malformed"
  | "algorithm"
  | "missing-kid"
  | "crit"
  | "unknown-kid"
  | "signature"
  | "claims"
  | "expired"
  | "not-yet-valid"
  | "lifetime"
  | "grants"
  | "revoked"
  /** The token verified, but the request's own SigV4 signature did not (the authorizer's client-signature check). */
  | "client-signature";

export type VerifyResult =
  | { readonly ok: true; readonly token: VerifiedToken }
  | { readonly ok: false; readonly reason: TokenRejection; readonly error: S3Error };

const REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat", "jti"];

function reject(reason: TokenRejection, message: string): VerifyResult {
  return { ok: false, reason, error: s3Error(reason === "expired" ? "ExpiredToken" : "InvalidToken", message) };
}

function claimFailure(error: InstanceType<typeof joseErrors.JWTClaimValidationFailed>): VerifyResult {
  if (error.claim === "nbf" && error.reason === "check_failed") {
    return reject("not-yet-valid", "token is not valid yet (nbf is in the future); check the clock of whoever minted it");
  }
  if (error.reason === "missing") return reject("claims", `token has no '${error.claim}' claim; mint it with 'rajee token mint'`);
  if (error.claim === "iss" || error.claim === "aud") {
    return reject("claims", `token '${error.claim}' does not match this gateway's expected ${error.claim === "iss" ? "issuer" : "audience"}`);
  }
  return reject("claims", `token claim '${error.claim}' is invalid (${error.message})`);
}

/** A `cnf` claim: absent, `{ jwe }` with a non-empty compact JWE, or unusable. */
function confirmation(value: unknown): { jwe: string } | undefined | "bad" {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "bad";
  const { jwe, ...rest } = value as Record<string, unknown>;
  if (typeof jwe !== "string" || jwe.split(".").length !== 5 || Object.keys(rest).length > 0) return "bad";
  return { jwe };
}

/**
 * Verifies a JWT against a keyring and policy at time `now`. Only the canonical spelling is accepted
 * (`compactTokenProblem`), so one token has one fingerprint. Never throws; every refusal comes back
 * as an S3 error whose message says what to fix and never echoes the token.
 */
export async function verifyToken(token: string, keyring: Keyring, policy: TokenPolicy, now: Date): Promise<VerifyResult> {
  const spelling = compactTokenProblem(token);
  if (spelling) return reject("malformed", spelling);
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return reject("malformed", "token is not a JWT (expected three base64url parts); pass the token exactly as minted");
  }
  const alg = header.alg;
  if (typeof alg !== "string" || !(policy.algorithms as readonly string[]).includes(alg)) {
    return reject("algorithm", `token algorithm ${JSON.stringify(alg)} is not allowed; use one of ${policy.algorithms.join(", ")}`);
  }
  if (header.crit !== undefined) return reject("crit", "token header has 'crit', which this gateway does not support");
  if (typeof header.kid !== "string" || header.kid === "") return reject("missing-kid", "token header has no 'kid'; mint it with a key that has a kid");
  const key = keyring.keys.get(header.kid);
  if (!key) return reject("unknown-kid", `token is signed with key '${header.kid}', which this gateway does not trust (unknown or retired key)`);
  if (key.alg !== alg) return reject("algorithm", `token algorithm ${alg} does not match key '${key.kid}' (${key.alg})`);

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key.key, {
      algorithms: [key.alg],
      issuer: policy.issuer,
      audience: policy.audience,
      clockTolerance: policy.clockSkewSeconds,
      currentDate: now,
      requiredClaims: REQUIRED_CLAIMS,
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) return reject("expired", "token has expired; mint a new one");
    if (error instanceof joseErrors.JWTClaimValidationFailed) return claimFailure(error);
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
      return reject("signature", `token signature does not verify with key '${key.kid}'; it was altered or signed by another key`);
    }
    return reject("malformed", `token cannot be verified: ${(error as Error).message}`);
  }

  const nowSeconds = Math.floor(now.getTime() / 1000);
  const { sub, jti, iat, exp } = payload as { sub: unknown; jti: unknown; iat: number; exp: number };
  if (typeof sub !== "string" || sub === "") return reject("claims", "token 'sub' must be a non-empty string");
  if (typeof jti !== "string" || jti === "") return reject("claims", "token 'jti' must be a non-empty string");
  if (iat > nowSeconds + policy.clockSkewSeconds) return reject("claims", "token 'iat' is in the future; check the minting clock");
  if (exp - iat > policy.maxLifetimeSeconds) {
    return reject("lifetime", `token lifetime ${exp - iat}s exceeds the maximum ${policy.maxLifetimeSeconds}s; mint a shorter-lived token`);
  }
  if (policy.deniedJtis.has(jti) || policy.deniedSubjects.has(sub)) return reject("revoked", "token has been revoked; ask for a new one");
  const grants = parseGrants(payload.grants);
  if (!grants.ok) return reject("grants", `token ${grants.problem}; the whole token is rejected`);
  const cnf = confirmation(payload.cnf);
  if (cnf === "bad") return reject("claims", "token 'cnf' must be an object with a 'jwe' string (RFC 7800); get new credentials from the issuer");

  return {
    ok: true,
    token: { subject: sub, jti, kid: key.kid, issuedAt: iat, expiresAt: exp, grants: grants.grants, fingerprint: tokenFingerprint(token), ...(cnf ? { cnf } : {}) },
  };
}
