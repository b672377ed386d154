import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { getEnvironment } from "../../config";
import { bundleIssuerLambda } from "../../handlers/issuer/bundle";
import { bundleRotationLambda } from "../../handlers/rotation/bundle";
import { EnvironmentStack } from "../../stacks/environment-stack";
import { explainSkip, initAndValidate, planJson, terraformSetup, type PlanJson } from "../support/terraform";

/**
 * The synthesized stacks as Terraform sees them: `terraform validate` on every environment as
 * deployed (S3 backend, allowed_account_ids, assume_role), and an offline `terraform plan` of dev
 * (provider mirror, dummy credentials, local state). Skips, saying why, without terraform.
 */
const setup = terraformSetup();
if (!setup.ok) explainSkip(setup.reason);
const describeTerraform = setup.ok ? describe : describe.skip;

const ENVIRONMENTS = ["dev", "staging", "prod"] as const;

describeTerraform("terraform", () => {
  const dirs: string[] = [];
  const results: { validate: Record<string, { valid: boolean; diagnostics: unknown[] }>; plan?: PlanJson } = { validate: {} };

  beforeAll(async () => {
    if (!setup.ok) return;
    const outdir = mkdtempSync(join(tmpdir(), "rajee-synth-"));
    dirs.push(outdir, setup.workDir);
    const rotationBundle = bundleRotationLambda(join(outdir, "rotation"));
    const issuerBundle = bundleIssuerLambda(join(outdir, "issuer"));
    const app = new App({ outdir });
    for (const name of ENVIRONMENTS) new EnvironmentStack(app, `rajee-${name}`, { config: getEnvironment(name), rotationBundle, issuerBundle });
    new EnvironmentStack(app, "rajee-dev-offline", { config: getEnvironment("dev"), rotationBundle, issuerBundle, offlinePlan: true, localBackend: true });
    app.synth();
    const dir = (stack: string) => join(outdir, "stacks", stack);
    // One stack at a time: concurrent inits sharing one plugin cache collide (a cache entry being
    // created by one is seen half-made by another, which failed under a loaded full-suite run).
    await initAndValidate(setup, dir("rajee-dev-offline"), true);
    const validations: { valid: boolean; diagnostics: unknown[] }[] = [];
    for (const name of ENVIRONMENTS) validations.push(await initAndValidate(setup, dir(`rajee-${name}`), false));
    const plan = await planJson(setup, dir("rajee-dev-offline"));
    results.plan = plan;
    ENVIRONMENTS.forEach((name, i) => (results.validate[name] = validations[i]!));
  }, 180_000);

  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it.each(ENVIRONMENTS)("validates the %s stack as deployed", (name) => {
    expect(results.validate[name]).toMatchObject({ valid: true, diagnostics: [] });
  });

  describe("offline plan of dev", () => {
    const changes = () => results.plan!.resource_changes;
    const after = (type: string) => changes().filter((r) => r.type === type).map((r) => r.change.after);
    const one = (type: string) => {
      const all = after(type);
      expect(all).toHaveLength(1);
      return all[0]!;
    };

    it("creates every resource and changes nothing else", () => {
      expect(changes().every((r) => r.change.actions.join() === "create")).toBe(true);
      const counts: Record<string, number> = {};
      for (const r of changes()) counts[r.type] = (counts[r.type] ?? 0) + 1;
      expect(counts).toEqual({
        aws_appautoscaling_policy: 2,
        aws_appautoscaling_target: 1,
        aws_cloudformation_stack: 1,
        aws_cloudwatch_dashboard: 1,
        aws_cloudwatch_log_group: 8,
        aws_cloudwatch_log_metric_filter: 2,
        aws_cloudwatch_metric_alarm: 14,
        aws_default_security_group: 1,
        aws_ecr_pull_through_cache_rule: 1,
        aws_ecs_cluster: 1,
        aws_ecs_cluster_capacity_providers: 1,
        aws_ecs_service: 1,
        aws_ecs_task_definition: 1,
        aws_eip: 1,
        aws_flow_log: 1,
        aws_iam_role: 6,
        aws_iam_role_policy: 10,
        aws_internet_gateway: 1,
        aws_kms_alias: 4,
        aws_kms_key: 5,
        aws_lambda_function: 3,
        aws_lambda_function_url: 1,
        aws_lambda_permission: 3,
        aws_lb: 1,
        aws_lb_listener: 2,
        aws_lb_target_group: 1,
        aws_nat_gateway: 1,
        aws_route: 3,
        aws_route_table: 3,
        aws_route_table_association: 4,
        aws_s3_bucket: 1,
        aws_s3_bucket_lifecycle_configuration: 1,
        aws_s3_bucket_ownership_controls: 1,
        aws_s3_bucket_policy: 1,
        aws_s3_bucket_public_access_block: 1,
        aws_s3_bucket_server_side_encryption_configuration: 1,
        aws_secretsmanager_secret: 5,
        aws_secretsmanager_secret_policy: 2,
        aws_secretsmanager_secret_rotation: 2,
        aws_secretsmanager_secret_version: 2,
        aws_security_group: 3,
        aws_sns_topic: 1,
        aws_sns_topic_subscription: 1,
        aws_ssm_parameter: 1,
        aws_subnet: 4,
        aws_vpc: 1,
        aws_vpc_endpoint: 5,
        aws_vpc_security_group_egress_rule: 4,
        aws_vpc_security_group_ingress_rule: 5,
        aws_wafv2_web_acl: 1,
        aws_wafv2_web_acl_association: 1,
        aws_wafv2_web_acl_logging_configuration: 1,
      });
    });

    it("plans the VPC and its subnets in two AZs", () => {
      expect(one("aws_vpc")).toMatchObject({ cidr_block: "10.10.0.0/16", enable_dns_hostnames: true });
      expect(after("aws_subnet").map((s) => `${s.availability_zone} ${s.cidr_block}`).sort()).toEqual([
        "eu-west-1a 10.10.0.0/19",
        "eu-west-1a 10.10.192.0/21",
        "eu-west-1b 10.10.200.0/21",
        "eu-west-1b 10.10.32.0/19",
      ]);
    });

    it("plans HTTPS with the TLS 1.3 policy and HTTP as a redirect", () => {
      const listeners = after("aws_lb_listener").map((l) => [l.port, l.protocol, l.ssl_policy ?? null]);
      expect(listeners.sort()).toEqual([
        [443, "HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06"],
        [80, "HTTP", null],
      ]);
      expect(one("aws_lb")).toMatchObject({ drop_invalid_header_fields: true, desync_mitigation_mode: "strictest", internal: false });
    });

    it("plans the Fargate task size, the circuit breaker and the Envoy health listener check", () => {
      expect(one("aws_ecs_task_definition")).toMatchObject({ cpu: "512", memory: "1024", network_mode: "awsvpc", requires_compatibilities: ["FARGATE"] });
      // dev runs on Fargate Spot (config/dev.ts): a capacity-provider strategy instead of the launch type.
      expect(one("aws_ecs_service")).toMatchObject({
        deployment_circuit_breaker: [{ enable: true, rollback: true }],
        capacity_provider_strategy: [{ capacity_provider: "FARGATE_SPOT", weight: 1, base: 0 }],
      });
      expect(one("aws_lb_target_group").health_check).toEqual([
        expect.objectContaining({ port: "8081", path: "/ready", protocol: "HTTP", matcher: "200" }),
      ]);
    });

    it("plans a steady-state wait, the 90 s deregistration delay and the 120 s ALB idle timeout the invariants judged", () => {
      expect(one("aws_ecs_service")).toMatchObject({ wait_for_steady_state: true, health_check_grace_period_seconds: 60 });
      expect(one("aws_lb_target_group")).toMatchObject({ deregistration_delay: "90" });
      expect(one("aws_lb")).toMatchObject({ idle_timeout: 120 });
    });

    it("plans the latency alarm as metric math over both Result series, and the key-age alarm within CloudWatch's range", () => {
      const alarms = after("aws_cloudwatch_metric_alarm");
      const latency = alarms.find((a) => a.alarm_name === "rajee-dev-authz-latency-p99")!;
      expect((latency.metric_query as Array<{ id: string }>).map((q) => q.id).sort()).toEqual(["allow", "deny", "worst"]);
      expect(latency.threshold).toBe(500);
      const age = alarms.find((a) => a.alarm_name === "rajee-dev-signing-key-age")!;
      expect(age).toMatchObject({ metric_name: "SigningKeyAgeSeconds", period: 3600, evaluation_periods: 1, threshold: 9 * 86400 });
    });

    it("plans signing- and binding-key rotation every 7 days through the bundled Lambda, one function each", () => {
      expect(after("aws_secretsmanager_secret_rotation").map((r) => r.rotation_rules)).toEqual([
        [expect.objectContaining({ automatically_after_days: 7 })],
        [expect.objectContaining({ automatically_after_days: 7 })],
      ]);
      for (const name of ["rajee-dev-key-rotation", "rajee-dev-binding-key-rotation"]) {
        const rotation = after("aws_lambda_function").find((f) => f.function_name === name);
        expect(rotation).toMatchObject({ runtime: "nodejs22.x", handler: "index.handler", architectures: ["arm64"] });
      }
    });

    it("plans the issuer on Node.js 22 behind an AWS_IAM Function URL, one URL permission per invoker, with its reserved concurrency", () => {
      const issuer = after("aws_lambda_function").find((f) => f.function_name === "rajee-dev-issuer");
      expect(issuer).toMatchObject({ runtime: "nodejs22.x", handler: "index.handler", architectures: ["arm64"], reserved_concurrent_executions: 5 });
      expect(one("aws_lambda_function_url")).toMatchObject({ authorization_type: "AWS_IAM", cors: [] });
      const urlPermissions = after("aws_lambda_permission").filter((p) => p.action === "lambda:InvokeFunctionUrl");
      expect(urlPermissions.map((p) => [p.principal, p.function_url_auth_type])).toEqual([["111111111111", "AWS_IAM"]]);
    });

    it("plans the WAF rate rule and the per-IP limit from the config", () => {
      const rule = (one("aws_wafv2_web_acl").rule as Array<{ statement: Array<{ rate_based_statement: Array<{ limit: number; aggregate_key_type: string }> }> }>)[0]!;
      expect(rule.statement[0]!.rate_based_statement[0]).toMatchObject({ limit: 2000, aggregate_key_type: "IP" });
    });
  });
});
