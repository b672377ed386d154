import fc from "fast-check";
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

const found = (resources: FixtureResource[], options: Partial<ReviewOptions> = {}) =>
  reviewPlan(parsePlan(planDocument(resources), "test"), { ...OPTIONS, ...options })
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

  it("fails a deny-list value it cannot resolve to a secret, saying it cannot confirm the read", () => {
    const env = (value: string) => ({ RAJEE_JWKS_SECRET_ARN: "${aws_secretsmanager_secret.jwks.arn}", RAJEE_DENY_LIST_SECRET_ARN: value });
    expect(found(gateway({ env: env("not-an-arn") }))).toEqual([
      [
        "aws_ecs_task_definition.gateway",
        "authorizer",
        "container authorizer: RAJEE_DENY_LIST_SECRET_ARN=not-an-arn is neither a secret of this plan nor a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>), so the review cannot confirm the task role can read it; pass the DenyList secret (modules/deny-list) as the authorizer's denyListSecretArn",
      ],
    ]);
    expect(found(gateway({ env: env("${aws_ssm_parameter.deny.value}") }))[0]![2]).toMatch(/neither a secret of this plan/);
  });

  it("takes a secret ARN outside the plan only when the task role's Allow names it, not by Resource \"*\"", () => {
    const outside = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-dev/revocation/deny-list-AbCdEf";
    const env = { RAJEE_JWKS_SECRET_ARN: "${aws_secretsmanager_secret.jwks.arn}", RAJEE_DENY_LIST_SECRET_ARN: outside };
    expect(found(gateway({ env }))[0]![2]).toBe(
      `container authorizer: task role aws_iam_role.task may not secretsmanager:GetSecretValue on its deny list ${outside} (RAJEE_DENY_LIST_SECRET_ARN), so the authorizer cannot load it and refuses every check; allow secretsmanager:GetSecretValue on ${outside} to the task role by its ARN (Resource "*" alone is not taken for a secret outside this plan)`,
    );
    expect(found(gateway({ env, statements: [{ ...READ, Resource: ["*"] }] }))).toHaveLength(1);
    expect(found(gateway({ env, statements: [{ ...READ, Resource: [outside] }] }))).toEqual([]);
    expect(found(gateway({ env, statements: [{ ...READ, Resource: ["arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-dev/revocation/deny-list-??????"] }] }))).toEqual([]);
  });

  it("counts a Deny with any condition as blocking, unless it is a form that leaves the task role out", () => {
    const deny = (Condition: Record<string, unknown>) => ({ Sid: "Maybe", Effect: "Deny", Action: ["secretsmanager:GetSecretValue"], Resource: ["*"], Condition });
    const always = found(gateway({ statements: [READ, DECRYPT, deny({ StringLike: { "aws:PrincipalArn": "*" } })] }));
    expect(always.map(([, , m]) => m)).toEqual([
      "container authorizer: task role aws_iam_role.task may not secretsmanager:GetSecretValue on its deny list aws_secretsmanager_secret.deny (RAJEE_DENY_LIST_SECRET_ARN): a Deny may apply: aws_iam_role_policy.read statement Maybe (StringLike aws:PrincipalArn=*, which the review cannot confirm leaves the task role out), so the authorizer cannot load it and refuses every check; remove the Deny, or exempt the task role with its only condition StringNotEquals aws:PrincipalArn = arn:aws:iam::111111111111:role/rajee-dev-task",
    ]);
    expect(found(gateway({ statements: [READ, DECRYPT, deny({ StringEquals: { "aws:RequestedRegion": "eu-west-1" } })] }))).toHaveLength(1);
    // In the role's own policy the same forms apply to the role: no TLS, everyone but it, a key only through Secrets Manager.
    expect(found(gateway({ statements: [READ, DECRYPT, deny({ Bool: { "aws:SecureTransport": "false" } })] }))).toEqual([]);
    expect(found(gateway({ statements: [READ, DECRYPT, deny({ StringNotEquals: { "aws:PrincipalArn": "${aws_iam_role.task.arn}" } })] }))).toEqual([]);
    const keyDeny = (service: string) => ({ Sid: "OnlyThrough", Effect: "Deny", Action: ["kms:Decrypt"], Resource: ["*"], Condition: { StringNotEquals: { "kms:ViaService": service } } });
    expect(found(gateway({ statements: [READ, DECRYPT, keyDeny("secretsmanager.eu-west-1.amazonaws.com")] }))).toEqual([]);
    expect(found(gateway({ statements: [READ, DECRYPT, keyDeny("s3.eu-west-1.amazonaws.com")] }))).toHaveLength(1);
  });

  it("matches IAM wildcard patterns in a Deny's Resource and NotResource", () => {
    const deny = { Sid: "NoDevSecrets", Effect: "Deny", Action: ["secretsmanager:GetSecretValue"], Resource: ["arn:aws:secretsmanager:*:*:secret:rajee-dev/*"] };
    expect(found(gateway({ statements: [READ, DECRYPT, deny] }))[0]![2]).toMatch(/a Deny may apply: aws_iam_role_policy\.read statement NoDevSecrets, so the authorizer cannot load it/);
    expect(found(gateway({ statements: [READ, DECRYPT, { ...deny, Resource: ["arn:aws:secretsmanager:?u-west-1:*:secret:rajee-dev/revocation/deny-list-??????"] }] }))).toHaveLength(1);
    // Another name, and a NotResource that exempts the deny list, leave the read alone.
    expect(found(gateway({ statements: [READ, DECRYPT, { ...deny, Resource: ["arn:aws:secretsmanager:*:*:secret:rajee-prod/*"] }] }))).toEqual([]);
    // A NotResource leaves the deny list out only when it surely names it: with the region unknown, so is the ARN's partition.
    const allBut = { Sid: "AllBut", Effect: "Deny", Action: ["secretsmanager:*"], NotResource: ["arn:aws:secretsmanager:*:*:secret:rajee-dev/revocation/*"] };
    expect(found(gateway({ statements: [READ, DECRYPT, allBut] }), { region: "eu-west-1" })).toEqual([]);
    expect(found(gateway({ statements: [READ, DECRYPT, allBut] }))).toHaveLength(1);
    expect(found(gateway({ statements: [READ, DECRYPT, { Sid: "AllBut", Effect: "Deny", Action: ["secretsmanager:*"], NotResource: ["arn:aws:secretsmanager:*:*:secret:rajee-prod/*"] }] }))).toHaveLength(1);
  });

  it("counts an Allow only when it has no condition or one the review knows holds for the task role", () => {
    const conditioned = found(gateway({ statements: [{ ...READ, Condition: { IpAddress: { "aws:SourceIp": "192.0.2.1/32" } } }, DECRYPT] }));
    expect(conditioned.map(([, , m]) => m)).toEqual([
      "container authorizer: task role aws_iam_role.task may not secretsmanager:GetSecretValue on its deny list aws_secretsmanager_secret.deny (RAJEE_DENY_LIST_SECRET_ARN): its only Allow holds under conditions the review cannot confirm hold for the task role: aws_iam_role_policy.read statement ReadDenyList (IpAddress aws:SourceIp=192.0.2.1/32), so the authorizer cannot load it and refuses every check; allow secretsmanager:GetSecretValue on the secret to the task role",
    ]);
    expect(found(gateway({ statements: [{ ...READ, Condition: { Bool: { "aws:SecureTransport": "true" } } }, DECRYPT] }))).toEqual([]);
  });

  it("takes kms:Decrypt only when it is allowed through Secrets Manager (or unconditioned)", () => {
    const via = (service: string, operator = "StringEquals") => ({ ...DECRYPT, Condition: { [operator]: { "kms:ViaService": service } } });
    expect(found(gateway({ statements: [READ, via("s3.eu-west-1.amazonaws.com")] })).map(([, , m]) => m)).toEqual([
      "container authorizer: task role aws_iam_role.task may not kms:Decrypt with aws_kms_key.public, the key of its deny list aws_secretsmanager_secret.deny (rajee-dev/revocation/deny-list): its only Allow holds under conditions the review cannot confirm hold for the task role: aws_iam_role_policy.read statement Decrypt (StringEquals kms:ViaService=s3.eu-west-1.amazonaws.com); allow kms:Decrypt on the key with StringEquals kms:ViaService = secretsmanager.<region>.amazonaws.com",
    ]);
    expect(found(gateway({ statements: [READ, { ...DECRYPT, Condition: undefined }] }))).toEqual([]);
    expect(found(gateway({ statements: [READ, via("secretsmanager.*.amazonaws.com", "StringLike")] }))).toEqual([]);
    // With the region known, another region's endpoint is not the secret's.
    const inRegion = (statements: Record<string, unknown>[]) => found(gateway({ statements }), { region: "us-east-1" });
    expect(inRegion([READ, DECRYPT])[0]![2]).toMatch(/allow kms:Decrypt on the key with StringEquals kms:ViaService = secretsmanager\.us-east-1\.amazonaws\.com$/);
    expect(inRegion([READ, via("secretsmanager.us-east-1.amazonaws.com")])).toEqual([]);
  });

  it("considers Denies in the secret's resource policy and the key's policy", () => {
    const secretPolicy = (statement: Record<string, unknown>): FixtureResource => ({
      address: "aws_secretsmanager_secret_policy.deny",
      after: { policy: policy(statement) },
      unknown: { secret_arn: true },
      config: { secret_arn: ref("aws_secretsmanager_secret.deny", "arn") },
    });
    const root = { Sid: "EnableIamPoliciesOfTheAccount", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: ["kms:*"], Resource: ["*"] };
    const keyPolicy = (statement: Record<string, unknown>): FixtureResource => ({ address: "aws_kms_key_policy.public", after: { policy: policy(root, statement) }, unknown: { key_id: true }, config: { key_id: ref("aws_kms_key.public", "id") } });
    const denyAll = { Sid: "DenyValue", Effect: "Deny", Principal: { AWS: "*" }, Action: ["secretsmanager:GetSecretValue"], Resource: ["*"] };
    expect(found([...gateway(), secretPolicy(denyAll)])[0]![2]).toMatch(/a Deny may apply: aws_secretsmanager_secret_policy\.deny statement DenyValue, so/);
    // Exempting the task role (by reference or by the ARN it will have) leaves it out; exempting another role does not.
    const exempt = (arn: string) => ({ ...denyAll, Condition: { StringNotEquals: { "aws:PrincipalArn": [arn] } } });
    expect(found([...gateway(), secretPolicy(exempt("${aws_iam_role.task.arn}"))])).toEqual([]);
    expect(found([...gateway(), secretPolicy(exempt("arn:aws:iam::111111111111:role/rajee-dev-task"))])).toEqual([]);
    expect(found([...gateway(), secretPolicy(exempt("arn:aws:iam::111111111111:role/other"))])).toHaveLength(1);
    // A Deny to another principal, or one of requests without TLS, does not reach the task role.
    expect(found([...gateway(), secretPolicy({ ...denyAll, Principal: { AWS: "arn:aws:iam::222222222222:role/x" } })])).toEqual([]);
    expect(found([...gateway(), secretPolicy({ ...denyAll, Condition: { Bool: { "aws:SecureTransport": "false" } } })])).toEqual([]);

    const denyDecrypt = { Sid: "DenyDecrypt", Effect: "Deny", Principal: { AWS: "*" }, Action: ["kms:Decrypt"], Resource: ["*"] };
    expect(found([...gateway(), keyPolicy(denyDecrypt)])[0]![2]).toMatch(/may not kms:Decrypt with aws_kms_key\.public.*a Deny may apply: aws_kms_key_policy\.public statement DenyDecrypt;/);
    expect(found([...gateway(), keyPolicy({ ...denyDecrypt, Condition: { StringNotEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } } })])).toEqual([]);
    expect(found([...gateway(), keyPolicy({ ...denyDecrypt, Condition: { StringNotEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } })])).toHaveLength(1);
  });

  it("fails a key policy that lets neither this account's IAM policies nor the task role decrypt", () => {
    const keyPolicy = (...statements: Record<string, unknown>[]): FixtureResource => ({ address: "aws_kms_key_policy.public", after: { policy: policy(...statements) }, unknown: { key_id: true }, config: { key_id: ref("aws_kms_key.public", "id") } });
    const root = (account: string) => ({ Sid: "EnableIamPoliciesOfTheAccount", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: ["kms:*"], Resource: ["*"] });
    expect(found([...gateway(), keyPolicy(root("111111111111"))])).toEqual([]);
    expect(found([...gateway(), keyPolicy({ Sid: "Task", Effect: "Allow", Principal: { AWS: "${aws_iam_role.task.arn}" }, Action: ["kms:Decrypt"], Resource: ["*"] })])).toEqual([]);
    expect(found([...gateway(), keyPolicy(root("222222222222"))]).map(([address, , m]) => [address, m])).toEqual([
      [
        "aws_ecs_task_definition.gateway",
        "container authorizer: the key policy (aws_kms_key_policy.public) of aws_kms_key.public, the key of its deny list aws_secretsmanager_secret.deny, allows kms:Decrypt neither to this account's root (which lets IAM policies grant it) nor to task role aws_iam_role.task, so the role's Allow has no effect; keep AWS's default statement (kms:* for arn:aws:iam::111111111111:root) or allow kms:Decrypt to the task role",
      ],
    ]);
    expect(found([...gateway(), keyPolicy({ ...root("111111111111"), Condition: { IpAddress: { "aws:SourceIp": "192.0.2.1/32" } } })])).toHaveLength(1);
  });

  it("passes a Deny in the secret's policy only in a form that leaves the task role out (property)", () => {
    const TASK_ROLE = "arn:aws:iam::111111111111:role/rajee-dev-task";
    const condition = fc.record({
      operator: fc.constantFrom("StringEquals", "StringNotEquals", "StringLike", "StringNotLike", "ArnNotEquals", "ArnLike", "Bool", "IpAddress", "StringNotEqualsIfExists"),
      key: fc.constantFrom("aws:PrincipalArn", "aws:SecureTransport", "aws:SourceIp", "aws:RequestedRegion", "kms:ViaService"),
      value: fc.constantFrom("*", "false", "true", TASK_ROLE, "${aws_iam_role.task.arn}", "arn:aws:iam::111111111111:role/other", "192.0.2.1/32", "eu-west-1"),
    });
    fc.assert(
      fc.property(condition, ({ operator, key, value }) => {
        const statement = { Sid: "D", Effect: "Deny", Principal: { AWS: "*" }, Action: ["secretsmanager:GetSecretValue"], Resource: ["*"], Condition: { [operator]: { [key]: value } } };
        const secretPolicy = { address: "aws_secretsmanager_secret_policy.deny", after: { policy: policy(statement) }, unknown: { secret_arn: true }, config: { secret_arn: ref("aws_secretsmanager_secret.deny", "arn") } };
        const leavesOut =
          (operator === "Bool" && key === "aws:SecureTransport" && value === "false") ||
          (["StringNotEquals", "ArnNotEquals"].includes(operator) && key === "aws:PrincipalArn" && [TASK_ROLE, "${aws_iam_role.task.arn}"].includes(value));
        expect(found([...gateway(), secretPolicy]).length).toBe(leavesOut ? 0 : 1);
      }),
    );
  });

  it("takes every wildcard pattern that may match the deny list's ARN as reaching it (property)", () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-dev/revocation/deny-list-AbCdEf";
    // Any stretch of a field replaced by `*`, any character of the ARN but a colon by `?`: with the random suffix unknown, each pattern may match.
    const pattern = fc.array(fc.tuple(fc.nat(arn.length), fc.nat(8), fc.boolean()), { maxLength: 4 }).map((edits) =>
      edits.reduce((p, [at, length, star]) => {
        const stretch = p.slice(at, at + length);
        if (star) return stretch.includes(":") ? p : `${p.slice(0, at)}*${p.slice(at + length)}`;
        // A `?` stands for one character of the ARN, never for a colon or an earlier `*` (which may stand for none).
        return at < p.length && p[at] !== ":" && p[at] !== "*" ? `${p.slice(0, at)}?${p.slice(at + 1)}` : p;
      }, arn),
    );
    fc.assert(
      fc.property(pattern, fc.boolean(), (resource, withRegion) => {
        const deny = { Sid: "D", Effect: "Deny", Action: ["secretsmanager:GetSecretValue"], Resource: [resource] };
        expect(found(gateway({ statements: [READ, DECRYPT, deny] }), withRegion ? { region: "eu-west-1" } : {})).toHaveLength(1);
      }),
    );
  });

  it("leaves containers that are not authorizers alone", () => {
    expect(found(gateway({ env: { ENVOY_UID: "101" }, containerName: "envoy" }))).toEqual([]);
  });
});
