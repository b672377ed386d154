/**
 * IAM policy documents as plain data, serialised with JSON.stringify (no data source, so plans stay
 * offline and tests can assert on exact actions and resources).
 */

import { partitionOfRegion } from "../../src/contracts/aws-names";

/** One IAM policy statement. Actions and resources are always lists, so tests compare them exactly. */
export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: readonly string[];
  readonly Resource?: readonly string[];
  readonly Principal?: Readonly<Record<string, string | readonly string[]>>;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** A policy document (identity, resource or key policy). */
export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

/** The JSON of a policy with `statements`. */
export function policyJson(statements: readonly PolicyStatement[]): string {
  const document: PolicyDocument = { Version: "2012-10-17", Statement: statements };
  return JSON.stringify(document);
}

/**
 * Trust policy letting `service` assume a role only on behalf of `accountId` (confused-deputy
 * protection with aws:SourceAccount, as AWS recommends for service roles).
 */
export function serviceTrustPolicy(service: string, accountId: string): string {
  return policyJson([
    {
      Sid: "AssumedByService",
      Effect: "Allow",
      Principal: { Service: service },
      Action: ["sts:AssumeRole"],
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
  ]);
}

/** The account root principal: key policies delegate to IAM through it. */
export function accountRoot(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

/**
 * Key policy statement every customer managed key needs: the account (through IAM policies) may
 * use and administer the key. `kms:*` on `*` here is AWS's default key policy, scoped by the key
 * policy itself to this one key; without it the key becomes unmanageable.
 */
export function keyAdministeredByAccount(partition: string, accountId: string): PolicyStatement {
  return {
    Sid: "EnableIamPoliciesOfTheAccount",
    Effect: "Allow",
    Principal: { AWS: accountRoot(partition, accountId) },
    Action: ["kms:*"],
    Resource: ["*"],
  };
}

/**
 * The ARN partition of `region` (`aws`, `aws-cn`, `aws-us-gov`, `aws-iso`...), known without an API
 * call, from the one partition table (src/contracts/aws-names.ts); `aws` for a name it does not know
 * (config/ refuses those before any module runs).
 */
export function partitionOf(region: string): string {
  return partitionOfRegion(region) ?? "aws";
}

/** The `kms:ViaService` value of Secrets Manager in `region`. */
export function secretsManagerService(region: string): string {
  return `secretsmanager.${region}.amazonaws.com`;
}

/**
 * A reader's two statements for one secret under its own KMS key: `Read<name>` (GetSecretValue on
 * the secret) and `Decrypt<name>ThroughSecretsManager` (kms:Decrypt on the key, only through
 * Secrets Manager in `region`, so the key decrypts nothing else for the reader).
 */
export function secretReaderStatements(name: string, secretArn: string, kmsKeyArn: string, region: string): PolicyStatement[] {
  return [
    { Sid: `Read${name}`, Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [secretArn] },
    {
      Sid: `Decrypt${name}ThroughSecretsManager`,
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [kmsKeyArn],
      Condition: { StringEquals: { "kms:ViaService": secretsManagerService(region) } },
    },
  ];
}
