import fc from "fast-check";
import type { Construct } from "constructs";
import { ConfigError } from "../../src/config-error";
import { SigningKeys, type SigningKeysProps } from "../../modules/signing-keys/signing-keys";
import { FAKE_BUNDLE, onlyResource, refOf, resourceNamed, resourcesOf, statementsOf, synth } from "./synth";

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
  const keyArn = refOf(s, "aws_kms_key", "keys_key_", "arn");
  const privateKeyKeyArn = refOf(s, "aws_kms_key", "private-key-key", "arn");
  const roleArn = refOf(s, "aws_iam_role", "rotation-role", "arn");

  it("encrypts the private key and the JWKS with two separate rotating KMS keys", () => {
    expect(Object.values(resourcesOf(s, "aws_kms_key")).map((k) => k.enable_key_rotation)).toEqual([true, true]);
    expect(resourceNamed(s, "aws_secretsmanager_secret", "private-key").kms_key_id).toBe(privateKeyKeyArn);
    expect(resourceNamed(s, "aws_secretsmanager_secret", "jwks").kms_key_id).toBe(keyArn);
    expect(privateKeyKeyArn).not.toBe(keyArn);
  });

  it("denies using the private key's KMS key to every principal but the rotation role, and to everyone outside Secrets Manager", () => {
    expect(statementsOf(resourceNamed(s, "aws_kms_key", "private-key-key").policy)).toEqual([
      { Sid: "EnableIamPoliciesOfTheAccount", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: ["kms:*"], Resource: ["*"] },
      {
        Sid: "DenyKeyUseToAllButPrivateKeyReaders",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
        Resource: ["*"],
        Condition: { StringNotEquals: { "aws:PrincipalArn": [roleArn] } },
      },
      {
        Sid: "DenyKeyUseOutsideSecretsManager",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
        Resource: ["*"],
        Condition: { StringNotEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
      },
    ]);
  });

  it("denies reading and writing the private key's value to every principal but the rotation role, and nothing else", () => {
    const policy = onlyResource(s, "aws_secretsmanager_secret_policy");
    expect(policy.secret_arn).toBe(privateArn);
    expect(policy.block_public_policy).toBe(true);
    expect(statementsOf(policy.policy)).toEqual([
      {
        Sid: "DenyValueToAllButPrivateKeyReaders",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
        Resource: ["*"],
        Condition: { StringNotEquals: { "aws:PrincipalArn": [roleArn] } },
      },
    ]);
  });

  it("adds the issuer's role to the private key's readers after the rotation role, in the secret and the key policy", () => {
    const issuer = "arn:aws:iam::111111111111:role/rajee-test-issuer";
    const withIssuer = build(props({ issuerRoleArn: issuer }));
    const rotation = refOf(withIssuer, "aws_iam_role", "rotation-role", "arn");
    for (const policy of [onlyResource(withIssuer, "aws_secretsmanager_secret_policy").policy, resourceNamed(withIssuer, "aws_kms_key", "private-key-key").policy]) {
      expect(statementsOf(policy).find((st) => st.Sid === "DenyValueToAllButPrivateKeyReaders" || st.Sid === "DenyKeyUseToAllButPrivateKeyReaders")?.Condition).toEqual({
        StringNotEquals: { "aws:PrincipalArn": [rotation, issuer] },
      });
    }
    // The issuer's role gets nothing from the key policy: its own policy allows kms:Decrypt, which the outside-Secrets-Manager deny still bounds.
    expect(statementsOf(resourceNamed(withIssuer, "aws_kms_key", "private-key-key").policy).filter((st) => st.Effect === "Allow")).toHaveLength(1);
  });

  it("never denies the secret's management, only its value, whoever the issuer role is", () => {
    const role = fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,20}$/).map((n) => `arn:aws:iam::111111111111:role/${n}`);
    fc.assert(
      fc.property(fc.option(role, { nil: undefined }), (issuer) => {
        const synthesized = build(props(issuer === undefined ? {} : { issuerRoleArn: issuer }));
        const [deny] = statementsOf(onlyResource(synthesized, "aws_secretsmanager_secret_policy").policy);
        expect(deny?.Action).toEqual(["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]);
        expect(deny?.Condition).toEqual({
          StringNotEquals: { "aws:PrincipalArn": [refOf(synthesized, "aws_iam_role", "rotation-role", "arn"), ...(issuer === undefined ? [] : [issuer])] },
        });
      }),
      { numRuns: 15 },
    );
  });

  it("rejects an issuer role that is no role of the account", () => {
    expect(() => build(props({ issuerRoleArn: "arn:aws:iam::222222222222:role/x" }))).toThrow(
      new ConfigError('signing-keys: issuerRoleArn="arn:aws:iam::222222222222:role/x" is in account 222222222222, not 111111111111; name a role of the secret\'s account'),
    );
    expect(() => build(props({ issuerRoleArn: "someone" }))).toThrow(
      new ConfigError('signing-keys: issuerRoleArn="someone" is not an IAM role ARN; use arn:aws:iam::<account>:role/<name>'),
    );
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
        Sid: "UseSigningKmsKeysThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: [privateKeyKeyArn, keyArn],
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
