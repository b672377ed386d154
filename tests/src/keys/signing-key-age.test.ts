import fc from "fast-check";
import { currentKeyCreatedAt, signingKeyAgeSeconds } from "../../../handlers/authorizer/signing-key-age";
import { parseJwks, type Jwks } from "../../../src/keys/jwks";

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
  it("is the seconds since creation, never negative, and unknown when creation is unknown", () => {
    expect(signingKeyAgeSeconds(1_000, 87_400)).toBe(86_400);
    expect(signingKeyAgeSeconds(undefined, 87_400)).toBeUndefined();
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (created, now) => {
        expect(signingKeyAgeSeconds(created, now)).toBe(Math.max(0, now - created));
      }),
    );
  });
});
