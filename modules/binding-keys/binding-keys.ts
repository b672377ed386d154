import { Construct } from "constructs";
import { AssetType, TerraformAsset } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
import { bindingRotationEnvironment, DEFAULT_PUBLISH_AFTER_SECONDS, PUBLISH_AFTER_SECONDS } from "../../src/contracts/binding-rotation-environment";
import type { LogLevel } from "../../src/contracts/environment";
import {
  addRotationFunction,
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  DEFAULT_ROTATION_DAYS,
  rotationIntervalProblem,
  type LambdaBundle,
} from "../signing-keys/signing-keys";
import { checkNamePrefix, throwProblems } from "../shared/names";
import { keyAdministeredByAccount, partitionOf, policyJson, secretReaderStatements, secretsManagerService, serviceTrustPolicy, type PolicyStatement } from "../shared/policy";

export interface BindingKeysProps {
  /** Prefix of secret and key names, e.g. `rajee-dev`. */
  readonly namePrefix: string;
  /** Account of the key and secrets (key policy). */
  readonly accountId: string;
  /** Region of the secrets (the `kms:ViaService` condition). */
  readonly region: string;
  /** The authorizers' task role: the only principal that may read the private binding keys. */
  readonly authorizerRoleArn: string;
  /** Its name, to attach the read permission to. */
  readonly authorizerRoleName: string;
  /** KMS key of the public secret: public material only (the signing JWKS key), so the issuer decrypting it learns nothing secret. */
  readonly publicKmsKeyArn: string;
  /** Days Secrets Manager keeps a deleted secret recoverable (7-30). @default 30 */
  readonly recoveryWindowDays?: number;
  /** The rotation Lambda's code: the signing keys' bundle, run as a second function told the binding secrets. */
  readonly rotationBundle: LambdaBundle;
  /** The rotation code already added as an asset (`SigningKeys.rotationCodePath`), so the stack holds one copy. @default a new asset of rotationBundle.zipPath */
  readonly rotationCodePath?: string;
  /** Log group the rotation function writes to (the signing rotation's: one RotationFailures metric and alarm for both). */
  readonly rotationLogGroupName: string;
  /** ARN of that log group. */
  readonly rotationLogGroupArn: string;
  /** Days between rotations; a new key is published one rotation after it is made. @default 30 */
  readonly rotationDays?: number;
  /** Longest token lifetime; a replaced key stays in the private document this long (plus skew), seconds. @default 43200 */
  readonly maxTokenLifetimeSeconds?: number;
  /** Clock skew the verifiers tolerate, seconds. @default 30 */
  readonly clockSkewSeconds?: number;
  /** How long a new key is in the private document before the issuer binds to it, seconds (0-86400; at least twice the authorizers' poll interval). @default 7200 */
  readonly publishAfterSeconds?: number;
  /** Log level of the rotation function. @default "info" */
  readonly logLevel?: LogLevel;
  /** Attach the rotation schedule (which runs the first rotation). Off only where Secrets Manager cannot invoke the Lambda (the local apply against moto). @default true */
  readonly rotationSchedule?: boolean;
}

export const DEFAULT_RECOVERY_WINDOW_DAYS = 30;
/** What the private secret denies to every principal but the authorizers' and the rotation role: reading its value. Writing stays open to IAM-allowed operators for repairs (docs/operations.md). */
export const BINDING_PRIVATE_VALUE_ACTIONS: readonly string[] = ["secretsmanager:GetSecretValue"];
/** What the private secret's KMS key denies to every principal but the authorizers' and the rotation role: decrypting (encrypting stays open so the rotation and operators can put a value). */
export const BINDING_PRIVATE_KMS_DECRYPT_ACTIONS: readonly string[] = ["kms:Decrypt", "kms:ReEncryptFrom"];

/**
 * The binding keys of proof of possession (docs/security.md, "Proof of possession"), in two secrets:
 * - the private one, `{"keys": [private JWK, ...]}` newest first (RAJEE_BINDING_KEYS_SECRET_ARN of
 *   the authorizers, polled like the JWKS), under its own KMS key; its value and that key's decrypt
 *   are denied to every principal but the authorizers' task role, which gets the read here;
 * - the public one, the newest key's public JWK alone, which the issuer seals every token's secret to.
 * One secret for both would let the issuer read the private half. Terraform writes no value (a
 * private key in the state would be readable by whoever reads the state): a second function on the
 * rotation Lambda's code (its own role, reading and writing exactly these two secrets) rotates them,
 * and its first rotation writes the first values (docs/operations.md, "Binding keys").
 */
export class BindingKeys extends Construct {
  readonly privateSecretArn: string;
  readonly privateKmsKeyArn: string;
  readonly publicSecretArn: string;
  /** The private secret's resource policy, as data. */
  readonly privateSecretStatements: readonly PolicyStatement[];
  /** The authorizers' read permission, as data. */
  readonly authorizerStatements: readonly PolicyStatement[];
  readonly rotationRoleArn: string;
  readonly rotationFunctionName: string;
  /** The rotation role's policy statements, as data. */
  readonly rotationStatements: readonly PolicyStatement[];

  constructor(scope: Construct, id: string, props: BindingKeysProps) {
    super(scope, id);
    const recoveryWindow = props.recoveryWindowDays ?? DEFAULT_RECOVERY_WINDOW_DAYS;
    const rotationDays = props.rotationDays ?? DEFAULT_ROTATION_DAYS;
    const maxLifetime = props.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
    const skew = props.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
    const publishAfter = props.publishAfterSeconds ?? DEFAULT_PUBLISH_AFTER_SECONDS;
    checkNamePrefix("binding-keys", props.namePrefix);
    const tooOften = rotationIntervalProblem(rotationDays, maxLifetime, skew);
    throwProblems("binding-keys", [
      ...(Number.isInteger(recoveryWindow) && recoveryWindow >= 7 && recoveryWindow <= 30 ? [] : [`recoveryWindowDays=${recoveryWindow} is outside 7-30 (Secrets Manager's range); use 7-30`]),
      ...(tooOften ? [`rotationDays=${rotationDays} ${tooOften}`] : []),
      ...(Number.isInteger(publishAfter) && publishAfter >= PUBLISH_AFTER_SECONDS.min && publishAfter <= PUBLISH_AFTER_SECONDS.max && publishAfter < rotationDays * 86400
        ? []
        : [`publishAfterSeconds=${publishAfter} is outside ${PUBLISH_AFTER_SECONDS.min}-${PUBLISH_AFTER_SECONDS.max} or not shorter than rotationDays (${rotationDays} d), so no new key would ever be published; use e.g. ${DEFAULT_PUBLISH_AFTER_SECONDS}`]),
    ]);
    const name = props.namePrefix;
    const partition = partitionOf(props.region);

    // The role exists before the key and secrets so their policies can name it; its permissions follow below.
    const role = new IamRole(this, "rotation-role", {
      name: `${name}-binding-key-rotation`,
      description: "rajee binding-key rotation Lambda",
      assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", props.accountId),
    });
    this.rotationRoleArn = role.arn;
    const onlyAuthorizers = { StringNotEquals: { "aws:PrincipalArn": [props.authorizerRoleArn, role.arn] } };

    const key = new KmsKey(this, "private-key", {
      description: `${name} proof-of-possession private binding keys secret`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyJson([
        keyAdministeredByAccount(partition, props.accountId),
        { Sid: "DenyDecryptToAllButAuthorizersAndRotation", Effect: "Deny", Principal: { AWS: "*" }, Action: [...BINDING_PRIVATE_KMS_DECRYPT_ACTIONS], Resource: ["*"], Condition: onlyAuthorizers },
        {
          Sid: "DenyDecryptOutsideSecretsManager",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: [...BINDING_PRIVATE_KMS_DECRYPT_ACTIONS],
          Resource: ["*"],
          Condition: { StringNotEquals: { "kms:ViaService": secretsManagerService(props.region) } },
        },
      ]),
    });
    new KmsAlias(this, "private-key-alias", { name: `alias/${name}-binding-private`, targetKeyId: key.keyId });
    this.privateKmsKeyArn = key.arn;

    const secret = new SecretsmanagerSecret(this, "private", {
      name: `${name}/binding/private-keys`,
      description: 'Private binding keys ({"keys": [...]}, newest first) the authorizers open bound tokens with',
      kmsKeyId: key.arn,
      recoveryWindowInDays: recoveryWindow,
    });
    this.privateSecretStatements = [
      { Sid: "DenyValueToAllButAuthorizersAndRotation", Effect: "Deny", Principal: { AWS: "*" }, Action: [...BINDING_PRIVATE_VALUE_ACTIONS], Resource: ["*"], Condition: onlyAuthorizers },
    ];
    new SecretsmanagerSecretPolicy(this, "private-policy", { secretArn: secret.arn, policy: policyJson(this.privateSecretStatements), blockPublicPolicy: true });
    this.privateSecretArn = secret.arn;

    const publicSecret = new SecretsmanagerSecret(this, "public", {
      name: `${name}/binding/public-key`,
      description: "Public binding key (one JWK) the token issuer seals every token's secret to",
      kmsKeyId: props.publicKmsKeyArn,
      recoveryWindowInDays: recoveryWindow,
    });
    this.publicSecretArn = publicSecret.arn;

    this.authorizerStatements = secretReaderStatements("BindingKeys", secret.arn, key.arn, props.region);
    new IamRolePolicy(this, "authorizer-read", { name: "read-binding-keys", role: props.authorizerRoleName, policy: policyJson(this.authorizerStatements) });

    this.rotationStatements = [
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [props.rotationLogGroupArn, `${props.rotationLogGroupArn}:log-stream:*`],
      },
      {
        Sid: "RotatePrivateBindingKeys",
        Effect: "Allow",
        Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
        Resource: [secret.arn],
      },
      { Sid: "PublishBindingPublicKey", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"], Resource: [publicSecret.arn] },
      {
        Sid: "UseBindingKmsKeysThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: [key.arn, props.publicKmsKeyArn],
        Condition: { StringEquals: { "kms:ViaService": secretsManagerService(props.region) } },
      },
    ];
    new IamRolePolicy(this, "rotation-policy", { name: "rotate-binding-keys", role: role.id, policy: policyJson(this.rotationStatements) });

    const codePath = props.rotationCodePath ?? new TerraformAsset(this, "rotation-code", { path: props.rotationBundle.zipPath, type: AssetType.FILE }).path;
    const fn = addRotationFunction(this, {
      functionName: `${name}-binding-key-rotation`,
      description: "Rotates the rajee binding keys (Secrets Manager rotation, four steps)",
      roleArn: role.arn,
      codePath,
      bundle: props.rotationBundle,
      logGroupName: props.rotationLogGroupName,
      environment: bindingRotationEnvironment({
        privateSecretArn: secret.arn,
        publicSecretArn: publicSecret.arn,
        publishAfterSeconds: publishAfter,
        maxTokenLifetimeSeconds: maxLifetime,
        clockSkewSeconds: skew,
        ...(props.logLevel === undefined ? {} : { logLevel: props.logLevel }),
      }),
      secret,
      accountId: props.accountId,
      rotationDays,
      schedule: props.rotationSchedule ?? true,
    });
    this.rotationFunctionName = fn.functionName;
  }
}
