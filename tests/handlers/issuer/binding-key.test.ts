import { bindingIssuer, currentBindingKeyReader } from "../../../handlers/issuer/binding-key";
import type { FunctionUrlEvent } from "../../../handlers/issuer/event";
import type { SecretStore, StoredValue } from "../../../handlers/rotation/store";
import { generateBindingKeyPair, type BindingPublicKey } from "../../../src/token/binding";

const ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-dev/binding/public-key-AbCdEf";

function storeHolding(value: StoredValue | undefined): { store: Pick<SecretStore, "getValue">; asked: unknown[] } {
  const asked: unknown[] = [];
  return {
    asked,
    store: {
      getValue: async (secretId, selector) => {
        asked.push([secretId, selector]);
        return value;
      },
    },
  };
}

describe("currentBindingKeyReader", () => {
  it("reads the AWSCURRENT public key of the secret it names", async () => {
    const { publicKey } = await generateBindingKeyPair();
    const { store, asked } = storeHolding({ versionId: "v1", text: JSON.stringify(publicKey) });
    expect(await currentBindingKeyReader(store, ARN)()).toEqual(publicKey);
    expect(asked).toEqual([[ARN, { stage: "AWSCURRENT" }]]);
  });

  it("refuses a value holding the private key, so the issuer never runs with it", async () => {
    const { privateKey } = await generateBindingKeyPair();
    const { store } = storeHolding({ versionId: "v2", text: JSON.stringify(privateKey) });
    await expect(currentBindingKeyReader(store, ARN)()).rejects.toThrow(`secret ${ARN} (AWSCURRENT version v2) (kid ${privateKey.kid}) holds a private key ("d"); give the issuer only the public half`);
  });

  it("says how to fix an empty secret or one that is not JSON, without quoting its value", async () => {
    await expect(currentBindingKeyReader(storeHolding(undefined).store, ARN)()).rejects.toThrow(`secret ${ARN} has no AWSCURRENT value; put the public binding key in it`);
    const garbled = currentBindingKeyReader(storeHolding({ versionId: "v3", text: "not-json-secretish" }).store, ARN)();
    await expect(garbled).rejects.toThrow(`secret ${ARN} (AWSCURRENT version v3) is not JSON`);
    await expect(garbled).rejects.not.toThrow("secretish");
  });
});

describe("bindingIssuer", () => {
  const event = {} as FunctionUrlEvent;

  it("builds the handler once per binding key and again when a rotated key is read", async () => {
    const [a, b] = [(await generateBindingKeyPair()).publicKey, (await generateBindingKeyPair()).publicKey];
    const sequence = [a, a, b, b];
    const built: string[] = [];
    const run = bindingIssuer(
      async () => sequence.shift()!,
      (binding) => {
        built.push(binding.kid);
        return async () => ({ statusCode: 200, headers: {}, body: binding.kid });
      },
      () => ({ statusCode: 500, headers: {}, body: "" }),
    );
    const answered = [];
    for (let i = 0; i < 4; i++) answered.push((await run(event)).body);
    expect(answered).toEqual([a.kid, a.kid, b.kid, b.kid]);
    expect(built).toEqual([a.kid, b.kid]);
  });

  it("answers the failure, never an unbound handler, when the key cannot be read", async () => {
    let made = 0;
    const run = bindingIssuer(
      async (): Promise<BindingPublicKey> => {
        throw new Error("secrets manager is down");
      },
      () => {
        made += 1;
        return async () => ({ statusCode: 200, headers: {}, body: "" });
      },
      (error) => ({ statusCode: 500, headers: {}, body: error.message }),
    );
    expect(await run(event)).toEqual({ statusCode: 500, headers: {}, body: "secrets manager is down" });
    expect(made).toBe(0);
  });
});
