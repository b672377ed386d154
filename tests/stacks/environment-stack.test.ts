import { Testing } from "cdktf";
import { getEnvironment } from "../../config";
import { EnvironmentStack, ecrRepositoryArns } from "../../stacks/environment-stack";
import { selectEnvironments } from "../../stacks/app";
import { ConfigError } from "../../src/config-error";
import { FAKE_BUNDLE, type Synthesized } from "../modules/synth";
import { withTestApp } from "../support/temp";

interface StackJson extends Synthesized {
  provider: { aws: Array<Record<string, unknown>> };
  terraform: { backend: Record<string, Record<string, unknown>> };
}

function stackJson(name: string, options: { offlinePlan?: boolean; localBackend?: boolean } = {}): StackJson {
  return withTestApp((app) => {
    const stack = new EnvironmentStack(app, `rajee-${name}`, { config: getEnvironment(name), rotationBundle: FAKE_BUNDLE, ...options });
    return JSON.parse(Testing.synth(stack, true)) as StackJson;
  });
}

describe("EnvironmentStack", () => {
  const staging = stackJson("staging");

  it("pins the provider to the environment's account and region, assuming its deploy role", () => {
    expect(staging.provider.aws).toEqual([
      {
        region: "eu-west-1",
        allowed_account_ids: ["222222222222"],
        assume_role: [{ role_arn: "arn:aws:iam::222222222222:role/rajee-deploy", session_name: "rajee-staging-terraform" }],
        default_tags: [{ tags: { CostCenter: "platform", Project: "rajee", Environment: "staging", ManagedBy: "cdktf" } }],
      },
    ]);
  });

  it("keeps state in S3 with Terraform's native lock file and encryption", () => {
    expect(staging.terraform.backend).toEqual({
      s3: { bucket: "rajee-terraform-state-222222222222", key: "rajee/staging.tfstate", region: "eu-west-1", encrypt: true, use_lockfile: true },
    });
  });

  it("plans offline only on request: skip flags on, account check and assume-role off, local state", () => {
    const offline = stackJson("staging", { offlinePlan: true, localBackend: true });
    expect(offline.provider.aws).toEqual([
      {
        region: "eu-west-1",
        default_tags: [{ tags: { CostCenter: "platform", Project: "rajee", Environment: "staging", ManagedBy: "cdktf" } }],
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: "true",
        skip_region_validation: true,
      },
    ]);
    expect(offline.terraform.backend).toEqual({ local: { path: "terraform.staging.tfstate" } });
  });

  it("uses no data source, so plans never call AWS", () => {
    for (const name of ["dev", "staging", "prod"]) expect(stackJson(name).data).toBeUndefined();
  });

  it("allows no IAM action '*' anywhere and '*' resources only where IAM has no resource scope", () => {
    for (const name of ["dev", "staging", "prod"]) {
      const json = stackJson(name);
      const policies = Object.values(json.resource?.aws_iam_role_policy ?? {}).map((p) => JSON.parse(p.policy as string) as { Statement: Array<{ Sid: string; Action: string[]; Resource?: string[] }> });
      for (const st of policies.flatMap((p) => p.Statement)) {
        for (const action of st.Action) expect(action.endsWith("*")).toBe(false);
        if (st.Resource?.includes("*")) expect(st.Sid).toBe("EcrLogin");
      }
    }
  });

  it("pulls ECR images with repository-scoped permissions and Docker Hub images with none", () => {
    expect(
      ecrRepositoryArns("aws", [
        "111111111111.dkr.ecr.eu-west-1.amazonaws.com/rajee-authorizer:0.1.0",
        "envoyproxy/envoy:v1.34.10@sha256:3343a698c1bdfdbb174f1bd907dea789d728692f4f99a943e3e6f0bc5ef6513f",
      ]),
    ).toEqual(["arn:aws:ecr:eu-west-1:111111111111:repository/rajee-authorizer"]);
  });
});

describe("selectEnvironments", () => {
  it("synthesizes every environment by default", () => {
    expect(selectEnvironments([], {})).toEqual(["dev", "staging", "prod"]);
  });

  it("takes --env (repeated or comma-separated) before RAJEE_ENV", () => {
    expect(selectEnvironments(["--env", "prod", "--env=dev"], { RAJEE_ENV: "staging" })).toEqual(["prod", "dev"]);
    expect(selectEnvironments(["--env", "dev,staging"], {})).toEqual(["dev", "staging"]);
    expect(selectEnvironments([], { RAJEE_ENV: "staging" })).toEqual(["staging"]);
  });

  it("rejects an unknown environment naming the known ones", () => {
    expect(() => selectEnvironments(["--env", "qa"], {})).toThrow(
      new ConfigError('synth: environment "qa" is unknown; use one of dev, staging, prod (or add config/qa.ts)'),
    );
  });

  it("rejects an unknown option", () => {
    expect(() => selectEnvironments(["--environment", "dev"], {})).toThrow(ConfigError);
  });
});
