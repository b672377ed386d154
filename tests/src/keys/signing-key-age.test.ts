import fc from "fast-check";
import { parseJwks, type Jwks, type PublishedKey } from "../../../src/keys/jwks";
import { buildKeyring, currentKeyCreatedAt, signingKeyAgeSeconds } from "../../../src/keys/keyring";
import { jwksText, keyPair, MemorySource, startHarness, TestClock } from "../../handlers/authorizer/support";

const key = (kid: string, extra: Record<string, unknown>) => ({ kid, alg: "EdDSA", kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", ...extra });
const jwks = (...keys: Record<string, unknown>[]): Jwks => parseJwks({ keys }, "test");

describe("currentKeyCreatedAt", () => {
  it("reads the current key's created_at as rotation writes it, ignoring pending and previous keys", () => {
    const document = jwks(
      key("old", { state: "previous", created_at: 1_700_000_000, retired_at: 1_700_600_000 }),
      key("now", { state: "current", created_at: 1_700_600_000 }),
      key("next", { state: "pending", created_at: 1_701_200_000 }),
    );
    expect(currentKeyCreatedAt(document)).toBe(1_700_600_000);
  });

  it("treats a key without state as current, and knows nothing of a hand-written key without created_at", () => {
    expect(currentKeyCreatedAt(jwks(key("a", { created_at: 42 })))).toBe(42);
    expect(currentKeyCreatedAt(jwks(key("a", {}), key("b", { state: "previous", created_at: 42 })))).toBeUndefined();
    expect(currentKeyCreatedAt(jwks())).toBeUndefined();
  });

  it("takes the newest when several keys claim to be current (a repair is pending)", () => {
    expect(currentKeyCreatedAt(jwks(key("a", { state: "current", created_at: 10 }), key("b", { state: "current", created_at: 30 })))).toBe(30);
  });

  it("ignores a created_at that is not a non-negative number", () => {
    expect(currentKeyCreatedAt(jwks(key("a", { created_at: "yesterday" }), key("b", { created_at: -5 })))).toBeUndefined();
  });
});

describe("signingKeyAgeSeconds", () => {
  it("is the seconds since the keyring's current key was created, never negative, and unknown without created_at", async () => {
    const known = await buildKeyring(jwks(key("a", { created_at: 1_000 })));
    expect(known.currentKeyCreatedAt).toBe(1_000);
    expect(signingKeyAgeSeconds(known, 87_400)).toBe(86_400);
    expect(signingKeyAgeSeconds(await buildKeyring(jwks(key("a", {}))), 87_400)).toBeUndefined();
    expect(signingKeyAgeSeconds(undefined, 87_400)).toBeUndefined();
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (created, now) => {
        expect(signingKeyAgeSeconds({ keys: new Map(), fingerprint: "x", currentKeyCreatedAt: created }, now)).toBe(Math.max(0, now - created));
      }),
    );
  });

  it("is published by the authorizer's EMF totals line, from the JWKS it loaded", async () => {
    const pair = await keyPair();
    const clock = new TestClock();
    const createdAt = clock.nowMs / 1000 - 3 * 86_400;
    const published: PublishedKey = { ...pair.publicKey, state: "current", created_at: createdAt };
    const harness = await startHarness({ keySource: new MemorySource(jwksText(published)), clock });
    try {
      harness.app.authorizer.emf!.flush();
      const totals = harness.emf.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => "TokenCacheHits" in l)!;
      expect(totals.SigningKeyAgeSeconds).toBe(3 * 86_400);
    } finally {
      await harness.close();
    }
  });
});
