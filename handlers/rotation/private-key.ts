import { calculateJwkThumbprint } from "jose";
import { publicPart, type PrivateSigningKey } from "../../src/keys/generate";
import { SUPPORTED_ALGORITHMS } from "../../src/keys/jwks";
import { RotationError } from "./errors";

/**
 * Parses the private-key secret's value: one private JWK with kid and alg. Error messages name
 * `source` and never include any part of the value.
 */
export async function parsePrivateKeyText(text: string, source: string): Promise<PrivateSigningKey> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RotationError("bad-private-key", `${source} is not JSON; it must hold one private JWK (see docs/operations.md)`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RotationError("bad-private-key", `${source} is not a JSON object; it must hold one private JWK`);
  }
  const key = value as Record<string, unknown>;
  if (typeof key.d !== "string" || key.d === "") throw new RotationError("bad-private-key", `${source} has no private member "d"; it must hold a private JWK`);
  if (typeof key.kid !== "string" || key.kid === "") throw new RotationError("bad-private-key", `${source} has no "kid"`);
  if (typeof key.alg !== "string" || !(SUPPORTED_ALGORITHMS as readonly string[]).includes(key.alg)) {
    throw new RotationError("bad-private-key", `${source} (kid ${key.kid}) has alg ${JSON.stringify(key.alg)}; expected one of ${SUPPORTED_ALGORITHMS.join(", ")}`);
  }
  const signing = key as unknown as PrivateSigningKey;
  let thumbprint: string;
  try {
    thumbprint = await calculateJwkThumbprint(publicPart(signing));
  } catch {
    throw new RotationError("bad-private-key", `${source} (kid ${key.kid}) is not a usable ${key.alg} JWK`);
  }
  if (thumbprint !== key.kid) {
    throw new RotationError("bad-private-key", `${source} has kid ${key.kid}, which is not its key's RFC 7638 thumbprint; keys are named by thumbprint`);
  }
  return signing;
}

