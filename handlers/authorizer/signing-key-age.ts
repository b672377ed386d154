import type { Jwks } from "../../src/keys/jwks";

/**
 * When the current signing key was created, epoch seconds: the newest `created_at` among the keys
 * whose state is `current` (absent state means current). Rotation writes `created_at` when it
 * publishes a key, so this is the time of the last successful rotation. Undefined when no current
 * key carries one (a JWKS written by hand). Pure.
 */
export function currentKeyCreatedAt(jwks: Jwks): number | undefined {
  let newest: number | undefined;
  for (const key of jwks.keys) {
    if ((key.state ?? "current") !== "current") continue;
    const created = (key as { created_at?: unknown }).created_at;
    if (typeof created !== "number" || !Number.isFinite(created) || created < 0) continue;
    if (newest === undefined || created > newest) newest = created;
  }
  return newest;
}

/** Seconds from `createdAt` to `nowSeconds`, never negative (clock skew); undefined stays undefined. */
export function signingKeyAgeSeconds(createdAt: number | undefined, nowSeconds: number): number | undefined {
  return createdAt === undefined ? undefined : Math.max(0, nowSeconds - createdAt);
}
