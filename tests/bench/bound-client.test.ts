import { readFileSync } from "node:fs";
import { decodeJwt } from "jose";
import { boundClient, headerSignedGet, presignedGet, PRESIGN_SECONDS } from "../../bench/bound-client";
import { parseBindingKeys } from "../../handlers/authorizer/client-signature";
import { generateSigningKeyPair } from "../../src/keys/generate";
import { parseSignature } from "../../src/sigv4/parse";
import { MAX_CLOCK_SKEW_SECONDS, verifySignature, type SignedRequest } from "../../src/sigv4/verify";
import { openSecret, sealedKid } from "../../src/token/binding";
import { TempDirs } from "../support/temp";

const temp = new TempDirs();
afterAll(() => temp.removeAll());

/** The verifier's verdict on a signed request with the secret the client signed with. */
function verdict(request: SignedRequest, credential: { accessKeyId: string; secretAccessKey: string }, nowMs: number) {
  const question = request.target.indexOf("?");
  const parsed = parseSignature(request.headers, question < 0 ? "" : request.target.slice(question + 1));
  if (!parsed.ok || parsed.claim === undefined) throw new Error(`not a SigV4 request: ${JSON.stringify(parsed)}`);
  const result = verifySignature(request, parsed.claim, credential, nowMs);
  return result.ok ? "ok" : result.reason;
}

describe("the benchmark's bound client", () => {
  let client: Awaited<ReturnType<typeof boundClient>>;
  beforeAll(async () => {
    const signing = await generateSigningKeyPair();
    client = await boundClient(temp.make("bench-bound"), signing.privateKey, ["read:data/reports/"]);
  });

  it("writes binding keys the authorizer's parser accepts, which open the token's sealed secret to the client's", async () => {
    const keyring = await parseBindingKeys(readFileSync(client.bindingKeysPath, "utf8"), client.bindingKeysPath);
    const { cnf } = decodeJwt(client.credential.sessionToken) as { cnf?: { jwe: string } };
    expect(cnf).toBeDefined();
    const key = keyring.keys.get(sealedKid(cnf!.jwe) as string);
    expect(key).toBeDefined();
    expect(await openSecret(cnf!.jwe, key!)).toEqual({ accessKeyId: client.credential.accessKeyId, secretAccessKey: client.credential.secretAccessKey });
  });

  it("signs a GET in the header that verifies within the clock skew and is refused beyond it, or with another secret", async () => {
    const signedAt = new Date("2026-11-30T12:00:00Z");
    const request = await headerSignedGet(client, "gateway.example.com", "/data/reports/q1.csv", signedAt);
    expect(request.headers["x-amz-security-token"]).toBe(client.credential.sessionToken);
    const at = (seconds: number) => signedAt.getTime() + seconds * 1000;
    expect(verdict(request, client.credential, at(MAX_CLOCK_SKEW_SECONDS - 1))).toBe("ok");
    expect(verdict(request, client.credential, at(MAX_CLOCK_SKEW_SECONDS + 60))).toBe("skewed");
    expect(verdict(request, { ...client.credential, secretAccessKey: "x".repeat(40) }, at(0))).toBe("signature");
  });

  it("presigns a GET that verifies until its expiry and not after", async () => {
    const signedAt = new Date("2026-11-30T12:00:00Z");
    const request = await presignedGet(client, "gateway.example.com", "/data/reports/q1.csv", signedAt);
    expect(request.target).toContain("X-Amz-Security-Token=");
    expect(verdict(request, client.credential, signedAt.getTime() + (PRESIGN_SECONDS - 1) * 1000)).toBe("ok");
    expect(verdict(request, client.credential, signedAt.getTime() + (PRESIGN_SECONDS + 1) * 1000)).toBe("expired");
  });
});
