import { CompactEncrypt, importJWK } from "jose";
import {
  bindingPublicPart,
  generateBindingKeyPair,
  importBindingKey,
  openSecret,
  parseBindingPrivateKey,
  parseBindingPublicKey,
  sealSecret,
  sealedKid,
} from "../../../src/token/binding";

const secret = { accessKeyId: "ASIAAAAAAAAAAAAAAAAA", secretAccessKey: "s".repeat(40) };

describe("binding keys", () => {
  it("generates a P-256 ECDH-ES+A256KW pair whose kid is shared by both halves", async () => {
    const { privateKey, publicKey } = await generateBindingKeyPair();
    expect(publicKey).toMatchObject({ kty: "EC", crv: "P-256", alg: "ECDH-ES+A256KW", use: "enc", kid: privateKey.kid });
    expect("d" in publicKey).toBe(false);
    expect(bindingPublicPart(privateKey)).toEqual(publicKey);
  });

  it("refuses a private key where the public half is expected, and the reverse", async () => {
    const { privateKey, publicKey } = await generateBindingKeyPair();
    expect(() => parseBindingPublicKey(privateKey, "binding.jwk")).toThrow(/holds a private key/);
    expect(() => parseBindingPrivateKey(publicKey, "binding.jwk")).toThrow(/has no "d"/);
    expect(parseBindingPublicKey(publicKey, "binding.jwk")).toEqual(publicKey);
  });

  it("refuses keys of another type, curve or algorithm", async () => {
    const { publicKey } = await generateBindingKeyPair();
    expect(() => parseBindingPublicKey({ ...publicKey, crv: "P-384" }, "k")).toThrow(/not an EC P-256 key/);
    expect(() => parseBindingPublicKey({ kty: "OKP", crv: "Ed25519", x: "a", kid: "k" }, "k")).toThrow(/not an EC P-256 key/);
    expect(() => parseBindingPublicKey({ ...publicKey, alg: "ECDH-ES" }, "k")).toThrow(/binding keys use ECDH-ES\+A256KW/);
    expect(() => parseBindingPublicKey({ ...publicKey, use: "sig" }, "k")).toThrow(/use "enc"/);
    expect(() => parseBindingPublicKey("nope", "k")).toThrow(/not a JWK object/);
  });
});

describe("sealing a secret", () => {
  it("opens to the sealed secret and access key id, naming the key's kid", async () => {
    const { privateKey, publicKey } = await generateBindingKeyPair();
    const jwe = await sealSecret(secret, publicKey);
    expect(sealedKid(jwe)).toBe(publicKey.kid);
    expect(await openSecret(jwe, await importBindingKey(privateKey))).toEqual(secret);
  });

  it("refuses a tampered ciphertext", async () => {
    const { privateKey, publicKey } = await generateBindingKeyPair();
    const parts = (await sealSecret(secret, publicKey)).split(".");
    const ciphertext = Buffer.from(parts[3] as string, "base64url");
    ciphertext[0] = (ciphertext[0] as number) ^ 1;
    parts[3] = ciphertext.toString("base64url");
    await expect(openSecret(parts.join("."), await importBindingKey(privateKey))).rejects.toThrow(/does not decrypt/);
  });

  it("refuses a JWE made with another algorithm, even to the right key", async () => {
    const { privateKey, publicKey } = await generateBindingKeyPair();
    const plain = new TextEncoder().encode(JSON.stringify({ akid: secret.accessKeyId, sk: secret.secretAccessKey }));
    const jwe = await new CompactEncrypt(plain).setProtectedHeader({ alg: "ECDH-ES", enc: "A128GCM", kid: publicKey.kid }).encrypt(await importJWK(publicKey, "ECDH-ES"));
    await expect(openSecret(jwe, await importBindingKey(privateKey))).rejects.toThrow(/does not decrypt/);
  });

  it("refuses a JWE whose payload lacks the access key id, without echoing the secret", async () => {
    const { privateKey, publicKey } = await generateBindingKeyPair();
    const plain = new TextEncoder().encode(JSON.stringify({ sk: secret.secretAccessKey }));
    const jwe = await new CompactEncrypt(plain).setProtectedHeader({ alg: "ECDH-ES+A256KW", enc: "A256GCM", kid: publicKey.kid }).encrypt(await importJWK(publicKey, "ECDH-ES+A256KW"));
    const error = await openSecret(jwe, await importBindingKey(privateKey)).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/does not hold an access key id and a secret/);
    expect((error as Error).message).not.toContain(secret.secretAccessKey);
  });

  it("reads no kid from text that is not a JWE", () => {
    expect(sealedKid("not-a-jwe")).toBeUndefined();
  });
});
