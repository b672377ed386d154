import { RotationError } from "./errors";

/** The four calls Secrets Manager makes for one rotation, in order. */
export const ROTATION_STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** The AWS user guide spells the steps in snake case; the service sends camel case. Both are accepted. */
const STEP_ALIASES: Readonly<Record<string, RotationStep>> = {
  create_secret: "createSecret",
  set_secret: "setSecret",
  test_secret: "testSecret",
  finish_secret: "finishSecret",
};

export const AWSCURRENT = "AWSCURRENT";
export const AWSPENDING = "AWSPENDING";

/** A validated rotation invocation. */
export interface RotationEvent {
  readonly step: RotationStep;
  /** The secret's ARN, equal to the configured private-key secret. */
  readonly secretId: string;
  /** The version being rotated to (the event's ClientRequestToken). */
  readonly token: string;
  /** Passed back to Secrets Manager on writes when present (assumed-role and cross-account rotation). */
  readonly rotationToken?: string;
}

/** A secret's rotation-relevant metadata, as DescribeSecret reports it. */
export interface SecretDescription {
  readonly rotationEnabled: boolean;
  /** Version id -> staging labels, for every version that has a label. */
  readonly versions: Readonly<Record<string, readonly string[]>>;
}

/** ClientRequestToken as the Secrets Manager API defines it: 32-64 printable characters. */
const TOKEN = /^[\x21-\x7e]{32,64}$/;

function shown(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : value === undefined ? "missing" : JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * Checks the shape of a rotation event and that it is for the secret this function rotates.
 * Throws a RotationError ("bad-event" or "wrong-secret") saying what is wrong.
 */
export function parseRotationEvent(raw: unknown, privateKeySecretArn: string): RotationEvent {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new RotationError("bad-event", `event is ${shown(raw)}, not an object; this function takes Secrets Manager rotation events {Step, SecretId, ClientRequestToken}`);
  }
  const event = raw as Record<string, unknown>;
  const rawStep = event.Step;
  const step =
    typeof rawStep === "string" ? ((ROTATION_STEPS as readonly string[]).includes(rawStep) ? (rawStep as RotationStep) : STEP_ALIASES[rawStep]) : undefined;
  if (step === undefined) throw new RotationError("bad-event", `event Step is ${shown(rawStep)}; expected one of ${ROTATION_STEPS.join(", ")}`);
  const secretId = event.SecretId;
  if (typeof secretId !== "string" || secretId === "") throw new RotationError("bad-event", `event SecretId is ${shown(secretId)}; expected the ARN of the secret to rotate`);
  if (secretId !== privateKeySecretArn) {
    throw new RotationError(
      "wrong-secret",
      `event SecretId ${shown(secretId)} is not the secret this function rotates (${privateKeySecretArn}); attach this function only to that secret's rotation`,
    );
  }
  const token = event.ClientRequestToken;
  if (typeof token !== "string" || !TOKEN.test(token)) {
    throw new RotationError("bad-event", `event ClientRequestToken is ${shown(token)}; expected the version id of the rotation (32-64 printable characters)`);
  }
  const rotationToken = event.RotationToken;
  if (rotationToken !== undefined && (typeof rotationToken !== "string" || rotationToken === "")) {
    throw new RotationError("bad-event", "event RotationToken is present but not a non-empty string");
  }
  return rotationToken === undefined ? { step, secretId, token } : { step, secretId, token, rotationToken };
}

/** What a step should do given the version's labels. */
export type StageCheck = "proceed" | "already-current";

/**
 * Checks that rotation is enabled and the event's version is the one being rotated to. A version that
 * is already AWSCURRENT means the rotation finished; the step has nothing left to do (finishSecret
 * still reconciles the JWKS, so a crash after the label moved is repaired by its retry).
 */
export function checkStages(description: SecretDescription, event: RotationEvent): StageCheck {
  if (!description.rotationEnabled) {
    throw new RotationError("rotation-disabled", `rotation is not enabled on ${event.secretId}; enable it (the signing-keys module does) or start one with 'rajee keys rotate'`);
  }
  const stages = description.versions[event.token];
  if (stages === undefined) {
    throw new RotationError("version-not-staged", `version ${event.token} of ${event.secretId} has no staging label; it is not a rotation in progress (start one with 'rajee keys rotate')`);
  }
  if (stages.includes(AWSCURRENT)) return "already-current";
  if (!stages.includes(AWSPENDING)) {
    throw new RotationError("version-not-staged", `version ${event.token} of ${event.secretId} is ${stages.join(", ") || "unlabelled"}, not AWSPENDING; it is not the rotation in progress`);
  }
  return "proceed";
}

/** The version holding `stage`, if any. */
export function versionWithStage(description: SecretDescription, stage: string): string | undefined {
  return Object.entries(description.versions).find(([, stages]) => stages.includes(stage))?.[0];
}
