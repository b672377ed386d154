import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { loadRotationConfig, type RotationConfig } from "../../../handlers/rotation/config";
import { createLogger } from "../../../handlers/rotation/log";
import { createRotationHandler } from "../../../handlers/rotation/rotation-handler";
import { secretsManagerStore } from "../../../handlers/rotation/store";
import type { PrivateSigningKey } from "../../../src/keys/generate";
import { parseJwksText, type Jwks } from "../../../src/keys/jwks";
import { buildKeyring, type Keyring } from "../../../src/keys/keyring";
import { mintToken } from "../../../src/token/mint";
import { tokenPolicy } from "../../../src/token/policy";
import { verifyToken, type VerifyResult } from "../../../src/token/verify";
import { MODEL_REGION, SecretsManagerModel } from "./secrets-manager-model";

export const ROTATION_LAMBDA_ARN = `arn:aws:lambda:${MODEL_REGION}:123456789012:function:rajee-test-rotation`;
export const STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;
export const T0 = new Date("2030-01-01T00:00:00Z");

/**
 * The real handler behind a mocked SDK client backed by the in-memory model, for the behaviour moto
 * lacks (secrets-manager-model.ts says which). Everything else runs against moto (moto-rig.ts).
 */
export interface RotationRig {
  readonly model: SecretsManagerModel;
  readonly sm: AwsClientStub<SecretsManagerClient>;
  readonly config: RotationConfig;
  readonly privateKeyArn: string;
  readonly jwksArn: string;
  /** Every log line (parsed JSON), metric lines included. */
  readonly lines: Record<string, unknown>[];
  /** Raw log output, for searching for leaked material. */
  readonly raw: () => string;
  now: Date;
  advance(seconds: number): void;
  handler(event: unknown): Promise<void>;
  step(step: (typeof STEPS)[number] | string, token: string): Promise<void>;
  /** RotateSecret without running the function: the empty AWSPENDING version, as the service makes it. Returns its id. */
  start(): string;
  /** A whole rotation as the service runs it (RotateSecret, then the four steps); rejects if a step fails. */
  rotate(): Promise<string>;
  jwks(): Jwks;
  keyring(): Promise<Keyring>;
  /** The private key under a label of the private-key secret. */
  keyAt(stage: string): PrivateSigningKey;
  mint(key: PrivateSigningKey, ttlSeconds: number): Promise<string>;
  verify(token: string): Promise<VerifyResult>;
  restore(): void;
}

export function rotationRig(env: Record<string, string> = {}): RotationRig {
  let now = new Date(T0);
  const model = new SecretsManagerModel(() => now);
  const sm = mockClient(SecretsManagerClient);
  model.install(sm);
  const privateKeyArn = model.addSecret("rajee/test/signing-key", { rotationLambdaArn: ROTATION_LAMBDA_ARN });
  const jwksArn = model.addSecret("rajee/test/jwks", { value: '{"keys":[]}' });
  const config = loadRotationConfig({ RAJEE_PRIVATE_KEY_SECRET_ARN: privateKeyArn, RAJEE_JWKS_SECRET_ARN: jwksArn, ...env });
  let output = "";
  const lines: Record<string, unknown>[] = [];
  const destination = {
    write(text: string) {
      output += text;
      for (const line of text.split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  const handler = createRotationHandler({
    config,
    store: secretsManagerStore(new SecretsManagerClient({ region: MODEL_REGION })),
    logger: createLogger("info", destination),
    emitMetric: (line) => destination.write(`${line}\n`),
    now: () => now,
  });
  model.rotationFunction = handler;
  const policy = tokenPolicy({ maxLifetimeSeconds: config.maxTokenLifetimeSeconds, clockSkewSeconds: config.clockSkewSeconds });
  const rig: RotationRig = {
    model,
    sm,
    config,
    privateKeyArn,
    jwksArn,
    lines,
    raw: () => output,
    get now() {
      return now;
    },
    set now(value: Date) {
      now = value;
    },
    advance(seconds) {
      now = new Date(now.getTime() + seconds * 1000);
    },
    handler,
    step: (step, token) => handler({ Step: step, SecretId: privateKeyArn, ClientRequestToken: token }),
    start: () => model.beginRotation({ SecretId: privateKeyArn }).token,
    async rotate() {
      const version = model.rotateSecret({ SecretId: privateKeyArn }).VersionId as string;
      const error = await model.lastRotation;
      if (error) throw error;
      return version;
    },
    jwks: () => parseJwksText(model.valueAt(jwksArn, "AWSCURRENT") ?? '{"keys":[]}', "JWKS secret"),
    keyring: () => buildKeyring(rig.jwks()),
    keyAt(stage) {
      const value = model.valueAt(privateKeyArn, stage);
      if (value === undefined) throw new Error(`no ${stage} value in the private-key secret`);
      return JSON.parse(value) as PrivateSigningKey;
    },
    mint: (key, ttlSeconds) => mintToken({ key, subject: "alice", grants: ["read:data/reports/"], ttlSeconds, issuer: "rajee", audience: "rajee", now }),
    async verify(token) {
      return verifyToken(token, await rig.keyring(), policy, now);
    },
    restore: () => sm.restore(),
  };
  return rig;
}
