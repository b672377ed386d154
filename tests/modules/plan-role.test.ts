import type { Construct } from "constructs";
import { ConfigError } from "../../src/config-error";
import { PlanRole, type PlanRoleProps } from "../../modules/plan-role/plan-role";
import { onlyResource, statementsOf, synth } from "./synth";

function props(overrides: Partial<PlanRoleProps> = {}): PlanRoleProps {
  return {
    namePrefix: "rajee-test",
    accountId: "111111111111",
    region: "eu-west-1",
    githubRepository: "example/rajee",
    stateBucket: "rajee-terraform-state-111111111111",
    stateKey: "rajee/test.tfstate",
    jwksSecretArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-test/signing/jwks-AbCdEf",
    jwksKmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-4000-8000-000000000000",
    denyListSecretArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-test/revocation/deny-list-AbCdEf",
    dataBuckets: ["rajee-test-reports", "rajee-test-data"],
    ...overrides,
  };
}

const build = (p: PlanRoleProps) => synth((scope: Construct) => new PlanRole(scope, "plan", p));

describe("PlanRole", () => {
  const s = build(props());

  it("is assumable only with a GitHub OIDC token of the repository's pull requests", () => {
    expect(statementsOf(onlyResource(s, "aws_iam_role").assume_role_policy)).toEqual([
      {
        Sid: "GitHubPullRequestsOfTheRepository",
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com" },
        Action: ["sts:AssumeRoleWithWebIdentity"],
        Condition: {
          StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:example/rajee:pull_request" },
        },
      },
    ]);
  });

  it("reads with ReadOnlyAccess, the state, the JWKS and the deny list (their versions are refreshed), and can neither assume a role nor read served objects", () => {
    expect(onlyResource(s, "aws_iam_role_policy_attachment").policy_arn).toBe("arn:aws:iam::aws:policy/ReadOnlyAccess");
    expect(statementsOf(onlyResource(s, "aws_iam_role_policy").policy)).toEqual([
      { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::rajee-terraform-state-111111111111/rajee/test.tfstate"] },
      { Sid: "ListState", Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::rajee-terraform-state-111111111111"] },
      { Sid: "RefreshJwksVersion", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [props().jwksSecretArn] },
      { Sid: "RefreshDenyListVersion", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [props().denyListSecretArn] },
      {
        Sid: "DecryptJwksThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [props().jwksKmsKeyArn],
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
      },
      {
        Sid: "NeverReadServedObjects",
        Effect: "Deny",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: ["arn:aws:s3:::rajee-test-data/*", "arn:aws:s3:::rajee-test-reports/*"],
      },
      { Sid: "NeverAssumeAnotherRole", Effect: "Deny", Action: ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"], Resource: ["*"] },
    ]);
  });

  it("rejects a repository that is not owner/name", () => {
    expect(() => build(props({ githubRepository: "rajee" }))).toThrow(new ConfigError('plan-role: githubRepository="rajee" is not owner/name; use e.g. example/rajee'));
  });
});
