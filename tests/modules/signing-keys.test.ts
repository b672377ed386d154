import type { Construct } from "constructs";
import { ConfigError } from "../../src/config-error";
import { SigningKeys, type SigningKeysProps } from "../../modules/signing-keys/signing-keys";
import { FAKE_BUNDLE, onlyResource, refOf, resourceNamed, statementsOf, synth } from "./synth";

const LOG_GROUP_ARN = "arn:aws:logs:eu-west-1:111111111111:log-group:/rajee/test/key-rotation";

function props(overrides: Partial<SigningKeysProps> = {}): SigningKeysProps {
  return {
    namePrefix: "rajee-test",
    accountId: "111111111111",
    region: "eu-west-1",
    rotationBundle: FAKE_BUNDLE,
    rotationLogGroupName: "/rajee/test/key-rotation",
    rotationLogGroupArn: LOG_GROUP_ARN,
    rotationDays: 7,
    ...overrides,
  };
}

const build = (p: SigningKeysProps) => synth((scope: Construct) => new SigningKeys(scope, "keys", p));

describe("SigningKeys", () => {
  const s = build(props());
  const privateArn = refOf(s, "aws_secretsmanager_secret", "private-key", "arn");
  const jwksArn = refOf(s, "aws_secretsmanager_secret", "jwks", "arn");
  const keyArn = refOf(s, "aws_kms_key", "key", "arn");

  it("encrypts both secrets with its own rotating KMS key", () => {
    expect(onlyResource(s, "aws_kms_key").enable_key_rotation).toBe(true);
    expect(resourceNamed(s, "aws_secretsmanager_secret", "private-key").kms_key_id).toBe(keyArn);
    expect(resourceNamed(s, "aws_secretsmanager_secret", "jwks").kms_key_id).toBe(keyArn);
  });

  it("starts the JWKS empty and leaves later versions to the rotation Lambda", () => {
    expect(onlyResource(s, "aws_secretsmanager_secret_version")).toMatchObject({
      secret_string: '{"keys":[]}',
      lifecycle: { ignore_changes: ["secret_string"] },
    });
  });

  it("rotates the private-key secret with the Lambda on the configured schedule, after the permission exists", () => {
    const rotation = onlyResource(s, "aws_secretsmanager_secret_rotation");
    expect(rotation.secret_id).toBe(refOf(s, "aws_secretsmanager_secret", "private-key", "id"));
    expect(rotation.rotation_lambda_arn).toBe(refOf(s, "aws_lambda_function", "rotation", "arn"));
    expect(rotation.rotation_rules).toEqual({ automatically_after_days: 7 });
    expect(rotation.depends_on).toEqual([expect.stringMatching(/^aws_lambda_permission\.keys_allow-secrets-manager_/)]);
  });

  it("lets only Secrets Manager invoke the Lambda, for this secret and account", () => {
    expect(onlyResource(s, "aws_lambda_permission")).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "secretsmanager.amazonaws.com",
      source_arn: privateArn,
      source_account: "111111111111",
    });
  });

  it("gives the rotation role exactly the secret, KMS and log actions it needs", () => {
    expect(statementsOf(onlyResource(s, "aws_iam_role_policy").policy)).toEqual([
      { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [LOG_GROUP_ARN, `${LOG_GROUP_ARN}:log-stream:*`] },
      {
        Sid: "RotatePrivateKey",
        Effect: "Allow",
        Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
        Resource: [privateArn],
      },
      { Sid: "PublishJwks", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"], Resource: [jwksArn] },
      {
        Sid: "UseSigningKmsKeyThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: [keyArn],
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
      },
    ]);
  });

  it("runs the bundled code with the rotation contract's environment and its own log group", () => {
    const fn = onlyResource(s, "aws_lambda_function");
    expect([fn.handler, fn.runtime, fn.architectures, fn.timeout, fn.source_code_hash]).toEqual(["index.handler", "nodejs22.x", ["arm64"], 60, FAKE_BUNDLE.sha256Base64]);
    expect(fn.filename).toMatch(/^assets\/keys_rotation-code_[0-9A-F]+\/[0-9A-F]+\/synth\.ts$/);
    expect(fn.logging_config).toEqual({ log_format: "Text", log_group: "/rajee/test/key-rotation" });
    expect(fn.environment).toEqual({
      variables: {
        RAJEE_PRIVATE_KEY_SECRET_ARN: privateArn,
        RAJEE_JWKS_SECRET_ARN: jwksArn,
        RAJEE_MAX_TOKEN_LIFETIME_SECONDS: "43200",
        RAJEE_CLOCK_SKEW_SECONDS: "30",
        RAJEE_LOG_LEVEL: "info",
      },
    });
  });

  it("rejects rotating more often than a token lives", () => {
    expect(() => build(props({ rotationDays: 1, maxTokenLifetimeSeconds: 86400 }))).toThrow(
      new ConfigError("signing-keys: rotationDays=1 is not longer than maxTokenLifetimeSeconds + clockSkewSeconds (86430 s); rotate less often than a token lives"),
    );
  });

  it("rejects a bundle hash that is not a base64 SHA-256", () => {
    expect(() => build(props({ rotationBundle: { zipPath: FAKE_BUNDLE.zipPath, sha256Base64: "abc" } }))).toThrow(
      new ConfigError('signing-keys: rotationBundle.sha256Base64="abc" is not a base64 SHA-256; pass what bundleRotationLambda returns'),
    );
  });
});
