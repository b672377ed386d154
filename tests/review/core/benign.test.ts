import fc from "fast-check";
import { benignReason } from "../../../review/core/benign";
import { parsePlan } from "../../../review/core/plan";
import { reviewPlan } from "../../../review/core/report";
import type { IamStatement } from "../../../review/core/iam";
import { planDocument, policy, type FixtureResource } from "./fixtures";

const ACCOUNT = "111111111111";
const review = (resources: FixtureResource[]) => reviewPlan(parsePlan(planDocument(resources), "test"), { environment: "dev", buckets: {}, accountId: ACCOUNT });
const statement = (over: Partial<IamStatement>): IamStatement => ({
  address: "aws_iam_policy.p", attribute: "policy", kind: "identity", sid: "S", effect: "Allow", principals: [], notPrincipal: false,
  actions: [], notAction: false, resources: [], notResource: false, conditions: [], wildcards: [], ...over,
});

describe("known-benign statements", () => {
  it("are recognised by their form: the TLS-only Deny, the default key policy, a resourceless action", () => {
    const plan: FixtureResource[] = [
      { address: "aws_s3_bucket_policy.b", after: { policy: policy({ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: { AWS: "*" }, Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }) } },
      { address: "aws_kms_key.k", after: { policy: policy({ Sid: "Whatever", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }) } },
      { address: "aws_iam_role_policy.e", after: { policy: policy({ Sid: "Login", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" }) } },
    ];
    const r = review(plan);
    expect(r.violations).toEqual([]);
    expect(r.iam.statements.map((s) => [s.sid, s.wildcards, s.benign !== undefined])).toEqual([
      ["DenyInsecureTransport", [], true],
      ["Whatever", [], true],
      ["Login", [], true],
    ]);
  });

  it("are not recognised when the form differs: another account's root, an extra action, a role", () => {
    const r = review([
      { address: "aws_kms_key.k", after: { policy: policy({ Sid: "OtherRoot", Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "kms:*", Resource: "*" }) } },
      { address: "aws_iam_role_policy.e", after: { policy: policy({ Sid: "LoginAndPull", Effect: "Allow", Action: ["ecr:GetAuthorizationToken", "ecr:BatchGetImage"], Resource: "*" }) } },
    ]);
    expect(r.iam.statements.map((s) => [s.sid, s.benign])).toEqual([["OtherRoot", undefined], ["LoginAndPull", undefined]]);
    expect(r.violations.map((v) => [v.rule, v.subject])).toEqual([["iam-wildcard-action", "OtherRoot"], ["kms-key-policy-open", "OtherRoot"], ["kms-key-policy-open", "OtherRoot"]]);
  });

  it("never include an Allow that carries another action beside a resourceless one (property)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9]{1,8}:[A-Za-z*]{1,12}$/), (action) => {
        const s = statement({ actions: ["ecr:GetAuthorizationToken", action], resources: ["*"] });
        expect(benignReason(s, "aws_iam_role_policy", ACCOUNT) === undefined).toBe(!["ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"].includes(action));
      }),
    );
  });
});

describe("endpoint policies", () => {
  const endpoint = (resource: string | string[]): FixtureResource => ({
    address: "aws_vpc_endpoint.s3",
    after: { service_name: "com.amazonaws.eu-west-1.s3", policy: policy({ Sid: "Buckets", Effect: "Allow", Principal: "*", Action: "s3:*", Resource: resource }) },
  });

  it("are benign when they name the resources, and flagged when they allow every resource", () => {
    expect(review([endpoint(["arn:aws:s3:::data", "arn:aws:s3:::data/*"])]).violations).toEqual([]);
    expect(review([endpoint("*")]).violations.map((v) => v.rule)).toEqual(["iam-wildcard-action", "s3-endpoint-policy-open"]);
  });
});

describe("Deny statements", () => {
  const deny = (over: Partial<IamStatement>) => statement({ kind: "resource", effect: "Deny", principals: ["AWS:*"], actions: ["kms:Decrypt"], resources: ["*"], ...over });

  it("are benign only in forms the review understands", () => {
    expect(benignReason(deny({ conditions: ["Bool aws:SecureTransport=false"] }), "aws_s3_bucket_policy", ACCOUNT)).toMatch(/not sent over TLS/);
    expect(benignReason(deny({ conditions: ["StringNotEquals aws:PrincipalArn=arn:aws:iam::1:role/r"] }), "aws_kms_key", ACCOUNT)).toMatch(/every principal except arn:aws:iam::1:role\/r/);
    expect(benignReason(deny({ conditions: ["StringNotEquals kms:ViaService=secretsmanager.eu-west-1.amazonaws.com"] }), "aws_kms_key", ACCOUNT)).toMatch(/except through secretsmanager/);
    expect(benignReason(statement({ effect: "Deny", actions: ["sts:AssumeRole"], resources: ["*"] }), "aws_iam_role_policy", ACCOUNT)).toMatch(/outright/);
  });

  it("keep their wildcards when a condition could narrow them in a way the review cannot vouch for", () => {
    for (const conditions of [
      ["StringNotEquals aws:username=rotation"],
      ["StringNotLike aws:PrincipalArn=arn:aws:iam::1:role/*"],
      ["Bool aws:SecureTransport=false", "StringEquals aws:SourceVpc=vpc-1"],
      ["StringNotEquals kms:ViaService=*"],
    ]) {
      expect([conditions, benignReason(deny({ conditions }), "aws_kms_key", ACCOUNT)]).toEqual([conditions, undefined]);
    }
  });

  it("with any condition but the understood ones is never benign (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom("StringEquals", "StringNotEquals", "StringLike", "Bool", "ArnNotLike"), fc.constantFrom("aws:SourceIp", "aws:username", "aws:RequestedRegion", "s3:prefix"), fc.stringMatching(/^[a-z0-9.]{1,12}$/), (op, key, value) => {
        expect(benignReason(deny({ conditions: [`${op} ${key}=${value}`] }), "aws_kms_key", ACCOUNT)).toBeUndefined();
      }),
    );
  });
});
