import fc from "fast-check";
import type { Construct } from "constructs";
import { TerraformVariable } from "cdktf";
import { ConfigError } from "../../src/config-error";
import {
  invokerProblem,
  invokerStatementId,
  Issuer,
  issuerRoleArn,
  type IssuerProps,
} from "../../modules/issuer/issuer";
import { FAKE_BUNDLE, onlyResource, refOf, resourcesOf, statementsOf, synth, type Synthesized } from "./synth";

const LOG_GROUP_ARN = "arn:aws:logs:eu-west-1:111111111111:log-group:/rajee/test/issuer";
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-test/signing/private-key-AbCdEf";
const KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-4000-8000-000000000001";
const ENVIRONMENT = { RAJEE_ISSUANCE_POLICY: '{"rules":[]}', RAJEE_ISSUER: "https://issuer.test" };

function props(overrides: Partial<IssuerProps> = {}): IssuerProps {
  return {
    namePrefix: "rajee-test",
    accountId: "111111111111",
    region: "eu-west-1",
    bundle: FAKE_BUNDLE,
    environment: ENVIRONMENT,
    logGroupName: "/rajee/test/issuer",
    logGroupArn: LOG_GROUP_ARN,
    privateKeySecretArn: SECRET_ARN,
    privateKeyKmsKeyArn: KEY_ARN,
    invokers: ["111111111111", "arn:aws:iam::444444444444:role/partner-ingest"],
    ...overrides,
  };
}

const build = (p: IssuerProps): Synthesized => synth((scope: Construct) => new Issuer(scope, "issuer", p));

/** The CloudFormation template of the invoke-through-URL stack. */
function templateOf(s: Synthesized): { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> } {
  return JSON.parse(onlyResource(s, "aws_cloudformation_stack").template_body as string) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
}

describe("Issuer", () => {
  const s = build(props());
  const fnName = refOf(s, "aws_lambda_function", "function", "function_name");

  it("puts the function behind a Function URL that only accepts IAM-signed requests, without CORS", () => {
    const url = onlyResource(s, "aws_lambda_function_url");
    expect(url).toEqual({ function_name: fnName, authorization_type: "AWS_IAM" });
  });

  it("grants lambda:InvokeFunctionUrl to each invoker, one permission each, only for an AWS_IAM URL", () => {
    const permissions = Object.values(resourcesOf(s, "aws_lambda_permission")).map((p) => ({ ...p }));
    expect(permissions.sort((a, b) => String(a.principal).localeCompare(String(b.principal)))).toEqual([
      {
        statement_id: "InvokeUrl-111111111111",
        action: "lambda:InvokeFunctionUrl",
        function_name: fnName,
        principal: "111111111111",
        function_url_auth_type: "AWS_IAM",
      },
      {
        statement_id: "InvokeUrl-444444444444-partner-ingest",
        action: "lambda:InvokeFunctionUrl",
        function_name: fnName,
        principal: "arn:aws:iam::444444444444:role/partner-ingest",
        function_url_auth_type: "AWS_IAM",
      },
    ]);
  });

  it("grants each invoker lambda:InvokeFunction only through the URL, and never a plain InvokeFunction permission", () => {
    const template = templateOf(s);
    expect(Object.values(template.Resources)).toEqual([
      { Type: "AWS::Lambda::Permission", Properties: { FunctionName: fnName, Action: "lambda:InvokeFunction", Principal: "111111111111", InvokedViaFunctionUrl: true } },
      {
        Type: "AWS::Lambda::Permission",
        Properties: { FunctionName: fnName, Action: "lambda:InvokeFunction", Principal: "arn:aws:iam::444444444444:role/partner-ingest", InvokedViaFunctionUrl: true },
      },
    ]);
    // A plain lambda:InvokeFunction would let an invoker call the function with an event (and a caller identity) of its own making.
    expect(Object.values(resourcesOf(s, "aws_lambda_permission")).map((p) => p.action)).not.toContain("lambda:InvokeFunction");
    expect(onlyResource(s, "aws_cloudformation_stack").depends_on).toHaveLength(2);
  });

  it("leaves the CloudFormation grant out when asked, and keeps the URL permissions", () => {
    const without = build(props({ invokeThroughUrlGrant: false }));
    expect(resourcesOf(without, "aws_cloudformation_stack")).toEqual({});
    expect(Object.keys(resourcesOf(without, "aws_lambda_permission"))).toHaveLength(2);
  });

  it("gives the role exactly: write its log group, read the private key, decrypt it through Secrets Manager", () => {
    expect(statementsOf(onlyResource(s, "aws_iam_role_policy").policy)).toEqual([
      { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [LOG_GROUP_ARN, `${LOG_GROUP_ARN}:log-stream:*`] },
      { Sid: "ReadPrivateSigningKey", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [SECRET_ARN] },
      {
        Sid: "DecryptPrivateSigningKeyThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [KEY_ARN],
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
      },
    ]);
    expect(Object.keys(resourcesOf(s, "aws_iam_role_policy_attachment"))).toEqual([]);
  });

  it("with binding, adds exactly the read of the public binding-key secret and its decrypt through Secrets Manager", () => {
    const publicSecretArn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-test/binding/public-key-AbCdEf";
    const kmsKeyArn = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-4000-8000-0000000000bb";
    const bound = build(props({ binding: { publicSecretArn, kmsKeyArn } }));
    expect(statementsOf(onlyResource(bound, "aws_iam_role_policy").policy).slice(3)).toEqual([
      { Sid: "ReadPublicBindingKey", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [publicSecretArn] },
      {
        Sid: "DecryptPublicBindingKeyThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [kmsKeyArn],
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
      },
    ]);
  });

  it("names its role as issuerRoleArn predicts, trusted only by Lambda in the account", () => {
    const role = onlyResource(s, "aws_iam_role");
    expect(role.name).toBe("rajee-test-issuer");
    expect(issuerRoleArn("rajee-test", "111111111111", "eu-west-1")).toBe("arn:aws:iam::111111111111:role/rajee-test-issuer");
    expect(issuerRoleArn("rajee-test", "111111111111", "cn-north-1")).toBe("arn:aws-cn:iam::111111111111:role/rajee-test-issuer");
    const [trust] = statementsOf(role.assume_role_policy);
    expect(trust).toMatchObject({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: ["sts:AssumeRole"] });
  });

  it("runs the bundle on Node.js 22 arm64 with reserved concurrency, its log group and the environment it is given", () => {
    const fn = onlyResource(s, "aws_lambda_function");
    expect([fn.function_name, fn.handler, fn.runtime, fn.architectures, fn.reserved_concurrent_executions, fn.source_code_hash]).toEqual([
      "rajee-test-issuer",
      "index.handler",
      "nodejs22.x",
      ["arm64"],
      5,
      FAKE_BUNDLE.sha256Base64,
    ]);
    expect(fn.logging_config).toEqual({ log_format: "Text", log_group: "/rajee/test/issuer" });
    expect(fn.environment).toEqual({ variables: ENVIRONMENT });
    expect(onlyResource(build(props({ reservedConcurrency: 20 })), "aws_lambda_function").reserved_concurrent_executions).toBe(20);
  });

  it("passes policy variables such as ${aws:sessionName} to Terraform as text, and references as references", () => {
    const policy = JSON.stringify({ rules: [{ principals: ["111111111111"], grants: ["read:b/users/${aws:sessionName}/"], maxLifetimeSeconds: 60 }] });
    const withVariables = synth((scope: Construct) => {
      const secret = new TerraformVariable(scope, "secret", { type: "string" });
      new Issuer(scope, "issuer", props({ environment: { RAJEE_ISSUANCE_POLICY: policy, RAJEE_PRIVATE_KEY_SECRET_ARN: secret.stringValue } }));
    });
    expect((onlyResource(withVariables, "aws_lambda_function").environment as { variables: Record<string, string> }).variables).toEqual({
      RAJEE_ISSUANCE_POLICY: policy.replace("${", () => "$${"),
      RAJEE_PRIVATE_KEY_SECRET_ARN: "${var.secret}",
    });
  });

  it("rejects invokers that are wildcards, repeated, malformed or missing, and a concurrency outside 1-100", () => {
    expect(() => build(props({ invokers: ["*", "111111111111", "111111111111", "arn:aws:iam::111111111111:user/bob"], reservedConcurrency: 0 }))).toThrow(
      new ConfigError(
        [
          `issuer: invokers[0]="*" contains '*'; list account ids or role ARNs exactly (a wildcard would let anyone matching call the issuer)`,
          'issuer: invokers[2]="111111111111" is listed twice; list each invoker once',
          'issuer: invokers[3]="arn:aws:iam::111111111111:user/bob" is neither a 12-digit account id nor an IAM role ARN; use e.g. 123456789012 or arn:aws:iam::123456789012:role/analyst',
          "issuer: reservedConcurrency=0 must be a whole number 1-100; use e.g. 5",
        ].join("\n"),
      ),
    );
    expect(() => build(props({ invokers: [] }))).toThrow(
      new ConfigError("issuer: invokers=[] is empty, so nobody could call the issuer; list the account ids or role ARNs that may"),
    );
  });

  it("rejects two invokers whose permissions would share a name", () => {
    expect(() => build(props({ invokers: ["arn:aws:iam::111111111111:role/a.b", "arn:aws:iam::111111111111:role/a_b"] }))).toThrow(
      new ConfigError(
        'issuer: invokers: "arn:aws:iam::111111111111:role/a_b" and "arn:aws:iam::111111111111:role/a.b" both map to InvokeUrl-111111111111-a_b; rename one role\n' +
          'issuer: invokers: "arn:aws:iam::111111111111:role/a_b" and "arn:aws:iam::111111111111:role/a.b" both map to InvokeUrl111111111111ab; rename one role',
      ),
    );
  });

  it("accepts exactly account ids and role ARNs as invokers, never anything with a wildcard", () => {
    const account = fc.stringMatching(/^\d{12}$/);
    const roleName = fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,30}$/);
    fc.assert(
      fc.property(account, roleName, fc.string({ maxLength: 20 }), (acct, name, junk) => {
        expect(invokerProblem(acct)).toBeUndefined();
        expect(invokerProblem(`arn:aws:iam::${acct}:role/${name}`)).toBeUndefined();
        expect(invokerProblem(`arn:aws:iam::${acct}:role/${name}*`)).toMatch(/contains '\*'/);
        expect(invokerProblem(`${junk}*${junk}`)).toMatch(/contains '\*'/);
        expect(invokerProblem(`arn:aws:iam::${acct}:user/${name}`)).toBeDefined();
      }),
      { numRuns: 100 },
    );
  });

  it("derives each permission's statement id from its invoker alone, so adding one renames none", () => {
    const role = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/).map((n) => `arn:aws:iam::222222222222:role/${n}`);
    fc.assert(
      fc.property(fc.uniqueArray(role, { minLength: 1, maxLength: 4 }), role, (before, added) => {
        fc.pre(!before.includes(added));
        const ids = before.map(invokerStatementId);
        expect([...before, added].map(invokerStatementId).slice(0, before.length)).toEqual(ids);
        for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{1,100}$/);
      }),
      { numRuns: 50 },
    );
  });
});
