import fc from "fast-check";
import { decodeJwt } from "jose";
import { generateSigningKeyPair } from "../../../src/keys/generate";
import { buildKeyring } from "../../../src/keys/keyring";
import { generateBindingKeyPair, importBindingKey, openSecret, sealedKid } from "../../../src/token/binding";
import { issueCredentials } from "../../../src/token/credentials";
import { tokenPolicy } from "../../../src/token/policy";
import { verifyToken } from "../../../src/token/verify";

const base = { subject: "alice", grants: ["read:data/reports/"], ttlSeconds: 900, issuer: "rajee", audience: "rajee" };

describe("issueCredentials", () => {
  it("returns an ASIA access key id of 20 base32 characters and a 40-character secret", async () => {
    const { privateKey } = await generateSigningKeyPair();
    const issued = await issueCredentials({ ...base, key: privateKey });
    expect(issued.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(issued.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
  });

  it("gives every credential its own access key id and secret, even for the same jti", async () => {
    const { privateKey } = await generateSigningKeyPair();
    const a = await issueCredentials({ ...base, key: privateKey, jti: "same" });
    const b = await issueCredentials({ ...base, key: privateKey, jti: "same" });
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a.secretAccessKey).not.toBe(b.secretAccessKey);
  });

  it("returns the token's jti and an expiration equal to its exp", async () => {
    const { privateKey } = await generateSigningKeyPair();
    const now = new Date("2026-01-02T03:04:05.600Z");
    const issued = await issueCredentials({ ...base, key: privateKey, now });
    const claims = decodeJwt(issued.sessionToken);
    expect(claims.jti).toBe(issued.jti);
    expect(issued.expiration.getTime()).toBe((claims.exp as number) * 1000);
    expect(issued.expiration.toISOString()).toBe("2026-01-02T03:19:05.000Z");
  });

  it("mints a bearer token without cnf when no binding key is given", async () => {
    const { privateKey } = await generateSigningKeyPair();
    const issued = await issueCredentials({ ...base, key: privateKey });
    expect(decodeJwt(issued.sessionToken).cnf).toBeUndefined();
  });

  it("puts the secret and access key id, encrypted to the binding key, in cnf.jwe", async () => {
    const signing = await generateSigningKeyPair();
    const binding = await generateBindingKeyPair();
    const issued = await issueCredentials({ ...base, key: signing.privateKey, binding: binding.publicKey });
    const cnf = decodeJwt(issued.sessionToken).cnf as { jwe: string };
    expect(sealedKid(cnf.jwe)).toBe(binding.publicKey.kid);
    const opened = await openSecret(cnf.jwe, await importBindingKey(binding.privateKey));
    expect(opened).toEqual({ accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey });
  });

  it("issues bound tokens that the verifier accepts and exposes with their cnf", async () => {
    const signing = await generateSigningKeyPair();
    const binding = await generateBindingKeyPair();
    const issued = await issueCredentials({ ...base, key: signing.privateKey, binding: binding.publicKey });
    const result = await verifyToken(issued.sessionToken, await buildKeyring({ keys: [signing.publicKey] }), tokenPolicy(), new Date());
    expect(result.ok && result.token.cnf?.jwe).toBe((decodeJwt(issued.sessionToken).cnf as { jwe: string }).jwe);
  });

  it("does not open with another binding key", async () => {
    const signing = await generateSigningKeyPair();
    const binding = await generateBindingKeyPair();
    const other = await generateBindingKeyPair();
    const issued = await issueCredentials({ ...base, key: signing.privateKey, binding: binding.publicKey });
    const cnf = decodeJwt(issued.sessionToken).cnf as { jwe: string };
    await expect(openSecret(cnf.jwe, await importBindingKey(other.privateKey))).rejects.toThrow(/does not decrypt/);
  });

  it("never carries the secret in clear, in any spelling of the token", async () => {
    const signing = await generateSigningKeyPair();
    const binding = await generateBindingKeyPair();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("read:data/", "write:data/in/", "*:scratch/"), async (grant) => {
        const issued = await issueCredentials({ ...base, grants: [grant], key: signing.privateKey, binding: binding.publicKey });
        const decoded = issued.sessionToken
          .split(".")
          .map((part) => Buffer.from(part, "base64url").toString("latin1"))
          .join("\n");
        expect(issued.sessionToken).not.toContain(issued.secretAccessKey);
        expect(decoded).not.toContain(issued.secretAccessKey);
        expect(decoded).not.toContain(Buffer.from(issued.secretAccessKey).toString("base64url"));
      }),
      { numRuns: 10 },
    );
  });
});
