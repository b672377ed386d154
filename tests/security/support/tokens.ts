import { createHmac, createPrivateKey, randomUUID, sign as cryptoSign, type JsonWebKey } from "node:crypto";
import { base64url } from "jose";
import { generateSigningKeyPair, type GeneratedKeyPair } from "../../../src/keys/generate";
import { mintToken } from "../../../src/token/mint";

/** How a corpus case's token is made. Every token is minted at test time; none is committed. */
export interface TokenRecipe {
  /** Grants claim. @default DEFAULT_GRANTS */
  readonly grants?: readonly string[];
  /** A raw `grants` claim value (not necessarily an array of strings), replacing `grants`. */
  readonly grantsClaim?: unknown;
  /** Where the runner puts the token. `template`: only where the request says `{{token}}`. @default "header" */
  readonly place?: TokenPlacement;
  /** Lifetime, seconds. @default 900 */
  readonly ttl?: number;
  /** `iat` relative to the test's fixed now, seconds. @default 0 */
  readonly iatOffset?: number;
  /** Adds `nbf` this many seconds from now. */
  readonly nbfOffset?: number;
  readonly sub?: string;
  readonly iss?: string;
  /** A string or an array of strings. */
  readonly aud?: string | readonly string[];
  /** Claims left out. */
  readonly omit?: readonly string[];
  /** Extra or replaced claims. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Extra or replaced protected-header members (`alg`, `kid`, `crit`, `b64`, `jku`...); `null` removes one. */
  readonly header?: Readonly<Record<string, unknown>>;
  /**
   * Who signs: the gateway's key (`key`), nobody (`none`: `alg: none`, empty signature), an HMAC
   * with the public JWK's JSON as the secret (`hs256-public`), another Ed25519 key claiming the
   * trusted kid (`other-key`), an all-zero ES256 signature (`es256-zero`). @default "key"
   */
  readonly sign?: "key" | "none" | "hs256-public" | "other-key" | "es256-zero";
  /** A change to the signed compact token's text, after signing. */
  readonly mutate?: TokenMutation;
}

export type TokenPlacement = "header" | "query" | "bearer" | "header+query" | "header+bearer" | "query+bearer" | "template";

export type TokenMutation =
  | "signature-padding"
  | "payload-padding"
  | "signature-space"
  | "signature-tab"
  | "payload-space"
  | "signature-last-char"
  | "signature-standard-base64"
  | "signature-flip"
  | "signature-truncated"
  | "signature-empty"
  | "four-parts"
  | "jwe-shape"
  | "json-serialization"
  | "payload-swapped";

/** The grants most corpus cases use. `data/secret/` and bucket `other` are never granted. */
export const DEFAULT_GRANTS: readonly string[] = [
  "read:data/reports/",
  "list:data/reports/",
  "write:data/uploads/",
  "delete:data/uploads/",
  "read:data/a b/",
  "read:data/2024*",
];

/** In a recipe's header: replaced by the untrusted key's public JWK (an embedded-key attack). */
export const UNTRUSTED_PUBLIC_JWK = "$untrusted-public-jwk";

export const ISSUER = "rajee";
export const AUDIENCE = "rajee";

/** The gateway's trusted key and an untrusted one, generated with the project's own key tools. */
export interface SigningKeys {
  readonly trusted: GeneratedKeyPair;
  readonly untrusted: GeneratedKeyPair;
}

export async function signingKeys(): Promise<SigningKeys> {
  return { trusted: await generateSigningKeyPair(), untrusted: await generateSigningKeyPair() };
}

const encoder = new TextEncoder();

function isPlain(recipe: TokenRecipe): boolean {
  return (
    recipe.grantsClaim === undefined &&
    recipe.nbfOffset === undefined &&
    recipe.sub === undefined &&
    recipe.iss === undefined &&
    recipe.aud === undefined &&
    recipe.omit === undefined &&
    recipe.claims === undefined &&
    recipe.header === undefined &&
    (recipe.sign ?? "key") === "key"
  );
}

function claimsFor(recipe: TokenRecipe, now: Date): Record<string, unknown> {
  const iat = Math.floor(now.getTime() / 1000) + (recipe.iatOffset ?? 0);
  const claims: Record<string, unknown> = {
    grants: recipe.grantsClaim ?? [...(recipe.grants ?? DEFAULT_GRANTS)],
    iss: recipe.iss ?? ISSUER,
    aud: recipe.aud ?? AUDIENCE,
    sub: recipe.sub ?? "alice",
    iat,
    exp: iat + (recipe.ttl ?? 900),
    jti: randomUUID(),
  };
  if (recipe.nbfOffset !== undefined) claims.nbf = Math.floor(now.getTime() / 1000) + recipe.nbfOffset;
  for (const name of recipe.omit ?? []) delete claims[name];
  return { ...claims, ...recipe.claims };
}

function headerFor(recipe: TokenRecipe, keys: SigningKeys): Record<string, unknown> {
  const header: Record<string, unknown> = { alg: keys.trusted.privateKey.alg, kid: keys.trusted.privateKey.kid, typ: "JWT" };
  for (const [name, value] of Object.entries(recipe.header ?? {})) {
    if (value === null) delete header[name];
    else if (value === UNTRUSTED_PUBLIC_JWK) header[name] = keys.untrusted.publicKey;
    else header[name] = value;
  }
  return header;
}

const part = (value: unknown) => base64url.encode(encoder.encode(JSON.stringify(value)));

/** Signs `header.payload` by hand, so headers a library would refuse to write (crit, b64, odd alg) can be sent. */
function signCompact(header: Record<string, unknown>, claims: Record<string, unknown>, jwk: JsonWebKey): string {
  const payload = header.b64 === false ? JSON.stringify(claims) : part(claims);
  const input = `${part(header)}.${payload}`;
  const signature = cryptoSign(null, Buffer.from(input), createPrivateKey({ key: jwk, format: "jwk" }));
  return `${input}.${signature.toString("base64url")}`;
}

async function signed(recipe: TokenRecipe, keys: SigningKeys, now: Date): Promise<string> {
  if (isPlain(recipe)) {
    // The common path: the project's own minting, exactly as `rajee token mint` does it.
    const iat = new Date(now.getTime() + (recipe.iatOffset ?? 0) * 1000);
    return mintToken({ key: keys.trusted.privateKey, subject: "alice", grants: recipe.grants ?? DEFAULT_GRANTS, ttlSeconds: recipe.ttl ?? 900, issuer: ISSUER, audience: AUDIENCE, now: iat });
  }
  const claims = claimsFor(recipe, now);
  const header = headerFor(recipe, keys);
  switch (recipe.sign ?? "key") {
    case "none":
      return `${part({ ...header, alg: recipe.header?.alg ?? "none" })}.${part(claims)}.`;
    case "hs256-public": {
      // The classic algorithm confusion: HMAC keyed with the verifier's public key text.
      const alg = typeof recipe.header?.alg === "string" ? recipe.header.alg : "HS256";
      const input = `${part({ ...header, alg })}.${part(claims)}`;
      const mac = createHmac(alg === "HS512" ? "sha512" : "sha256", JSON.stringify(keys.trusted.publicKey)).update(input).digest("base64url");
      return `${input}.${mac}`;
    }
    case "es256-zero":
      return `${part({ ...header, alg: "ES256" })}.${part(claims)}.${base64url.encode(new Uint8Array(64))}`;
    case "other-key":
      return signCompact(header, claims, keys.untrusted.privateKey as unknown as JsonWebKey);
    case "key":
      return signCompact(header, claims, keys.trusted.privateKey as unknown as JsonWebKey);
  }
}

/** Base64url text whose last character carries non-zero padding bits: decodes to the same bytes. */
function nonCanonicalLastChar(text: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const spareBits = (text.length * 6) % 8;
  if (spareBits === 0) throw new Error("no spare bits in a base64url text of this length");
  const last = alphabet.indexOf(text[text.length - 1] as string);
  return text.slice(0, -1) + alphabet[last | 1];
}

function mutate(token: string, mutation: TokenMutation | undefined): string {
  if (mutation === undefined) return token;
  const [header = "", payload = "", signature = ""] = token.split(".");
  switch (mutation) {
    case "signature-padding":
      return `${header}.${payload}.${signature}==`;
    case "payload-padding":
      return `${header}.${payload}${"=".repeat((4 - (payload.length % 4)) % 4 || 4)}.${signature}`;
    case "signature-space":
      return `${header}.${payload}.${signature.slice(0, 20)} ${signature.slice(20)}`;
    case "signature-tab":
      return `${header}.${payload}.${signature.slice(0, 20)}\t${signature.slice(20)}`;
    case "payload-space":
      return `${header}.${payload.slice(0, 8)} ${payload.slice(8)}.${signature}`;
    case "signature-last-char":
      return `${header}.${payload}.${nonCanonicalLastChar(signature)}`;
    case "signature-standard-base64":
      return `${header}.${payload}.${Buffer.from(signature, "base64url").toString("base64")}`;
    case "signature-flip": {
      const bytes = Buffer.from(signature, "base64url");
      bytes[0] = (bytes[0] as number) ^ 1;
      return `${header}.${payload}.${bytes.toString("base64url")}`;
    }
    case "signature-truncated":
      return `${header}.${payload}.${signature.slice(0, 40)}`;
    case "signature-empty":
      return `${header}.${payload}.`;
    case "four-parts":
      return `${token}.${signature}`;
    case "jwe-shape":
      return `${header}.${payload}.${signature}.${signature}.${signature}`;
    case "json-serialization":
      return JSON.stringify({ protected: header, payload, signature });
    case "payload-swapped": {
      // A validly signed header and signature around a payload granting more (the signature no longer covers it).
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
      claims.grants = ["*:data/", "*:other/"];
      return `${header}.${part(claims)}.${signature}`;
    }
  }
}

/** Makes the token a recipe describes, at the test's fixed `now`. */
export async function tokenFor(recipe: TokenRecipe, keys: SigningKeys, now: Date): Promise<string> {
  return mutate(await signed(recipe, keys, now), recipe.mutate);
}
