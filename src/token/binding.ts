import { calculateJwkThumbprint, CompactEncrypt, compactDecrypt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";

/**
 * Proof of possession (RFC 7800): a token issued with credentials carries, in its `cnf` claim, the
 * credential's secret encrypted to the authorizers' binding key. Only the authorizers can read it,
 * and with it they check the client's SigV4 signature (docs/design.md, "The cnf claim").
 */

/** Key agreement and content encryption of the `cnf.jwe`. */
export const BINDING_KEY_ALGORITHM = "ECDH-ES+A256KW";
export const BINDING_CONTENT_ENCRYPTION = "A256GCM";
const BINDING_CURVE = "P-256";

/** The public half: the issuer encrypts to it. */
export interface BindingPublicKey extends JWK {
  readonly kty: "EC";
  readonly crv: "P-256";
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly alg: typeof BINDING_KEY_ALGORITHM;
  readonly use: "enc";
}

/** The private half: only the authorizers hold it. */
export interface BindingPrivateKey extends BindingPublicKey {
  readonly d: string;
}

/** What a bound token's `cnf.jwe` (a compact JWE, encrypted to the binding key its `kid` names) holds: the credential's secret and its access key id, so neither can be paired with another credential's. */
export interface BoundSecret {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A binding key, a `cnf` claim or a `cnf.jwe` is unusable; the message says which and why, never the secret. */
export class BindingError extends Error {
  override readonly name = "BindingError";
}

/** Makes a fresh P-256 binding key pair; the kid is the RFC 7638 thumbprint of the public key. */
export async function generateBindingKeyPair(): Promise<{ privateKey: BindingPrivateKey; publicKey: BindingPublicKey }> {
  const pair = await generateKeyPair(BINDING_KEY_ALGORITHM, { crv: BINDING_CURVE, extractable: true });
  const publicJwk = await exportJWK(pair.publicKey);
  const privateJwk = await exportJWK(pair.privateKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const members = { kid, alg: BINDING_KEY_ALGORITHM, use: "enc" } as const;
  return {
    privateKey: { ...privateJwk, ...members } as BindingPrivateKey,
    publicKey: { ...publicJwk, ...members } as BindingPublicKey,
  };
}

function checkMembers(key: unknown, where: string, wantPrivate: boolean): asserts key is BindingPublicKey {
  if (typeof key !== "object" || key === null || Array.isArray(key)) throw new BindingError(`${where} is not a JWK object`);
  const k = key as Record<string, unknown>;
  if (k.kty !== "EC" || k.crv !== BINDING_CURVE) {
    throw new BindingError(`${where} is not an EC ${BINDING_CURVE} key (kty ${JSON.stringify(k.kty)}, crv ${JSON.stringify(k.crv)}); binding keys are EC ${BINDING_CURVE} for ${BINDING_KEY_ALGORITHM}`);
  }
  for (const member of ["x", "y", "kid"]) {
    if (typeof k[member] !== "string" || k[member] === "") throw new BindingError(`${where} has no "${member}"`);
  }
  if (k.alg !== undefined && k.alg !== BINDING_KEY_ALGORITHM) throw new BindingError(`${where} has alg ${JSON.stringify(k.alg)}; binding keys use ${BINDING_KEY_ALGORITHM}`);
  if (k.use !== undefined && k.use !== "enc") throw new BindingError(`${where} has use ${JSON.stringify(k.use)}; binding keys use "enc"`);
  const hasPrivate = typeof k.d === "string" && k.d !== "";
  if (wantPrivate && !hasPrivate) throw new BindingError(`${where} (kid ${String(k.kid)}) has no "d"; the authorizer needs the private binding key`);
  if (!wantPrivate && "d" in k) throw new BindingError(`${where} (kid ${String(k.kid)}) holds a private key ("d"); give the issuer only the public half`);
}

/** Validates a public binding JWK (the issuer's `--binding-key`). */
export function parseBindingPublicKey(document: unknown, source: string): BindingPublicKey {
  checkMembers(document, source, false);
  return { ...document, alg: BINDING_KEY_ALGORITHM, use: "enc" };
}

/** Validates a private binding JWK. */
export function parseBindingPrivateKey(document: unknown, source: string): BindingPrivateKey {
  checkMembers(document, source, true);
  return { ...(document as BindingPrivateKey), alg: BINDING_KEY_ALGORITHM, use: "enc" };
}

/** The public half of a private binding key. */
export function bindingPublicPart(key: BindingPrivateKey): BindingPublicKey {
  const { d: _d, ...rest } = key;
  return rest;
}

/** Encrypts the secret and its access key id to `key`: the value of `cnf.jwe`. */
export async function sealSecret(secret: BoundSecret, key: BindingPublicKey): Promise<string> {
  const publicKey = await importJWK(key, BINDING_KEY_ALGORITHM);
  const plaintext = new TextEncoder().encode(JSON.stringify({ akid: secret.accessKeyId, sk: secret.secretAccessKey }));
  return new CompactEncrypt(plaintext).setProtectedHeader({ alg: BINDING_KEY_ALGORITHM, enc: BINDING_CONTENT_ENCRYPTION, kid: key.kid }).encrypt(publicKey);
}

/** The `kid` of the binding key a `cnf.jwe` was encrypted to, or undefined when its header is unreadable. */
export function sealedKid(jwe: string): string | undefined {
  try {
    const kid = decodeProtectedHeader(jwe).kid;
    return typeof kid === "string" && kid !== "" ? kid : undefined;
  } catch {
    return undefined;
  }
}

/** A private binding key imported once, ready to decrypt. */
export interface BindingDecryptionKey {
  readonly kid: string;
  readonly key: Parameters<typeof compactDecrypt>[1] & object;
}

export async function importBindingKey(key: BindingPrivateKey): Promise<BindingDecryptionKey> {
  return { kid: key.kid, key: (await importJWK(key, BINDING_KEY_ALGORITHM)) as BindingDecryptionKey["key"] };
}

/**
 * Decrypts a `cnf.jwe` with `key`. Only `ECDH-ES+A256KW`/`A256GCM` are accepted (no `dir`, no RSA,
 * no other curve). Throws a BindingError that never contains the secret.
 */
export async function openSecret(jwe: string, key: BindingDecryptionKey): Promise<BoundSecret> {
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await compactDecrypt(jwe, key.key, {
      keyManagementAlgorithms: [BINDING_KEY_ALGORITHM],
      contentEncryptionAlgorithms: [BINDING_CONTENT_ENCRYPTION],
    }));
  } catch (error) {
    throw new BindingError(`cnf.jwe does not decrypt with binding key '${key.kid}' (${(error as Error).name})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(plaintext));
  } catch {
    throw new BindingError("cnf.jwe does not hold JSON");
  }
  const { akid, sk } = (parsed ?? {}) as { akid?: unknown; sk?: unknown };
  if (typeof akid !== "string" || akid === "" || typeof sk !== "string" || sk === "") {
    throw new BindingError("cnf.jwe does not hold an access key id and a secret");
  }
  return { accessKeyId: akid, secretAccessKey: sk };
}
