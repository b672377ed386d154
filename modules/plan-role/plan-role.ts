import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { checkNamePrefix, throwProblems } from "../shared/names";
import { partitionOf, policyJson, type PolicyStatement } from "../shared/policy";

export interface PlanRoleProps {
  /** Prefix of the role name, e.g. `rajee-dev` (`rajee-dev-plan`). */
  readonly namePrefix: string;
  /** Account of the role and of GitHub's OIDC provider (created once per account, outside this app). */
  readonly accountId: string;
  /** Region of the environment (partition of the ARNs). */
  readonly region: string;
  /** GitHub repository whose pull requests may plan: `owner/name`. */
  readonly githubRepository: string;
  /** Terraform state bucket and key the plan reads. */
  readonly stateBucket: string;
  readonly stateKey: string;
  /** The JWKS secret and its KMS key: refreshing its initial version reads the (public) value. */
  readonly jwksSecretArn: string;
  readonly jwksKmsKeyArn: string;
  /** The deny-list secret (encrypted with the JWKS key): refreshing its initial version reads the value, as for the JWKS. */
  readonly denyListSecretArn: string;
  /** Buckets the gateway serves: ReadOnlyAccess includes `s3:Get*`, so their objects are denied explicitly. */
  readonly dataBuckets: readonly string[];
}

/** GitHub Actions' OIDC issuer host (GitHub docs, "Configuring OpenID Connect in Amazon Web Services"). */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** AWS's managed read-only policy: the reads Terraform's refresh makes, without secret values. */
export const READ_ONLY_POLICY = "ReadOnlyAccess";
const REPOSITORY = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

/**
 * The role pull-request plans run as: assumable only with a GitHub OIDC token of `githubRepository`'s
 * pull requests, read-only (AWS's ReadOnlyAccess, the state object, the JWKS and deny-list values), and explicitly
 * unable to assume any role, so it can never reach the deploy role however that role's trust is written.
 */
export class PlanRole extends Construct {
  readonly roleArn: string;
  /** The role's inline statements, as data. */
  readonly statements: readonly PolicyStatement[];

  constructor(scope: Construct, id: string, props: PlanRoleProps) {
    super(scope, id);
    checkNamePrefix("plan-role", props.namePrefix);
    if (!REPOSITORY.test(props.githubRepository)) {
      throwProblems("plan-role", [`githubRepository=${JSON.stringify(props.githubRepository)} is not owner/name; use e.g. example/rajee`]);
    }
    const partition = partitionOf(props.region);
    const trust = policyJson([
      {
        Sid: "GitHubPullRequestsOfTheRepository",
        Effect: "Allow",
        Principal: { Federated: `arn:${partition}:iam::${props.accountId}:oidc-provider/${GITHUB_OIDC_HOST}` },
        Action: ["sts:AssumeRoleWithWebIdentity"],
        Condition: {
          StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com", [`${GITHUB_OIDC_HOST}:sub`]: `repo:${props.githubRepository}:pull_request` },
        },
      },
    ]);
    const state = `arn:${partition}:s3:::${props.stateBucket}`;
    this.statements = [
      { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${state}/${props.stateKey}`] },
      { Sid: "ListState", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [state] },
      { Sid: "RefreshJwksVersion", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [props.jwksSecretArn] },
      { Sid: "RefreshDenyListVersion", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [props.denyListSecretArn] },
      {
        Sid: "DecryptJwksThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [props.jwksKmsKeyArn],
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${props.region}.amazonaws.com` } },
      },
      {
        Sid: "NeverReadServedObjects",
        Effect: "Deny",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: [...props.dataBuckets].sort().map((b) => `arn:${partition}:s3:::${b}/*`),
      },
      { Sid: "NeverAssumeAnotherRole", Effect: "Deny", Action: ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"], Resource: ["*"] },
    ];
    const role = new IamRole(this, "role", {
      name: `${props.namePrefix}-plan`,
      description: "rajee pull-request plans: read-only, no role assumption",
      assumeRolePolicy: trust,
      maxSessionDuration: 3600,
    });
    new IamRolePolicyAttachment(this, "read-only", { role: role.name, policyArn: `arn:${partition}:iam::aws:policy/${READ_ONLY_POLICY}` });
    new IamRolePolicy(this, "plan-policy", { name: "plan", role: role.id, policy: policyJson(this.statements) });
    this.roleArn = role.arn;
  }
}
