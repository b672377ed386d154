import { Construct } from "constructs";
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import {
  AUTHORIZER_ADMIN_PORT,
  AUTHORIZER_PORT,
  ECS_MAX_STOP_TIMEOUT_SECONDS,
  ENVOY_HEALTH_PORT,
  ENVOY_LISTENER_PORT,
  ENVOY_LIVE_PATH,
} from "../../src/contracts/gateway";
import { cidrProblem } from "../network/cidr";
import { checkNamePrefix, throwProblems } from "../shared/names";
import { collectorConfigYaml } from "./collector";
import { ENVOY_CONTAINER, gatewayContainers, type AuthorizerSettings } from "./containers";
import { scalingProblems, type ServiceScaling } from "./scaling";
import { healthCheckProblems, taskSizeProblems, type HealthCheckTiming, type TaskSize } from "./task-size";

export type { ServiceScaling } from "./scaling";

/** The two Fargate capacity providers. */
export type FargateCapacityProvider = "FARGATE" | "FARGATE_SPOT";

/** One capacity provider's share: `base` tasks first, then `weight` relative to the others. */
export interface CapacityProviderShare {
  /** Relative share of tasks beyond the bases (0-1000). */
  readonly weight: number;
  /** Tasks placed on this provider before weights apply (0-100000; at most one provider may set it). @default 0 */
  readonly base?: number;
}

export interface ProxyServiceProps {
  /** Prefix of the cluster, service and task family names, e.g. `rajee-dev`. */
  readonly namePrefix: string;
  /** Region of the tasks (log driver, authorizer). */
  readonly region: string;
  /** VPC of the tasks. */
  readonly vpcId: string;
  /** Private subnets the tasks run in, with a route to S3. */
  readonly subnetIds: readonly string[];
  /** Security group of the load balancer: the only source allowed to reach the tasks. */
  readonly loadBalancerSecurityGroupId: string;
  /** Target group the service registers Envoy's S3 port in. */
  readonly targetGroupArn: string;
  /** `<lb arn_suffix>/<target group arn_suffix>`, for request-count autoscaling. */
  readonly albResourceLabel: string;
  /** Task role (S3 and JWKS access; used by the authorizer). */
  readonly taskRoleArn: string;
  /** Execution role (image pull, logs). */
  readonly executionRoleArn: string;
  /** Envoy image, pinned. */
  readonly envoyImage: string;
  /** Authorizer image, pinned. */
  readonly authorizerImage: string;
  /** Envoy's command (`envoyCommand(settings)` from envoy-templates). */
  readonly envoyCommand: readonly string[];
  /** What the authorizer is told through its environment. */
  readonly authorizer: AuthorizerSettings;
  /** Log group names of the two containers. */
  readonly logGroups: { readonly envoy: string; readonly authorizer: string };
  /** Task size and container shares. @default DEFAULT_TASK_SIZE (0.5 vCPU, 1 GiB) */
  readonly size?: TaskSize;
  /** Task counts and autoscaling targets. @default DEFAULT_SCALING */
  readonly scaling?: ServiceScaling;
  /** Envoy's S3 listener port. @default 8080 */
  readonly listenerPort?: number;
  /** Envoy's health listener port. @default 8081 */
  readonly healthPort?: number;
  /** Path on Envoy's health listener the container health check GETs: liveness, answered by Envoy alone. @default "/live" */
  readonly livePath?: string;
  /** Authorizer check port on 127.0.0.1. @default 9000 */
  readonly authorizerPort?: number;
  /** Authorizer operations port on 127.0.0.1. @default 9001 */
  readonly authorizerAdminPort?: number;
  /**
   * Seconds ECS waits after SIGTERM before killing Envoy (2-120, Fargate's maximum). Must hold the
   * target group's deregistration delay plus Envoy's drain (checked at synth, stacks/invariants.ts). @default 120
   */
  readonly envoyStopTimeoutSeconds?: number;
  /** Seconds ECS waits after SIGTERM before killing the authorizer (2-120); at least Envoy's, so it outlives Envoy's drain. @default 120 */
  readonly authorizerStopTimeoutSeconds?: number;
  /** Envoy container health check timings. @default DEFAULT_HEALTH_CHECK */
  readonly envoyHealthCheck?: HealthCheckTiming;
  /** Authorizer container health check timings. @default DEFAULT_HEALTH_CHECK */
  readonly authorizerHealthCheck?: HealthCheckTiming;
  /** CPU architecture of both images. @default "X86_64" */
  readonly cpuArchitecture?: "X86_64" | "ARM64";
  /** CIDRs the tasks may open HTTPS connections to, besides the prefix lists and security groups below. @default [] */
  readonly egressCidrs?: readonly string[];
  /** Prefix lists the tasks may reach on 443: the S3 gateway endpoint's. @default [] */
  readonly egressPrefixListIds?: readonly string[];
  /** Security groups the tasks may reach on 443: the interface endpoints' (ECR, logs, Secrets Manager). @default [] */
  readonly egressSecurityGroupIds?: readonly string[];
  /**
   * Fargate capacity providers and their share of the tasks, keyed by provider. Unset runs every task
   * on on-demand Fargate (launch type FARGATE). Spot suits non-production: a task may be stopped with
   * two minutes' notice. @default undefined (launch type FARGATE)
   */
  readonly capacityProviders?: Readonly<Partial<Record<FargateCapacityProvider, CapacityProviderShare>>>;
  /** CloudWatch Container Insights on the cluster. @default true */
  readonly containerInsights?: boolean;
  /** Seconds after a task starts during which the ALB health check is ignored. @default 60 */
  readonly healthCheckGracePeriodSeconds?: number;
  /** Make `terraform apply` wait until the service is steady, so a deployment that never settles fails the apply. @default true */
  readonly waitForSteadyState?: boolean;
  /**
   * Run the OpenTelemetry collector in the task (traces to X-Ray, Envoy's metrics to CloudWatch);
   * needs `size.collector`. @default none: no collector
   */
  readonly collector?: ProxyCollectorProps;
  /** Collector container health check timings. @default DEFAULT_HEALTH_CHECK */
  readonly collectorHealthCheck?: HealthCheckTiming;
  /**
   * Register the service with Application Auto Scaling (CPU and request-count tracking). Off only
   * where that API is missing (the local apply against moto). @default true
   */
  readonly autoscaling?: boolean;
}

/** The collector in the task (collector.ts). */
export interface ProxyCollectorProps {
  /** Collector image, pinned (COLLECTOR_IMAGE through the mirror). */
  readonly image: string;
  /** Log group of the collector's own output. */
  readonly logGroup: string;
  /** Log group the EMF exporter writes Envoy's metrics to. */
  readonly metricsLogGroup: string;
}

export const DEFAULT_TASK_SIZE: TaskSize = {
  cpu: 512,
  memoryMiB: 1024,
  envoy: { cpu: 256, memoryMiB: 512, memoryReservationMiB: 256 },
  authorizer: { cpu: 256, memoryMiB: 512, memoryReservationMiB: 256 },
};
export const DEFAULT_SCALING: ServiceScaling = { desiredTasks: 2, minTasks: 2, maxTasks: 6, cpuTargetPercent: 60, requestsPerTarget: 6000 };
export const DEFAULT_HEALTH_CHECK: HealthCheckTiming = { intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 15 };
// Ports and the liveness path default to the gateway contract's, which Envoy's settings and the authorizer read too.
export const DEFAULT_LISTENER_PORT = ENVOY_LISTENER_PORT;
export const DEFAULT_HEALTH_PORT = ENVOY_HEALTH_PORT;
export const DEFAULT_LIVE_PATH = ENVOY_LIVE_PATH;
export const DEFAULT_AUTHORIZER_PORT = AUTHORIZER_PORT;
export const DEFAULT_AUTHORIZER_ADMIN_PORT = AUTHORIZER_ADMIN_PORT;
/** Fargate's maximum: room for the deregistration delay plus Envoy's drain. */
export const DEFAULT_ENVOY_STOP_TIMEOUT_SECONDS = ECS_MAX_STOP_TIMEOUT_SECONDS;
/** Never shorter than Envoy's, so the authorizer answers checks until Envoy has drained. */
export const DEFAULT_AUTHORIZER_STOP_TIMEOUT_SECONDS = ECS_MAX_STOP_TIMEOUT_SECONDS;
/** Fargate's limit on a container's stopTimeout (ECS container definition reference); the gateway contract's, which Envoy's drain bound uses too. */
export const FARGATE_MAX_STOP_TIMEOUT_SECONDS = ECS_MAX_STOP_TIMEOUT_SECONDS;
export const DEFAULT_CPU_ARCHITECTURE = "X86_64";
export const DEFAULT_EGRESS_CIDRS: readonly string[] = [];
export const DEFAULT_HEALTH_CHECK_GRACE_PERIOD_SECONDS = 60;
/** ECS's limit on a whole task definition; the container definitions must leave room for the rest. */
export const TASK_DEFINITION_MAX_BYTES = 65536;
/** Room kept for the rest of the task definition and for tokens resolving to longer ARNs. */
const TASK_DEFINITION_MARGIN_BYTES = 4096;
/** Fargate platform version, pinned so a new default never changes running tasks unannounced. */
export const FARGATE_PLATFORM_VERSION = "1.4.0";

/** Why a capacity-provider map is not one ECS accepts; empty when it is. */
function capacityProblems(capacity: Readonly<Partial<Record<FargateCapacityProvider, CapacityProviderShare>>>): string[] {
  const problems: string[] = [];
  const entries = Object.entries(capacity) as [string, CapacityProviderShare][];
  if (entries.length === 0) problems.push("capacityProviders={} is empty; omit it for on-demand Fargate or give FARGATE and/or FARGATE_SPOT a weight");
  for (const [provider, share] of entries) {
    if (provider !== "FARGATE" && provider !== "FARGATE_SPOT") problems.push(`capacityProviders.${provider} is not a Fargate capacity provider; use FARGATE or FARGATE_SPOT`);
    if (!Number.isInteger(share.weight) || share.weight < 0 || share.weight > 1000) problems.push(`capacityProviders.${provider}.weight=${share.weight} is outside 0-1000`);
    const base = share.base ?? 0;
    if (!Number.isInteger(base) || base < 0 || base > 100000) problems.push(`capacityProviders.${provider}.base=${base} is outside 0-100000`);
  }
  if (entries.length > 0 && entries.every(([, share]) => share.weight === 0)) problems.push("capacityProviders gives every provider weight 0; give one a positive weight");
  if (entries.filter(([, share]) => (share.base ?? 0) > 0).length > 1) problems.push("capacityProviders sets a base on more than one provider; ECS allows one");
  return problems;
}

/**
 * The gateway on ECS Fargate: a cluster, a task definition with the Envoy and authorizer containers
 * (limits, health checks, Envoy waiting for a HEALTHY authorizer, read-only root filesystems,
 * non-root users, an init process, stop timeouts, awslogs), a security group that admits only the
 * load balancer on Envoy's two listener ports, a service with the deployment circuit breaker and
 * rollback, and autoscaling on CPU and requests per target.
 */
export class ProxyService extends Construct {
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly serviceName: string;
  readonly taskDefinitionArn: string;
  readonly securityGroupId: string;
  /** The container definitions as ECS's own type (for tests and plan review). */
  readonly containerDefinitions: readonly ContainerDefinition[];
  /** Envoy container's stopTimeout, seconds (resolved). */
  readonly envoyStopTimeoutSeconds: number;
  /** Authorizer container's stopTimeout, seconds (resolved). */
  readonly authorizerStopTimeoutSeconds: number;
  /** Envoy container's health check timings (resolved). */
  readonly envoyHealthCheck: HealthCheckTiming;
  /** Authorizer container's health check timings (resolved). */
  readonly authorizerHealthCheck: HealthCheckTiming;
  /** Seconds the service ignores ALB health checks after a task starts (resolved). */
  readonly healthCheckGracePeriodSeconds: number;

  constructor(scope: Construct, id: string, props: ProxyServiceProps) {
    super(scope, id);
    const size = props.size ?? DEFAULT_TASK_SIZE;
    const scaling = props.scaling ?? DEFAULT_SCALING;
    const listenerPort = props.listenerPort ?? DEFAULT_LISTENER_PORT;
    const healthPort = props.healthPort ?? DEFAULT_HEALTH_PORT;
    const livePath = props.livePath ?? DEFAULT_LIVE_PATH;
    const authorizerPort = props.authorizerPort ?? DEFAULT_AUTHORIZER_PORT;
    const authorizerAdminPort = props.authorizerAdminPort ?? DEFAULT_AUTHORIZER_ADMIN_PORT;
    const envoyStop = props.envoyStopTimeoutSeconds ?? DEFAULT_ENVOY_STOP_TIMEOUT_SECONDS;
    const authorizerStop = props.authorizerStopTimeoutSeconds ?? DEFAULT_AUTHORIZER_STOP_TIMEOUT_SECONDS;
    const envoyHealthCheck = props.envoyHealthCheck ?? DEFAULT_HEALTH_CHECK;
    const authorizerHealthCheck = props.authorizerHealthCheck ?? DEFAULT_HEALTH_CHECK;
    const collectorHealthCheck = props.collectorHealthCheck ?? DEFAULT_HEALTH_CHECK;
    const cpuArchitecture = props.cpuArchitecture ?? DEFAULT_CPU_ARCHITECTURE;
    const egressCidrs = props.egressCidrs ?? DEFAULT_EGRESS_CIDRS;
    const egressPrefixLists = props.egressPrefixListIds ?? [];
    const egressGroups = props.egressSecurityGroupIds ?? [];
    const capacity = props.capacityProviders;
    const containerInsights = props.containerInsights ?? true;
    const grace = props.healthCheckGracePeriodSeconds ?? DEFAULT_HEALTH_CHECK_GRACE_PERIOD_SECONDS;
    const waitForSteadyState = props.waitForSteadyState ?? true;
    const name = props.namePrefix;

    checkNamePrefix("proxy-service", name);
    const problems: string[] = [
      ...taskSizeProblems(size).map((p) => `size.${p}`),
      ...healthCheckProblems(envoyHealthCheck).map((p) => `envoyHealthCheck.${p}`),
      ...healthCheckProblems(authorizerHealthCheck).map((p) => `authorizerHealthCheck.${p}`),
      ...healthCheckProblems(collectorHealthCheck).map((p) => `collectorHealthCheck.${p}`),
      ...(props.collector !== undefined && size.collector === undefined ? ["size.collector is unset but a collector is configured; give it cpu and memory (e.g. 128 CPU units, 256 MiB)"] : []),
      ...(props.collector === undefined && size.collector !== undefined ? ["size.collector is set but no collector is configured; remove it or pass collector"] : []),
      ...scalingProblems(scaling),
    ];
    for (const [field, v] of [["envoyStopTimeoutSeconds", envoyStop], ["authorizerStopTimeoutSeconds", authorizerStop]] as const) {
      if (!Number.isInteger(v) || v < 2 || v > FARGATE_MAX_STOP_TIMEOUT_SECONDS) {
        problems.push(`${field}=${v} is outside the Fargate range; use 2-${FARGATE_MAX_STOP_TIMEOUT_SECONDS}`);
      }
    }
    const ports = { listenerPort, healthPort, authorizerPort, authorizerAdminPort };
    for (const [field, v] of Object.entries(ports)) {
      if (!Number.isInteger(v) || v < 1024 || v > 65535) problems.push(`${field}=${v} must be 1024-65535 (both containers run unprivileged)`);
    }
    if (new Set(Object.values(ports)).size !== 4) problems.push(`ports ${JSON.stringify(ports)} must all differ (one network namespace per task)`);
    if (props.subnetIds.length === 0) problems.push("subnetIds=[] is empty; pass the private subnets");
    if (!props.envoyCommand.includes("--config-yaml") && !props.envoyCommand.includes("-c")) {
      problems.push("envoyCommand has neither --config-yaml nor -c; pass envoyCommand(settings) from envoy-templates");
    }
    egressCidrs.forEach((c, i) => {
      const p = cidrProblem(c);
      if (p) problems.push(`egressCidrs[${i}]=${JSON.stringify(c)} ${p}`);
    });
    if (egressCidrs.length + egressPrefixLists.length + egressGroups.length === 0) {
      problems.push("egressCidrs, egressPrefixListIds and egressSecurityGroupIds are all empty; the tasks need S3 and the VPC endpoints: pass the S3 prefix list and the endpoints' security group");
    }
    if (capacity !== undefined) problems.push(...capacityProblems(capacity));
    if (!Number.isInteger(grace) || grace < 0 || grace > 2147483647) problems.push(`healthCheckGracePeriodSeconds=${grace} must be a whole number of seconds`);
    throwProblems("proxy-service", problems);
    this.envoyStopTimeoutSeconds = envoyStop;
    this.authorizerStopTimeoutSeconds = authorizerStop;
    this.envoyHealthCheck = Object.freeze({ ...envoyHealthCheck });
    this.authorizerHealthCheck = Object.freeze({ ...authorizerHealthCheck });
    this.healthCheckGracePeriodSeconds = grace;

    this.containerDefinitions = gatewayContainers({
      region: props.region,
      envoyImage: props.envoyImage,
      authorizerImage: props.authorizerImage,
      envoyCommand: props.envoyCommand,
      listenerPort,
      healthPort,
      livePath,
      authorizerPort,
      authorizerAdminPort,
      envoy: size.envoy,
      authorizer: size.authorizer,
      envoyHealthCheck,
      authorizerHealthCheck,
      envoyStopTimeoutSeconds: envoyStop,
      authorizerStopTimeoutSeconds: authorizerStop,
      logGroups: props.logGroups,
      settings: props.authorizer,
      ...(props.collector && size.collector
        ? {
            collector: {
              image: props.collector.image,
              ...size.collector,
              config: collectorConfigYaml({ region: props.region, metricsLogGroup: props.collector.metricsLogGroup, authorizerAdminPort }),
              logGroup: props.collector.logGroup,
              region: props.region,
              healthCheck: collectorHealthCheck,
            },
          }
        : {}),
    });
    const containerJson = JSON.stringify(this.containerDefinitions);
    const bytes = Buffer.byteLength(containerJson);
    if (bytes > TASK_DEFINITION_MAX_BYTES - TASK_DEFINITION_MARGIN_BYTES) {
      throwProblems("proxy-service", [
        `container definitions are ${bytes} bytes; ECS limits a task definition to ${TASK_DEFINITION_MAX_BYTES} bytes ` +
          `(${TASK_DEFINITION_MARGIN_BYTES} kept for the rest); shorten the Envoy configuration`,
      ]);
    }

    const cluster = new EcsCluster(this, "cluster", {
      name,
      setting: [{ name: "containerInsights", value: containerInsights ? "enabled" : "disabled" }],
    });
    this.clusterName = cluster.name;
    this.clusterArn = cluster.arn;
    const strategy =
      capacity === undefined
        ? undefined
        : (Object.entries(capacity) as [FargateCapacityProvider, CapacityProviderShare][]).map(([provider, share]) => ({
            capacityProvider: provider,
            weight: share.weight,
            base: share.base ?? 0,
          }));
    const clusterProviders =
      strategy === undefined
        ? undefined
        : new EcsClusterCapacityProviders(this, "capacity-providers", {
            clusterName: cluster.name,
            capacityProviders: strategy.map((s) => s.capacityProvider),
          });

    const sg = new SecurityGroup(this, "tasks-sg", {
      name: `${name}-tasks`,
      description: "rajee tasks: Envoy listeners from the load balancer only; HTTPS to S3 and the VPC endpoints",
      vpcId: props.vpcId,
      tags: { Name: `${name}-tasks` },
    });
    for (const [key, port] of [["s3", listenerPort], ["health", healthPort]] as const) {
      new VpcSecurityGroupIngressRule(this, `from-alb-${key}`, {
        securityGroupId: sg.id,
        description: key === "s3" ? "Envoy S3 listener from the load balancer" : "Envoy health listener from the load balancer",
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        referencedSecurityGroupId: props.loadBalancerSecurityGroupId,
      });
    }
    const https = { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: 443, toPort: 443 };
    egressCidrs.forEach((cidr, i) => {
      new VpcSecurityGroupEgressRule(this, `https-out-${i}`, { ...https, description: "HTTPS to a listed CIDR", cidrIpv4: cidr });
    });
    egressPrefixLists.forEach((prefixListId, i) => {
      new VpcSecurityGroupEgressRule(this, `https-out-prefix-list-${i}`, { ...https, description: "HTTPS to S3 through the gateway endpoint", prefixListId });
    });
    egressGroups.forEach((groupId, i) => {
      new VpcSecurityGroupEgressRule(this, `https-out-endpoints-${i}`, {
        ...https,
        description: "HTTPS to the VPC interface endpoints",
        referencedSecurityGroupId: groupId,
      });
    });
    this.securityGroupId = sg.id;

    const task = new EcsTaskDefinition(this, "task", {
      family: `${name}-gateway`,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(size.cpu),
      memory: String(size.memoryMiB),
      taskRoleArn: props.taskRoleArn,
      executionRoleArn: props.executionRoleArn,
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture },
      containerDefinitions: containerJson,
    });
    this.taskDefinitionArn = task.arn;

    const service = new EcsService(this, "service", {
      name: `${name}-gateway`,
      cluster: cluster.arn,
      taskDefinition: task.arn,
      desiredCount: scaling.desiredTasks,
      ...(strategy === undefined ? { launchType: "FARGATE" } : { capacityProviderStrategy: strategy, dependsOn: [clusterProviders!] }),
      platformVersion: FARGATE_PLATFORM_VERSION,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriodSeconds: grace,
      // The apply waits for the new tasks to be steady; with the circuit breaker, a deployment that
      // rolls back fails the apply instead of reporting success.
      waitForSteadyState,
      enableExecuteCommand: false,
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      networkConfiguration: { subnets: [...props.subnetIds], securityGroups: [sg.id], assignPublicIp: false },
      loadBalancer: [{ targetGroupArn: props.targetGroupArn, containerName: ENVOY_CONTAINER, containerPort: listenerPort }],
      lifecycle: { ignoreChanges: ["desired_count"] },
    });
    this.serviceName = service.name;

    if (props.autoscaling ?? true) {
      const target = new AppautoscalingTarget(this, "scaling-target", {
        serviceNamespace: "ecs",
        resourceId: `service/${cluster.name}/${service.name}`,
        scalableDimension: "ecs:service:DesiredCount",
        minCapacity: scaling.minTasks,
        maxCapacity: scaling.maxTasks,
      });
      const tracking = (id: string, predefinedMetricType: string, targetValue: number, resourceLabel?: string) =>
        new AppautoscalingPolicy(this, id, {
          name: `${name}-${id}`,
          policyType: "TargetTrackingScaling",
          serviceNamespace: target.serviceNamespace,
          resourceId: target.resourceId,
          scalableDimension: target.scalableDimension,
          targetTrackingScalingPolicyConfiguration: {
            targetValue,
            scaleInCooldown: 300,
            scaleOutCooldown: 60,
            predefinedMetricSpecification: { predefinedMetricType, resourceLabel },
          },
        });
      tracking("cpu-tracking", "ECSServiceAverageCPUUtilization", scaling.cpuTargetPercent);
      tracking("requests-tracking", "ALBRequestCountPerTarget", scaling.requestsPerTarget, props.albResourceLabel);
    }
  }
}
