import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import type { SecretDescription } from "./event";

/** One stored secret value. */
export interface StoredValue {
  readonly versionId: string;
  readonly text: string;
}

/** Which version to read: by id, by staging label, or both (the version must carry the label). */
export interface VersionSelector {
  readonly versionId?: string;
  readonly stage?: string;
}

export interface PutValueInput {
  /** Version id to create or fill; @default a new random id */
  readonly versionId?: string;
  readonly text: string;
  /** @default ["AWSCURRENT"] */
  readonly stages?: readonly string[];
  readonly rotationToken?: string;
}

export interface MoveStageInput {
  readonly stage: string;
  readonly to: string;
  /** The version that holds the label now; required by the service when there is one. */
  readonly from?: string;
}

/**
 * The Secrets Manager operations rotation needs, so the steps can be read (and tested) without the SDK.
 * `getValue` resolves to undefined when the version or its value does not exist; every other failure throws.
 */
export interface SecretStore {
  describe(secretId: string): Promise<SecretDescription>;
  getValue(secretId: string, selector: VersionSelector): Promise<StoredValue | undefined>;
  /** Resolves to "exists" when `versionId` already holds a different value (the service refuses to change a version). */
  putValue(secretId: string, input: PutValueInput): Promise<"written" | "exists">;
  moveStage(secretId: string, input: MoveStageInput): Promise<void>;
}

/** The SecretStore backed by the AWS SDK. */
export function secretsManagerStore(client: SecretsManagerClient): SecretStore {
  return {
    async describe(secretId) {
      const out = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
      return { rotationEnabled: out.RotationEnabled === true, versions: out.VersionIdsToStages ?? {} };
    },
    async getValue(secretId, selector) {
      try {
        const out = await client.send(
          new GetSecretValueCommand({
            SecretId: secretId,
            ...(selector.versionId === undefined ? {} : { VersionId: selector.versionId }),
            ...(selector.stage === undefined ? {} : { VersionStage: selector.stage }),
          }),
        );
        if (out.SecretString === undefined || out.VersionId === undefined) return undefined;
        return { versionId: out.VersionId, text: out.SecretString };
      } catch (error) {
        if (error instanceof ResourceNotFoundException || (error as Error).name === "ResourceNotFoundException") return undefined;
        throw error;
      }
    },
    async putValue(secretId, input) {
      try {
        await client.send(
          new PutSecretValueCommand({
            SecretId: secretId,
            SecretString: input.text,
            ...(input.versionId === undefined ? {} : { ClientRequestToken: input.versionId }),
            ...(input.stages === undefined ? {} : { VersionStages: [...input.stages] }),
            ...(input.rotationToken === undefined ? {} : { RotationToken: input.rotationToken }),
          }),
        );
        return "written";
      } catch (error) {
        if (error instanceof ResourceExistsException || (error as Error).name === "ResourceExistsException") return "exists";
        throw error;
      }
    },
    async moveStage(secretId, input) {
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: input.stage,
          MoveToVersionId: input.to,
          ...(input.from === undefined ? {} : { RemoveFromVersionId: input.from }),
        }),
      );
    },
  };
}
