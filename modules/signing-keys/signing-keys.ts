import { Construct } from "constructs";
import { TerraformAsset, AssetType } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
import { SecretsmanagerSecretRotation } from "@cdktf/provider-aws/lib/secretsmanager-secret-rotation";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { clockSkewProblem, tokenLifetimeProblem, type EnvironmentVariables, type LogLevel } from "../../src/contracts/environment";
import { rotationEnvironment } from "../../src/contracts/rotation-environment";
import { parseRoleArn } from "../../src/contracts/aws-names";
import { checkNamePrefix, throwProblems } from "../shared/names";
import { keyAdministeredByAccount, partitionOf, policyJson, secretsManagerService, serviceTrustPolicy, type PolicyStatement } from "../shared/policy";

/** A zipped Lambda bundle on disk and its SHA-256 (base64), as `bundleRotationLambda` returns. */
export interface LambdaBundle {
  readonly zipPath: string;
  readonly sha256Base64: string;
}

export interface SigningKeysProps {
  /** Prefix of secret, key and function names, e.g. `rajee-dev`. */
  readonly namePrefix: string;
  /** Account of the key and secrets (key policy, Lambda permission SourceAccount). */
  readonly accountId: string;
  /** Region of the secrets. */
  readonly region: string;
  /** The rotation Lambda's code (bundled with esbuild at synth time). */
  readonly rotationBundle: LambdaBundle;
  /** Log group the rotation Lambda writes to (created with retention and KMS by LogGroups). */
  readonly rotationLogGroupName: string;
  /** ARN of that log group (the function's role may write only there). */
  readonly rotationLogGroupArn: string;
  /** Days between rotations. @default 30 */
  readonly rotationDays?: number;
  /** Longest token lifetime; a previous key stays published this long (plus skew) after rotation, seconds (60-86400). @default 43200 */
  readonly maxTokenLifetimeSeconds?: number;
  /** Clock skew the verifiers tolerate, seconds (0-300). @default 30 */
  readonly clockSkewSeconds?: number;
  /** Log level of the rotation Lambda. @default "info" */
  readonly logLevel?: LogLevel;
  /** Days Secrets Manager keeps a deleted secret recoverable (7-30). @default 30 */
  readonly recoveryWindowDays?: number;
  /**
   * Attach the rotation schedule to the private-key secret (which also runs the first rotation).
   * Off only where Secrets Manager cannot invoke the Lambda (the local apply against moto). @default true
   */
  readonly rotationSchedule?: boolean;
  /**
   * The token issuer's role (`issuerRoleArn(...)`): the one principal besides the rotation Lambda's
   * role that may read the private key, and only through Secrets Manager. Every other principal of
   * the account is denied reading or writing its value. @default undefined (only the rotation role reads it)
   */
  readonly issuerRoleArn?: string;
}

export const DEFAULT_ROTATION_DAYS = 30;
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 43200;
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;
export const DEFAULT_LOG_LEVEL: LogLevel = "info";
export const DEFAULT_RECOVERY_WINDOW_DAYS = 30;
/** What the private key's secret policy and key policy deny to everyone but its readers: the value, never the management of the secret. */
export const PRIVATE_KEY_VALUE_ACTIONS: readonly string[] = ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"];
/** The private key's KMS key: the cryptographic uses denied to everyone but its readers (administration stays with the account). */
export const PRIVATE_KEY_KMS_USE_ACTIONS: readonly string[] = ["kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"];
/** Runtime, architecture and limits of the rotation Lambda. */
export const ROTATION_RUNTIME = "nodejs22.x";
export const ROTATION_ARCHITECTURE = "arm64";
export const ROTATION_TIMEOUT_SECONDS = 60;
export const ROTATION_MEMORY_MIB = 256;
/** The JWKS secret's first value, before the first rotation publishes a key. */
export const EMPTY_JWKS = JSON.stringify({ keys: [] });

/**
 * The token signing keys: two customer managed KMS keys (one for the private key alone, one for the
 * JWKS), the private-key secret (rotated by a Lambda) with a resource policy that denies reading or
 * writing its value to every principal but its readers, the public JWKS secret the authorizers read, the rotation Lambda with a least-privilege
 * role, a Lambda permission only Secrets Manager may use and only for this secret and account, and
 * the rotation schedule.
 */
export class SigningKeys extends Construct {
  /** The JWKS secret's KMS key (the authorizers decrypt with it). */
  readonly kmsKeyArn: string;
  /** The private-key secret's own KMS key: decrypting the JWKS never implies decrypting the private key. */
  readonly privateKeyKmsKeyArn: string;
  /** Roles that may read the private key's value: the rotation role, then the issuer's role. */
  readonly privateKeyReaderRoleArns: readonly string[];
  /** The private-key secret's resource policy, as data. */
  readonly privateKeySecretStatements: readonly PolicyStatement[];
  readonly privateKeySecretArn: string;
  readonly jwksSecretArn: string;
  readonly rotationFunctionName: string;
  readonly rotationFunctionArn: string;
  readonly rotationRoleArn: string;
  /** The rotation role's policy statements, as data. */
  readonly rotationStatements: readonly PolicyStatement[];
  /** The rotation code's asset path, for another function on the same code (the binding keys' rotation) without a second copy. */
  readonly rotationCodePath: string;

  constructor(scope: Construct, id: string, props: SigningKeysProps) {
    super(scope, id);
    const rotationDays = props.rotationDays ?? DEFAULT_ROTATION_DAYS;
    const maxLifetime = props.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
    const skew = props.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
    const logLevel = props.logLevel ?? DEFAULT_LOG_LEVEL;
    const recoveryWindow = props.recoveryWindowDays ?? DEFAULT_RECOVERY_WINDOW_DAYS;
    const extraReaders = props.issuerRoleArn === undefined ? [] : [props.issuerRoleArn];
    validate(props, rotationDays, maxLifetime, skew, recoveryWindow);
    const name = props.namePrefix;
    const partition = partitionOf(props.region);

    // The role exists before the keys and secrets so their policies can name it; its permissions follow below.
    const role = new IamRole(this, "rotation-role", {
      name: `${name}-key-rotation`,
      description: "rajee signing-key rotation Lambda",
      assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", props.accountId),
    });
    this.rotationRoleArn = role.arn;
    const readers = [role.arn, ...extraReaders];
    this.privateKeyReaderRoleArns = readers;
    // aws:PrincipalArn is the role ARN for a role session (IAM global condition keys), so one
    // condition covers every session of the readers and nothing else.
    const onlyReaders = { StringNotEquals: { "aws:PrincipalArn": readers } };

    const key = new KmsKey(this, "key", {
      description: `${name} token signing JWKS secret`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyJson([keyAdministeredByAccount(partition, props.accountId)]),
    });
    new KmsAlias(this, "alias", { name: `alias/${name}-signing`, targetKeyId: key.keyId });
    this.kmsKeyArn = key.arn;

    const privateKeyKey = new KmsKey(this, "private-key-key", {
      description: `${name} token signing private key secret`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyJson([
        keyAdministeredByAccount(partition, props.accountId),
        {
          Sid: "DenyKeyUseToAllButPrivateKeyReaders",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: [...PRIVATE_KEY_KMS_USE_ACTIONS],
          Resource: ["*"],
          Condition: onlyReaders,
        },
        {
          // Its readers decrypt the private key only as Secrets Manager reads the secret for them, never by calling KMS themselves.
          Sid: "DenyKeyUseOutsideSecretsManager",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: [...PRIVATE_KEY_KMS_USE_ACTIONS],
          Resource: ["*"],
          Condition: { StringNotEquals: { "kms:ViaService": secretsManagerService(props.region) } },
        },
      ]),
    });
    new KmsAlias(this, "private-key-alias", { name: `alias/${name}-signing-private`, targetKeyId: privateKeyKey.keyId });
    this.privateKeyKmsKeyArn = privateKeyKey.arn;

    const privateKey = new SecretsmanagerSecret(this, "private-key", {
      name: `${name}/signing/private-key`,
      description: "Private JWK that signs rajee tokens; rotated by the key-rotation Lambda",
      kmsKeyId: privateKeyKey.arn,
      recoveryWindowInDays: recoveryWindow,
    });
    // Deny only the value: Terraform (DescribeSecret, the policy itself) and the break-glass
    // `rajee keys rotate` (RotateSecret) keep working for principals whose IAM policies allow them.
    this.privateKeySecretStatements = [
      {
        Sid: "DenyValueToAllButPrivateKeyReaders",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: [...PRIVATE_KEY_VALUE_ACTIONS],
        Resource: ["*"],
        Condition: onlyReaders,
      },
    ];
    new SecretsmanagerSecretPolicy(this, "private-key-policy", {
      secretArn: privateKey.arn,
      policy: policyJson(this.privateKeySecretStatements),
      blockPublicPolicy: true,
    });
    const jwks = new SecretsmanagerSecret(this, "jwks", {
      name: `${name}/signing/jwks`,
      description: "Public JWKS (pending, current, previous keys) the authorizers verify tokens with",
      kmsKeyId: key.arn,
      recoveryWindowInDays: recoveryWindow,
    });
    new SecretsmanagerSecretVersion(this, "jwks-initial", {
      secretId: jwks.id,
      secretString: EMPTY_JWKS,
      lifecycle: { ignoreChanges: ["secret_string"] },
    });
    this.privateKeySecretArn = privateKey.arn;
    this.jwksSecretArn = jwks.arn;

    this.rotationStatements = [
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [props.rotationLogGroupArn, `${props.rotationLogGroupArn}:log-stream:*`],
      },
      {
        Sid: "RotatePrivateKey",
        Effect: "Allow",
        Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
        Resource: [privateKey.arn],
      },
      {
        Sid: "PublishJwks",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
        Resource: [jwks.arn],
      },
      {
        Sid: "UseSigningKmsKeysThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: [privateKeyKey.arn, key.arn],
        Condition: { StringEquals: { "kms:ViaService": secretsManagerService(props.region) } },
      },
    ];
    new IamRolePolicy(this, "rotation-policy", { name: "rotate-signing-key", role: role.id, policy: policyJson(this.rotationStatements) });

    const code = new TerraformAsset(this, "rotation-code", { path: props.rotationBundle.zipPath, type: AssetType.FILE });
    this.rotationCodePath = code.path;
    const fn = addRotationFunction(this, {
      functionName: `${name}-key-rotation`,
      description: "Rotates the rajee token signing key (Secrets Manager rotation, four steps)",
      roleArn: role.arn,
      codePath: code.path,
      bundle: props.rotationBundle,
      logGroupName: props.rotationLogGroupName,
      environment: rotationEnvironment({
        privateKeySecretArn: privateKey.arn,
        jwksSecretArn: jwks.arn,
        maxTokenLifetimeSeconds: maxLifetime,
        clockSkewSeconds: skew,
        logLevel,
      }),
      secret: privateKey,
      accountId: props.accountId,
      rotationDays,
      schedule: props.rotationSchedule ?? true,
    });
    this.rotationFunctionName = fn.functionName;
    this.rotationFunctionArn = fn.arn;
  }
}

/** What `addRotationFunction` needs. */
export interface RotationFunctionProps {
  readonly functionName: string;
  readonly description: string;
  readonly roleArn: string;
  /** Path of the code asset (one asset may serve several functions). */
  readonly codePath: string;
  readonly bundle: LambdaBundle;
  readonly logGroupName: string;
  readonly environment: EnvironmentVariables;
  /** The secret Secrets Manager rotates with this function. */
  readonly secret: { readonly arn: string; readonly id: string };
  readonly accountId: string;
  readonly rotationDays: number;
  /** Attach the rotation schedule (which runs the first rotation). */
  readonly schedule: boolean;
}

/**
 * A rotation Lambda on the rotation code, in `scope` (ids `rotation`, `allow-secrets-manager`,
 * `rotation-schedule`): the function, Secrets Manager's permission to invoke it for `secret` only,
 * and, when `schedule`, the rotation schedule, created after the permission.
 */
export function addRotationFunction(scope: Construct, p: RotationFunctionProps): LambdaFunction {
  const fn = new LambdaFunction(scope, "rotation", {
    functionName: p.functionName,
    description: p.description,
    role: p.roleArn,
    handler: "index.handler",
    runtime: ROTATION_RUNTIME,
    architectures: [ROTATION_ARCHITECTURE],
    timeout: ROTATION_TIMEOUT_SECONDS,
    memorySize: ROTATION_MEMORY_MIB,
    filename: p.codePath,
    sourceCodeHash: p.bundle.sha256Base64,
    loggingConfig: { logFormat: "Text", logGroup: p.logGroupName },
    environment: { variables: p.environment },
  });
  const permission = new LambdaPermission(scope, "allow-secrets-manager", {
    statementId: "SecretsManagerRotatesThisSecretOnly",
    action: "lambda:InvokeFunction",
    functionName: fn.functionName,
    principal: "secretsmanager.amazonaws.com",
    sourceArn: p.secret.arn,
    sourceAccount: p.accountId,
  });
  if (p.schedule) {
    new SecretsmanagerSecretRotation(scope, "rotation-schedule", {
      secretId: p.secret.id,
      rotationLambdaArn: fn.arn,
      rotationRules: { automaticallyAfterDays: p.rotationDays },
      // The permission first: the first rotation runs as the schedule is created.
      dependsOn: [permission],
    });
  }
  return fn;
}


/**
 * Why rotating every `rotationDays` days would retire a key while tokens it signed still live
 * (lifetime plus skew); undefined when it would not. The configuration asks the same.
 */
export function rotationIntervalProblem(rotationDays: number, maxLifetimeSeconds: number, clockSkewSeconds: number): string | undefined {
  const tokenSeconds = maxLifetimeSeconds + clockSkewSeconds;
  return rotationDays * 86400 <= tokenSeconds
    ? `is not longer than maxTokenLifetimeSeconds + clockSkewSeconds (${tokenSeconds} s); rotate less often than a token lives`
    : undefined;
}

function validate(props: SigningKeysProps, rotationDays: number, maxLifetime: number, skew: number, recoveryWindow: number): void {
  checkNamePrefix("signing-keys", props.namePrefix);
  const problems: string[] = [];
  if (!Number.isInteger(rotationDays) || rotationDays < 1 || rotationDays > 1000) {
    problems.push(`rotationDays=${rotationDays} is outside the Secrets Manager range; use 1-1000`);
  } else {
    const tooOften = rotationIntervalProblem(rotationDays, maxLifetime, skew);
    if (tooOften) problems.push(`rotationDays=${rotationDays} ${tooOften}`);
  }
  const lifetimeProblem = tokenLifetimeProblem(maxLifetime);
  if (lifetimeProblem) problems.push(`maxTokenLifetimeSeconds=${maxLifetime} ${lifetimeProblem}`);
  const skewProblem = clockSkewProblem(skew);
  if (skewProblem) problems.push(`clockSkewSeconds=${skew} ${skewProblem}`);
  if (!Number.isInteger(recoveryWindow) || recoveryWindow < 7 || recoveryWindow > 30) problems.push(`recoveryWindowDays=${recoveryWindow} is outside the Secrets Manager range; use 7-30`);
  if (props.issuerRoleArn !== undefined) {
    const arn = props.issuerRoleArn;
    const role = parseRoleArn(arn);
    if (!role) problems.push(`issuerRoleArn=${JSON.stringify(arn)} is not an IAM role ARN; use arn:aws:iam::<account>:role/<name>`);
    else if (role.account !== props.accountId) {
      problems.push(`issuerRoleArn=${JSON.stringify(arn)} is in account ${role.account}, not ${props.accountId}; name a role of the secret's account`);
    }
  }
  if (!/^[A-Za-z0-9+/]{43}=$/.test(props.rotationBundle.sha256Base64)) {
    problems.push(`rotationBundle.sha256Base64=${JSON.stringify(props.rotationBundle.sha256Base64)} is not a base64 SHA-256; pass what bundleRotationLambda returns`);
  }
  throwProblems("signing-keys", problems);
}
