import { parsePlan } from "../../../review/core/plan";
import { reviewPlan, type ReviewOptions } from "../../../review/core/report";
import { planDocument, policy, ref, type FixtureResource } from "./fixtures";

/**
 * deny-list-unwired on a hand-built gateway: a task definition whose authorizer container is told a
 * JWKS and (or not) a deny-list secret, the task role, its read policy, and the secret's KMS key.
 */
const OPTIONS: ReviewOptions = { environment: "dev", buckets: {}, accountId: "111111111111" };
const SECRET = "${aws_secretsmanager_secret.deny.arn}";
const KEY = "${aws_kms_key.public.arn}";
const READ = { Sid: "ReadDenyList", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [SECRET] };
const DECRYPT = { Sid: "Decrypt", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [KEY], Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } } };

function gateway(o: { env?: Record<string, string>; statements?: Record<string, unknown>[] | null; containerName?: string } = {}): FixtureResource[] {
  const environment = o.env ?? { RAJEE_JWKS_SECRET_ARN: "${aws_secretsmanager_secret.jwks.arn}", RAJEE_DENY_LIST_SECRET_ARN: SECRET };
  const containers = [{ name: o.containerName ?? "authorizer", image: "a", environment: Object.entries(environment).map(([name, value]) => ({ name, value })) }];
  return [
    { address: "aws_iam_role.task", after: { name: "rajee-dev-task" }, unknown: { arn: true, id: true } },
    {
      address: "aws_ecs_task_definition.gateway",
      after: { family: "rajee-dev-gateway" },
      unknown: { task_role_arn: true, container_definitions: true },
      config: { task_role_arn: ref("aws_iam_role.task", "arn"), container_definitions: { constant_value: JSON.stringify(containers) } },
    },
    { address: "aws_kms_key.public", after: { enable_key_rotation: true }, unknown: { arn: true } },
    { address: "aws_secretsmanager_secret.deny", after: { name: "rajee-dev/revocation/deny-list" }, unknown: { arn: true, kms_key_id: true }, config: { kms_key_id: ref("aws_kms_key.public", "arn") } },
    ...(o.statements === null
      ? []
      : [{ address: "aws_iam_role_policy.read", after: { name: "read-deny-list", policy: policy(...(o.statements ?? [READ, DECRYPT])) }, unknown: { role: true }, config: { role: ref("aws_iam_role.task", "name") } }]),
  ];
}

const found = (resources: FixtureResource[]) =>
  reviewPlan(parsePlan(planDocument(resources), "test"), OPTIONS)
    .violations.filter((v) => v.rule === "deny-list-unwired")
    .map((v): [string, string | undefined, string] => [v.address, v.subject, v.message]);

describe("deny-list-unwired", () => {
  it("passes the stack's form: the secret in the container, read and decrypted by the task role", () => {
    expect(found(gateway())).toEqual([]);
  });

  it("fails an authorizer told no deny list, or only a file baked into its image", () => {
    expect(found(gateway({ env: { RAJEE_JWKS_SECRET_ARN: "x" } }))).toEqual([
      ["aws_ecs_task_definition.gateway", "authorizer", "container authorizer: no deny list (RAJEE_DENY_LIST_SECRET_ARN), so no token can be revoked; pass the DenyList secret (modules/deny-list) as the authorizer's denyListSecretArn"],
    ]);
    expect(found(gateway({ env: { RAJEE_JWKS_FILE: "/k.json", RAJEE_DENY_LIST_FILE: "/deny.json" } }))[0]![2]).toMatch(/its deny list is RAJEE_DENY_LIST_FILE, which only a new image can change/);
  });

  it("fails a task role that may not read the secret or decrypt it, naming what to allow", () => {
    expect(found(gateway({ statements: null })).map(([, , m]) => m)).toEqual([
      "container authorizer: task role aws_iam_role.task may not secretsmanager:GetSecretValue on its deny list aws_secretsmanager_secret.deny (RAJEE_DENY_LIST_SECRET_ARN), so the authorizer cannot load it and refuses every check; allow secretsmanager:GetSecretValue on the secret to the task role",
      "container authorizer: task role aws_iam_role.task may not kms:Decrypt with aws_kms_key.public, the key of its deny list aws_secretsmanager_secret.deny (rajee-dev/revocation/deny-list); allow kms:Decrypt on the key with StringEquals kms:ViaService = secretsmanager.<region>.amazonaws.com",
    ]);
    expect(found(gateway({ statements: [READ] })).map(([, , m]) => m.split(";")[0])).toEqual([
      "container authorizer: task role aws_iam_role.task may not kms:Decrypt with aws_kms_key.public, the key of its deny list aws_secretsmanager_secret.deny (rajee-dev/revocation/deny-list)",
    ]);
  });

  it("fails a read allowed on another secret, or taken back by an unconditioned Deny", () => {
    expect(found(gateway({ statements: [{ ...READ, Resource: ["${aws_secretsmanager_secret.jwks.arn}"] }, DECRYPT] }))).toHaveLength(1);
    expect(found(gateway({ statements: [READ, DECRYPT, { Sid: "No", Effect: "Deny", Action: ["secretsmanager:*"], Resource: ["*"] }] }))).toHaveLength(1);
  });

  it("leaves containers that are not authorizers alone", () => {
    expect(found(gateway({ env: { ENVOY_UID: "101" }, containerName: "envoy" }))).toEqual([]);
  });
});
