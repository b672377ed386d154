/**
 * Why a rotation step refused to go on. `code` is stable (alarms, log queries and tests key on it);
 * the message names the secret, version or kid involved and what to do, never key material.
 */
export type RotationErrorCode =
  | "bad-event"
  | "wrong-secret"
  | "rotation-disabled"
  | "version-not-staged"
  | "pending-key-missing"
  | "bad-private-key"
  | "bad-jwks"
  | "test-failed";

export class RotationError extends Error {
  override readonly name = "RotationError";
  constructor(
    readonly code: RotationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
