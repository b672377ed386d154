import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import type { Construct } from "constructs";
import { ConfigError } from "../../src/config-error";
import { envoySettings } from "../../envoy-templates";
import { DEFAULT_LIVE_PATH, ProxyService, type ProxyServiceProps } from "../../modules/proxy-service/proxy-service";
import { escapeTerraform } from "../../modules/proxy-service/containers";
import { proxyServiceProps } from "./proxy-service/props";
import { onlyResource, refOf, resourceNamed, resourcesOf, synth } from "./synth";

const props = proxyServiceProps;

const build = (p: ProxyServiceProps) => synth((scope: Construct) => new ProxyService(scope, "svc", p));

function containers(p: ProxyServiceProps): Record<string, ContainerDefinition> {
  const defs = JSON.parse(onlyResource(build(p), "aws_ecs_task_definition").container_definitions as string) as ContainerDefinition[];
  return Object.fromEntries(defs.map((d) => [d.name, d]));
}

describe("ProxyService", () => {
  const s = build(props());
  const { envoy, authorizer } = containers(props()) as { envoy: ContainerDefinition; authorizer: ContainerDefinition };

  it("sizes a Fargate task and gives each container a limit below it and a reservation below the limit", () => {
    const task = onlyResource(s, "aws_ecs_task_definition");
    expect([task.cpu, task.memory, task.network_mode, task.requires_compatibilities]).toEqual(["512", "1024", "awsvpc", ["FARGATE"]]);
    expect([envoy.cpu, envoy.memory, envoy.memoryReservation]).toEqual([256, 512, 256]);
    expect([authorizer.cpu, authorizer.memory, authorizer.memoryReservation]).toEqual([256, 512, 256]);
  });

  it("runs both containers non-root, with read-only root filesystems, an init process and no capabilities", () => {
    for (const [c, user] of [[envoy, "101:101"], [authorizer, "10001:10001"]] as const) {
      expect(c.user).toBe(user);
      expect(c.readonlyRootFilesystem).toBe(true);
      expect(c.privileged).toBe(false);
      expect(c.linuxParameters).toEqual({ initProcessEnabled: true, capabilities: { drop: ["ALL"] } });
      expect(c.essential).toBe(true);
      // Fargate's maximum: room for the 90 s deregistration delay plus Envoy's drain; the authorizer outlives Envoy.
      expect(c.stopTimeout).toBe(120);
    }
  });

  it("starts Envoy only once the authorizer is HEALTHY", () => {
    expect(envoy.dependsOn).toEqual([{ containerName: "authorizer", condition: "HEALTHY" }]);
    expect(authorizer.dependsOn).toBeUndefined();
  });

  it("health-checks both containers for liveness: the authorizer's script, and GET /live over HTTP/1.1 with bash builtins", () => {
    expect(authorizer.healthCheck).toEqual({ command: ["CMD", "node", "/app/healthcheck.js"], interval: 10, timeout: 5, retries: 3, startPeriod: 15 });
    expect(envoy.healthCheck).toEqual({
      command: [
        "CMD",
        "bash",
        "-c",
        "exec 3<>/dev/tcp/127.0.0.1/8081 || exit 1; " +
          "printf 'GET /live HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n' >&3 || exit 1; " +
          "read -r -t 2 version status _ <&3 || exit 1; " +
          // Terraform's escape of `${`: ECS receives `${status%$'\r'}` (tests/modules/proxy-service/task-commands.test.ts runs it).
          "status=$${status%$'\\r'}; " +
          "[[ $version == HTTP/1.[01] && $status == 200 ]]",
      ],
      interval: 10,
      timeout: 5,
      retries: 3,
      startPeriod: 15,
    });
  });

  it("defaults to the live path the Envoy configuration routes", () => {
    expect(DEFAULT_LIVE_PATH).toBe(envoySettings({ s3Region: "eu-west-1" }).livePath);
    expect(envoy.healthCheck?.command?.[3]).toContain(`'GET ${DEFAULT_LIVE_PATH} HTTP/1.1\\r\\n`);
  });

  it("checks the live path it is given, and refuses one that is not a plain path", () => {
    const { envoy: custom } = containers(props({ healthPort: 18081, livePath: "/alive" })) as { envoy: ContainerDefinition };
    expect(custom.healthCheck?.command?.[3]).toContain("exec 3<>/dev/tcp/127.0.0.1/18081 ");
    expect(custom.healthCheck?.command?.[3]).toContain("'GET /alive HTTP/1.1\\r\\n");
    expect(() => build(props({ livePath: "/live' ; reboot ; '" }))).toThrow(
      new ConfigError(`proxy-service: livePath="/live' ; reboot ; '" is not a plain absolute path; use letters, digits and ._~/- only, e.g. "/live"`),
    );
  });

  it("passes the Envoy command through and maps only the S3 and health ports", () => {
    expect(envoy.command).toEqual(props().envoyCommand);
    expect(envoy.portMappings).toEqual([
      { name: "s3", containerPort: 8080, protocol: "tcp" },
      { name: "health", containerPort: 8081, protocol: "tcp" },
    ]);
    expect(authorizer.portMappings).toBeUndefined();
  });

  it("configures the authorizer through its RAJEE_* environment, bound to loopback", () => {
    expect(authorizer.environment).toEqual([
      { name: "AWS_REGION", value: "eu-west-1" },
      { name: "RAJEE_LISTEN", value: "127.0.0.1:9000" },
      { name: "RAJEE_ADMIN_LISTEN", value: "127.0.0.1:9001" },
      { name: "RAJEE_JWKS_SECRET_ARN", value: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:jwks" },
      { name: "RAJEE_ISSUER", value: "https://issuer.example.com" },
      { name: "RAJEE_AUDIENCE", value: "rajee-test" },
      { name: "RAJEE_MAX_TOKEN_LIFETIME_SECONDS", value: "43200" },
      { name: "RAJEE_CLOCK_SKEW_SECONDS", value: "30" },
      { name: "RAJEE_S3_REGION", value: "eu-west-1" },
      { name: "RAJEE_S3_ENDPOINT", value: "s3.eu-west-1.amazonaws.com" },
      { name: "RAJEE_VIRTUAL_HOST_DOMAIN", value: "s3.example.com" },
      { name: "RAJEE_LOG_LEVEL", value: "info" },
      { name: "RAJEE_CLIENT_SIGNATURES", value: "when-bound" },
    ]);
  });

  it("ships both containers' logs with awslogs to their own groups", () => {
    expect(envoy.logConfiguration).toEqual({
      logDriver: "awslogs",
      options: { "awslogs-group": "/rajee/test/envoy", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "envoy", mode: "non-blocking", "max-buffer-size": "25m" },
    });
    expect(authorizer.logConfiguration?.options?.["awslogs-group"]).toBe("/rajee/test/authorizer");
  });

  it("admits only the load balancer, on Envoy's S3 and health ports; never the admin ports", () => {
    const ingress = Object.values(resourcesOf(s, "aws_vpc_security_group_ingress_rule")).map((r) => [r.from_port, r.to_port, r.referenced_security_group_id, r.cidr_ipv4]);
    expect(ingress).toEqual([
      [8081, 8081, "sg-alb", undefined],
      [8080, 8080, "sg-alb", undefined],
    ]);
  });

  it("lets the tasks open HTTPS only to S3's prefix list and the VPC endpoints' security group, never the internet", () => {
    const egress = Object.values(resourcesOf(s, "aws_vpc_security_group_egress_rule")).map((r) => [r.ip_protocol, r.from_port, r.to_port, r.prefix_list_id, r.referenced_security_group_id, r.cidr_ipv4]);
    expect(egress).toEqual([
      ["tcp", 443, 443, undefined, "sg-endpoints", undefined],
      ["tcp", 443, 443, "pl-s3", undefined, undefined],
    ]);
  });

  it("rejects a service with nowhere to send HTTPS", () => {
    expect(() => build(props({ egressPrefixListIds: [], egressSecurityGroupIds: [] }))).toThrow(
      new ConfigError(
        "proxy-service: egressCidrs, egressPrefixListIds and egressSecurityGroupIds are all empty; the tasks need S3 and the VPC endpoints: pass the S3 prefix list and the endpoints' security group",
      ),
    );
  });

  it("runs on the given capacity providers instead of the FARGATE launch type, after the cluster has them", () => {
    const spot = build(props({ capacityProviders: { FARGATE: { weight: 1, base: 1 }, FARGATE_SPOT: { weight: 3 } } }));
    const svc = onlyResource(spot, "aws_ecs_service");
    expect(svc.launch_type).toBeUndefined();
    expect(svc.capacity_provider_strategy).toEqual([
      { capacity_provider: "FARGATE", weight: 1, base: 1 },
      { capacity_provider: "FARGATE_SPOT", weight: 3, base: 0 },
    ]);
    expect(svc.depends_on).toEqual([expect.stringMatching(/^aws_ecs_cluster_capacity_providers\./)]);
    expect(onlyResource(spot, "aws_ecs_cluster_capacity_providers")).toEqual({
      cluster_name: refOf(spot, "aws_ecs_cluster", "cluster", "name"),
      capacity_providers: ["FARGATE", "FARGATE_SPOT"],
    });
    expect(resourcesOf(s, "aws_ecs_cluster_capacity_providers")).toEqual({});
  });

  it("rejects capacity providers ECS would refuse", () => {
    expect(() => build(props({ capacityProviders: { FARGATE: { weight: 0, base: 1 }, FARGATE_SPOT: { weight: 0, base: 2 } } }))).toThrow(
      new ConfigError(
        "proxy-service: capacityProviders gives every provider weight 0; give one a positive weight\n" +
          "proxy-service: capacityProviders sets a base on more than one provider; ECS allows one",
      ),
    );
  });

  it("deploys with the circuit breaker and rollback, in private subnets without public IPs", () => {
    const svc = onlyResource(s, "aws_ecs_service");
    expect(svc.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
    expect(svc.network_configuration).toEqual({ subnets: ["subnet-a", "subnet-b"], security_groups: [refOf(s, "aws_security_group", "tasks-sg", "id")], assign_public_ip: false });
    expect(svc.load_balancer).toEqual([{ target_group_arn: props().targetGroupArn, container_name: "envoy", container_port: 8080 }]);
    expect([svc.launch_type, svc.platform_version, svc.enable_execute_command, svc.desired_count]).toEqual(["FARGATE", "1.4.0", false, 2]);
  });

  it("makes the apply wait for a steady service, so a deployment that never settles fails loudly", () => {
    const svc = onlyResource(s, "aws_ecs_service");
    expect([svc.wait_for_steady_state, svc.health_check_grace_period_seconds]).toEqual([true, 60]);
  });

  it("autoscales between min and max on CPU and on requests per target", () => {
    const target = onlyResource(s, "aws_appautoscaling_target");
    expect([target.min_capacity, target.max_capacity, target.scalable_dimension]).toEqual([2, 6, "ecs:service:DesiredCount"]);
    const cpu = resourceNamed(s, "aws_appautoscaling_policy", "cpu-tracking").target_tracking_scaling_policy_configuration as Record<string, unknown>;
    expect(cpu.target_value).toBe(60);
    expect(cpu.predefined_metric_specification).toEqual({ predefined_metric_type: "ECSServiceAverageCPUUtilization" });
    const requests = resourceNamed(s, "aws_appautoscaling_policy", "requests-tracking").target_tracking_scaling_policy_configuration as Record<string, unknown>;
    expect(requests.predefined_metric_specification).toEqual({ predefined_metric_type: "ALBRequestCountPerTarget", resource_label: props().albResourceLabel });
  });

  it.each([
    [
      "a memory size Fargate does not pair with the cpu",
      { size: { cpu: 256, memoryMiB: 4096, envoy: { cpu: 128, memoryMiB: 256, memoryReservationMiB: 128 }, authorizer: { cpu: 128, memoryMiB: 256, memoryReservationMiB: 128 } } },
      "proxy-service: size.memoryMiB=4096 is not a Fargate memory size for cpu=256; use one of 512, 1024, 2048",
    ],
    [
      "containers above the task memory",
      { size: { cpu: 512, memoryMiB: 1024, envoy: { cpu: 256, memoryMiB: 768, memoryReservationMiB: 256 }, authorizer: { cpu: 256, memoryMiB: 512, memoryReservationMiB: 256 } } },
      "proxy-service: size.envoy.memoryMiB + authorizer.memoryMiB=1280 exceeds the task memoryMiB=1024; lower the containers or raise the task size",
    ],
    [
      "a reservation equal to the limit",
      { size: { cpu: 512, memoryMiB: 1024, envoy: { cpu: 256, memoryMiB: 512, memoryReservationMiB: 512 }, authorizer: { cpu: 256, memoryMiB: 512, memoryReservationMiB: 256 } } },
      "proxy-service: size.envoy.memoryReservationMiB=512 must be a positive integer below envoy.memoryMiB=512",
    ],
    [
      "a health check interval below ECS's minimum",
      { envoyHealthCheck: { intervalSeconds: 3, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 0 } },
      "proxy-service: envoyHealthCheck.intervalSeconds=3 is outside the ECS range; use 5-300",
    ],
    [
      "a health check timeout not below the interval",
      { authorizerHealthCheck: { intervalSeconds: 10, timeoutSeconds: 10, retries: 3, startPeriodSeconds: 0 } },
      "proxy-service: authorizerHealthCheck.timeoutSeconds=10 must be below intervalSeconds=10; shorten the timeout or lengthen the interval",
    ],
    ["a stop timeout above Fargate's 120 s", { envoyStopTimeoutSeconds: 300 }, "proxy-service: envoyStopTimeoutSeconds=300 is outside the Fargate range; use 2-120"],
    [
      "an Envoy command without a config",
      { envoyCommand: ["envoy"] },
      "proxy-service: envoyCommand has neither --config-yaml nor -c; pass envoyCommand(settings) from envoy-templates",
    ],
  ] as Array<[string, Partial<ProxyServiceProps>, string]>)("rejects %s", (_label, overrides, message) => {
    expect(() => build(props(overrides))).toThrow(new ConfigError(message));
  });

  it("rejects container definitions that would not fit ECS's 64 KiB task definition", () => {
    const huge = "x".repeat(70_000);
    expect(() => build(props({ envoyCommand: ["envoy", "--config-yaml", huge] }))).toThrow(
      /^proxy-service: container definitions are \d+ bytes; ECS limits a task definition to 65536 bytes \(4096 kept for the rest\); shorten the Envoy configuration$/,
    );
  });

  it("escapes Terraform interpolation in the literal Envoy configuration", () => {
    expect(escapeTerraform("a ${b} %{c} $d")).toBe("a $${b} %%{c} $d");
    const task = onlyResource(build(props({ envoyCommand: ["envoy", "--config-yaml", "x: '${y}'"] })), "aws_ecs_task_definition");
    expect(task.container_definitions as string).toContain(`"x: '$\${y}'"`);
  });
});
