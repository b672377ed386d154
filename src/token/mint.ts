import { randomUUID } from "node:crypto";
import { SignJWT, importJWK } from "jose";
import { parseGrants } from "../grants/grant";
import type { PrivateSigningKey } from "../keys/generate";

export interface MintRequest {
  /** The private signing key (JWK with kid and alg). */
  readonly key: PrivateSigningKey;
  /** Who the token is for; appears in logs and rate limits. */
  readonly subject: string;
  /** Grants in the `<access>:<bucket>/<path>` grammar. */
  readonly grants: readonly string[];
  /** Lifetime in seconds. */
  readonly ttlSeconds: number;
  readonly issuer: string;
  readonly audience: string;
  /** @default the current time */
  readonly now?: Date;
  /** @default a random UUID */
  readonly jti?: string;
  /** RFC 7800 confirmation claim (src/token/credentials.ts sets it). @default none: a bearer token */
  readonly cnf?: { readonly jwe: string };
}

/** Signs a token. Grants are parsed first, so a token that verifiers would reject is never minted. */
export async function mintToken(request: MintRequest): Promise<string> {
  const parsed = parseGrants(request.grants);
  if (!parsed.ok) throw new Error(parsed.problem);
  if (!Number.isInteger(request.ttlSeconds) || request.ttlSeconds <= 0) {
    throw new Error(`ttl must be a positive whole number of seconds, got ${request.ttlSeconds}`);
  }
  if (request.subject === "") throw new Error("subject must not be empty");
  const iat = Math.floor((request.now ?? new Date()).getTime() / 1000);
  const signingKey = await importJWK(request.key, request.key.alg);
  return new SignJWT({ grants: [...request.grants], ...(request.cnf ? { cnf: { jwe: request.cnf.jwe } } : {}) })
    .setProtectedHeader({ alg: request.key.alg, kid: request.key.kid, typ: "JWT" })
    .setIssuer(request.issuer)
    .setAudience(request.audience)
    .setSubject(request.subject)
    .setIssuedAt(iat)
    .setExpirationTime(iat + request.ttlSeconds)
    .setJti(request.jti ?? randomUUID())
    .sign(signingKey);
}
