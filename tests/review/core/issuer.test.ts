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
    expect(r.violations.map((v) => [v.rule, v.address])).toEqual([["issuer-invokers", "aws_cloudformation_stack.through-url"]]);
  });

  it("ignores permissions on functions without a Function URL (the rotation Lambda's)", () => {
    const rotation: FixtureResource = { address: "aws_lambda_permission.rotation", after: { action: "lambda:InvokeFunction", principal: "secretsmanager.amazonaws.com", function_name: "rajee-dev-key-rotation" } };
    expect(review(issuer(rotation), []).invokers).toEqual([]);
  });
});
