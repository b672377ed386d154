import type { PrivateSigningKey } from "../../src/keys/generate";
import { AWSCURRENT } from "../rotation/event";
import { parsePrivateKeyText } from "../rotation/private-key";
import type { SecretStore } from "../rotation/store";

/**
 * Where the issuer gets its signing key: the AWSCURRENT version of the private-key secret, which the
 * rotation Lambda keeps (handlers/rotation/; docs/operations.md), parsed as rotation parses it, and
 * kept for a short while so most issuances read no secret.
 */

/** Reads and parses the AWSCURRENT private key; errors name the secret, never any part of its value. */
export function currentPrivateKeyReader(store: Pick<SecretStore, "getValue">, secretArn: string): () => Promise<PrivateSigningKey> {
  return async () => {
    const value = await store.getValue(secretArn, { stage: AWSCURRENT });
    if (value === undefined) throw new Error(`secret ${secretArn} has no ${AWSCURRENT} value; run its rotation once (docs/operations.md)`);
    return parsePrivateKeyText(value.text, `secret ${secretArn} (${AWSCURRENT} version ${value.versionId})`);
  };
}

/**
 * `read`, remembered for `maxAgeSeconds` (0: read every time). One read at a time: callers that ask
 * while a read is under way share it. A failed read is not remembered, and the key it would replace is
 * not used past its age: a key the issuer cannot confirm is current is not signed with.
 */
export function cachedPrivateKey<K = PrivateSigningKey>(read: () => Promise<K>, maxAgeSeconds: number, now: () => Date): () => Promise<K> {
  let cached: { key: K; readAt: number } | undefined;
  let pending: Promise<K> | undefined;
  return () => {
    if (cached && now().getTime() - cached.readAt < maxAgeSeconds * 1000) return Promise.resolve(cached.key);
    pending ??= read()
      .then((key) => {
        cached = { key, readAt: now().getTime() };
        return key;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
