import { parseBindingPublicKey, type BindingPublicKey } from "../../src/token/binding";
import { AWSCURRENT } from "../rotation/event";
import type { SecretStore } from "../rotation/store";
import type { FunctionUrlEvent, FunctionUrlResult } from "./event";

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

type Run = (event: FunctionUrlEvent) => Promise<FunctionUrlResult>;

/**
 * The issuer with binding: reads the public key for each request (`read` is cached by the caller),
 * builds the handler for it once per `kid`, so a rotated key is used as soon as it is read, and when
 * the key cannot be read answers `fail`'s result: never a bearer token.
 */
export function bindingIssuer(read: () => Promise<BindingPublicKey>, make: (binding: BindingPublicKey) => Run, fail: (error: Error) => FunctionUrlResult): Run {
  let bound: { kid: string; run: Run } | undefined;
  return async (event) => {
    let binding: BindingPublicKey;
    try {
      binding = await read();
    } catch (error) {
      return fail(error instanceof Error ? error : new Error(String(error)));
    }
    if (bound?.kid !== binding.kid) bound = { kid: binding.kid, run: make(binding) };
    return bound.run(event);
  };
}
