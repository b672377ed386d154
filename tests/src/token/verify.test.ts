import { SignJWT, base64url, generateKeyPair, exportJWK, importJWK, type JWTPayload, type JWTHeaderParameters } from "jose";
import { generateSigningKeyPair, type GeneratedKeyPair } from "../../../src/keys/generate";
import { buildKeyring, type Keyring } from "../../../src/keys/keyring";
import { tokenPolicy } from "../../../src/token/policy";
import { verifyToken } from "../../../src/token/verify";

let pair: GeneratedKeyPair;
let keyring: Keyring;
const NOW = new Date("2030-06-01T12:00:00Z");
const nowSeconds = NOW.getTime() / 1000;
const policy = tokenPolicy({ deniedJtis: new Set(["revoked-jti"]), deniedSubjects: new Set(["mallory"]) });

beforeAll(async () => {
  pair = await generateSigningKeyPair();
  const es256 = await generateSigningKeyPair("ES256");
  keyring = await buildKeyring({ keys: [pair.publicKey, es256.publicKey] });
});

const CLAIMS = (): JWTPayload => ({ iss: "rajee", aud: "rajee", sub: "alice", iat: nowSeconds - 60, exp: nowSeconds + 600, jti: "j1", grants: ["read:data/"] });

async function sign(claims: JWTPayload, header: Partial<JWTHeaderParameters> = {}, key = pair.privateKey): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid: pair.privateKey.kid, ...header }).sign(await importJWK(key, "EdDSA"));
}

function without(claims: JWTPayload, name: string): JWTPayload {
  const copy = { ...claims };
  delete copy[name];
  return copy;
}

const verify = (token: string, p = policy) => verifyToken(token, keyring, p, NOW);

describe("token verification", () => {
  it("accepts a well-formed token and returns its grants and fingerprint", async () => {
    const result = await verify(await sign(CLAIMS()));
    expect(result).toMatchObject({ ok: true, token: { subject: "alice", jti: "j1", kid: pair.privateKey.kid, expiresAt: nowSeconds + 600, fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/) } });
  });

  it("refuses alg none before any key lookup", async () => {
    const header = base64url.encode(JSON.stringify({ alg: "none", kid: pair.privateKey.kid }));
    const unsigned = `${header}.${base64url.encode(JSON.stringify(CLAIMS()))}.`;
    // An unsecured JWS has an empty signature: not a canonical three-segment token at all.
    expect(await verify(unsigned)).toMatchObject({ ok: false, reason: "malformed", error: { code: "InvalidToken" } });
    expect(await verify(`${unsigned}AAAA`)).toMatchObject({ ok: false, reason: "algorithm", error: { code: "InvalidToken" } });
  });

  it("refuses HS256 signed with the public key bytes", async () => {
    const secret = new TextEncoder().encode(JSON.stringify(pair.publicKey));
    const token = await new SignJWT(CLAIMS()).setProtectedHeader({ alg: "HS256", kid: pair.privateKey.kid }).sign(secret);
    const raw = await new SignJWT(CLAIMS()).setProtectedHeader({ alg: "HS256", kid: pair.privateKey.kid }).sign(base64url.decode(pair.publicKey.x as string));
    expect(await verify(token)).toMatchObject({ ok: false, reason: "algorithm" });
    expect(await verify(raw)).toMatchObject({ ok: false, reason: "algorithm" });
  });

  it("refuses an algorithm outside a narrowed allow-list", async () => {
    expect(await verify(await sign(CLAIMS()), tokenPolicy({ algorithms: ["ES256"] }))).toMatchObject({ ok: false, reason: "algorithm" });
  });

  it("refuses a header alg that does not match the key's alg", async () => {
    const es = [...keyring.keys.values()].find((k) => k.alg === "ES256")!;
    expect(await verify(await sign(CLAIMS(), { kid: es.kid }))).toMatchObject({ ok: false, reason: "algorithm" });
  });

  it("refuses a token without kid, and one with an unknown kid", async () => {
    expect(await verify(await sign(CLAIMS(), { kid: undefined }))).toMatchObject({ ok: false, reason: "missing-kid" });
    expect(await verify(await sign(CLAIMS(), { kid: "someone-else" }))).toMatchObject({ ok: false, reason: "unknown-kid", error: { code: "InvalidToken" } });
  });

  it("never uses a key embedded in the header (jwk), even under a trusted kid", async () => {
    const attacker = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const jwk = await exportJWK(attacker.publicKey);
    const token = await new SignJWT(CLAIMS()).setProtectedHeader({ alg: "EdDSA", kid: pair.privateKey.kid, jwk }).sign(attacker.privateKey);
    expect(await verify(token)).toMatchObject({ ok: false, reason: "signature" });
  });

  it("refuses a crit header", async () => {
    const header = base64url.encode(JSON.stringify({ alg: "EdDSA", kid: pair.privateKey.kid, crit: ["x-custom"], "x-custom": 1 }));
    const forged = `${header}.${base64url.encode(JSON.stringify(CLAIMS()))}.c2ln`;
    expect(await verify(forged)).toMatchObject({ ok: false, reason: "crit" });
  });

  it("refuses a signature made by another key under the trusted kid", async () => {
    const other = await generateSigningKeyPair();
    expect(await verify(await sign(CLAIMS(), {}, { ...other.privateKey, kid: pair.privateKey.kid }))).toMatchObject({ ok: false, reason: "signature" });
  });

  it("refuses a tampered payload", async () => {
    const [h, , s] = (await sign(CLAIMS())).split(".");
    const payload = base64url.encode(JSON.stringify({ ...CLAIMS(), grants: ["*:data/"] }));
    expect(await verify(`${h}.${payload}.${s}`)).toMatchObject({ ok: false, reason: "signature", error: { code: "InvalidToken" } });
  });

  it.each([
    ["issuer", { iss: "someone" }],
    ["audience", { aud: "other-service" }],
  ])("refuses a wrong %s", async (_name, override) => {
    expect(await verify(await sign({ ...CLAIMS(), ...override }))).toMatchObject({ ok: false, reason: "claims", error: { code: "InvalidToken" } });
  });

  it("accepts an audience array that contains the expected audience", async () => {
    expect(await verify(await sign({ ...CLAIMS(), aud: ["x", "rajee"] }))).toMatchObject({ ok: true });
  });

  it("refuses an expired token with ExpiredToken, honouring the skew", async () => {
    expect(await verify(await sign({ ...CLAIMS(), exp: nowSeconds - 31 }))).toMatchObject({ ok: false, reason: "expired", error: { code: "ExpiredToken", status: 400 } });
    expect(await verify(await sign({ ...CLAIMS(), exp: nowSeconds - 29 }))).toMatchObject({ ok: true });
  });

  it("refuses a token that is not valid yet, honouring the skew", async () => {
    expect(await verify(await sign({ ...CLAIMS(), nbf: nowSeconds + 31 }))).toMatchObject({ ok: false, reason: "not-yet-valid", error: { code: "InvalidToken" } });
    expect(await verify(await sign({ ...CLAIMS(), nbf: nowSeconds + 29 }))).toMatchObject({ ok: true });
  });

  it("refuses a token issued in the future", async () => {
    expect(await verify(await sign({ ...CLAIMS(), iat: nowSeconds + 120 }))).toMatchObject({ ok: false, reason: "claims" });
  });

  it("refuses a lifetime over the maximum", async () => {
    const long = { ...CLAIMS(), iat: nowSeconds - 60, exp: nowSeconds - 60 + 12 * 3600 + 1 };
    expect(await verify(await sign(long))).toMatchObject({ ok: false, reason: "lifetime", error: { message: expect.stringContaining("exceeds the maximum") } });
    expect(await verify(await sign({ ...long, exp: long.exp - 1 }))).toMatchObject({ ok: true });
  });

  it.each(["iss", "aud", "sub", "exp", "iat", "jti"])("refuses a token without '%s'", async (claim) => {
    expect(await verify(await sign(without(CLAIMS(), claim)))).toMatchObject({ ok: false, error: { code: "InvalidToken" } });
  });

  it("refuses a token without grants, or with one bad grant", async () => {
    expect(await verify(await sign(without(CLAIMS(), "grants")))).toMatchObject({ ok: false, reason: "grants" });
    expect(await verify(await sign({ ...CLAIMS(), grants: ["read:data/", "read:data/a*b"] }))).toMatchObject({ ok: false, reason: "grants", error: { message: expect.stringContaining("whole token") } });
  });

  it("refuses a deny-listed jti or sub", async () => {
    expect(await verify(await sign({ ...CLAIMS(), jti: "revoked-jti" }))).toMatchObject({ ok: false, reason: "revoked", error: { code: "InvalidToken" } });
    expect(await verify(await sign({ ...CLAIMS(), sub: "mallory" }))).toMatchObject({ ok: false, reason: "revoked" });
  });

  it.each(["", "abc", "a.b", "a.b.c.d", "....", "eyJhbGciOiJFZERTQSJ9.e30"])("refuses the malformed token %j", async (token) => {
    expect(await verify(token)).toMatchObject({ ok: false, error: { code: "InvalidToken" } });
  });

  it("verifies ES256 tokens", async () => {
    const es = await generateSigningKeyPair("ES256");
    const ring = await buildKeyring({ keys: [es.publicKey] });
    const token = await new SignJWT(CLAIMS()).setProtectedHeader({ alg: "ES256", kid: es.privateKey.kid }).sign(await importJWK(es.privateKey, "ES256"));
    expect(await verifyToken(token, ring, policy, NOW)).toMatchObject({ ok: true });
  });
});
