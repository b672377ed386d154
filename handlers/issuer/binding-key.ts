import { parseBindingPublicKey, type BindingPublicKey } from "../../src/token/binding";
import { AWSCURRENT } from "../rotation/event";
import type { SecretStore } from "../rotation/store";

/**
 * Where the issuer gets the authorizers' public binding key: the AWSCURRENT version of the public
 * binding-key secret (one public JWK; docs/operations.md, "Rotating the binding key"). The private
 * half lives in another secret only the authorizers' task role may read.
 */

/** Reads and validates the AWSCURRENT public binding key; refuses a value holding a private key. */
export function currentBindingKeyReader(store: Pick<SecretStore, "getValue">, secretArn: string): () => Promise<BindingPublicKey> {
  return async () => {
    const value = await store.getValue(secretArn, { stage: AWSCURRENT });
    if (value === undefined) throw new Error(`secret ${secretArn} has no ${AWSCURRENT} value; put the public binding key in it (docs/operations.md, "Binding keys")`);
    let document: unknown;
    try {
      document = JSON.parse(value.text);
    } catch {
      throw new Error(`secret ${secretArn} (${AWSCURRENT} version ${value.versionId}) is not JSON; put the public JWK 'rajee keys binding' writes`);
    }
    return parseBindingPublicKey(document, `secret ${secretArn} (${AWSCURRENT} version ${value.versionId})`);
  };
}
