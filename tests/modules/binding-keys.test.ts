import type { Construct } from "constructs";
import { BindingKeys, type BindingKeysProps } from "../../modules/binding-keys/binding-keys";
import { ConfigError } from "../../src/config-error";
import { refOf, resourceNamed, resourcesOf, statementsOf, synth } from "./synth";

const TASK_ROLE = "arn:aws:iam::111111111111:role/rajee-test-task";
const JWKS_KEY = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-4000-8000-000000000001";
const VIA_SM = { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } };

function props(overrides: Partial<BindingKeysProps> = {}): BindingKeysProps {
  return { namePrefix: "rajee-test", accountId: "111111111111", region: "eu-west-1", authorizerRoleArn: TASK_ROLE, authorizerRoleName: "rajee-test-task", publicKmsKeyArn: JWKS_KEY, ...overrides };
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

  it("denies the private keys' value and their KMS decrypt to every principal but the authorizers' task role, and decrypt outside Secrets Manager", () => {
    const onlyAuthorizers = { StringNotEquals: { "aws:PrincipalArn": [TASK_ROLE] } };
    expect(statementsOf(resourceNamed(s, "aws_secretsmanager_secret_policy", "private-policy").policy)).toEqual([
      { Sid: "DenyValueToAllButAuthorizers", Effect: "Deny", Principal: { AWS: "*" }, Action: ["secretsmanager:GetSecretValue"], Resource: ["*"], Condition: onlyAuthorizers },
    ]);
    expect(resourceNamed(s, "aws_secretsmanager_secret_policy", "private-policy").block_public_policy).toBe(true);
    const keyStatements = statementsOf(resourceNamed(s, "aws_kms_key", "private-key").policy);
    expect(keyStatements.slice(1)).toEqual([
      { Sid: "DenyDecryptToAllButAuthorizers", Effect: "Deny", Principal: { AWS: "*" }, Action: ["kms:Decrypt", "kms:ReEncryptFrom"], Resource: ["*"], Condition: onlyAuthorizers },
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

  it("refuses a recovery window outside Secrets Manager's 7-30 days, naming the prop", () => {
    expect(() => build(props({ recoveryWindowDays: 3 }))).toThrow(ConfigError);
    expect(() => build(props({ recoveryWindowDays: 3 }))).toThrow("binding-keys: recoveryWindowDays=3 is outside 7-30 (Secrets Manager's range); use 7-30");
  });
});
