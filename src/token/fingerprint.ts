import { createHash } from "node:crypto";

/** A token's fingerprint for logs: the first 12 hex digits of its SHA-256. Never log the token itself. */
export function tokenFingerprint(token: string): string {
  return createHash("sha256").update(token).digest("hex").slice(0, 12);
}
