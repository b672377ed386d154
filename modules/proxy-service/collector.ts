import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { stringify } from "yaml";
import { AUTHORIZER_ADMIN_PORT, AUTHORIZER_METRICS_PATH, LOOPBACK } from "../../src/contracts/gateway";
import { COLLECTOR_HEALTH_PORT, COLLECTOR_OTLP_GRPC_PORT, COLLECTOR_OTLP_HTTP_PORT, ENVOY_PROMETHEUS_PATH, ENVOY_STATS_PORT } from "../../src/contracts/telemetry";

/**
 * The OpenTelemetry collector beside Envoy and the authorizer (AWS Distro for OpenTelemetry,
 * https://aws-otel.github.io/docs/introduction): it receives spans over OTLP on the loopback address
 * (Envoy over gRPC, the authorizer over HTTP) and sends them to X-Ray, and scrapes Envoy's and the
 * authorizer's Prometheus metrics on the loopback address (Envoy's through its stats-only listener) and publishes a chosen few to CloudWatch
 * as EMF. Pure: the configuration and the container definition as data.
 */

/** ADOT collector release, pulled through the ECR mirror like Envoy's image. */
export const COLLECTOR_VERSION = "0.48.0";
/**
 * The ADOT collector image on ECR Public, pinned by tag and digest. Verify a new pin with
 * `docker buildx imagetools inspect public.ecr.aws/aws-observability/aws-otel-collector:v<version>`.
 */
export const COLLECTOR_IMAGE = `aws-observability/aws-otel-collector:v${COLLECTOR_VERSION}@sha256:9b28046359054b414f4ba76056ba4e8cffda2d53fbcee06171d7eeecd71326c3`;
export const COLLECTOR_CONTAINER = "otel-collector";
/** The variable holding the configuration, read with the collector's `env:` confmap provider (https://aws-otel.github.io/docs/components/confmap-providers). */
export const COLLECTOR_CONFIG_VARIABLE = "RAJEE_COLLECTOR_CONFIG";
/** The image's health probe: GETs the health_check extension on localhost:13133 (the image ships `/healthcheck`; distroless, no shell). */
export const COLLECTOR_HEALTH_COMMAND = ["CMD", "/healthcheck"];
/** CloudWatch namespace of the Envoy metrics the collector publishes. */
export const ENVOY_METRICS_NAMESPACE = "rajee/envoy";

/**
 * The Envoy statistics published to CloudWatch, by Prometheus name (Envoy writes `a.b.c` as
 * `envoy_a_b_c`, with tag values as labels). Keyed by what they tell.
 */
export const PUBLISHED_ENVOY_METRICS = {
  /** ext_authz answered 200 (`http.<prefix>.ext_authz.ok`). */
  extAuthzOk: "envoy_http_ext_authz_ok",
  /** ext_authz answered a denial. */
  extAuthzDenied: "envoy_http_ext_authz_denied",
  /** ext_authz could not be asked or answered 5xx: the request got 503 (fail closed). */
  extAuthzError: "envoy_http_ext_authz_error",
  /** S3 answers by class (`cluster.<name>.upstream_rq_<class>xx`); the 5xx series matters. */
  upstreamResponses: "envoy_cluster_upstream_rq_xx",
  /** Retries of S3 requests. */
  upstreamRetries: "envoy_cluster_upstream_rq_retry",
  /** S3 addresses ejected by outlier detection. */
  outlierEjections: "envoy_cluster_outlier_detection_ejections_enforced_total",
  /** The overload manager's stop-accepting-requests action (1 while active). */
  overloadStopAccepting: "envoy_overload_envoy_overload_actions_stop_accepting_requests_active",
  /** Client connections open on the S3 listener's connection manager. */
  activeConnections: "envoy_http_downstream_cx_active",
} as const;

export interface CollectorConfigInputs {
  /** Region of X-Ray and CloudWatch. */
  readonly region: string;
  /** Log group the EMF exporter writes to (its own, not the containers'). */
  readonly metricsLogGroup: string;
  /** Envoy's stats-only listener on 127.0.0.1 (GET /stats/prometheus, forwarded to the admin interface). @default ENVOY_STATS_PORT */
  readonly envoyStatsPort?: number;
  /** The authorizer's operations port on 127.0.0.1. @default AUTHORIZER_ADMIN_PORT */
  readonly authorizerAdminPort?: number;
  /** Seconds between scrapes. @default 60 */
  readonly scrapeIntervalSeconds?: number;
}

/** The collector's configuration (OpenTelemetry collector configuration file format) as data. */
export function collectorConfig(c: CollectorConfigInputs): Record<string, unknown> {
  const scrape = `${c.scrapeIntervalSeconds ?? 60}s`;
  const m = PUBLISHED_ENVOY_METRICS;
  return {
    extensions: { health_check: { endpoint: `${LOOPBACK}:${COLLECTOR_HEALTH_PORT}` } },
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `${LOOPBACK}:${COLLECTOR_OTLP_GRPC_PORT}` },
          http: { endpoint: `${LOOPBACK}:${COLLECTOR_OTLP_HTTP_PORT}` },
        },
      },
      prometheus: {
        config: {
          scrape_configs: [
            {
              job_name: "envoy",
              scrape_interval: scrape,
              metrics_path: ENVOY_PROMETHEUS_PATH,
              static_configs: [{ targets: [`${LOOPBACK}:${c.envoyStatsPort ?? ENVOY_STATS_PORT}`] }],
            },
            {
              job_name: "authorizer",
              scrape_interval: scrape,
              metrics_path: AUTHORIZER_METRICS_PATH,
              static_configs: [{ targets: [`${LOOPBACK}:${c.authorizerAdminPort ?? AUTHORIZER_ADMIN_PORT}`] }],
            },
          ],
        },
      },
    },
    processors: {
      batch: { timeout: "5s" },
      "filter/published": { metrics: { include: { match_type: "strict", metric_names: Object.values(m) } } },
    },
    exporters: {
      awsxray: { region: c.region, index_all_attributes: false, indexed_attributes: ["rajee.decision", "rajee.reason", "rajee.operation", "aws.alb.trace_id"] },
      awsemf: {
        region: c.region,
        namespace: ENVOY_METRICS_NAMESPACE,
        log_group_name: c.metricsLogGroup,
        log_stream_name: "{TaskId}",
        dimension_rollup_option: "NoDimensionRollup",
        resource_to_telemetry_conversion: { enabled: false },
        metric_declarations: [
          { dimensions: [[]], metric_name_selectors: [m.extAuthzOk, m.extAuthzDenied, m.extAuthzError, m.upstreamRetries, m.outlierEjections, m.overloadStopAccepting, m.activeConnections] },
          {
            dimensions: [["envoy_response_code_class"]],
            label_matchers: [{ label_names: ["envoy_cluster_name"], regex: "^s3$" }],
            metric_name_selectors: [m.upstreamResponses],
          },
        ],
      },
    },
    service: {
      extensions: ["health_check"],
      pipelines: {
        traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["awsxray"] },
        "metrics/envoy": { receivers: ["prometheus"], processors: ["filter/published", "batch"], exporters: ["awsemf"] },
      },
      telemetry: { metrics: { level: "none" } },
    },
  };
}

/** The configuration as the YAML text the container reads. */
export function collectorConfigYaml(c: CollectorConfigInputs): string {
  return stringify(collectorConfig(c));
}

export interface CollectorContainerInputs {
  readonly image: string;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly memoryReservationMiB: number;
  readonly config: string;
  readonly logGroup: string;
  readonly region: string;
  readonly healthCheck: { readonly intervalSeconds: number; readonly timeoutSeconds: number; readonly retries: number; readonly startPeriodSeconds: number };
}

/**
 * The collector's uid:gid. The ADOT image is `FROM scratch` with no `USER` line, so it would run as
 * root (aws-observability/aws-otel-collector, cmd/awscollector/Dockerfile); it reads its config from
 * an environment variable and writes no files, so any unprivileged uid works.
 */
const COLLECTOR_USER = "10001:10001";

/**
 * The collector's container: not essential (losing telemetry must never stop the gateway), read-only
 * root, no capabilities, a non-root user, its own log stream.
 */
export function collectorContainer(c: CollectorContainerInputs): ContainerDefinition {
  return {
    name: COLLECTOR_CONTAINER,
    image: c.image,
    essential: false,
    cpu: c.cpu,
    memory: c.memoryMiB,
    memoryReservation: c.memoryReservationMiB,
    readonlyRootFilesystem: true,
    privileged: false,
    user: COLLECTOR_USER,
    linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
    command: [`--config=env:${COLLECTOR_CONFIG_VARIABLE}`],
    environment: [{ name: COLLECTOR_CONFIG_VARIABLE, value: c.config }],
    healthCheck: {
      command: COLLECTOR_HEALTH_COMMAND,
      interval: c.healthCheck.intervalSeconds,
      timeout: c.healthCheck.timeoutSeconds,
      retries: c.healthCheck.retries,
      startPeriod: c.healthCheck.startPeriodSeconds,
    },
    logConfiguration: {
      logDriver: "awslogs",
      options: { "awslogs-group": c.logGroup, "awslogs-region": c.region, "awslogs-stream-prefix": COLLECTOR_CONTAINER, mode: "non-blocking", "max-buffer-size": "4m" },
    },
  };
}
