import { generateSigningKeyPair, publicPart } from "../../../src/keys/generate";
import { parseJwks, parseJwksText, JwksError } from "../../../src/keys/jwks";

describe("JWKS documents", () => {
  it("accepts a generated public key and rejects the private half", async () => {
    const { privateKey, publicKey } = await generateSigningKeyPair();
    expect(parseJwks({ keys: [publicKey] }, "test").keys[0]?.kid).toBe(publicKey.kid);
    expect(publicPart(privateKey)).toEqual(publicKey);
    expect(() => parseJwks({ keys: [privateKey] }, "test")).toThrow(/holds a private key/);
  });

  it("names the source and the problem", async () => {
    const { publicKey } = await generateSigningKeyPair();
    expect(() => parseJwksText("{", "jwks.json")).toThrow(/jwks.json: not valid JSON/);
    expect(() => parseJwks({ keys: [publicKey, publicKey] }, "s")).toThrow(/appears twice/);
    expect(() => parseJwks({ keys: [{ ...publicKey, alg: "HS256" }] }, "s")).toThrow(JwksError);
    expect(() => parseJwks({ keys: [{ ...publicKey, kid: "" }] }, "s")).toThrow(/no "kid"/);
    expect(() => parseJwks({ keys: [{ ...publicKey, state: "old" }] }, "s")).toThrow(/state "old"/);
    expect(() => parseJwks({ nope: 1 }, "s")).toThrow(/not a JWKS document/);
  });
});
