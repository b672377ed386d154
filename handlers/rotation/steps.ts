import { generateSigningKeyPair, publicPart, type GeneratedKeyPair, type PrivateSigningKey } from "../../src/keys/generate";
import { JwksError, parseJwksText, type Jwks } from "../../src/keys/jwks";
import { buildKeyring } from "../../src/keys/keyring";
import { mintToken } from "../../src/token/mint";
import { tokenPolicy } from "../../src/token/policy";
import { verifyToken } from "../../src/token/verify";
import type { RotationConfig } from "./config";
import { RotationError } from "./errors";
import { AWSCURRENT, AWSPENDING, versionWithStage, type RotationEvent, type SecretDescription } from "./event";
import { promoteKey, publishPendingKey, type JwksChange, overlapSeconds } from "../../src/keys/jwks-plan";
import { parsePrivateKeyText } from "./private-key";
import type { SecretStore } from "./store";

/** What the steps need from the outside world; the Lambda shell passes the real ones, tests their own. */
export interface StepDeps {
  readonly store: SecretStore;
  readonly config: RotationConfig;
  /** @default the system clock */
  readonly now?: () => Date;
  /** @default an Ed25519 key pair named by its thumbprint */
  readonly generateKey?: () => Promise<GeneratedKeyPair>;
}

/** What a step did, logged as one line (kids and counts only, never key material). */
export interface StepOutcome {
  /** done: changed something; unchanged: an earlier attempt already did it; skipped: the version is already AWSCURRENT. */
  readonly result: "done" | "unchanged" | "skipped";
  /** The kid of the key being rotated to. */
  readonly kid?: string;
  readonly added?: readonly string[];
  readonly retired?: readonly string[];
  readonly pruned?: readonly string[];
  readonly repaired?: readonly string[];
  /** Why a step was skipped. */
  readonly reason?: string;
}

/** `iss` and `aud` of the throwaway token testSecret signs; no gateway accepts them. */
export const TEST_TOKEN_ISSUER = "rajee-rotation-test";
export const TEST_TOKEN_AUDIENCE = "rajee-rotation-test";
const TEST_TOKEN_TTL_SECONDS = 60;

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

async function readPending(deps: StepDeps, event: RotationEvent): Promise<PrivateSigningKey> {
  const stored = await deps.store.getValue(event.secretId, { versionId: event.token });
  if (!stored) {
    throw new RotationError("pending-key-missing", `version ${event.token} of ${event.secretId} holds no key; createSecret must succeed first (Secrets Manager runs the steps in order and retries)`);
  }
  return parsePrivateKeyText(stored.text, `version ${event.token} of ${event.secretId}`);
}

async function readCurrent(deps: StepDeps, secretId: string): Promise<{ versionId: string; key: PrivateSigningKey } | undefined> {
  const stored = await deps.store.getValue(secretId, { stage: AWSCURRENT });
  if (!stored) return undefined;
  return { versionId: stored.versionId, key: await parsePrivateKeyText(stored.text, `AWSCURRENT version ${stored.versionId} of ${secretId}`) };
}

async function readJwks(deps: StepDeps): Promise<Jwks> {
  const arn = deps.config.jwksSecretArn;
  const stored = await deps.store.getValue(arn, { stage: AWSCURRENT });
  if (!stored) return { keys: [] };
  try {
    return parseJwksText(stored.text, `JWKS secret ${arn}`);
  } catch (error) {
    if (error instanceof JwksError) throw new RotationError("bad-jwks", `${error.message}; repair the JWKS secret (docs/operations.md, "Repairing the JWKS")`, { cause: error });
    throw error;
  }
}

async function writeJwks(deps: StepDeps, change: JwksChange): Promise<void> {
  if (change.changed) await deps.store.putValue(deps.config.jwksSecretArn, { text: JSON.stringify(change.jwks) });
}

function summary(kid: string, change: JwksChange): StepOutcome {
  return { result: change.changed ? "done" : "unchanged", kid, added: change.added, retired: change.retired, pruned: change.pruned, repaired: change.repaired };
}

/** Stores a new key pair's private half as AWSPENDING for this version, unless one is there already. */
export async function createSecret(deps: StepDeps, event: RotationEvent): Promise<StepOutcome> {
  const source = `AWSPENDING version ${event.token} of ${event.secretId}`;
  const existing = await deps.store.getValue(event.secretId, { versionId: event.token, stage: AWSPENDING });
  if (existing) return { result: "unchanged", kid: (await parsePrivateKeyText(existing.text, source)).kid };
  const pair = await (deps.generateKey ?? generateSigningKeyPair)();
  const put = await deps.store.putValue(event.secretId, {
    versionId: event.token,
    text: JSON.stringify(pair.privateKey),
    stages: [AWSPENDING],
    ...(event.rotationToken === undefined ? {} : { rotationToken: event.rotationToken }),
  });
  if (put === "exists") {
    // A concurrent attempt stored its key first; that one is the pending key.
    const stored = await deps.store.getValue(event.secretId, { versionId: event.token });
    if (!stored) throw new RotationError("pending-key-missing", `${source} exists but cannot be read back`);
    return { result: "unchanged", kid: (await parsePrivateKeyText(stored.text, source)).kid };
  }
  return { result: "done", kid: pair.privateKey.kid };
}

/** Publishes the pending public key in the JWKS secret and prunes keys whose overlap has ended. */
export async function setSecret(deps: StepDeps, event: RotationEvent): Promise<StepOutcome> {
  const pending = await readPending(deps, event);
  const current = await readCurrent(deps, event.secretId);
  const change = publishPendingKey(await readJwks(deps), {
    pending: publicPart(pending),
    current: current && publicPart(current.key),
    now: epochSeconds((deps.now ?? (() => new Date()))()),
    overlapSeconds: overlapSeconds(deps.config),
  });
  await writeJwks(deps, change);
  return summary(pending.kid, change);
}

/** Signs a token with the pending key and verifies it against the published JWKS, as an authorizer would. */
export async function testSecret(deps: StepDeps, event: RotationEvent): Promise<StepOutcome> {
  if (!(await deps.store.getValue(event.secretId, { versionId: event.token }))) {
    // Secrets Manager's configuration check (rotation set up without rotating immediately) runs
    // testSecret alone on a new, empty AWSPENDING version and then removes it. Nothing to test; and
    // nothing can be promoted from an empty version, because finishSecret needs the published key.
    return { result: "skipped", reason: "the version holds no key yet (Secrets Manager's rotation configuration check)" };
  }
  const pending = await readPending(deps, event);
  const current = await readCurrent(deps, event.secretId);
  const jwks = await readJwks(deps);
  if (!jwks.keys.some((k) => k.kid === pending.kid)) {
    throw new RotationError("test-failed", `pending key ${pending.kid} is not in the JWKS secret; setSecret must succeed first`);
  }
  if (current && !jwks.keys.some((k) => k.kid === current.key.kid)) {
    throw new RotationError("test-failed", `signing key ${current.key.kid} (AWSCURRENT) is missing from the JWKS secret; tokens it signed would stop verifying. Run setSecret again (it restores it)`);
  }
  let keyring;
  try {
    keyring = await buildKeyring(jwks);
  } catch (error) {
    throw new RotationError("bad-jwks", `JWKS secret ${deps.config.jwksSecretArn}: ${(error as Error).message}`, { cause: error });
  }
  const now = (deps.now ?? (() => new Date()))();
  const token = await mintToken({ key: pending, subject: TEST_TOKEN_ISSUER, grants: [], ttlSeconds: TEST_TOKEN_TTL_SECONDS, issuer: TEST_TOKEN_ISSUER, audience: TEST_TOKEN_AUDIENCE, now });
  const policy = tokenPolicy({
    issuer: TEST_TOKEN_ISSUER,
    audience: TEST_TOKEN_AUDIENCE,
    clockSkewSeconds: deps.config.clockSkewSeconds,
    maxLifetimeSeconds: deps.config.maxTokenLifetimeSeconds,
  });
  const verified = await verifyToken(token, keyring, policy, now);
  if (!verified.ok) {
    throw new RotationError("test-failed", `a token signed with pending key ${pending.kid} does not verify against the JWKS secret (${verified.reason}: ${verified.error.message})`);
  }
  return { result: "done", kid: pending.kid };
}

/**
 * Moves AWSCURRENT to the new version, then marks the new key current and the one it replaces previous,
 * with its retirement time. The label moves first so retired_at is never earlier than the moment the
 * old key stopped signing; a crash in between is repaired by the retry, which finds the label moved
 * and still updates the JWKS.
 */
export async function finishSecret(deps: StepDeps, event: RotationEvent, description: SecretDescription): Promise<StepOutcome> {
  const pending = await readPending(deps, event);
  const currentVersion = versionWithStage(description, AWSCURRENT);
  const jwks = await readJwks(deps);
  if (currentVersion !== event.token) {
    if (!jwks.keys.some((k) => k.kid === pending.kid)) {
      throw new RotationError("test-failed", `pending key ${pending.kid} is not in the JWKS secret, so verifiers would reject every token it signs; setSecret and testSecret must succeed before finishSecret`);
    }
    await deps.store.moveStage(event.secretId, { stage: AWSCURRENT, to: event.token, ...(currentVersion === undefined ? {} : { from: currentVersion }) });
  }
  const change = promoteKey(jwks, { key: publicPart(pending), now: epochSeconds((deps.now ?? (() => new Date()))()) });
  await writeJwks(deps, change);
  const moved = currentVersion !== event.token;
  return { ...summary(pending.kid, change), result: moved || change.changed ? "done" : "unchanged" };
}
