import fc from "fast-check";
import { parsePlan } from "../../../review/core/plan";
import { reviewPlan, type ReviewOptions } from "../../../review/core/report";
import { principalAccount, RESOURCE_POLICY_RULES } from "../../../review/core/resource-policies";
import { planDocument, policy, ref, type FixtureResource } from "./fixtures";

const ACCOUNT = "111111111111";
const OTHER = "999999999999";
const OPTIONS: ReviewOptions = { environment: "dev", buckets: {}, accountId: ACCOUNT };
const findings = (resources: FixtureResource[], options: Partial<ReviewOptions> = {}) =>
  reviewPlan(parsePlan(planDocument(resources), "test"), { ...OPTIONS, ...options })
    .violations.filter((v) => (RESOURCE_POLICY_RULES as readonly string[]).includes(v.rule))
    .map((v) => [v.rule, v.address, v.subject]);

const ROOT_ADMIN = { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" };
const key = (...statements: Record<string, unknown>[]): FixtureResource => ({ address: "aws_kms_key.k", after: { policy: policy(...statements) } });

describe("kms-key-policy-open", () => {
  it("accepts AWS's default statement for this account's root and conditioned service use", () => {
    expect(findings([key(ROOT_ADMIN, { Sid: "Logs", Effect: "Allow", Principal: { Service: "logs.amazonaws.com" }, Action: ["kms:Decrypt"], Resource: "*", Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } })])).toEqual([]);
  });

  it("refuses kms:* for another account's root or for a role, anyone without a condition, and another account", () => {
    expect(findings([key({ ...ROOT_ADMIN, Principal: { AWS: `arn:aws:iam::${OTHER}:root` } })])).toEqual([
      ["kms-key-policy-open", "aws_kms_key.k", "Root"],
      ["kms-key-policy-open", "aws_kms_key.k", "Root"],
    ]);
    expect(findings([key({ ...ROOT_ADMIN, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/admin` } })])).toEqual([["kms-key-policy-open", "aws_kms_key.k", "Root"]]);
    expect(findings([key({ Sid: "Anyone", Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" })])).toEqual([["kms-key-policy-open", "aws_kms_key.k", "Anyone"]]);
  });
});

describe("secret-policy-open", () => {
  const secretPolicy = (statement: Record<string, unknown>): FixtureResource => ({ address: "aws_secretsmanager_secret_policy.p", after: { policy: policy(statement) } });

  it("accepts a Deny to everyone but the rotation role, and refuses an unconditioned Allow to anyone or another account", () => {
    expect(findings([secretPolicy({ Sid: "OnlyRotation", Effect: "Deny", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": "arn:aws:iam::1:role/r" } } })])).toEqual([]);
    expect(findings([secretPolicy({ Sid: "Open", Effect: "Allow", Principal: { AWS: "*" }, Action: "secretsmanager:GetSecretValue", Resource: "*" })])).toEqual([["secret-policy-open", "aws_secretsmanager_secret_policy.p", "Open"]]);
    expect(findings([secretPolicy({ Sid: "Other", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OTHER}:role/x` }, Action: "secretsmanager:GetSecretValue", Resource: "*" })])).toEqual([["secret-policy-open", "aws_secretsmanager_secret_policy.p", "Other"]]);
  });
});

describe("kms-grant-delegation", () => {
  it("refuses a grant with CreateGrant or to another account", () => {
    const grant = (after: Record<string, unknown>): FixtureResource => ({ address: "aws_kms_grant.g", after: { key_id: "k", ...after } });
    expect(findings([grant({ grantee_principal: `arn:aws:iam::${ACCOUNT}:role/r`, operations: ["Decrypt"] })])).toEqual([]);
    expect(findings([grant({ grantee_principal: `arn:aws:iam::${ACCOUNT}:role/r`, operations: ["Decrypt", "CreateGrant"] })])).toEqual([["kms-grant-delegation", "aws_kms_grant.g", "operations"]]);
    expect(findings([grant({ grantee_principal: `arn:aws:iam::${OTHER}:role/r`, operations: ["Decrypt"] })])).toEqual([["kms-grant-delegation", "aws_kms_grant.g", "grantee_principal"]]);
  });
});

describe("lambda-url-auth", () => {
  it("requires AWS_IAM on a Function URL and refuses a permission that opens one", () => {
    expect(findings([{ address: "aws_lambda_function_url.u", after: { function_name: "issuer", authorization_type: "AWS_IAM" } }])).toEqual([]);
    expect(findings([{ address: "aws_lambda_function_url.u", after: { function_name: "issuer", authorization_type: "NONE" } }])).toEqual([["lambda-url-auth", "aws_lambda_function_url.u", "authorization_type"]]);
    expect(findings([{ address: "aws_lambda_permission.p", after: { action: "lambda:InvokeFunctionUrl", principal: ACCOUNT, function_url_auth_type: "NONE" } }])).toEqual([["lambda-url-auth", "aws_lambda_permission.p", "function_url_auth_type"]]);
    expect(findings([{ address: "aws_lambda_permission.p", after: { action: "lambda:InvokeFunctionUrl", principal: "*", function_url_auth_type: "NONE" } }])).toEqual([
      ["lambda-url-auth", "aws_lambda_permission.p", "function_url_auth_type"],
      ["lambda-permission-open", "aws_lambda_permission.p", "principal"],
    ]);
    expect(findings([{ address: "aws_lambda_permission.p", after: { action: "lambda:InvokeFunction", principal: "secretsmanager.amazonaws.com", source_arn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:k" } }])).toEqual([]);
  });
});

describe("lambda-permission-open", () => {
  const rotation: FixtureResource = { address: "aws_lambda_function.rotation", after: { function_name: "rajee-dev-key-rotation" }, unknown: { arn: true } };
  const permission = (after: Record<string, unknown>): FixtureResource => ({ address: "aws_lambda_permission.p", after: { action: "lambda:InvokeFunction", ...after }, unknown: { function_name: true }, config: { function_name: ref("aws_lambda_function.rotation", "function_name") } });
  const stack = (properties: Record<string, unknown>): FixtureResource => ({ address: "aws_cloudformation_stack.s", after: { template_body: JSON.stringify({ Resources: { Grant: { Type: "AWS::Lambda::Permission", Properties: { FunctionName: "rajee-dev-key-rotation", Action: "lambda:InvokeFunction", ...properties } } } }) } });
  const messages = (resources: FixtureResource[]) => reviewPlan(parsePlan(planDocument(resources), "test"), OPTIONS).violations.filter((v) => v.rule === "lambda-permission-open").map((v) => v.message);

  it("refuses * on a function without a Function URL, naming the permission, the function, the setting and the fix", () => {
    expect(messages([rotation, permission({ principal: "*" })])).toEqual([
      "permission aws_lambda_permission.p lets anyone (the principals of every AWS account, and every AWS service) call lambda:InvokeFunction on function rajee-dev-key-rotation; set principal to the one account id or role ARN that calls it",
    ]);
  });

  it("refuses * whatever the action, and whatever narrows only the calling resource or organisation", () => {
    for (const action of ["lambda:InvokeFunction", "lambda:*", "*", "lambda:InvokeFunctionUrl", "lambda:GetFunction"]) {
      expect([action, findings([rotation, permission({ action, principal: "*" })])]).toEqual([action, [["lambda-permission-open", "aws_lambda_permission.p", "principal"]]]);
    }
    expect(messages([rotation, permission({ principal: "*", principal_org_id: "o-abc123" })])[0]).toContain("(principal_org_id narrows it only to an organisation)");
    expect(messages([rotation, permission({ principal: "*", source_account: ACCOUNT })])[0]).toContain("(source_account narrows only the calling resource, not the caller)");
    expect(messages([rotation, permission({ principal: "*", source_account: ACCOUNT, source_arn: "arn:aws:s3:::b" })])[0]).toContain("(source_account and source_arn narrow only the calling resource, not the caller)");
  });

  it("says what * means under AWS_IAM: any signed-in principal of any account, not a call without IAM auth", () => {
    const [message, ...rest] = messages([rotation, permission({ action: "lambda:InvokeFunctionUrl", principal: "*", function_url_auth_type: "AWS_IAM" })]);
    expect(rest).toEqual([]);
    expect(message).toContain("lets any signed-in principal of any AWS account (AWS_IAM checks the signature, not whose account it is) call lambda:InvokeFunctionUrl");
    expect(message).not.toContain("without IAM auth");
  });

  it("refuses a service principal with neither source_arn nor source_account, and accepts either", () => {
    expect(messages([rotation, permission({ principal: "secretsmanager.amazonaws.com" })])).toEqual([
      `permission aws_lambda_permission.p lets secretsmanager.amazonaws.com call lambda:InvokeFunction on function rajee-dev-key-rotation for any resource of any account (no source_arn or source_account), so another account's secretsmanager resource can invoke it; set source_arn to the resource that invokes it and source_account to ${ACCOUNT}`,
    ]);
    expect(findings([rotation, permission({ principal: "secretsmanager.amazonaws.com", source_arn: "${aws_secretsmanager_secret.k.arn}" })])).toEqual([]);
    expect(findings([rotation, permission({ principal: "events.amazonaws.com", source_account: ACCOUNT })])).toEqual([]);
    expect(findings([rotation, permission({ principal: ACCOUNT })])).toEqual([]);
    expect(findings([rotation, permission({ principal: `arn:aws:iam::${ACCOUNT}:role/caller` })])).toEqual([]);
  });

  it("reads AWS::Lambda::Permission in CloudFormation templates the same way, in CloudFormation's setting names", () => {
    expect(findings([rotation, stack({ Principal: "*", InvokedViaFunctionUrl: true })])).toEqual([["lambda-permission-open", "aws_cloudformation_stack.s", "Principal"]]);
    expect(messages([rotation, stack({ Principal: "sns.amazonaws.com" })])).toEqual([
      `permission aws_cloudformation_stack.s Grant (AWS::Lambda::Permission) lets sns.amazonaws.com call lambda:InvokeFunction on function rajee-dev-key-rotation for any resource of any account (no SourceArn or SourceAccount), so another account's sns resource can invoke it; set SourceArn to the resource that invokes it and SourceAccount to ${ACCOUNT}`,
    ]);
    expect(findings([rotation, stack({ Principal: "sns.amazonaws.com", SourceArn: "arn:aws:sns:eu-west-1:111111111111:t" })])).toEqual([]);
    expect(findings([rotation, stack({ Principal: ACCOUNT })])).toEqual([]);
    expect(findings([rotation, stack({ Principal: "sns.amazonaws.com", SourceArn: { Ref: "Topic" } })])).toEqual([]);
    expect(findings([rotation, { address: "aws_cloudformation_stack.yaml", after: { template_body: "Resources: {}\n" } }])).toEqual([]);
  });

  it("fails every permission to * and every unsourced service grant, in either form (property)", () => {
    const action = fc.constantFrom("lambda:InvokeFunction", "lambda:InvokeFunctionUrl", "lambda:*", "*", "lambda:InvokeAsync", "lambda:GetFunction");
    const service = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).map((s) => `${s}.amazonaws.com`);
    const auth = fc.constantFrom(undefined, "AWS_IAM", "NONE");
    fc.assert(
      fc.property(action, fc.oneof(fc.constant("*"), service), auth, fc.boolean(), (a, principal, urlAuth, template) => {
        const resource = template ? stack({ Action: a, Principal: principal, ...(urlAuth ? { FunctionUrlAuthType: urlAuth } : {}) }) : permission({ action: a, principal, ...(urlAuth ? { function_url_auth_type: urlAuth } : {}) });
        const found = findings([rotation, resource]).filter(([rule]) => rule === "lambda-permission-open");
        expect(found).toHaveLength(1);
      }),
      { numRuns: 200 },
    );
  });
});

describe("s3-endpoint-policy-open", () => {
  const endpoint: FixtureResource = { address: "aws_vpc_endpoint.s3", after: { service_name: "com.amazonaws.eu-west-1.s3", vpc_endpoint_type: "Gateway" }, unknown: { id: true } };
  it("accepts an endpoint without a policy or one naming buckets, and refuses s3 on every resource for anyone", () => {
    expect(findings([endpoint])).toEqual([]);
    const open = { Sid: "All", Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" };
    expect(findings([{ ...endpoint, after: { ...endpoint.after, policy: policy({ ...open, Resource: ["arn:aws:s3:::data/*"] }) } }])).toEqual([]);
    expect(findings([{ ...endpoint, after: { ...endpoint.after, policy: policy(open) } }])).toEqual([["s3-endpoint-policy-open", "aws_vpc_endpoint.s3", "All"]]);
    expect(findings([endpoint, { address: "aws_vpc_endpoint_policy.p", after: { policy: policy(open) }, unknown: { vpc_endpoint_id: true }, config: { vpc_endpoint_id: ref("aws_vpc_endpoint.s3") } }])).toEqual([["s3-endpoint-policy-open", "aws_vpc_endpoint_policy.p", "All"]]);
  });
});

describe("image-not-pinned-by-digest", () => {
  const task = (image: string): FixtureResource => ({ address: "aws_ecs_task_definition.t", after: { family: "f", container_definitions: JSON.stringify([{ name: "app", image, memory: 256 }]) } });
  it("requires a digest only where the environment asks for it", () => {
    expect(findings([task("repo/app:1.0")])).toEqual([]);
    expect(findings([task("repo/app:1.0")], { requireImageDigests: true })).toEqual([["image-not-pinned-by-digest", "aws_ecs_task_definition.t", "app"]]);
    expect(findings([task(`repo/app:1.0@sha256:${"b".repeat(64)}`)], { requireImageDigests: true })).toEqual([]);
  });
});

describe("principalAccount", () => {
  it.each([
    [`AWS:arn:aws:iam::${ACCOUNT}:root`, ACCOUNT],
    [`AWS:arn:aws:sts::${OTHER}:assumed-role/r/s`, OTHER],
    [`AWS:${OTHER}`, OTHER],
    ["Service:logs.amazonaws.com", undefined],
    ["*", undefined],
  ])("reads the account of %s", (principal, account) => {
    expect(principalAccount(principal)).toBe(account);
  });
});

describe("a condition that closes an Allow to anyone", () => {
  const anyoneWith = (Condition: Record<string, unknown>) => key(ROOT_ADMIN, { Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*", Condition });

  it("is a positive condition on the caller: principal ARN, account, organisation, or KMS caller account", () => {
    expect(findings([anyoneWith({ StringEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/app` } })])).toEqual([]);
    expect(findings([anyoneWith({ StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } })])).toEqual([]);
    expect(findings([anyoneWith({ StringEquals: { "aws:PrincipalOrgID": "o-abc123" } })])).toEqual([]);
    expect(findings([anyoneWith({ ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/app-*` } })])).toEqual([]);
  });

  it("is never a negative, IfExists or unrelated condition, nor kms:ViaService alone", () => {
    for (const condition of [
      { StringNotEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/app` } },
      { StringEqualsIfExists: { "aws:PrincipalAccount": ACCOUNT } },
      { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
      { Bool: { "aws:SecureTransport": "true" } },
      { StringLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/app" } },
    ]) {
      expect([condition, findings([anyoneWith(condition)])]).toEqual([condition, [["kms-key-policy-open", "aws_kms_key.k", "Anyone"]]]);
    }
  });

  it("naming another account by condition counts as another account", () => {
    expect(findings([anyoneWith({ StringEquals: { "kms:CallerAccount": OTHER } })])).toEqual([["kms-key-policy-open", "aws_kms_key.k", "Anyone"]]);
  });
});
