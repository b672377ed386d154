import { randomBytes, randomUUID } from "node:crypto";
import { sealSecret, type BindingPublicKey } from "./binding";
import { mintToken, type MintRequest } from "./mint";

/** Temporary credentials as S3 clients take them: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. */
export interface IssuedCredentials {
  /** `ASIA` and 16 upper-case base32 characters, from random bytes. */
  readonly accessKeyId: string;
  /** 40 characters of base64 from random bytes, like an AWS secret access key. */
  readonly secretAccessKey: string;
  /** The JWT. */
  readonly sessionToken: string;
  readonly expiration: Date;
  readonly jti: string;
}

export interface CredentialsRequest extends Omit<MintRequest, "cnf"> {
  /**
   * The authorizers' public binding key. When given, the token's `cnf` claim carries the secret and
   * access key id encrypted to it, and authorizers verify the client's SigV4 signature with that
   * secret. @default none: a bearer token (the secret proves nothing; authorizers in `required` mode refuse it)
   */
  readonly binding?: BindingPublicKey;
}

/** The prefix AWS gives temporary (STS) access key ids; clients and tools treat such ids as needing a session token. */
export const ACCESS_KEY_ID_PREFIX = "ASIA";
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/** AWS access key ids are 20 characters: the prefix and 16 base32 characters (80 bits). */
const ACCESS_KEY_ID_RANDOM_BYTES = 10;
/** 30 random bytes are exactly 40 base64 characters, the length of an AWS secret access key. */
const SECRET_RANDOM_BYTES = 30;

/** RFC 4648 base32 without padding; `bytes.length * 8` must be a multiple of 5. */
function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** A fresh access key id: `ASIA` + 16 base32 characters of random bytes (never derived from the jti, which a caller may choose). */
export function newAccessKeyId(): string {
  return ACCESS_KEY_ID_PREFIX + base32(randomBytes(ACCESS_KEY_ID_RANDOM_BYTES));
}

/** A fresh secret access key: 40 characters of base64 from 240 random bits. */
export function newSecretAccessKey(): string {
  return randomBytes(SECRET_RANDOM_BYTES).toString("base64");
}

/**
 * Issues a credential triple around a freshly minted token. With `binding`, the token carries
 * `cnf: { jwe }` (RFC 7800): the secret and access key id encrypted to the authorizers' key, so
 * the token alone no longer grants anything, and the secret never appears in clear in it.
 */
export async function issueCredentials(request: CredentialsRequest): Promise<IssuedCredentials> {
  const { binding, ...mint } = request;
  const accessKeyId = newAccessKeyId();
  const secretAccessKey = newSecretAccessKey();
  const jti = mint.jti ?? randomUUID();
  const now = mint.now ?? new Date();
  const cnf = binding === undefined ? undefined : { jwe: await sealSecret({ accessKeyId, secretAccessKey }, binding) };
  const sessionToken = await mintToken({ ...mint, jti, now, ...(cnf ? { cnf } : {}) });
  const expiration = new Date((Math.floor(now.getTime() / 1000) + mint.ttlSeconds) * 1000);
  return { accessKeyId, secretAccessKey, sessionToken, expiration, jti };
}
