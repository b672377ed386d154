import { type IConstruct } from "constructs";
import { TerraformResource, type IAspect } from "cdktf";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { ConfigError } from "../src/config-error";

/**
 * The local variant of a stack (`npm run deploy:local`): the provider settings that point it at
 * one local implementation of the AWS APIs (moto), and what that implementation cannot round-trip.
 * Nothing here is used by a real environment.
 */

/**
 * The provider's endpoint names (hashicorp/aws 5.x `endpoints` block) of every AWS service the
 * stack calls, all pointed at the local URL.
 */
export const LOCAL_ENDPOINT_SERVICES = [
  "acm",
  "appautoscaling",
  "cloudformation",
  "cloudwatch",
  "ec2",
  "ecr",
  "ecs",
  "elb",
  "elbv2",
  "iam",
  "kms",
  "lambda",
  "logs",
  "s3",
  "secretsmanager",
  "sns",
  "ssm",
  "sts",
  "wafv2",
] as const;

/** Credentials the local variant hands the provider: moto does not check them. */
export const LOCAL_CREDENTIALS = { accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "local-api-dummy-secret" } as const;

/** Provider retries of a failed call: moto answers 500 for what it lacks every time, so fail fast. */
export const LOCAL_MAX_RETRIES = 2;

/** Throws a ConfigError unless `url` is a bare http(s) origin. */
export function checkLocalEndpoint(url: string): void {
  if (!/^https?:\/\/[^/?#\s]+\/?$/.test(url)) {
    throw new ConfigError(`environment-stack: localEndpoint=${JSON.stringify(url)} is not an http(s) origin; use e.g. http://127.0.0.1:5000`);
  }
}

/** Provider settings of the local variant: every service at `url`, path-style S3, dummy credentials, no instance metadata. */
export function localProviderSettings(url: string) {
  checkLocalEndpoint(url);
  const origin = url.replace(/\/$/, "");
  return {
    accessKey: LOCAL_CREDENTIALS.accessKey,
    secretKey: LOCAL_CREDENTIALS.secretKey,
    endpoints: [Object.fromEntries(LOCAL_ENDPOINT_SERVICES.map((service) => [service, origin]))],
    s3UsePathStyle: true,
    skipMetadataApiCheck: "true",
    maxRetries: LOCAL_MAX_RETRIES,
  };
}

/** Attributes moto stores or returns differently from AWS, so a second plan would always change them. */
export interface LocalApiGap {
  /** Terraform resource type. */
  readonly resourceType: string;
  /** Attributes the local variant ignores changes to. */
  readonly attributes: readonly string[];
  /** Which resources of the type it concerns. @default every one */
  readonly appliesTo?: (resource: TerraformResource) => boolean;
  /** What moto does (moto 5.2.1), for docs/infrastructure.md. */
  readonly reason: string;
}

/** Every attribute the local variant ignores changes to, with the reason. docs/infrastructure.md lists the same. */
export const LOCAL_API_GAPS: readonly LocalApiGap[] = [
  {
    resourceType: "aws_ecs_task_definition",
    attributes: ["container_definitions"],
    reason:
      "moto rewrites every `<RequestId>…</RequestId>` in any response body (core/responses.py `_enrich_response`), " +
      "including the S3 error template inside Envoy's Lua filter, so the stored command never equals the configured one",
  },
  {
    resourceType: "aws_ecs_service",
    attributes: ["availability_zone_rebalancing", "enable_ecs_managed_tags", "health_check_grace_period_seconds"],
    reason: "moto's DescribeServices returns none of availabilityZoneRebalancing, enableECSManagedTags, healthCheckGracePeriodSeconds",
  },
  {
    resourceType: "aws_ecs_service",
    attributes: ["capacity_provider_strategy", "launch_type"],
    appliesTo: (r) => r instanceof EcsService && r.capacityProviderStrategyInput !== undefined,
    reason:
      "moto's CreateService ignores capacityProviderStrategy and stores launch type EC2 when none is given (ecs/models.py `create_service`), " +
      "so a service on capacity providers reads back as an EC2 service and every plan would replace it",
  },
  {
    resourceType: "aws_lambda_function",
    attributes: ["logging_config"],
    reason: "moto's GetFunction returns no LoggingConfig",
  },
  {
    resourceType: "aws_vpc_security_group_ingress_rule",
    attributes: ["description"],
    appliesTo: (r) => r instanceof VpcSecurityGroupIngressRule && r.referencedSecurityGroupIdInput !== undefined,
    reason: "moto's DescribeSecurityGroupRules takes the description from the CIDR range only, so a rule that references a security group comes back without one",
  },
  {
    resourceType: "aws_vpc_security_group_egress_rule",
    attributes: ["description"],
    appliesTo: (r) => r instanceof VpcSecurityGroupEgressRule && (r.referencedSecurityGroupIdInput !== undefined || r.prefixListIdInput !== undefined),
    reason:
      "the same for egress: a rule to a security group or a prefix list (the tasks' HTTPS to the VPC endpoints and to S3) comes back without its description",
  },
];

/**
 * Adds `ignore_changes` for LOCAL_API_GAPS to the resources of one stack, merged with the
 * resource's own. Applied by the local variant only.
 */
export class IgnoreLocalApiGaps implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof TerraformResource)) return;
    const attributes = LOCAL_API_GAPS.filter((gap) => gap.resourceType === node.terraformResourceType && (gap.appliesTo?.(node) ?? true)).flatMap(
      (gap) => gap.attributes,
    );
    if (attributes.length === 0) return;
    const existing = node.lifecycle?.ignoreChanges;
    if (existing === "all") return;
    node.lifecycle = { ...node.lifecycle, ignoreChanges: [...new Set([...(existing ?? []), ...attributes])] };
  }
}
