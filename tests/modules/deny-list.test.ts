import type { Construct } from "constructs";
import { parseDenyList } from "../../handlers/authorizer/deny-list";
import { DenyList, type DenyListProps } from "../../modules/deny-list/deny-list";
import { ConfigError } from "../../src/config-error";
import { onlyResource, refOf, resourcesOf, statementsOf, synth } from "./synth";

const JWKS_KEY = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-4000-8000-000000000001";

function props(overrides: Partial<DenyListProps> = {}): DenyListProps {
  return { namePrefix: "rajee-test", region: "eu-west-1", kmsKeyArn: JWKS_KEY, readerRoleName: "rajee-test-task", ...overrides };
}

const build = (p: DenyListProps) => synth((scope: Construct) => new DenyList(scope, "deny-list", p));

describe("DenyList", () => {
  const s = build(props());
  const secretArn = refOf(s, "aws_secretsmanager_secret", "deny-list_secret", "arn");

  it("keeps the list in one secret named beside the signing and binding secrets, under the public-material key", () => {
    expect(onlyResource(s, "aws_secretsmanager_secret")).toMatchObject({ name: "rajee-test/revocation/deny-list", kms_key_id: JWKS_KEY, recovery_window_in_days: 30 });
  });

  it("starts with an empty list the authorizer's parser accepts, and leaves later values to operators", () => {
    const version = onlyResource(s, "aws_secretsmanager_secret_version");
    expect(version.secret_id).toBe(refOf(s, "aws_secretsmanager_secret", "deny-list_secret", "id"));
    const list = parseDenyList(version.secret_string as string, "initial version");
    expect([list.jtis.size, list.subs.size]).toEqual([0, 0]);
    // A revocation written with `rajee token revoke` survives the next apply.
    expect(version.lifecycle).toEqual({ ignore_changes: ["secret_string"] });
  });

  it("lets the task role read the secret and decrypt it only through Secrets Manager, and nothing else", () => {
    const policy = onlyResource(s, "aws_iam_role_policy");
    expect(policy).toMatchObject({ name: "read-deny-list", role: "rajee-test-task" });
    expect(statementsOf(policy.policy)).toEqual([
      { Sid: "ReadDenyList", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [secretArn] },
      {
        Sid: "DecryptDenyListThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [JWKS_KEY],
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
      },
    ]);
  });

  it("opens the secret to nobody through a resource policy", () => {
    expect(resourcesOf(s, "aws_secretsmanager_secret_policy")).toEqual({});
  });

  it.each([
    [{ namePrefix: "Rajee" }, /deny-list: namePrefix="Rajee"/],
    [{ recoveryWindowDays: 3 }, /^deny-list: recoveryWindowDays=3 is outside 7-30 \(Secrets Manager's range\); use 7-30$/],
  ])("refuses %j, naming the prop and the fix", (overrides, message) => {
    expect(() => build(props(overrides))).toThrow(ConfigError);
    expect(() => build(props(overrides))).toThrow(message);
  });
});
