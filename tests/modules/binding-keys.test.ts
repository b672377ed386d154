import type { Construct } from "constructs";
import { BindingKeys, type BindingKeysProps } from "../../modules/binding-keys/binding-keys";
import { ConfigError } from "../../src/config-error";
import { loadBindingRotationConfig } from "../../handlers/rotation/binding-config";
import { FAKE_BUNDLE, refOf, resourceNamed, resourcesOf, statementsOf, synth } from "./synth";

const TASK_ROLE = "arn:aws:iam::111111111111:role/rajee-test-task";
const JWKS_KEY = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-4000-8000-000000000001";
const VIA_SM = { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } };
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-test/binding/";
const LOG_GROUP_ARN = "arn:aws:logs:eu-west-1:111111111111:log-group:/rajee/test/rotation";

function props(overrides: Partial<BindingKeysProps> = {}): BindingKeysProps {
  return { namePrefix: "rajee-test", accountId: "111111111111", region: "eu-west-1", authorizerRoleArn: TASK_ROLE, authorizerRoleName: "rajee-test-task", publicKmsKeyArn: JWKS_KEY,
    rotationBundle: FAKE_BUNDLE,
    rotationLogGroupName: "/rajee/test/rotation",
    rotationLogGroupArn: LOG_GROUP_ARN,
    ...overrides,
  };
}

const build = (p: BindingKeysProps) => synth((scope: Construct) => new BindingKeys(scope, "binding", p));

describe("BindingKeys", () => {
  const s = build(props());
  const privateArn = refOf(s, "aws_secretsmanager_secret", "binding_private", "arn");
  const privateKeyArn = refOf(s, "aws_kms_key", "private-key", "arn");

  it("keeps the private keys and the public key in two secrets, the private one under its own rotating KMS key and the public one under the public key's", () => {
    expect(resourceNamed(s, "aws_secretsmanager_secret", "binding_private")).toMatchObject({ name: "rajee-test/binding/private-keys", kms_key_id: privateKeyArn, recovery_window_in_days: 30 });
    expect(resourceNamed(s, "aws_secretsmanager_secret", "binding_public")).toMatchObject({ name: "rajee-test/binding/public-key", kms_key_id: JWKS_KEY });
    expect(Object.values(resourcesOf(s, "aws_kms_key")).map((k) => k.enable_key_rotation)).toEqual([true]);
    // Terraform writes no value: a private key in the state would be readable by whoever reads the state.
    expect(resourcesOf(s, "aws_secretsmanager_secret_version")).toEqual({});
  });

  const rotationRoleArn = refOf(s, "aws_iam_role", "rotation-role", "arn");

  it("denies the private keys' value and their KMS decrypt to every principal but the authorizers' task role and the rotation role, and decrypt outside Secrets Manager", () => {
    const onlyAuthorizers = { StringNotEquals: { "aws:PrincipalArn": [TASK_ROLE, rotationRoleArn] } };
    expect(statementsOf(resourceNamed(s, "aws_secretsmanager_secret_policy", "private-policy").policy)).toEqual([
      { Sid: "DenyValueToAllButAuthorizersAndRotation", Effect: "Deny", Principal: { AWS: "*" }, Action: ["secretsmanager:GetSecretValue"], Resource: ["*"], Condition: onlyAuthorizers },
    ]);
    expect(resourceNamed(s, "aws_secretsmanager_secret_policy", "private-policy").block_public_policy).toBe(true);
    const keyStatements = statementsOf(resourceNamed(s, "aws_kms_key", "private-key").policy);
    expect(keyStatements.slice(1)).toEqual([
      { Sid: "DenyDecryptToAllButAuthorizersAndRotation", Effect: "Deny", Principal: { AWS: "*" }, Action: ["kms:Decrypt", "kms:ReEncryptFrom"], Resource: ["*"], Condition: onlyAuthorizers },
      {
        Sid: "DenyDecryptOutsideSecretsManager",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: ["kms:Decrypt", "kms:ReEncryptFrom"],
        Resource: ["*"],
        Condition: { StringNotEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
      },
    ]);
  });

  it("lets the authorizers' task role read the private secret and decrypt it only through Secrets Manager, and nothing else", () => {
    const policy = resourceNamed(s, "aws_iam_role_policy", "authorizer-read");
    expect(policy.role).toBe("rajee-test-task");
    expect(statementsOf(policy.policy)).toEqual([
      { Sid: "ReadBindingKeys", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [privateArn] },
      { Sid: "DecryptBindingKeysThroughSecretsManager", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [privateKeyArn], Condition: VIA_SM },
    ]);
  });

  it("rotates the private secret with its own function on the rotation code: exactly the two secrets, KMS only through Secrets Manager", () => {
    const publicArn = refOf(s, "aws_secretsmanager_secret", "binding_public", "arn");
    const policy = resourceNamed(s, "aws_iam_role_policy", "rotation-policy");
    expect(statementsOf(policy.policy)).toEqual([
      { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [LOG_GROUP_ARN, `${LOG_GROUP_ARN}:log-stream:*`] },
      {
        Sid: "RotatePrivateBindingKeys",
        Effect: "Allow",
        Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
        Resource: [privateArn],
      },
      { Sid: "PublishBindingPublicKey", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"], Resource: [publicArn] },
      { Sid: "UseBindingKmsKeysThroughSecretsManager", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [privateKeyArn, JWKS_KEY], Condition: VIA_SM },
    ]);
    const fn = resourceNamed(s, "aws_lambda_function", "rotation");
    expect([fn.function_name, fn.handler, fn.runtime, fn.source_code_hash, fn.role]).toEqual(["rajee-test-binding-key-rotation", "index.handler", "nodejs22.x", FAKE_BUNDLE.sha256Base64, rotationRoleArn]);
    // The synthesized environment is read back by the function's own parser.
    const env = (fn.environment as { variables: Record<string, string> }).variables;
    expect([env.RAJEE_BINDING_KEYS_SECRET_ARN, env.RAJEE_BINDING_PUBLIC_KEY_SECRET_ARN]).toEqual([privateArn, publicArn]);
    const resolved = { ...env, RAJEE_BINDING_KEYS_SECRET_ARN: `${SECRET_ARN}private-keys-AbCdEf`, RAJEE_BINDING_PUBLIC_KEY_SECRET_ARN: `${SECRET_ARN}public-key-AbCdEf` };
    expect(loadBindingRotationConfig(resolved)).toMatchObject({ publishAfterSeconds: 7200, maxTokenLifetimeSeconds: 43200, clockSkewSeconds: 30 });
    expect(resourceNamed(s, "aws_lambda_permission", "allow-secrets-manager")).toMatchObject({ principal: "secretsmanager.amazonaws.com", source_arn: privateArn, source_account: "111111111111" });
    expect(resourceNamed(s, "aws_secretsmanager_secret_rotation", "rotation-schedule")).toMatchObject({ secret_id: refOf(s, "aws_secretsmanager_secret", "binding_private", "id"), rotation_rules: { automatically_after_days: 30 } });
  });

  it("runs the signing rotation's code asset when given it, so the stack carries one copy of the bundle", () => {
    const shared = build(props({ rotationCodePath: "assets/signing-keys_rotation-code/rotation.zip" }));
    expect(resourceNamed(shared, "aws_lambda_function", "rotation").filename).toBe("assets/signing-keys_rotation-code/rotation.zip");
    expect(resourceNamed(s, "aws_lambda_function", "rotation").filename).not.toBe("assets/signing-keys_rotation-code/rotation.zip");
  });

  it("leaves the schedule off where Secrets Manager cannot invoke the function", () => {
    expect(resourcesOf(build(props({ rotationSchedule: false })), "aws_secretsmanager_secret_rotation")).toEqual({});
  });

  it("refuses a publish delay no rotation interval would ever reach, naming the prop", () => {
    expect(() => build(props({ rotationDays: 1, publishAfterSeconds: 86400 }))).toThrow("binding-keys: publishAfterSeconds=86400 is outside 0-86400 or not shorter than rotationDays (1 d)");
  });

  it("refuses a recovery window outside Secrets Manager's 7-30 days, naming the prop", () => {
    expect(() => build(props({ recoveryWindowDays: 3 }))).toThrow(ConfigError);
    expect(() => build(props({ recoveryWindowDays: 3 }))).toThrow("binding-keys: recoveryWindowDays=3 is outside 7-30 (Secrets Manager's range); use 7-30");
  });
});
