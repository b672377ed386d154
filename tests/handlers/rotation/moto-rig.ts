import { randomUUID } from "node:crypto";
import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { loadRotationConfig, type RotationConfig } from "../../../handlers/rotation/config";
import { AWSCURRENT, AWSPENDING } from "../../../handlers/rotation/event";
import { createLogger } from "../../../handlers/rotation/log";
import { createRotationHandler } from "../../../handlers/rotation/rotation-handler";
import { secretsManagerStore } from "../../../handlers/rotation/store";
import { generateSigningKeyPair, publicPart, type PrivateSigningKey } from "../../../src/keys/generate";
import { promoteKey } from "../../../src/keys/jwks-plan";
import { parseJwksText, type Jwks } from "../../../src/keys/jwks";
import { buildKeyring, type Keyring } from "../../../src/keys/keyring";
import { mintToken } from "../../../src/token/mint";
import { tokenPolicy } from "../../../src/token/policy";
import { verifyToken, type VerifyResult } from "../../../src/token/verify";

/**
 * Rotation against moto's Secrets Manager, KMS, IAM and Lambda (tests/support/moto.ts starts moto).
 * The secrets are made as modules/signing-keys makes them: a KMS key, a private-key secret and a JWKS
 * secret that name it as their key (moto records it and encrypts nothing), a rotation function, and
 * rotation enabled by RotateSecret with that function and a schedule. The real handler talks to moto
 * through the real SDK client.
 *
 * Where moto 5.2.1 is not Secrets Manager (docs/operations.md, "How rotation is tested"):
 * - RotateSecret cannot run the function (invoking a Lambda needs Docker). moto's Docker-less Lambda
 *   accepts the invocations and does nothing, so RotateSecret only makes the empty AWSPENDING
 *   version, and `step`, `rotate` and `serve` invoke the handler with the events Secrets Manager would send.
 * - RotateSecret on a secret with no version fails (HTTP 500), so a rig starts from the state the
 *   first rotation leaves (one AWSCURRENT key, published as current, rotation enabled); the first
 *   rotation itself is tested against the in-memory model (rotation-model.test.ts).
 * - RotateSecret refuses when AWSPENDING is on the AWSCURRENT version, which is how a finished
 *   rotation ends (AWS refuses the opposite case). `start` first removes that finished label.
 */

export const REGION = "eu-west-1";
export const T0 = new Date("2030-01-01T00:00:00Z");
export const STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;
const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
const ROTATION_DAYS = 30;

/** The environment that points the SDK (and so the rajee CLI) at moto, with dummy credentials. */
export function motoEnvironment(url: string): Record<string, string> {
  return { AWS_ENDPOINT_URL: url, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_REGION: REGION };
}

/** A Secrets Manager client talking to moto. */
export function motoSecretsClient(url: string): SecretsManagerClient {
  return new SecretsManagerClient({ region: REGION, endpoint: url, credentials: CREDENTIALS, maxAttempts: 1 });
}

/** moto checks no signature, so the fixtures for KMS, IAM and Lambda (SDK clients rajee does not depend on) are plain requests. */
async function motoCall(url: string, service: string, init: { path?: string; headers: Record<string, string>; body: string }): Promise<string> {
  const response = await fetch(`${url}${init.path ?? "/"}`, {
    method: "POST",
    headers: { ...init.headers, authorization: `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/20300101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0` },
    body: init.body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`moto ${service} ${init.path ?? init.headers["x-amz-target"]}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  return text;
}

/** What one moto holds for every rig of a test file: the KMS key and the rotation function. */
export interface MotoFixtures {
  readonly kmsKeyArn: string;
  readonly rotationLambdaArn: string;
}

const fixtures = new Map<string, Promise<MotoFixtures>>();

async function createFixtures(url: string): Promise<MotoFixtures> {
  // moto's Docker-less Lambda: invocations succeed and run nothing.
  await motoCall(url, "moto", { path: "/moto-api/config", headers: { "content-type": "application/json" }, body: JSON.stringify({ lambda: { use_docker: false } }) });
  const key = await motoCall(url, "kms", {
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "TrentService.CreateKey" },
    body: JSON.stringify({ Description: "rajee test token signing key secrets" }),
  });
  const kmsKeyArn = (JSON.parse(key) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn;
  const role = await motoCall(url, "iam", {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      Action: "CreateRole",
      Version: "2010-05-08",
      RoleName: "rajee-test-key-rotation",
      AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
    }).toString(),
  });
  const roleArn = /<Arn>([^<]+)<\/Arn>/.exec(role)?.[1];
  if (!roleArn) throw new Error(`moto iam CreateRole returned no role ARN: ${role.slice(0, 300)}`);
  // An empty zip archive: moto stores the code and never runs it.
  const emptyZip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x05, 0x06]), Buffer.alloc(18)]).toString("base64");
  const fn = await motoCall(url, "lambda", {
    path: "/2015-03-31/functions",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ FunctionName: "rajee-test-key-rotation", Runtime: "nodejs22.x", Role: roleArn, Handler: "index.handler", Code: { ZipFile: emptyZip } }),
  });
  return { kmsKeyArn, rotationLambdaArn: (JSON.parse(fn) as { FunctionArn: string }).FunctionArn };
}

/** A failure injected into the handler's SDK client: the next matching call throws once. */
export interface Fault {
  readonly operation: "DescribeSecret" | "GetSecretValue" | "PutSecretValue" | "UpdateSecretVersionStage";
  readonly secretId?: string;
  /** before: the call never reaches Secrets Manager; after: it does, and the function dies before it sees the answer. @default "before" */
  readonly when?: "before" | "after";
  /** Matching calls to let through before this one fails. @default 0 */
  readonly skip?: number;
}

/** One SDK call the handler made. */
export interface Call {
  readonly operation: string;
  readonly secretId: string | undefined;
  readonly input: Record<string, unknown>;
}

export class InjectedFault extends Error {
  override readonly name = "InjectedFault";
}

/** The handler's SDK client, with the calls it makes recorded and `faults` injected. */
function instrumentedClient(url: string, faults: Fault[], calls: Call[]): SecretsManagerClient {
  const client = motoSecretsClient(url);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = context.commandName?.replace(/Command$/, "") ?? "unknown";
      const input = args.input as Record<string, unknown>;
      const secretId = typeof input.SecretId === "string" ? input.SecretId : undefined;
      calls.push({ operation, secretId, input });
      const index = faults.findIndex((f) => f.operation === operation && (f.secretId === undefined || f.secretId === secretId));
      let fault: Fault | undefined;
      if (index >= 0) {
        const match = faults[index] as Fault;
        if ((match.skip ?? 0) > 0) faults[index] = { ...match, skip: (match.skip ?? 0) - 1 };
        else fault = faults.splice(index, 1)[0];
      }
      if (fault && (fault.when ?? "before") === "before") throw new InjectedFault(`injected fault before ${operation}`);
      let output;
      try {
        output = await next(args);
      } catch (error) {
        if (fault) throw new InjectedFault(`injected fault after ${operation}`, { cause: error });
        throw error;
      }
      if (fault) throw new InjectedFault(`injected fault after ${operation}`);
      return output;
    },
    { step: "initialize", name: "rotationTestFaults" },
  );
  return client;
}

/** One version of a secret: its value (undefined when it has none) and its labels, sorted. */
export type Snapshot = Record<string, { value: string | undefined; stages: string[] }>;

export interface MotoRotationRig {
  /** A client to moto without faults, for setting up and inspecting. */
  readonly sm: SecretsManagerClient;
  readonly url: string;
  readonly config: RotationConfig;
  readonly privateKeyArn: string;
  readonly jwksArn: string;
  readonly kmsKeyArn: string;
  readonly rotationLambdaArn: string;
  /** The version holding the first key (the rig's starting state). */
  readonly firstVersion: string;
  /** Faults for the handler's client; each fires once. */
  readonly faults: Fault[];
  /** Every SDK call the handler made, in order. */
  readonly calls: Call[];
  /** Every log line (parsed JSON), metric lines included. */
  readonly lines: Record<string, unknown>[];
  /** Raw log output, for searching for leaked material. */
  raw(): string;
  now: Date;
  advance(seconds: number): void;
  handler(event: unknown): Promise<void>;
  step(step: string, token: string): Promise<void>;
  /** RotateSecret as the signing-keys module configures it, without running the function. Returns the new AWSPENDING version. */
  start(): Promise<string>;
  /** A whole rotation: start, then the four steps as Secrets Manager invokes them; rejects if a step fails. */
  rotate(): Promise<string>;
  /**
   * Plays Secrets Manager's side of rotation for a process that calls RotateSecret itself (the
   * CLI): every `intervalMs` it runs the four steps for the AWSPENDING version, if there is one
   * that is not yet AWSCURRENT. A failed step is tried again on the next round, as the service retries.
   */
  serve(intervalMs?: number): { readonly errors: Error[]; stop(): Promise<void> };
  /** The private-key secret's versions that have a label, and their labels, sorted. */
  describe(): Promise<Record<string, string[]>>;
  versionWith(stage: string): Promise<string | undefined>;
  valueAt(secretId: string, stage: string): Promise<string | undefined>;
  snapshot(secretId: string): Promise<Snapshot>;
  putValue(secretId: string, text: string, options?: { versionId?: string; stages?: string[] }): Promise<void>;
  moveStage(stage: string, to: string | undefined, from: string | undefined): Promise<void>;
  disableRotation(): Promise<void>;
  jwks(): Promise<Jwks>;
  keyring(): Promise<Keyring>;
  /** The private key under a label of the private-key secret. */
  keyAt(stage: string): Promise<PrivateSigningKey>;
  mint(key: PrivateSigningKey, ttlSeconds: number): Promise<string>;
  verify(token: string): Promise<VerifyResult>;
}

/** The KMS key and the (never run) rotation function every rig of this moto shares. */
export function motoFixtures(url: string): Promise<MotoFixtures> {
  let fixture = fixtures.get(url);
  if (!fixture) {
    fixture = createFixtures(url);
    fixtures.set(url, fixture);
  }
  return fixture;
}

/** A private-key and a JWKS secret in moto, with the first key in place and the real handler wired to them. */
export async function motoRotationRig(url: string, env: Record<string, string> = {}): Promise<MotoRotationRig> {
  const { kmsKeyArn, rotationLambdaArn } = await motoFixtures(url);
  const sm = motoSecretsClient(url);
  const prefix = `rajee-test-${randomUUID().slice(0, 8)}`;
  const privateKey = await sm.send(
    new CreateSecretCommand({ Name: `${prefix}/signing/private-key`, KmsKeyId: kmsKeyArn, Description: "Private JWK that signs rajee tokens; rotated by the key-rotation Lambda" }),
  );
  const jwksSecret = await sm.send(new CreateSecretCommand({ Name: `${prefix}/signing/jwks`, KmsKeyId: kmsKeyArn, SecretString: '{"keys":[]}' }));
  const privateKeyArn = privateKey.ARN as string;
  const jwksArn = jwksSecret.ARN as string;

  let now = new Date(T0);
  // The state the first rotation leaves: its key AWSCURRENT (the first version of a secret always
  // is) and published as current, by the same JWKS code finishSecret uses.
  const first = await generateSigningKeyPair();
  const firstVersion = randomUUID();
  await sm.send(new PutSecretValueCommand({ SecretId: privateKeyArn, ClientRequestToken: firstVersion, SecretString: JSON.stringify(first.privateKey), VersionStages: [AWSCURRENT] }));
  const seeded = promoteKey({ keys: [] }, { key: publicPart(first.privateKey), now: Math.floor(now.getTime() / 1000) });
  await sm.send(new PutSecretValueCommand({ SecretId: jwksArn, SecretString: JSON.stringify(seeded.jwks) }));

  // Rotation configured as the module's aws_secretsmanager_secret_rotation does: RotateSecret with the
  // function and a schedule. In AWS that call runs the first rotation; here its empty AWSPENDING
  // version is unlabelled again, which leaves the labels the first rotation ends with.
  const configured = await sm.send(new RotateSecretCommand({ SecretId: privateKeyArn, RotationLambdaARN: rotationLambdaArn, RotationRules: { AutomaticallyAfterDays: ROTATION_DAYS } }));
  await sm.send(new UpdateSecretVersionStageCommand({ SecretId: privateKeyArn, VersionStage: AWSPENDING, RemoveFromVersionId: configured.VersionId }));

  const config = loadRotationConfig({ RAJEE_PRIVATE_KEY_SECRET_ARN: privateKeyArn, RAJEE_JWKS_SECRET_ARN: jwksArn, ...env });
  const faults: Fault[] = [];
  const calls: Call[] = [];
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
    store: secretsManagerStore(instrumentedClient(url, faults, calls)),
    logger: createLogger("info", destination),
    emitMetric: (line) => destination.write(`${line}\n`),
    now: () => now,
  });
  const policy = tokenPolicy({ maxLifetimeSeconds: config.maxTokenLifetimeSeconds, clockSkewSeconds: config.clockSkewSeconds });

  // Versions with a label, as Secrets Manager lists them (moto also lists versions with none).
  const describe = async () => {
    const out = await sm.send(new DescribeSecretCommand({ SecretId: privateKeyArn }));
    return Object.fromEntries(
      Object.entries(out.VersionIdsToStages ?? {})
        .filter(([, stages]) => stages.length > 0)
        .map(([id, stages]) => [id, [...stages].sort()]),
    );
  };
  const value = async (secretId: string, selector: { VersionId?: string; VersionStage?: string }) => {
    try {
      return (await sm.send(new GetSecretValueCommand({ SecretId: secretId, ...selector }))).SecretString;
    } catch (error) {
      if ((error as Error).name === "ResourceNotFoundException") return undefined;
      throw error;
    }
  };
  const step = (name: string, token: string) => handler({ Step: name, SecretId: privateKeyArn, ClientRequestToken: token });
  const pendingRotation = async () => Object.entries(await describe()).find(([, stages]) => stages.includes(AWSPENDING) && !stages.includes(AWSCURRENT))?.[0];

  const rig: MotoRotationRig = {
    sm,
    url,
    config,
    privateKeyArn,
    jwksArn,
    kmsKeyArn,
    rotationLambdaArn,
    firstVersion,
    faults,
    calls,
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
    step,
    async start() {
      const finished = Object.entries(await describe()).find(([, stages]) => stages.includes(AWSPENDING) && stages.includes(AWSCURRENT))?.[0];
      if (finished) await rig.moveStage(AWSPENDING, undefined, finished);
      const out = await sm.send(new RotateSecretCommand({ SecretId: privateKeyArn, RotationLambdaARN: rotationLambdaArn, RotationRules: { AutomaticallyAfterDays: ROTATION_DAYS } }));
      return out.VersionId as string;
    },
    async rotate() {
      const version = await rig.start();
      for (const name of STEPS) await step(name, version);
      return version;
    },
    serve(intervalMs = 20) {
      const errors: Error[] = [];
      let stopped = false;
      const loop = (async () => {
        while (!stopped) {
          const version = await pendingRotation();
          if (version) {
            try {
              for (const name of STEPS) await step(name, version);
            } catch (error) {
              errors.push(error as Error);
            }
          }
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
      })();
      return {
        errors,
        async stop() {
          stopped = true;
          await loop;
        },
      };
    },
    describe,
    async versionWith(stage) {
      return Object.entries(await describe()).find(([, stages]) => stages.includes(stage))?.[0];
    },
    valueAt: (secretId, stage) => value(secretId, { VersionStage: stage }),
    async snapshot(secretId) {
      const out = await sm.send(new DescribeSecretCommand({ SecretId: secretId }));
      const entries = await Promise.all(
        Object.entries(out.VersionIdsToStages ?? {}).map(async ([id, stages]) => [id, { value: await value(secretId, { VersionId: id }), stages: [...stages].sort() }] as const),
      );
      return Object.fromEntries(entries);
    },
    async putValue(secretId, text, options = {}) {
      await sm.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: text,
          ...(options.versionId === undefined ? {} : { ClientRequestToken: options.versionId }),
          ...(options.stages === undefined ? {} : { VersionStages: options.stages }),
        }),
      );
    },
    async moveStage(stage, to, from) {
      await sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: privateKeyArn,
          VersionStage: stage,
          ...(to === undefined ? {} : { MoveToVersionId: to }),
          ...(from === undefined ? {} : { RemoveFromVersionId: from }),
        }),
      );
    },
    async disableRotation() {
      await sm.send(new CancelRotateSecretCommand({ SecretId: privateKeyArn }));
    },
    async jwks() {
      return parseJwksText((await value(jwksArn, { VersionStage: AWSCURRENT })) ?? '{"keys":[]}', "JWKS secret");
    },
    async keyring() {
      return buildKeyring(await rig.jwks());
    },
    async keyAt(stage) {
      const text = await value(privateKeyArn, { VersionStage: stage });
      if (text === undefined) throw new Error(`no ${stage} value in the private-key secret`);
      return JSON.parse(text) as PrivateSigningKey;
    },
    mint: (key, ttlSeconds) => mintToken({ key, subject: "alice", grants: ["read:data/reports/"], ttlSeconds, issuer: "rajee", audience: "rajee", now }),
    async verify(token) {
      return verifyToken(token, await rig.keyring(), policy, now);
    },
  };
  return rig;
}
