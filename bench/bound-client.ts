import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PrivateSigningKey } from "../src/keys/generate";
import type { SignedRequest } from "../src/sigv4/verify";
import { generateBindingKeyPair } from "../src/token/binding";
import { issueCredentials } from "../src/token/credentials";
import { presign, signHeaders, type ClientCredential } from "../tests/src/sigv4/client-signer";

/**
 * A client as staging and prod serve it (`clientSignatures: required`): credentials whose token is
 * bound to them (RFC 7800 `cnf.jwe`, sealed to the authorizers' binding key), and requests signed
 * with the bound secret by SDK v3's own signer (@smithy/signature-v4 through tests/src/sigv4/client-signer.ts,
 * an implementation independent of the authorizer's verifier).
 */
export interface BoundClient {
  readonly credential: Required<ClientCredential>;
  /** `{"keys": [<private binding JWK>]}`, as RAJEE_BINDING_KEYS_FILE reads it. */
  readonly bindingKeysPath: string;
}

/** Validity of a benchmark presigned URL, seconds (S3's default for the CLI's `presign`). */
export const PRESIGN_SECONDS = 900;

/** Issues bound credentials for `grants` under `signingKey` and writes the binding-key file into `dir`. */
export async function boundClient(dir: string, signingKey: PrivateSigningKey, grants: readonly string[]): Promise<BoundClient> {
  const binding = await generateBindingKeyPair();
  const bindingKeysPath = join(dir, `binding-keys-${binding.publicKey.kid.slice(0, 12)}.json`);
  writeFileSync(bindingKeysPath, JSON.stringify({ keys: [binding.privateKey] }), { mode: 0o600 });
  const issued = await issueCredentials({ key: signingKey, subject: "bench", grants: [...grants], ttlSeconds: 3600, issuer: "rajee", audience: "rajee", binding: binding.publicKey });
  return { credential: { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken }, bindingKeysPath };
}

/**
 * A GET of `path` header-signed now (Authorization, x-amz-date, x-amz-content-sha256 UNSIGNED-PAYLOAD,
 * the session token), for `host` as the client sends it. Replaying it stays valid for the 15-minute
 * skew the verifier allows around its x-amz-date (src/sigv4/verify.ts MAX_CLOCK_SKEW_SECONDS).
 */
export function headerSignedGet(client: BoundClient, host: string, path: string, now = new Date()): Promise<SignedRequest> {
  return signHeaders({ method: "GET", path, host }, client.credential, now);
}

/** A presigned GET of `path` (X-Amz-* in the query, the token in X-Amz-Security-Token), valid PRESIGN_SECONDS from now. */
export function presignedGet(client: BoundClient, host: string, path: string, now = new Date()): Promise<SignedRequest> {
  return presign({ method: "GET", path, host }, client.credential, now, PRESIGN_SECONDS);
}
