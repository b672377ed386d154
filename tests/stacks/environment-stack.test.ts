import { Testing } from "cdktf";
import { environmentNames, getEnvironment } from "../../config";
import { parseConfig } from "../../handlers/authorizer/config";
import { AUTHORIZER_CONTAINER } from "../../modules/proxy-service/containers";
import { loadIssuerSettings } from "../../src/contracts/issuer-environment";
import { EnvironmentStack, ecrRepositoryArns } from "../../stacks/environment-stack";
import { selectEnvironments, terraformRoleOf } from "../../stacks/app";
import { ConfigError } from "../../src/config-error";
import { FAKE_BUNDLE, type Synthesized } from "../modules/synth";
import { withTestApp } from "../support/temp";

interface StackJson extends Synthesized {
  provider: { aws: Array<Record<string, unknown>> };
  terraform: { backend: Record<string, Record<string, unknown>> };
}

function stackJson(name: string, options: { offlinePlan?: boolean; localBackend?: boolean; terraformRole?: "plan" | "apply" } = {}): StackJson {
  return withTestApp((app) => {
    const stack = new EnvironmentStack(app, `rajee-${name}`, { config: getEnvironment(name), rotationBundle: FAKE_BUNDLE, issuerBundle: FAKE_BUNDLE, ...options });
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

  it("keeps state in S3 with Terraform's native lock file and encryption, read and written as the deploy role", () => {
    expect(staging.terraform.backend).toEqual({
      s3: {
        bucket: "rajee-terraform-state-222222222222",
        key: "rajee/staging.tfstate",
        region: "eu-west-1",
        encrypt: true,
        use_lockfile: true,
        assume_role: { role_arn: "arn:aws:iam::222222222222:role/rajee-deploy", session_name: "rajee-staging-terraform-state" },
      },
    });
  });

  it("assumes no role at all for a plan, in the provider or the backend, so the plan role never needs the deploy role", () => {
    const plan = stackJson("staging", { terraformRole: "plan" });
    expect(plan.provider.aws[0]).not.toHaveProperty("assume_role");
    expect(plan.terraform.backend.s3).not.toHaveProperty("assume_role");
    expect(plan.provider.aws[0]?.allowed_account_ids).toEqual(["222222222222"]);
  });

  it("creates the plan role only when the environment names its repository, and outputs its ARN", () => {
    expect(stackJson("dev").resource?.aws_iam_role_policy_attachment).toBeUndefined();
    const withPlanRole = withTestApp((app) => {
      const config = { ...getEnvironment("staging"), planRole: { githubRepository: "example/rajee" } };
      return JSON.parse(Testing.synth(new EnvironmentStack(app, "rajee-staging", { config, rotationBundle: FAKE_BUNDLE, issuerBundle: FAKE_BUNDLE }), true)) as StackJson;
    });
    const role = Object.values(withPlanRole.resource?.aws_iam_role ?? {}).find((r) => r.name === "rajee-staging-plan")!;
    expect(JSON.parse(role.assume_role_policy as string).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toBe("repo:example/rajee:pull_request");
    expect((withPlanRole as unknown as { output: Record<string, unknown> }).output).toHaveProperty("plan_role_arn");
  });

  it("reads RAJEE_TERRAFORM_ROLE as plan or apply and refuses anything else", () => {
    expect([terraformRoleOf(undefined), terraformRoleOf(""), terraformRoleOf("apply"), terraformRoleOf("plan")]).toEqual(["apply", "apply", "apply", "plan"]);
    expect(() => terraformRoleOf("deploy")).toThrow(
      new ConfigError('synth: RAJEE_TERRAFORM_ROLE="deploy" is neither plan nor apply; use plan for pull-request plans, apply (or unset) to deploy'),
    );
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
      const policies = Object.values(json.resource?.aws_iam_role_policy ?? {}).map((p) => JSON.parse(p.policy as string) as { Statement: Array<{ Sid: string; Effect: string; Action: string[]; Resource?: string[] }> });
      for (const st of policies.flatMap((p) => p.Statement)) {
        for (const action of st.Action) expect(action.endsWith("*")).toBe(false);
        // ECR login and X-Ray's trace upload have no resource type in IAM (Service Authorization Reference).
        if (st.Resource?.includes("*")) expect(st.Effect === "Deny" ? "Deny" : st.Sid).toMatch(/^(Deny|EcrLogin|SendTraces)$/);
      }
    }
  });

  it("pulls Envoy through the environment's ECR mirror, with the upstream tag and digest, and lets only the execution role import it", () => {
    const task = Object.values(staging.resource?.aws_ecs_task_definition ?? {})[0]!;
    expect(task.container_definitions).toContain(
      '"image":"222222222222.dkr.ecr.eu-west-1.amazonaws.com/rajee-staging/envoyproxy/envoy:v1.34.10@sha256:3343a698c1bdfdbb174f1bd907dea789d728692f4f99a943e3e6f0bc5ef6513f"',
    );
    expect(Object.values(staging.resource?.aws_ecr_pull_through_cache_rule ?? {})).toEqual([
      { ecr_repository_prefix: "rajee-staging", upstream_registry_url: "public.ecr.aws" },
    ]);
    const execution = Object.entries(staging.resource?.aws_iam_role_policy ?? {}).find(([id]) => id.includes("execution-policy"))![1];
    const statements = (JSON.parse(execution.policy as string) as { Statement: Array<{ Sid: string; Resource: string[] }> }).Statement;
    expect(statements.find((st) => st.Sid === "ImportMirroredImages")?.Resource).toEqual(["arn:aws:ecr:eu-west-1:222222222222:repository/rajee-staging/*"]);
    expect(statements.find((st) => st.Sid === "PullImages")?.Resource).toEqual([
      "arn:aws:ecr:eu-west-1:222222222222:repository/rajee-authorizer",
      "arn:aws:ecr:eu-west-1:222222222222:repository/rajee-staging/aws-observability/aws-otel-collector",
      "arn:aws:ecr:eu-west-1:222222222222:repository/rajee-staging/envoyproxy/envoy",
    ]);
  });

  it("sends the tasks' HTTPS only to the S3 endpoint's prefix list and the interface endpoints' security group", () => {
    const egress = Object.entries(staging.resource?.aws_vpc_security_group_egress_rule ?? {})
      .filter(([id]) => id.startsWith("proxy-service"))
      .map(([, rule]) => [rule.prefix_list_id, rule.referenced_security_group_id, rule.cidr_ipv4]);
    const s3Endpoint = Object.keys(staging.resource?.aws_vpc_endpoint ?? {}).find((id) => id.includes("s3-endpoint"));
    const endpointsSg = Object.keys(staging.resource?.aws_security_group ?? {}).find((id) => id.includes("endpoints-sg"));
    expect(egress).toEqual([
      [undefined, `\${aws_security_group.${endpointsSg}.id}`, undefined],
      [`\${aws_vpc_endpoint.${s3Endpoint}.prefix_list_id}`, undefined, undefined],
    ]);
  });

  it("logs the WAF to its aws-waf-logs- group, encrypted with the logs key and kept for the environment's retention", () => {
    const group = Object.values(staging.resource?.aws_cloudwatch_log_group ?? {}).find((g) => g.name === "aws-waf-logs-rajee-staging")!;
    expect(group.retention_in_days).toBe(30);
    expect(group.kms_key_id).toMatch(/^\$\{aws_kms_key\.log-groups_key_[0-9A-F]+\.arn\}$/);
  });

  it("runs dev on Fargate Spot and staging and prod on demand with a 30 s slow start", () => {
    const dev = stackJson("dev");
    const prod = stackJson("prod");
    const service = (json: StackJson) => Object.values(json.resource?.aws_ecs_service ?? {})[0]!;
    const targets = (json: StackJson) => Object.values(json.resource?.aws_lb_target_group ?? {})[0]!;
    expect([service(dev).launch_type, service(dev).capacity_provider_strategy]).toEqual([undefined, [{ capacity_provider: "FARGATE_SPOT", weight: 1, base: 0 }]]);
    for (const json of [staging, prod]) {
      expect([service(json).launch_type, service(json).capacity_provider_strategy, targets(json).slow_start]).toEqual(["FARGATE", undefined, 30]);
    }
    expect(targets(dev).slow_start).toBe(0);
  });

  it.each(environmentNames)("gives the %s issuer Lambda an environment its own parser reads back as the configuration set it", (name) => {
    const config = getEnvironment(name);
    const json = name === "staging" ? staging : stackJson(name);
    const fn = Object.values(json.resource?.aws_lambda_function ?? {}).find((f) => f.function_name === `rajee-${name}-issuer`)!;
    const secretId = Object.keys(json.resource?.aws_secretsmanager_secret ?? {}).find((id) => id.includes("private-key"))!;
    const secretArn = `arn:aws:secretsmanager:${config.region}:${config.accountId}:secret:rajee-${name}/signing/private-key-AbCdEf`;
    const bindingId = Object.keys(json.resource?.aws_secretsmanager_secret ?? {}).find((id) => id.startsWith("binding-keys_public"))!;
    const bindingArn = `arn:aws:secretsmanager:${config.region}:${config.accountId}:secret:rajee-${name}/binding/public-key-AbCdEf`;
    // What Terraform hands Lambda: `$${` is a literal `${`, and each secret reference becomes the secret's ARN.
    const deployed = Object.fromEntries(
      Object.entries((fn.environment as { variables: Record<string, string> }).variables).map(([k, v]) => [
        k,
        v === `\${aws_secretsmanager_secret.${secretId}.arn}` ? secretArn : v === `\${aws_secretsmanager_secret.${bindingId}.arn}` ? bindingArn : v.replace(/\$\$\{/g, "${"),
      ]),
    );
    const settings = loadIssuerSettings(deployed);
    // Every environment's issuer binds its tokens, to the public binding key only.
    expect(settings.bindingPublicKeySecretArn).toBe(bindingArn);
    expect(settings).toMatchObject({ privateKeySecretArn: secretArn, issuer: config.token.issuer, audience: config.token.audience, maxTokenLifetimeSeconds: config.token.maxLifetimeSeconds });
    expect(settings.policy).toEqual(config.issuer.policy);
    expect(settings.keyCacheSeconds).toBeLessThanOrEqual(config.token.clockSkewSeconds);
  });

  it.each([
    ["dev", "when-bound"],
    ["staging", "required"],
    ["prod", "required"],
  ])("gives the %s authorizers the private binding-key secret, clientSignatures=%s and the deny list they poll", (name, mode) => {
    const json = name === "staging" ? staging : stackJson(name);
    const task = Object.values(json.resource?.aws_ecs_task_definition ?? {})[0]!;
    const containers = JSON.parse(task.container_definitions as string) as Array<{ name: string; environment?: Array<{ name: string; value: string }> }>;
    const env = Object.fromEntries(containers.flatMap((c) => c.environment ?? []).map((v) => [v.name, v.value]));
    const privateId = Object.keys(json.resource?.aws_secretsmanager_secret ?? {}).find((id) => id.startsWith("binding-keys_private"))!;
    expect(env.RAJEE_BINDING_KEYS_SECRET_ARN).toBe(`\${aws_secretsmanager_secret.${privateId}.arn}`);
    expect(env.RAJEE_CLIENT_SIGNATURES).toBe(mode);
    // The task role reads the private keys; the issuer's role reads only the public key.
    const issuerPolicy = Object.values(json.resource?.aws_iam_role_policy ?? {}).find((p) => p.name === "issue-tokens")!;
    expect(String(issuerPolicy.policy)).not.toContain(privateId);
    expect(String(issuerPolicy.policy)).toContain("binding-keys_public");
    // Revocation is wired in every environment: the deny-list secret, read by the task role, named in the container and output.
    const denyListId = Object.keys(json.resource?.aws_secretsmanager_secret ?? {}).find((id) => id.startsWith("deny-list_secret"))!;
    const denyListRef = `\${aws_secretsmanager_secret.${denyListId}.arn}`;
    expect(json.resource?.aws_secretsmanager_secret?.[denyListId]).toMatchObject({ name: `rajee-${name}/revocation/deny-list`, kms_key_id: expect.stringMatching(/^\$\{aws_kms_key\.signing-keys_key_[0-9A-F]+\.arn\}$/) });
    expect(env.RAJEE_DENY_LIST_SECRET_ARN).toBe(denyListRef);
    // What ECS hands the container: each secret reference becomes that secret's ARN; the authorizer's own parser reads it back.
    const config = getEnvironment(name);
    const arnOf = (id: string) => `arn:aws:secretsmanager:${config.region}:${config.accountId}:secret:${String(json.resource?.aws_secretsmanager_secret?.[id]?.name)}-AbCdEf`;
    const authorizerEnv = (containers.find((c) => c.name === AUTHORIZER_CONTAINER)?.environment ?? []).map((v) => [v.name, v.value] as const);
    const deployed = Object.fromEntries(authorizerEnv.map(([k, v]) => [k, v.replace(/^\$\{aws_secretsmanager_secret\.([^.]+)\.arn\}$/, (_, id: string) => arnOf(id))]));
    expect(parseConfig(deployed).denyListSource).toEqual({ kind: "secret", arn: arnOf(denyListId) });
    const read = Object.values(json.resource?.aws_iam_role_policy ?? {}).find((p) => p.name === "read-deny-list")!;
    expect(read.role).toMatch(/^\$\{aws_iam_role\.access-policy_task-role_[0-9A-F]+\.name\}$/);
    expect(String(read.policy)).toContain(denyListRef);
    expect((json as unknown as { output: Record<string, { value: string }> }).output.deny_list_secret_arn?.value).toBe(denyListRef);
  });

  it("logs the issuer to its own group, encrypted with the logs key and kept for the environment's retention", () => {
    const group = Object.entries(staging.resource?.aws_cloudwatch_log_group ?? {}).find(([, g]) => g.name === "/rajee/staging/issuer")!;
    expect(group[1].retention_in_days).toBe(30);
    expect(group[1].kms_key_id).toMatch(/^\$\{aws_kms_key\.log-groups_key_[0-9A-F]+\.arn\}$/);
    const fn = Object.values(staging.resource?.aws_lambda_function ?? {}).find((f) => f.function_name === "rajee-staging-issuer")!;
    expect(fn.logging_config).toEqual({ log_format: "Text", log_group: `\${aws_cloudwatch_log_group.${group[0]}.name}` });
  });

  it("names the issuer's actual role as the private key's reader in the secret and key policies", () => {
    const roles = Object.values(staging.resource?.aws_iam_role ?? {}).map((r) => r.name);
    expect(roles).toContain("rajee-staging-issuer");
    const secretPolicy = JSON.parse(Object.values(staging.resource?.aws_secretsmanager_secret_policy ?? {}).find((p) => String(p.secret_arn).includes("signing-keys"))!.policy as string) as {
      Statement: Array<{ Condition: { StringNotEquals: { "aws:PrincipalArn": string[] } } }>;
    };
    expect(secretPolicy.Statement[0]!.Condition.StringNotEquals["aws:PrincipalArn"][1]).toBe("arn:aws:iam::222222222222:role/rajee-staging-issuer");
  });

  it("outputs the issuer's Function URL for operators to hand out", () => {
    const output = (staging as unknown as { output: Record<string, { value: string }> }).output.issuer_url;
    expect(output?.value).toMatch(/^\$\{aws_lambda_function_url\.issuer_url_[0-9A-F]+\.function_url\}$/);
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
