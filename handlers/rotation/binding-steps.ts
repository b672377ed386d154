import { parseBindingKeys } from "../authorizer/client-signature";
import { bindingPublicPart, generateBindingKeyPair, openSecret, parseBindingPublicKey, sealSecret, type BindingPrivateKey } from "../../src/token/binding";
import type { BindingRotationConfig } from "./binding-config";
import { parseBindingDocument, planBindingRotation, publishedKey, type BindingDocument } from "./binding-plan";
import { RotationError } from "./errors";
import { AWSCURRENT, AWSPENDING, versionWithStage, type RotationEvent, type SecretDescription } from "./event";
import type { StepOutcome } from "./steps";
import type { SecretStore } from "./store";

/** What the binding steps need; the Lambda shell passes the real ones, tests their own. */
export interface BindingStepDeps {
  readonly store: SecretStore;
  readonly config: BindingRotationConfig;
  /** @default the system clock */
  readonly now?: () => Date;
  /** @default a fresh P-256 pair named by its thumbprint */
  readonly generateKey?: () => Promise<{ privateKey: BindingPrivateKey }>;
}

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);
const nowOf = (deps: BindingStepDeps) => epochSeconds((deps.now ?? (() => new Date()))());
const overlapOf = (config: BindingRotationConfig) => config.maxTokenLifetimeSeconds + config.clockSkewSeconds;

async function readDocument(deps: BindingStepDeps, secretId: string, selector: { versionId?: string; stage?: string }, source: string): Promise<BindingDocument | undefined> {
  const stored = await deps.store.getValue(secretId, selector);
  return stored && parseBindingDocument(stored.text, source);
}

async function readPending(deps: BindingStepDeps, event: RotationEvent): Promise<BindingDocument> {
  const document = await readDocument(deps, event.secretId, { versionId: event.token }, `version ${event.token} of ${event.secretId}`);
  if (!document) throw new RotationError("pending-key-missing", `version ${event.token} of ${event.secretId} holds no binding keys; createSecret must succeed first`);
  return document;
}

/** Stores the next private document (a fresh key added, one published, old ones pruned) as AWSPENDING for this version. */
export async function createBindingSecret(deps: BindingStepDeps, event: RotationEvent): Promise<StepOutcome> {
  const existing = await deps.store.getValue(event.secretId, { versionId: event.token, stage: AWSPENDING });
  if (existing) return { result: "unchanged", kid: publishedKey(parseBindingDocument(existing.text, `AWSPENDING version ${event.token} of ${event.secretId}`))?.kid };
  const current = await readDocument(deps, event.secretId, { stage: AWSCURRENT }, `AWSCURRENT of ${event.secretId}`);
  const { privateKey } = await (deps.generateKey ?? generateBindingKeyPair)();
  const plan = planBindingRotation(current, privateKey, { now: nowOf(deps), overlapSeconds: overlapOf(deps.config), publishAfterSeconds: deps.config.publishAfterSeconds });
  const put = await deps.store.putValue(event.secretId, {
    versionId: event.token,
    text: JSON.stringify(plan.document),
    stages: [AWSPENDING],
    ...(event.rotationToken === undefined ? {} : { rotationToken: event.rotationToken }),
  });
  if (put === "exists") return { result: "unchanged", kid: publishedKey(await readPending(deps, event))?.kid };
  return { result: "done", kid: plan.published, added: [plan.added], retired: plan.retired, pruned: plan.pruned };
}

/** Nothing to set: the authorizers read the private secret itself, and the public key follows in finishSecret. */
export function setBindingSecret(): Promise<StepOutcome> {
  return Promise.resolve({ result: "unchanged", reason: "the authorizers read this secret itself; the public key is written by finishSecret" });
}

/**
 * Opens, with the pending document parsed as the authorizers parse it, a secret sealed to its
 * published key, and checks every key tokens may still be bound to (the current public key, and any
 * key retired less than lifetime + skew ago) is still in it.
 */
export async function testBindingSecret(deps: BindingStepDeps, event: RotationEvent): Promise<StepOutcome> {
  if (!(await deps.store.getValue(event.secretId, { versionId: event.token }))) {
    return { result: "skipped", reason: "the version holds no keys yet (Secrets Manager's rotation configuration check)" };
  }
  const pending = await readPending(deps, event);
  const published = publishedKey(pending);
  if (!published) throw new RotationError("test-failed", `version ${event.token} of ${event.secretId} publishes no binding key`);
  const kids = new Set(pending.keys.map((k) => k.kid));
  const current = await readDocument(deps, event.secretId, { stage: AWSCURRENT }, `AWSCURRENT of ${event.secretId}`);
  const now = nowOf(deps);
  const stillBound = (current?.keys ?? []).filter((k) => (k.published_at !== undefined || k.retired_at !== undefined) && (k.retired_at === undefined || k.retired_at + overlapOf(deps.config) > now));
  const lost = stillBound.filter((k) => !kids.has(k.kid)).map((k) => k.kid);
  if (lost.length > 0) throw new RotationError("test-failed", `binding key(s) ${lost.join(", ")} would leave the private document while tokens bound to them live; run createSecret again on a new version`);
  let keyring;
  try {
    keyring = await parseBindingKeys(JSON.stringify(pending), `version ${event.token} of ${event.secretId}`);
  } catch (error) {
    throw new RotationError("test-failed", `the authorizers could not read version ${event.token}: ${(error as Error).message}`, { cause: error });
  }
  const probe = { accessKeyId: "ROTATIONTEST", secretAccessKey: "rotation-test" };
  const sealed = await sealSecret(probe, parseBindingPublicKey(bindingPublicPart(published), "the published key"));
  const opener = keyring.keys.get(published.kid);
  const opened = opener && (await openSecret(sealed, opener).catch(() => undefined));
  if (opened?.secretAccessKey !== probe.secretAccessKey) throw new RotationError("test-failed", `a secret sealed to published key ${published.kid} does not open with version ${event.token}`);
  return { result: "done", kid: published.kid };
}

/**
 * Moves AWSCURRENT to the new document, then writes its published key to the public secret. In that
 * order the issuer binds to a key only once it is in the document the authorizers read; the planned
 * delay (publishAfterSeconds) already gave them time to load it. A crash in between is repaired by the
 * retry, which finds the label moved and still writes the public key.
 */
export async function finishBindingSecret(deps: BindingStepDeps, event: RotationEvent, description: SecretDescription): Promise<StepOutcome> {
  const pending = await readPending(deps, event);
  const published = publishedKey(pending);
  if (!published) throw new RotationError("test-failed", `version ${event.token} of ${event.secretId} publishes no binding key; testSecret must succeed before finishSecret`);
  const currentVersion = versionWithStage(description, AWSCURRENT);
  const moved = currentVersion !== event.token;
  if (moved) await deps.store.moveStage(event.secretId, { stage: AWSCURRENT, to: event.token, ...(currentVersion === undefined ? {} : { from: currentVersion }) });
  const publicText = JSON.stringify(bindingPublicPart({ kty: published.kty, crv: published.crv, x: published.x, y: published.y, d: published.d, kid: published.kid, alg: published.alg, use: published.use }));
  const stored = await deps.store.getValue(deps.config.publicKeySecretArn, { stage: AWSCURRENT });
  const write = stored?.text !== publicText;
  if (write) await deps.store.putValue(deps.config.publicKeySecretArn, { text: publicText });
  return { result: moved || write ? "done" : "unchanged", kid: published.kid };
}
