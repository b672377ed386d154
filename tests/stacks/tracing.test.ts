import { Testing } from "cdktf";
import { getEnvironment } from "../../config";
import type { EnvironmentConfig } from "../../config/environment";
import { parseConfig } from "../../handlers/authorizer/config";
import { COLLECTOR_CONTAINER } from "../../modules/proxy-service/collector";
import { containerEnvironment, EnvironmentStack } from "../../stacks/environment-stack";
import { AUTHORIZER_CONTAINER, ENVOY_CONTAINER } from "../../modules/proxy-service/containers";
import { FAKE_BUNDLE, resourcesOf, statementsOf, type Synthesized } from "../modules/synth";
import { withTestApp } from "../support/temp";

/** The dev environment, which traces (config/dev.ts). */
function tracedDev(): { stack: EnvironmentStack; json: Synthesized } {
  const config = getEnvironment("dev");
  expect(config.tracing).toBeDefined();
  return withTestApp((app) => {
    const stack = new EnvironmentStack(app, "rajee-dev", { config, rotationBundle: FAKE_BUNDLE, issuerBundle: FAKE_BUNDLE });
    return { stack, json: JSON.parse(Testing.synth(stack, true)) as Synthesized };
  });
}

describe("an environment with tracing", () => {
  const { stack, json } = tracedDev();
  const containers = stack.proxyService.containerDefinitions;

  it("runs the collector from the ECR mirror and points the authorizer's spans at it, with the environment's ratio", () => {
    const collector = containers.find((d) => d.name === COLLECTOR_CONTAINER)!;
    expect(collector.image).toMatch(/^111111111111\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/rajee-dev\/aws-observability\/aws-otel-collector:v[\d.]+@sha256:[0-9a-f]{64}$/);
    // Secret ARNs are tokens until apply: the parser reads the tracing variables with a stand-in key source.
    const deployed = containerEnvironment(stack.proxyService, AUTHORIZER_CONTAINER);
    const tracingVariables = Object.fromEntries(Object.entries(deployed).filter(([name]) => name.startsWith("RAJEE_TRACING_")));
    expect(Object.keys(tracingVariables)).toHaveLength(2);
    const authorizer = parseConfig({ RAJEE_JWKS_FILE: "/unused", ...tracingVariables });
    expect(authorizer.tracing).toEqual({ endpoint: "http://127.0.0.1:4318/v1/traces", samplingRatio: 0.1 });
  });

  it("gives Envoy the OpenTelemetry tracer at the same ratio", () => {
    const command = containers.find((d) => d.name === ENVOY_CONTAINER)!.command!.join(" ");
    expect(command).toContain("envoy.tracers.opentelemetry");
    expect(command).toMatch(/random_sampling:\s*\n\s*value: 10\b/);
  });

  it("lets the task role send traces and the execution role write the collector's log group", () => {
    const policies = Object.values(resourcesOf(json, "aws_iam_role_policy")).map((p) => statementsOf(p.policy));
    const all = policies.flat();
    expect(all.find((s) => s.Sid === "SendTraces")?.Action).toEqual(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]);
    const logs = all.find((s) => s.Sid === "WriteContainerLogs");
    expect(JSON.stringify(logs?.Resource)).toContain("log-groups_group-collector_");
    const groups = Object.values(resourcesOf(json, "aws_cloudwatch_log_group")).map((g) => g.name);
    expect(groups).toEqual(expect.arrayContaining(["/rajee/dev/otel-collector", "/rajee/dev/envoy-metrics"]));
  });

  it("alarms on ext_authz errors and ejections", () => {
    expect(Object.keys(stack.alarms.envoyAlarmNames).sort()).toEqual(["extAuthzErrors", "outlierEjections"]);
  });
});

describe("an environment without tracing", () => {
  it("has no collector, no tracer and no telemetry permissions", () => {
    const dev = getEnvironment("dev");
    const config: EnvironmentConfig = { ...dev, tracing: undefined, task: { cpu: dev.task.cpu, memoryMiB: dev.task.memoryMiB, envoy: dev.task.envoy, authorizer: dev.task.authorizer } };
    const json = withTestApp((app) => JSON.parse(Testing.synth(new EnvironmentStack(app, "rajee-dev", { config, rotationBundle: FAKE_BUNDLE, issuerBundle: FAKE_BUNDLE }), true)) as Synthesized);
    const text = JSON.stringify(json);
    expect(text).not.toContain("aws-otel-collector");
    expect(text).not.toContain("envoy.tracers.opentelemetry");
    expect(text).not.toContain("xray:");
  });
});
