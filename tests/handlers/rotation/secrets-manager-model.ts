import { randomUUID } from "node:crypto";
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  type DescribeSecretCommandInput,
  type DescribeSecretCommandOutput,
  type GetSecretValueCommandInput,
  type GetSecretValueCommandOutput,
  type PutSecretValueCommandInput,
  type PutSecretValueCommandOutput,
  type RotateSecretCommandInput,
  type RotateSecretCommandOutput,
  type UpdateSecretVersionStageCommandInput,
  type UpdateSecretVersionStageCommandOutput,
} from "@aws-sdk/client-secrets-manager";
import type { AwsClientStub } from "aws-sdk-client-mock";

/**
 * A small Secrets Manager, kept only for what moto 5.2.1 does not do as the service does; everything
 * else is tested against moto (rotation.test.ts, moto-rig.ts). What only this model covers:
 * - RotateSecret on a secret with no version yet (the first rotation of a fresh deployment): the
 *   service makes an empty AWSPENDING version and runs the function; moto fails with HTTP 500.
 * - RotateSecret running the rotation function: moto would need Docker to invoke a Lambda.
 * - A version's value never changes: PutSecretValue with an existing ClientRequestToken and another
 *   value is refused (ResourceExistsException); moto overwrites a version labelled AWSPENDING.
 * - RotateImmediately=false runs only testSecret, on a new empty AWSPENDING version that is then
 *   removed; moto copies the current value into the new version and leaves it AWSPENDING.
 * The docs/operations.md section "How rotation is tested" lists the same.
 */

const CURRENT = "AWSCURRENT";
const PENDING = "AWSPENDING";
const PREVIOUS = "AWSPREVIOUS";
const META = { $metadata: {} };

interface ModelVersion {
  value?: string;
  stages: Set<string>;
  created: Date;
}

interface ModelSecret {
  arn: string;
  name: string;
  versions: Map<string, ModelVersion>;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
}

export type RotationFunction = (event: { Step: string; SecretId: string; ClientRequestToken: string }) => Promise<void>;

export const MODEL_REGION = "eu-west-1";
export const MODEL_ACCOUNT = "123456789012";

export class SecretsManagerModel {
  private readonly secrets = new Map<string, ModelSecret>();
  /** Invoked for each step when RotateSecret runs a rotation (asynchronously, as the service does). */
  rotationFunction: RotationFunction | undefined;
  /** The rotation RotateSecret started last; resolves when it ends, to the error that stopped it, if any. */
  lastRotation: Promise<Error | undefined> = Promise.resolve(undefined);

  constructor(private readonly clock: () => Date = () => new Date()) {}

  /** Creates a secret, optionally with a first (AWSCURRENT) value. Returns its ARN. */
  addSecret(name: string, options: { value?: string; rotationLambdaArn?: string } = {}): string {
    const arn = `arn:aws:secretsmanager:${MODEL_REGION}:${MODEL_ACCOUNT}:secret:${name}-AbCdEf`;
    const secret: ModelSecret = { arn, name, versions: new Map(), rotationEnabled: options.rotationLambdaArn !== undefined };
    if (options.rotationLambdaArn !== undefined) secret.rotationLambdaArn = options.rotationLambdaArn;
    if (options.value !== undefined) secret.versions.set(randomUUID(), { value: options.value, stages: new Set([CURRENT]), created: this.clock() });
    this.secrets.set(arn, secret);
    return arn;
  }

  /** A deep copy of a secret's versions, for before/after comparisons. */
  snapshot(secretId: string): Record<string, { value: string | undefined; stages: string[] }> {
    const secret = this.find(secretId);
    return Object.fromEntries([...secret.versions].map(([id, v]) => [id, { value: v.value, stages: [...v.stages].sort() }]));
  }

  /** The value under a label, or undefined. */
  valueAt(secretId: string, stage: string): string | undefined {
    return [...this.find(secretId).versions.values()].find((v) => v.stages.has(stage))?.value;
  }

  versionWith(secretId: string, stage: string): string | undefined {
    return [...this.find(secretId).versions].find(([, v]) => v.stages.has(stage))?.[0];
  }

  /** Wires the model behind every SecretsManagerClient `send`, through aws-sdk-client-mock. */
  install(mock: AwsClientStub<SecretsManagerClient>): void {
    mock.on(DescribeSecretCommand).callsFake(async (input: DescribeSecretCommandInput) => this.describeSecret(input));
    mock.on(GetSecretValueCommand).callsFake(async (input: GetSecretValueCommandInput) => this.getSecretValue(input));
    mock.on(PutSecretValueCommand).callsFake(async (input: PutSecretValueCommandInput) => this.putSecretValue(input));
    mock.on(UpdateSecretVersionStageCommand).callsFake(async (input: UpdateSecretVersionStageCommandInput) => this.updateSecretVersionStage(input));
    mock.on(RotateSecretCommand).callsFake(async (input: RotateSecretCommandInput) => this.rotateSecret(input));
  }

  private find(secretId: string | undefined): ModelSecret {
    const secret = secretId === undefined ? undefined : (this.secrets.get(secretId) ?? [...this.secrets.values()].find((s) => s.name === secretId));
    if (!secret) throw new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", ...META });
    return secret;
  }

  /** Attaches `stage` to `versionId`, taking it from whichever version had it (AWSCURRENT leaves AWSPREVIOUS behind). */
  private attach(secret: ModelSecret, stage: string, versionId: string): void {
    const holder = [...secret.versions].find(([, v]) => v.stages.has(stage));
    if (holder && holder[0] === versionId) return;
    if (holder) {
      holder[1].stages.delete(stage);
      if (stage === CURRENT) {
        for (const v of secret.versions.values()) v.stages.delete(PREVIOUS);
        holder[1].stages.add(PREVIOUS);
      }
    }
    secret.versions.get(versionId)?.stages.add(stage);
  }

  describeSecret(input: DescribeSecretCommandInput): DescribeSecretCommandOutput {
    const secret = this.find(input.SecretId);
    const versions = Object.fromEntries([...secret.versions].filter(([, v]) => v.stages.size > 0).map(([id, v]) => [id, [...v.stages]]));
    return {
      ARN: secret.arn,
      Name: secret.name,
      RotationEnabled: secret.rotationEnabled,
      ...(secret.rotationLambdaArn === undefined ? {} : { RotationLambdaARN: secret.rotationLambdaArn }),
      VersionIdsToStages: versions,
      ...META,
    };
  }

  getSecretValue(input: GetSecretValueCommandInput): GetSecretValueCommandOutput {
    const secret = this.find(input.SecretId);
    const stage = input.VersionStage ?? (input.VersionId === undefined ? CURRENT : undefined);
    const entry =
      input.VersionId !== undefined
        ? ([input.VersionId, secret.versions.get(input.VersionId)] as const)
        : ([...secret.versions].find(([, v]) => stage !== undefined && v.stages.has(stage)) ?? ([undefined, undefined] as const));
    const [versionId, version] = entry;
    if (!version || versionId === undefined || (stage !== undefined && !version.stages.has(stage)) || version.value === undefined) {
      throw new ResourceNotFoundException({
        message: `Secrets Manager can't find the specified secret value for ${input.VersionId !== undefined ? `VersionId: ${input.VersionId}` : `staging label: ${stage}`}`,
        ...META,
      });
    }
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId, SecretString: version.value, VersionStages: [...version.stages], CreatedDate: version.created, ...META };
  }

  putSecretValue(input: PutSecretValueCommandInput): PutSecretValueCommandOutput {
    const secret = this.find(input.SecretId);
    if (input.SecretString === undefined) throw new InvalidParameterException({ message: "You must provide either SecretString or SecretBinary.", ...META });
    const token = input.ClientRequestToken ?? randomUUID();
    if (token.length < 32 || token.length > 64) throw new InvalidParameterException({ message: "ClientRequestToken must be 32-64 characters.", ...META });
    const stages = input.VersionStages ?? [CURRENT];
    const existing = secret.versions.get(token);
    if (existing?.value !== undefined) {
      if (existing.value !== input.SecretString) {
        throw new ResourceExistsException({ message: `A resource with the ID you requested already exists (version ${token} holds a different value).`, ...META });
      }
      return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...existing.stages], ...META };
    }
    const version = existing ?? { stages: new Set<string>(), created: this.clock() };
    version.value = input.SecretString;
    secret.versions.set(token, version);
    for (const stage of stages) this.attach(secret, stage, token);
    return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...version.stages], ...META };
  }

  updateSecretVersionStage(input: UpdateSecretVersionStageCommandInput): UpdateSecretVersionStageCommandOutput {
    const secret = this.find(input.SecretId);
    const stage = input.VersionStage;
    if (!stage) throw new InvalidParameterException({ message: "VersionStage is required.", ...META });
    const holder = [...secret.versions].find(([, v]) => v.stages.has(stage))?.[0];
    if (input.RemoveFromVersionId !== undefined && input.RemoveFromVersionId !== holder) {
      throw new InvalidParameterException({ message: `The staging label ${stage} isn't attached to version ${input.RemoveFromVersionId}.`, ...META });
    }
    if (input.MoveToVersionId === undefined) {
      if (stage === CURRENT) throw new InvalidParameterException({ message: "You can't remove the staging label AWSCURRENT; move it to another version instead.", ...META });
      if (holder !== undefined) secret.versions.get(holder)?.stages.delete(stage);
      return { ARN: secret.arn, Name: secret.name, ...META };
    }
    if (!secret.versions.has(input.MoveToVersionId)) throw new ResourceNotFoundException({ message: `Version ${input.MoveToVersionId} doesn't exist.`, ...META });
    if (holder !== undefined && holder !== input.MoveToVersionId && input.RemoveFromVersionId !== holder) {
      throw new InvalidParameterException({
        message: `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
        ...META,
      });
    }
    this.attach(secret, stage, input.MoveToVersionId);
    return { ARN: secret.arn, Name: secret.name, ...META };
  }

  /**
   * What RotateSecret does before it invokes anything: checks, then a new version labelled AWSPENDING
   * with no value. Tests that drive the steps themselves start here. Returns the version id.
   */
  beginRotation(input: RotateSecretCommandInput): { secret: ModelSecret; token: string } {
    const secret = this.find(input.SecretId);
    const lambda = input.RotationLambdaARN ?? secret.rotationLambdaArn;
    if (lambda === undefined) throw new InvalidRequestException({ message: "No Lambda rotation function ARN is associated with this secret.", ...META });
    const pending = [...secret.versions].find(([, v]) => v.stages.has(PENDING));
    if (pending && !pending[1].stages.has(CURRENT)) {
      throw new InvalidRequestException({ message: "A previous rotation isn't complete. That rotation will be reattempted.", ...META });
    }
    const token = input.ClientRequestToken ?? randomUUID();
    if (!secret.versions.has(token)) secret.versions.set(token, { stages: new Set(), created: this.clock() });
    this.attach(secret, PENDING, token);
    secret.rotationLambdaArn = lambda;
    secret.rotationEnabled = true;
    return { secret, token };
  }

  /**
   * RotateSecret. With RotateImmediately (the default) the rotation function's four steps run,
   * asynchronously; a failed step ends the attempt and `lastRotation` resolves to its error (the
   * service would retry later). Without it the service only tests the configuration: it runs
   * testSecret on the new, empty AWSPENDING version and then removes that version.
   */
  rotateSecret(input: RotateSecretCommandInput): RotateSecretCommandOutput {
    const { secret, token } = this.beginRotation(input);
    const run = this.rotationFunction;
    const steps = input.RotateImmediately === false ? ["testSecret"] : ["createSecret", "setSecret", "testSecret", "finishSecret"];
    const after = input.RotateImmediately === false ? () => void secret.versions.delete(token) : () => undefined;
    this.lastRotation = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      try {
        if (run) for (const Step of steps) await run({ Step, SecretId: secret.arn, ClientRequestToken: token });
        return undefined;
      } catch (error) {
        return error as Error;
      } finally {
        after();
      }
    });
    return { ARN: secret.arn, Name: secret.name, VersionId: token, ...META };
  }
}
