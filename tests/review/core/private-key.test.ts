import { AUTHORIZER_VARIABLES } from "../../../src/contracts/authorizer-environment";
import fc from "fast-check";
import { parsePlan } from "../../../review/core/plan";
import { reviewPlan, type ReviewOptions } from "../../../review/core/report";
import { coversAction } from "../../../review/core/private-key";
import { planDocument, policy, ref, type FixtureResource } from "./fixtures";

/**
 * private-key-deny on a hand-built signing-keys module: a rotated secret, its policy, its KMS key,
 * the rotation Lambda and its role, and optionally an issuer behind a Function URL.
 */
const ACCOUNT = "111111111111";
const OPTIONS: ReviewOptions = { environment: "dev", buckets: {}, accountId: ACCOUNT };
const ROTATOR = "${aws_iam_role.rotation.arn}";
const ISSUER_ARN = `arn:aws:iam::${ACCOUNT}:role/rajee-dev-issuer`;

const deny = (action: string | string[], exempt: unknown = ROTATOR, over: Record<string, unknown> = {}) => ({
  Sid: "OnlyReaders", Effect: "Deny", Principal: { AWS: "*" }, Action: action, Resource: "*", Condition: { StringNotEquals: { "aws:PrincipalArn": exempt } }, ...over,
});
const ROOT = { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" };

function stack(o: { secretPolicy?: Record<string, unknown>[] | null; keyPolicy?: Record<string, unknown>[]; issuer?: boolean; task?: boolean; binding?: boolean } = {}): FixtureResource[] {
  return [
    ...(o.task
      ? [
          { address: "aws_iam_role.task", after: { name: "rajee-dev-task" }, unknown: { arn: true } },
          { address: "aws_ecs_task_definition.gateway", after: { family: "rajee-dev-gateway" }, unknown: { task_role_arn: true }, config: { task_role_arn: ref("aws_iam_role.task", "arn") } },
        ]
      : []),
    { address: "aws_iam_role.rotation", after: { name: "rajee-dev-key-rotation" }, unknown: { arn: true } },
    { address: "aws_kms_key.private", after: { policy: policy(...(o.keyPolicy ?? [ROOT, deny(["kms:Decrypt", "kms:GenerateDataKey"])])) }, unknown: { arn: true } },
    { address: "aws_secretsmanager_secret.private", after: { name: "rajee-dev/signing/private-key" }, unknown: { arn: true, kms_key_id: true }, config: { kms_key_id: ref("aws_kms_key.private", "arn") } },
    ...(o.secretPolicy === null
      ? []
      : [{ address: "aws_secretsmanager_secret_policy.private", after: { policy: policy(...(o.secretPolicy ?? [deny(["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"])])) }, unknown: { secret_arn: true }, config: { secret_arn: ref("aws_secretsmanager_secret.private", "arn") } }]),
    {
      address: "aws_lambda_function.rotation",
      after: { function_name: "rajee-dev-key-rotation" },
      unknown: { role: true, arn: true, ...(o.binding ? { environment: [{ variables: { [AUTHORIZER_VARIABLES.bindingKeysSecretArn]: true } }] } : {}) },
      config: {
        role: ref("aws_iam_role.rotation", "arn"),
        // The binding-key rotation function names its secret with the authorizers' binding variable.
        ...(o.binding ? { environment: [{ variables: { [AUTHORIZER_VARIABLES.bindingKeysSecretArn]: ref("aws_secretsmanager_secret.private", "arn") } }] } : {}),
      },
    },
    {
      address: "aws_secretsmanager_secret_rotation.private",
      after: {},
      unknown: { secret_id: true, rotation_lambda_arn: true },
      config: { secret_id: ref("aws_secretsmanager_secret.private", "id"), rotation_lambda_arn: ref("aws_lambda_function.rotation", "arn") },
    },
    ...(o.issuer
      ? [
          { address: "aws_iam_role.issuer", after: { name: "rajee-dev-issuer", path: "/" }, unknown: { arn: true } },
          { address: "aws_lambda_function.issuer", after: { function_name: "rajee-dev-issuer" }, unknown: { role: true }, config: { role: ref("aws_iam_role.issuer", "arn") } },
          { address: "aws_lambda_function_url.issuer", after: { authorization_type: "AWS_IAM" }, unknown: { function_name: true }, config: { function_name: ref("aws_lambda_function.issuer", "function_name") } },
        ]
      : []),
  ];
}

const findings = (resources: FixtureResource[]) =>
  reviewPlan(parsePlan(planDocument(resources), "test"), OPTIONS)
    .violations.filter((v) => v.rule === "private-key-deny")
    .map((v) => [v.address, v.message]);

describe("private-key-deny", () => {
  it("passes the module's form: a Deny of the value and of decryption to everyone but the rotation role", () => {
    expect(findings(stack())).toEqual([]);
    const r = reviewPlan(parsePlan(planDocument(stack()), "test"), OPTIONS);
    expect(r.iam.statements.filter((s) => s.effect === "Deny").map((s) => s.benign)).toEqual([
      "denies kms:Decrypt, kms:GenerateDataKey to every principal except aws_iam_role.rotation (coverage checked by private-key-deny)",
      "denies secretsmanager:GetSecretValue, secretsmanager:PutSecretValue to every principal except aws_iam_role.rotation (coverage checked by private-key-deny)",
    ]);
  });

  it("accepts the issuer's role as a reader, named by the ARN it will have", () => {
    const both = [ROTATOR, ISSUER_ARN];
    expect(findings(stack({ issuer: true, secretPolicy: [deny("secretsmanager:GetSecretValue", both)], keyPolicy: [ROOT, deny("kms:Decrypt", both)] }))).toEqual([]);
  });

  it("accepts a gateway task's role as a reader of the private binding keys only: never of the signing key, and only when a task definition runs as it", () => {
    const TASK = "${aws_iam_role.task.arn}";
    const both = [ROTATOR, TASK];
    expect(findings(stack({ binding: true, task: true, secretPolicy: [deny("secretsmanager:GetSecretValue", both)], keyPolicy: [ROOT, deny("kms:Decrypt", both)] }))).toEqual([]);
    expect(findings(stack({ binding: false, task: true, secretPolicy: [deny("secretsmanager:GetSecretValue", both)], keyPolicy: [ROOT, deny("kms:Decrypt", both)] })).map(([a]) => a)).toEqual([
      "aws_secretsmanager_secret_policy.private",
      "aws_kms_key.private",
    ]);
    expect(findings(stack({ binding: true, task: false, secretPolicy: [deny("secretsmanager:GetSecretValue", both)], keyPolicy: [ROOT, deny("kms:Decrypt", both)] })).map(([a]) => a)).toEqual([
      "aws_secretsmanager_secret_policy.private",
      "aws_kms_key.private",
    ]);
  });

  it("fails a rotated secret without a resource policy, naming the fix", () => {
    expect(findings(stack({ secretPolicy: null }))).toEqual([
      [
        "aws_secretsmanager_secret.private",
        'rotated secret aws_secretsmanager_secret.private has no resource policy: every principal whose IAM policy allows secretsmanager:GetSecretValue can read the signing key; add an aws_secretsmanager_secret_policy with a Deny of secretsmanager:GetSecretValue to Principal "*" unless aws:PrincipalArn is aws_iam_role.rotation',
      ],
    ]);
  });

  it("fails a Deny that is narrowed, mis-keyed or exempts a stranger, saying why", () => {
    const why = (secretPolicy: Record<string, unknown>[]) => findings(stack({ secretPolicy })).map(([, m]) => /\(statement OnlyReaders: (.*)\); deny/.exec(m!)?.[1]);
    expect(why([deny("secretsmanager:PutSecretValue")])).toEqual(["it does not cover secretsmanager:GetSecretValue (actions: secretsmanager:PutSecretValue)"]);
    expect(why([deny("secretsmanager:GetSecretValue", ROTATOR, { Condition: { StringNotEquals: { "aws:username": "rotation" } } })])).toEqual(["its condition key is aws:username, not aws:PrincipalArn"]);
    expect(why([deny("secretsmanager:GetSecretValue", ROTATOR, { Condition: { StringNotLike: { "aws:PrincipalArn": ROTATOR } } })])).toEqual(["its condition operator is StringNotLike, not StringNotEquals or ArnNotEquals"]);
    expect(why([deny("secretsmanager:GetSecretValue", ROTATOR, { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` } })])).toEqual([`it denies only AWS:arn:aws:iam::${ACCOUNT}:role/app, not every principal (Principal {"AWS": "*"})`]);
    expect(why([deny("secretsmanager:GetSecretValue", [ROTATOR, `arn:aws:iam::${ACCOUNT}:role/app`])])).toEqual([`it exempts arn:aws:iam::${ACCOUNT}:role/app, which is not a reader (the rotation Lambda's role)`]);
    expect(why([deny("secretsmanager:GetSecretValue", ROTATOR, { Condition: { StringNotEquals: { "aws:PrincipalArn": ROTATOR }, Bool: { "aws:ViaAWSService": "false" } } })])[0]).toMatch(/^it has 2 conditions/);
    expect(why([deny("secretsmanager:GetSecretValue", ROTATOR, { Resource: "arn:aws:secretsmanager:eu-west-1:1:secret:other" })])[0]).toMatch(/^it covers only arn:aws:secretsmanager:eu-west-1:1:secret:other/);
  });

  it("checks the KMS key's Deny of decryption too", () => {
    expect(findings(stack({ keyPolicy: [ROOT] })).map(([a, m]) => [a, m!.slice(0, 130)])).toEqual([
      ["aws_kms_key.private", "key policy of aws_kms_key.private, the KMS key of rotated secret aws_secretsmanager_secret.private, does not keep decryption from "],
    ]);
    expect(findings(stack({ keyPolicy: [ROOT, deny("kms:GenerateDataKey")] })).map(([a]) => a)).toEqual(["aws_kms_key.private"]);
  });

  it("shows a Deny it cannot vouch for with its wildcards instead of calling it benign", () => {
    const r = reviewPlan(parsePlan(planDocument(stack({ secretPolicy: [deny("secretsmanager:GetSecretValue", ROTATOR, { Condition: { StringNotEquals: { "aws:username": "x" } } })] })), "test"), OPTIONS);
    const s = r.iam.statements.find((x) => x.address === "aws_secretsmanager_secret_policy.private")!;
    expect([s.benign, s.wildcards]).toEqual([undefined, ["resource *", "principal AWS:*"]]);
  });
});

describe("coversAction", () => {
  it("matches IAM action patterns case-insensitively, and NotAction by exclusion (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom("*", "secretsmanager:*", "secretsmanager:Get*", "SecretsManager:GetSecretValue", "secretsmanager:Put*", "kms:*"), fc.boolean(), (pattern, not) => {
        const covers = ["*", "secretsmanager:*", "secretsmanager:Get*", "SecretsManager:GetSecretValue"].includes(pattern);
        expect(coversAction({ actions: [pattern], notAction: not }, "secretsmanager:GetSecretValue")).toBe(not ? !covers : covers);
      }),
    );
  });
});
