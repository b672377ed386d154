import fc from "fast-check";
import { RotationError } from "../../../handlers/rotation/errors";
import { parsePrivateKeyText } from "../../../handlers/rotation/private-key";
import { generateSigningKeyPair, type PrivateSigningKey } from "../../../src/keys/generate";

const SOURCE = "AWSPENDING version v1 of the private-key secret";

let key: PrivateSigningKey;
beforeAll(async () => {
  key = (await generateSigningKeyPair()).privateKey;
});

async function refusal(text: string): Promise<RotationError> {
  const error = await parsePrivateKeyText(text, SOURCE).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RotationError);
  expect((error as RotationError).code).toBe("bad-private-key");
  return error as RotationError;
}

describe("parsePrivateKeyText", () => {
  it("returns a private JWK named by its thumbprint", async () => {
    expect(await parsePrivateKeyText(JSON.stringify(key), SOURCE)).toEqual(key);
  });

  it.each([
    ["text that is not JSON", () => "d=secret-scalar", /is not JSON; it must hold one private JWK/],
    ["a JSON array", () => JSON.stringify([key]), /is not a JSON object/],
    ["a public key", () => JSON.stringify({ ...key, d: undefined }), /has no private member "d"/],
    ["a key without kid", () => JSON.stringify({ ...key, kid: undefined }), /has no "kid"/],
    ["an HMAC algorithm", () => JSON.stringify({ ...key, alg: "HS256" }), /has alg "HS256"; expected one of/],
    ["a kid that is not the thumbprint", () => JSON.stringify({ ...key, kid: "my-key" }), /kid my-key, which is not its key's RFC 7638 thumbprint/],
    ["a key whose public part is unusable", () => JSON.stringify({ ...key, x: undefined }), /is not a usable EdDSA JWK/],
  ])("refuses %s, naming the source", async (_name, text, message) => {
    const error = await refusal(text());
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(SOURCE)).toBe(true);
    expect(error.message).not.toContain(key.d);
  });

  it("never puts the private scalar in its message, whatever else is wrong with the key", async () => {
    const broken = fc.record({
      kid: fc.option(fc.string(), { nil: undefined }),
      alg: fc.option(fc.constantFrom("EdDSA", "ES256", "HS256", "none", ""), { nil: undefined }),
      x: fc.option(fc.string(), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(broken, async (changes) => {
        const text = JSON.stringify({ ...key, ...changes });
        const outcome = await parsePrivateKeyText(text, SOURCE).then(
          () => "accepted",
          (e: Error) => e.message,
        );
        expect(outcome).not.toContain(key.d);
      }),
      { numRuns: 200 },
    );
  });
});
