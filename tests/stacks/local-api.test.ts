import { Testing } from "cdktf";
import { getEnvironment } from "../../config";
import { ConfigError } from "../../src/config-error";
import { EnvironmentStack } from "../../stacks/environment-stack";
import { checkLocalEndpoint, LOCAL_API_GAPS, LOCAL_CREDENTIALS, LOCAL_ENDPOINT_SERVICES } from "../../stacks/local-api";
import { FAKE_BUNDLE, type Synthesized } from "../modules/synth";
import { withTestApp } from "../support/temp";

interface StackJson extends Synthesized {
  provider: { aws: Array<Record<string, unknown>> };
  terraform: { backend: Record<string, Record<string, unknown>> };
}

const ENDPOINT = "http://127.0.0.1:45123";

function stackJson(name: string, localEndpoint?: string): StackJson {
  return withTestApp((app) => {
    const stack = new EnvironmentStack(app, `rajee-${name}`, { config: getEnvironment(name), rotationBundle: FAKE_BUNDLE, issuerBundle: FAKE_BUNDLE, localEndpoint });
    return JSON.parse(Testing.synth(stack)) as StackJson;
  });
}

const types = (s: Synthesized) => Object.keys(s.resource ?? {});
const resources = (s: Synthesized, type: string) => Object.values(s.resource?.[type] ?? {});

describe("the local variant of a stack (localEndpoint)", () => {
  const dev = stackJson("dev");
  const local = stackJson("dev", `${ENDPOINT}/`);

  it("points every service the stack calls at the local endpoint, path-style, with dummy credentials and few retries", () => {
    const provider = local.provider.aws[0]!;
    expect(provider.endpoints).toEqual([Object.fromEntries(LOCAL_ENDPOINT_SERVICES.map((s) => [s, ENDPOINT]))]);
    expect(provider).toMatchObject({
      region: "eu-west-1",
      access_key: LOCAL_CREDENTIALS.accessKey,
      secret_key: LOCAL_CREDENTIALS.secretKey,
      s3_use_path_style: true,
      skip_metadata_api_check: "true",
      max_retries: 2,
      // moto answers STS with the configured account, so the account pin stays on.
      allowed_account_ids: ["111111111111"],
    });
    expect(provider).not.toHaveProperty("assume_role");
  });

  it("has an endpoint for the service of every resource type it creates", () => {
    const serviceOf: Record<string, string> = {
      acm: "acm", appautoscaling: "appautoscaling", cloudformation: "cloudformation", cloudwatch: "cloudwatch", default: "ec2", ecs: "ecs", eip: "ec2", flow: "ec2", iam: "iam",
      internet: "ec2", kms: "kms", lambda: "lambda", lb: "elbv2", nat: "ec2", route: "ec2", s3: "s3", secretsmanager: "secretsmanager",
      security: "ec2", sns: "sns", ssm: "ssm", subnet: "ec2", vpc: "ec2", wafv2: "wafv2",
    };
    for (const type of types(local)) {
      const word = type.replace(/^aws_/, "").split("_")[0]!;
      const service = type.startsWith("aws_cloudwatch_log") ? "logs" : serviceOf[word];
      expect({ type, service }).toEqual({ type, service: expect.any(String) });
      expect(LOCAL_ENDPOINT_SERVICES).toContain(service);
    }
  });

  it("keeps its state in a local file whatever the environment's backend", () => {
    expect(dev.terraform.backend).toHaveProperty("s3");
    expect(local.terraform.backend).toEqual({ local: { path: "terraform.dev.tfstate" } });
  });

  it("leaves out only the autoscaling registration, the rotation schedule and the pull-through cache rule, and requests its own certificate", () => {
    const missing = types(dev).filter((t) => !types(local).includes(t)).sort();
    const added = types(local).filter((t) => !types(dev).includes(t));
    expect(missing).toEqual(["aws_appautoscaling_policy", "aws_appautoscaling_target", "aws_ecr_pull_through_cache_rule", "aws_secretsmanager_secret_rotation"]);
    expect(added).toEqual(["aws_acm_certificate"]);
    for (const type of types(local)) {
      if (type !== "aws_acm_certificate") expect({ type, count: resources(local, type).length }).toEqual({ type, count: resources(dev, type).length });
    }
    expect(resources(local, "aws_acm_certificate")).toEqual([
      expect.objectContaining({ domain_name: "s3.dev.rajee.example.com", subject_alternative_names: ["*.s3.dev.rajee.example.com"], validation_method: "DNS" }),
    ]);
    const https = resources(local, "aws_lb_listener").find((l) => l.protocol === "HTTPS")!;
    expect(https.certificate_arn).toMatch(/^\$\{aws_acm_certificate\.[\w-]+\.arn\}$/);
  });

  it("turns off the load balancer's deletion protection, which the real dev stack keeps", () => {
    expect(resources(dev, "aws_lb")[0]!.enable_deletion_protection).toBe(true);
    expect(resources(local, "aws_lb")[0]!.enable_deletion_protection).toBe(false);
  });

  it("ignores changes to exactly the attributes moto cannot round-trip, keeping each resource's own", () => {
    const ignored = (s: Synthesized, type: string) =>
      resources(s, type).map((r) => ((r.lifecycle as { ignore_changes?: string[] } | undefined)?.ignore_changes ?? []).slice().sort());
    expect(ignored(local, "aws_ecs_task_definition")).toEqual([["container_definitions"]]);
    // dev runs on Fargate Spot, whose capacity-provider strategy moto drops.
    expect(ignored(local, "aws_ecs_service")).toEqual([
      ["availability_zone_rebalancing", "capacity_provider_strategy", "desired_count", "enable_ecs_managed_tags", "health_check_grace_period_seconds", "launch_type"],
    ]);
    // Every function: the signing-key rotation, the binding-key rotation and the issuer.
    expect(ignored(local, "aws_lambda_function")).toEqual([["logging_config"], ["logging_config"], ["logging_config"]]);
    const rules = resources(local, "aws_vpc_security_group_ingress_rule");
    for (const rule of rules) {
      const lifecycle = (rule.lifecycle as { ignore_changes?: string[] } | undefined)?.ignore_changes;
      expect({ referenced: rule.referenced_security_group_id !== undefined, lifecycle }).toEqual(
        rule.referenced_security_group_id !== undefined ? { referenced: true, lifecycle: ["description"] } : { referenced: false, lifecycle: undefined },
      );
    }
    expect(rules.filter((r) => r.referenced_security_group_id !== undefined)).toHaveLength(2);
    // Egress: the tasks' rules to the endpoints' security group and to S3's prefix list.
    const egress = resources(local, "aws_vpc_security_group_egress_rule").map((r) => [
      r.referenced_security_group_id !== undefined || r.prefix_list_id !== undefined,
      (r.lifecycle as { ignore_changes?: string[] } | undefined)?.ignore_changes,
    ]);
    expect(egress.filter(([byReference]) => byReference)).toEqual([
      [true, ["description"]],
      [true, ["description"]],
    ]);
    expect(egress.filter(([byReference]) => !byReference).every(([, lifecycle]) => lifecycle === undefined)).toBe(true);
    // The JWKS's first version and the deny list's: operators' values are never overwritten, locally as on AWS.
    expect(ignored(local, "aws_secretsmanager_secret_version")).toEqual([["secret_string"], ["secret_string"]]);
    // The real stack ignores only what it always did.
    expect(ignored(dev, "aws_ecs_task_definition")).toEqual([[]]);
    expect(ignored(dev, "aws_ecs_service")).toEqual([["desired_count"]]);
    expect(ignored(dev, "aws_lambda_function")).toEqual([[], [], []]);
    expect(LOCAL_API_GAPS.every((gap) => gap.reason.length > 20)).toBe(true);
  });

  it("refuses a local endpoint that is not an http(s) origin, naming the setting and the fix", () => {
    for (const bad of ["127.0.0.1:5000", "http://127.0.0.1:5000/path", "ftp://127.0.0.1", "http://", "http://a b"]) {
      expect(() => checkLocalEndpoint(bad)).toThrow(ConfigError);
      expect(() => stackJson("dev", bad)).toThrow(/environment-stack: localEndpoint=.* is not an http\(s\) origin; use e\.g\. http:\/\/127\.0\.0\.1:5000/);
    }
    expect(() => checkLocalEndpoint("https://localhost:4566")).not.toThrow();
  });
});
