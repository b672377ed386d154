import fc from "fast-check";
import { renderReport } from "../../../review/core/markdown";
import { parsePlan } from "../../../review/core/plan";
import { reviewPlan, type ReviewOptions } from "../../../review/core/report";
import { planDocument, policy, ref, type FixtureResource } from "./fixtures";

/** Who may invoke the issuer, and issuer-invokers, on hand-built plans of a function behind a Function URL. */
const ACCOUNT = "111111111111";
const OTHER = "999999999999";
const OPTIONS: ReviewOptions = { environment: "dev", buckets: {}, accountId: ACCOUNT };

describe("issuer-invokers", () => {
  const issuer = (...extra: FixtureResource[]): FixtureResource[] => [
    { address: "aws_iam_role.issuer", after: { name: "rajee-dev-issuer" }, unknown: { arn: true } },
    { address: "aws_lambda_function.issuer", after: { function_name: "rajee-dev-issuer" }, unknown: { role: true, arn: true }, config: { role: ref("aws_iam_role.issuer", "arn") } },
    { address: "aws_lambda_function_url.url", after: { authorization_type: "AWS_IAM" }, unknown: { function_name: true }, config: { function_name: ref("aws_lambda_function.issuer", "function_name") } },
    ...extra,
  ];
  const permission = (name: string, principal: string, over: Record<string, unknown> = {}): FixtureResource => ({
    address: `aws_lambda_permission.${name}`,
    after: { action: "lambda:InvokeFunctionUrl", principal, function_url_auth_type: "AWS_IAM", ...over },
    unknown: { function_name: true },
    config: { function_name: ref("aws_lambda_function.issuer", "function_name") },
  });
  const CI = `arn:aws:iam::${OTHER}:role/ci`;
  const review = (resources: FixtureResource[], invokers: string[]) => reviewPlan(parsePlan(planDocument(resources), "test"), { ...OPTIONS, issuerInvokers: invokers });

  it("passes permissions to the configured invokers and lists who may invoke, permissions and identity grants alike", () => {
    const plan = issuer(permission("account", ACCOUNT), permission("ci", CI), {
      address: "aws_iam_role_policy.caller",
      after: { role: "caller", policy: policy({ Sid: "CallIssuer", Effect: "Allow", Action: "lambda:InvokeFunctionUrl", Resource: "${aws_lambda_function.issuer.arn}" }) },
    });
    const r = review(plan, [ACCOUNT, CI]);
    expect(r.violations).toEqual([]);
    expect(r.invokers.map((i) => [i.principal, i.action, i.source, i.kind])).toEqual([
      [ACCOUNT, "lambda:InvokeFunctionUrl", "aws_lambda_permission.account", "permission"],
      [CI, "lambda:InvokeFunctionUrl", "aws_lambda_permission.ci", "permission"],
      ["caller", "lambda:InvokeFunctionUrl", "aws_iam_role_policy.caller CallIssuer", "identity"],
    ]);
  });

  it("fails a permission to * or to a principal the config does not list, naming the fix", () => {
    const r = review(issuer(permission("anyone", "*"), permission("stranger", CI)), [ACCOUNT]);
    expect(r.violations.filter((v) => v.rule === "issuer-invokers").map((v) => [v.address, v.message])).toEqual([
      ["aws_lambda_permission.anyone", "permission aws_lambda_permission.anyone lets any principal (*) call lambda:InvokeFunctionUrl on issuer rajee-dev-issuer; name one role of the config's issuer.invokers as principal"],
      ["aws_lambda_permission.stranger", `permission aws_lambda_permission.stranger lets ${CI} call lambda:InvokeFunctionUrl on issuer rajee-dev-issuer, but the config's issuer.invokers lists ${ACCOUNT}; add the principal to issuer.invokers in config/<env>.ts or remove the permission`],
    ]);
  });

  it("reads lambda:InvokeFunction permissions from a CloudFormation stack too", () => {
    const template = { Resources: { Ci: { Type: "AWS::Lambda::Permission", Properties: { FunctionName: "rajee-dev-issuer", Action: "lambda:InvokeFunction", Principal: "*", InvokedViaFunctionUrl: true } } } };
    const r = review(issuer({ address: "aws_cloudformation_stack.through-url", after: { template_body: JSON.stringify(template) } }), [ACCOUNT]);
    expect(r.invokers.map((i) => [i.principal, i.action, i.source, i.conditions])).toEqual([["*", "lambda:InvokeFunction", "aws_cloudformation_stack.through-url Ci", "InvokedViaFunctionUrl=true"]]);
    expect(r.violations.map((v) => [v.rule, v.address])).toEqual([
      ["lambda-permission-open", "aws_cloudformation_stack.through-url"],
      ["issuer-invokers", "aws_cloudformation_stack.through-url"],
    ]);
  });

  describe("a direct invoke of the issuer", () => {
    const RISK = /invoke the function directly \(Invoke API, not the Function URL\) with an event it writes itself, and the issuer takes the caller's identity from the event \(requestContext\.authorizer\.iam\.userArn\)/;
    const direct = (over: Record<string, unknown> = {}) => permission("direct", ACCOUNT, { action: "lambda:InvokeFunction", function_url_auth_type: null, ...over });
    const through = (properties: Record<string, unknown>): FixtureResource => ({
      address: "aws_cloudformation_stack.through-url",
      after: { template_body: JSON.stringify({ Resources: { Account: { Type: "AWS::Lambda::Permission", Properties: { FunctionName: "rajee-dev-issuer", Action: "lambda:InvokeFunction", Principal: ACCOUNT, ...properties } } } }) },
    });

    it("fails a lambda:InvokeFunction permission to a listed invoker without invoked_via_function_url, saying the risk and the fix", () => {
      const r = review(issuer(direct()), [ACCOUNT]);
      expect(r.violations.map((v) => [v.rule, v.address, v.subject])).toEqual([["issuer-invokers", "aws_lambda_permission.direct", "invoked_via_function_url"]]);
      const message = r.violations[0]!.message;
      expect(message).toMatch(/^permission aws_lambda_permission\.direct grants 111111111111 lambda:InvokeFunction on issuer rajee-dev-issuer without invoked_via_function_url = true: /);
      expect(message).toMatch(RISK);
      expect(message).toContain("set invoked_via_function_url = true");
      expect(message).not.toMatch(/add the principal to issuer\.invokers/);
      expect(r.invokers.map((i) => [i.source, i.directInvoke])).toEqual([["aws_lambda_permission.direct", true]]);
      expect(renderReport(r)).toContain("| `111111111111` | ⚠️ `lambda:InvokeFunction` (direct invoke, not only through the URL) |");
    });

    it("passes the same permission through the URL only, and a URL permission", () => {
      const r = review(issuer(direct({ invoked_via_function_url: true }), permission("url", ACCOUNT)), [ACCOUNT]);
      expect(r.violations).toEqual([]);
      expect(r.invokers.map((i) => [i.conditions, i.directInvoke])).toEqual([["invoked_via_function_url=true", false], ["function_url_auth_type=AWS_IAM", false]]);
      expect(renderReport(r)).not.toContain("⚠️");
    });

    it("fails lambda:* and * the same way", () => {
      for (const action of ["lambda:*", "*", "lambda:Invoke*"]) {
        expect([action, review(issuer(direct({ action })), [ACCOUNT]).violations.filter((v) => v.rule === "issuer-invokers").map((v) => v.subject)]).toEqual([action, ["invoked_via_function_url"]]);
      }
    });

    it("fails an AWS::Lambda::Permission without InvokedViaFunctionUrl, with CloudFormation's fix", () => {
      const r = review(issuer(through({})), [ACCOUNT]);
      expect(r.violations.map((v) => [v.rule, v.address, v.subject])).toEqual([["issuer-invokers", "aws_cloudformation_stack.through-url", "InvokedViaFunctionUrl"]]);
      expect(r.violations[0]!.message).toMatch(RISK);
      expect(r.violations[0]!.message).toContain("set InvokedViaFunctionUrl: true on the AWS::Lambda::Permission");
      expect(review(issuer(through({ InvokedViaFunctionUrl: true })), [ACCOUNT]).violations).toEqual([]);
      expect(review(issuer(through({ InvokedViaFunctionUrl: "true" })), [ACCOUNT]).violations).toEqual([]);
    });

    it("fails an identity statement allowing lambda:InvokeFunction on the issuer unless it holds only through the URL", () => {
      const caller = (statement: Record<string, unknown>): FixtureResource => ({ address: "aws_iam_role_policy.caller", after: { role: "caller", policy: policy({ Sid: "CallIssuer", Effect: "Allow", Resource: "${aws_lambda_function.issuer.arn}", ...statement }) } });
      const r = review(issuer(caller({ Action: ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"] })), [ACCOUNT]);
      expect(r.violations.map((v) => [v.rule, v.address, v.subject])).toEqual([["issuer-invokers", "aws_iam_role_policy.caller", "CallIssuer"]]);
      expect(r.violations[0]!.message).toMatch(/^identity statement aws_iam_role_policy\.caller CallIssuer allows caller lambda:InvokeFunctionUrl, lambda:InvokeFunction on issuer rajee-dev-issuer without the condition Bool lambda:InvokedViaFunctionUrl = true: /);
      expect(r.violations[0]!.message).toMatch(RISK);
      for (const action of ["lambda:*", "lambda:Invoke*", "*"]) {
        expect([action, review(issuer(caller({ Action: action })), [ACCOUNT]).violations.filter((v) => v.rule === "issuer-invokers").map((v) => v.subject)]).toEqual([action, ["CallIssuer"]]);
      }
      expect(review(issuer(caller({ Action: "lambda:InvokeFunction", Condition: { Bool: { "lambda:InvokedViaFunctionUrl": "true" } } })), [ACCOUNT]).violations).toEqual([]);
      expect(review(issuer(caller({ Action: "lambda:InvokeFunction", Condition: { Bool: { "lambda:InvokedViaFunctionUrl": "false" } } })), [ACCOUNT]).violations).toHaveLength(1);
      expect(review(issuer(caller({ Action: "lambda:InvokeFunction", Resource: "arn:aws:lambda:eu-west-1:111111111111:function:other" })), [ACCOUNT]).violations).toEqual([]);
    });

    it("fails any grant of lambda:InvokeFunction to a listed invoker exactly when it is not confined to the URL (property)", () => {
      const action = fc.constantFrom("lambda:InvokeFunction", "lambda:*", "*", "lambda:Invoke*", "lambda:InvokeFunctionUrl", "lambda:GetFunction");
      fc.assert(
        fc.property(action, fc.boolean(), fc.boolean(), (a, viaUrl, template) => {
          const grant = template ? through({ Action: a, ...(viaUrl ? { InvokedViaFunctionUrl: true } : {}) }) : direct({ action: a, ...(viaUrl ? { invoked_via_function_url: true } : {}) });
          const opensDirectInvoke = !viaUrl && ["lambda:InvokeFunction", "lambda:*", "*", "lambda:Invoke*"].includes(a);
          expect(review(issuer(grant), [ACCOUNT]).violations.filter((v) => v.rule === "issuer-invokers").length).toBe(opensDirectInvoke ? 1 : 0);
        }),
        { numRuns: 100 },
      );
    });
  });

  it("ignores permissions on functions without a Function URL (the rotation Lambda's)", () => {
    const rotation: FixtureResource = { address: "aws_lambda_permission.rotation", after: { action: "lambda:InvokeFunction", principal: "secretsmanager.amazonaws.com", function_name: "rajee-dev-key-rotation" } };
    expect(review(issuer(rotation), []).invokers).toEqual([]);
  });
});
