import type { Construct } from "constructs";
import { parse } from "yaml";
import { Alarms, type AlarmsProps } from "../../../modules/observability/alarms";
import { Dashboard } from "../../../modules/observability/dashboard";
import {
  COLLECTOR_CONFIG_VARIABLE,
  COLLECTOR_CONTAINER,
  COLLECTOR_IMAGE,
  collectorConfig,
  ENVOY_METRICS_NAMESPACE,
  PUBLISHED_ENVOY_METRICS,
} from "../../../modules/proxy-service/collector";
import { CollectorAccess } from "../../../modules/proxy-service/collector-access";
import { ProxyService, DEFAULT_TASK_SIZE } from "../../../modules/proxy-service/proxy-service";
import { taskSizeProblems } from "../../../modules/proxy-service/task-size";
import { ConfigError } from "../../../src/config-error";
import { onlyResource, resourcesOf, statementsOf, synth } from "../synth";
import { proxyServiceProps } from "./props";

/* eslint-disable @typescript-eslint/no-explicit-any -- walking the collector's configuration */
type Obj = any;

const withCollector = { cpu: 1024, memoryMiB: 2048, envoy: DEFAULT_TASK_SIZE.envoy, authorizer: DEFAULT_TASK_SIZE.authorizer, collector: { cpu: 128, memoryMiB: 256, memoryReservationMiB: 128 } };
const collectorProps = { image: `111111111111.dkr.ecr.eu-west-1.amazonaws.com/rajee-test/${COLLECTOR_IMAGE}`, logGroup: "/rajee/test/otel-collector", metricsLogGroup: "/rajee/test/envoy-metrics" };

describe("the collector's configuration", () => {
  const config: Obj = collectorConfig({ region: "eu-west-1", metricsLogGroup: "/rajee/test/envoy-metrics" });

  it("receives OTLP and answers health checks on the loopback address only", () => {
    expect(config.receivers.otlp.protocols).toEqual({ grpc: { endpoint: "127.0.0.1:4317" }, http: { endpoint: "127.0.0.1:4318" } });
    expect(config.extensions.health_check).toEqual({ endpoint: "127.0.0.1:13133" });
  });

  it("scrapes Envoy's statistics through its stats-only listener, never the admin port, and the authorizer's /metrics", () => {
    const jobs = config.receivers.prometheus.config.scrape_configs.map((j: Obj) => [j.job_name, j.metrics_path, j.static_configs[0].targets]);
    expect(jobs).toEqual([
      ["envoy", "/stats/prometheus", ["127.0.0.1:9902"]],
      ["authorizer", "/metrics", ["127.0.0.1:9001"]],
    ]);
  });

  it("sends traces to X-Ray and only the chosen Envoy metrics to CloudWatch through EMF", () => {
    expect(config.service.pipelines.traces).toEqual({ receivers: ["otlp"], processors: ["batch"], exporters: ["awsxray"] });
    expect(config.service.pipelines["metrics/envoy"].exporters).toEqual(["awsemf"]);
    expect(config.processors["filter/published"].metrics.include.metric_names).toEqual(Object.values(PUBLISHED_ENVOY_METRICS));
    expect(config.exporters.awsemf).toMatchObject({ namespace: ENVOY_METRICS_NAMESPACE, log_group_name: "/rajee/test/envoy-metrics", region: "eu-west-1" });
    const declared = config.exporters.awsemf.metric_declarations.flatMap((d: Obj) => d.metric_name_selectors);
    expect([...declared].sort()).toEqual(Object.values(PUBLISHED_ENVOY_METRICS).sort());
  });
});

describe("ProxyService with a collector", () => {
  const service = (overrides = {}) => {
    let built: ProxyService | undefined;
    synth((scope: Construct) => {
      built = new ProxyService(scope, "svc", proxyServiceProps({ size: withCollector, collector: collectorProps, ...overrides }));
    });
    return built!;
  };

  it("adds a non-essential, hardened collector container configured from its variable", () => {
    const collector = service().containerDefinitions.find((d) => d.name === COLLECTOR_CONTAINER)!;
    expect(collector).toMatchObject({
      image: collectorProps.image,
      essential: false,
      cpu: 128,
      memory: 256,
      memoryReservation: 128,
      readonlyRootFilesystem: true,
      privileged: false,
      linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
      command: [`--config=env:${COLLECTOR_CONFIG_VARIABLE}`],
      healthCheck: { command: ["CMD", "/healthcheck"], interval: 10, timeout: 5, retries: 3, startPeriod: 15 },
    });
    const config: Obj = parse(collector.environment!.find((e) => e.name === COLLECTOR_CONFIG_VARIABLE)!.value!);
    expect(config.exporters.awsemf.log_group_name).toBe(collectorProps.metricsLogGroup);
    expect(collector.logConfiguration?.options?.["awslogs-group"]).toBe(collectorProps.logGroup);
  });

  it("keeps Envoy independent of the collector: losing telemetry never stops requests", () => {
    const envoy = service().containerDefinitions.find((d) => d.name === "envoy")!;
    expect(envoy.dependsOn).toEqual([{ containerName: "authorizer", condition: "HEALTHY" }]);
  });

  it("counts the collector in the task's cpu and memory sums", () => {
    expect(taskSizeProblems({ ...DEFAULT_TASK_SIZE, collector: { cpu: 128, memoryMiB: 256, memoryReservationMiB: 128 } })).toEqual([
      "envoy.cpu + authorizer.cpu + collector.cpu=640 exceeds the task cpu=512; lower the containers or raise the task size",
      "envoy.memoryMiB + authorizer.memoryMiB + collector.memoryMiB=1280 exceeds the task memoryMiB=1024; lower the containers or raise the task size",
    ]);
    expect(taskSizeProblems(withCollector)).toEqual([]);
  });

  it("refuses a collector without a size, and a size without a collector", () => {
    expect(() => service({ size: DEFAULT_TASK_SIZE })).toThrow(ConfigError);
    expect(() => service({ size: DEFAULT_TASK_SIZE })).toThrow("size.collector is unset but a collector is configured");
    expect(() => service({ collector: undefined })).toThrow("size.collector is set but no collector is configured");
  });
});

describe("CollectorAccess", () => {
  it("lets the task role send traces and write EMF lines to its own group, nothing else", () => {
    const arn = "arn:aws:logs:eu-west-1:111111111111:log-group:/rajee/test/envoy-metrics";
    const s = synth((scope: Construct) => new CollectorAccess(scope, "c", { taskRoleName: "rajee-test-task", metricsLogGroupArn: arn }));
    const policy = onlyResource(s, "aws_iam_role_policy");
    expect(policy.role).toBe("rajee-test-task");
    expect(statementsOf(policy.policy)).toEqual([
      { Sid: "SendTraces", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: ["*"] },
      { Sid: "WriteEnvoyMetrics", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"], Resource: [arn, `${arn}:log-stream:*`] },
    ]);
  });
});

describe("alarms and dashboard on Envoy's metrics", () => {
  const props: AlarmsProps = {
    namePrefix: "rajee-test",
    accountId: "111111111111",
    region: "eu-west-1",
    alarmEmail: "oncall@example.com",
    loadBalancerArnSuffix: "app/rajee-test-alb/123",
    targetGroupArnSuffix: "targetgroup/rajee-test-envoy/456",
    authorizerLogGroupName: "/rajee/test/authorizer",
    rotationLogGroupName: "/rajee/test/key-rotation",
    rotationFunctionName: "rajee-test-key-rotation",
    issuerFunctionName: "rajee-test-issuer",
    rotationDays: 7,
  };
  const alarms = (p: AlarmsProps) => Object.values(resourcesOf(synth((scope: Construct) => new Alarms(scope, "a", p)), "aws_cloudwatch_metric_alarm"));

  it("alarm on any ext_authz error and any S3 ejection when the collector publishes them", () => {
    const without = alarms(props);
    const withEnvoy = alarms({ ...props, envoyMetricsNamespace: ENVOY_METRICS_NAMESPACE });
    expect(withEnvoy.length - without.length).toBe(2);
    const byName = Object.fromEntries(withEnvoy.map((a) => [a.alarm_name, a]));
    expect(byName["rajee-test-ext-authz-errors"]).toMatchObject({ namespace: ENVOY_METRICS_NAMESPACE, metric_name: PUBLISHED_ENVOY_METRICS.extAuthzError, threshold: 1, statistic: "Sum" });
    expect(byName["rajee-test-outlier-ejections"]).toMatchObject({ namespace: ENVOY_METRICS_NAMESPACE, metric_name: PUBLISHED_ENVOY_METRICS.outlierEjections, threshold: 1 });
  });

  it("adds the Envoy row to the dashboard", () => {
    let dashboard: Dashboard | undefined;
    synth((scope: Construct) => {
      dashboard = new Dashboard(scope, "d", {
        namePrefix: "rajee-test",
        region: "eu-west-1",
        loadBalancerArnSuffix: "app/x/1",
        targetGroupArnSuffix: "targetgroup/y/2",
        clusterName: "c",
        serviceName: "s",
        logMetricNamespace: "rajee/rajee-test",
        rotationFunctionName: "r",
        issuerFunctionName: "i",
        envoyMetricsNamespace: ENVOY_METRICS_NAMESPACE,
      });
    });
    const metrics = JSON.stringify(dashboard!.body);
    for (const name of [PUBLISHED_ENVOY_METRICS.extAuthzError, PUBLISHED_ENVOY_METRICS.outlierEjections, PUBLISHED_ENVOY_METRICS.overloadStopAccepting]) expect(metrics).toContain(name);
  });
});
