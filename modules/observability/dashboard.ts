import { Construct } from "constructs";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { EMF_METRICS, EMF_NAMESPACE, EMF_RESULT_DIMENSION } from "../../handlers/authorizer/emf";
import { PUBLISHED_ENVOY_METRICS } from "../proxy-service/collector";
import { checkNamePrefix } from "../shared/names";

export interface DashboardProps {
  /** Dashboard name prefix, e.g. `rajee-dev`. */
  readonly namePrefix: string;
  /** Region of the metrics. */
  readonly region: string;
  /** `arn_suffix` of the load balancer. */
  readonly loadBalancerArnSuffix: string;
  /** `arn_suffix` of the target group. */
  readonly targetGroupArnSuffix: string;
  /** ECS cluster name. */
  readonly clusterName: string;
  /** ECS service name. */
  readonly serviceName: string;
  /** Namespace of the log-derived metrics (see Alarms). */
  readonly logMetricNamespace: string;
  /** Name of the rotation Lambda (its `AWS/Lambda` errors are charted). */
  readonly rotationFunctionName: string;
  /** Name of the token issuer Lambda (its invocations, Function URL answers, errors and throttles are charted). */
  readonly issuerFunctionName: string;
  /** Namespace of the authorizer's EMF metrics (`Decisions` and `AuthzLatencyMs` by `Result`, `SigningKeyAgeSeconds`). @default EMF_NAMESPACE ("rajee") */
  readonly emfNamespace?: string;
  /** Namespace of Envoy's metrics published by the collector in the task; adds the Envoy row. @default none (no collector) */
  readonly envoyMetricsNamespace?: string;
}

/** The authorizer's namespace, defined once in handlers/authorizer/emf.ts. */
export const DEFAULT_EMF_NAMESPACE = EMF_NAMESPACE;

type Metric = (string | Record<string, string>)[];

/** The Envoy row: ext_authz answers (errors alarm), S3 5xx, retries and ejections (alarm), overload and connections. */
function envoyWidgets(ns: string, widget: (title: string, metrics: Metric[], stat?: string) => object): object[] {
  const m = PUBLISHED_ENVOY_METRICS;
  return [
    widget("Envoy ext_authz answers", [[ns, m.extAuthzOk], [ns, m.extAuthzDenied], [ns, m.extAuthzError]]),
    widget("Envoy S3 5xx, retries, ejections", [[ns, m.upstreamResponses, "envoy_response_code_class", "5"], [ns, m.upstreamRetries], [ns, m.outlierEjections]]),
    widget("Envoy overload and connections", [[ns, m.overloadStopAccepting], [ns, m.activeConnections]], "Maximum"),
  ];
}

/** One CloudWatch dashboard: traffic, errors, latency, decisions, task health and capacity, key rotation and the token issuer. */
export class Dashboard extends Construct {
  readonly dashboardName: string;
  /** The dashboard body as data (for tests and docs). */
  readonly body: { widgets: object[] };

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const emf = props.emfNamespace ?? DEFAULT_EMF_NAMESPACE;
    checkNamePrefix("dashboard", props.namePrefix);
    const lb = ["LoadBalancer", props.loadBalancerArnSuffix];
    const tg = [...lb, "TargetGroup", props.targetGroupArnSuffix];
    const svc = ["ClusterName", props.clusterName, "ServiceName", props.serviceName];
    const issuer = ["FunctionName", props.issuerFunctionName];
    const widget = (title: string, metrics: Metric[], stat = "Sum") => ({
      type: "metric",
      width: 12,
      height: 6,
      properties: { title, region: props.region, stat, period: 60, view: "timeSeries", metrics },
    });
    this.body = {
      widgets: [
        widget("Requests", [["AWS/ApplicationELB", "RequestCount", ...lb]]),
        widget("5xx responses", [
          ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", ...lb],
          ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", ...tg],
        ]),
        widget("Target response time p99 (s)", [["AWS/ApplicationELB", "TargetResponseTime", ...lb]], "p99"),
        widget("Decisions", [
          [emf, EMF_METRICS.decisions, EMF_RESULT_DIMENSION, "allow"],
          [emf, EMF_METRICS.decisions, EMF_RESULT_DIMENSION, "deny"],
          [props.logMetricNamespace, "Denials"],
        ]),
        // The authorizer publishes latency per Result only; a metric without the dimension is empty.
        widget("Authorization latency p99 (ms)", [
          [emf, EMF_METRICS.authzLatencyMs, EMF_RESULT_DIMENSION, "allow"],
          [emf, EMF_METRICS.authzLatencyMs, EMF_RESULT_DIMENSION, "deny"],
        ], "p99"),
        widget("Healthy / unhealthy targets", [
          ["AWS/ApplicationELB", "HealthyHostCount", ...tg],
          ["AWS/ApplicationELB", "UnHealthyHostCount", ...tg],
        ], "Minimum"),
        widget("Service CPU and memory (%)", [
          ["AWS/ECS", "CPUUtilization", ...svc],
          ["AWS/ECS", "MemoryUtilization", ...svc],
        ], "Average"),
        widget("Key rotation failures", [
          [props.logMetricNamespace, "RotationFailures"],
          ["AWS/Lambda", "Errors", "FunctionName", props.rotationFunctionName],
        ]),
        widget("Signing key age (s)", [[emf, EMF_METRICS.signingKeyAgeSeconds]], "Maximum"),
        // The issuer row: what callers got from the Function URL, then what the function did.
        widget("Issuer requests", [
          ["AWS/Lambda", "UrlRequestCount", ...issuer],
          ["AWS/Lambda", "Url4xxCount", ...issuer],
          ["AWS/Lambda", "Url5xxCount", ...issuer],
        ]),
        widget("Issuer errors and throttles", [
          ["AWS/Lambda", "Errors", ...issuer],
          ["AWS/Lambda", "Throttles", ...issuer],
        ]),
        ...(props.envoyMetricsNamespace === undefined ? [] : envoyWidgets(props.envoyMetricsNamespace, widget)),
      ],
    };
    const dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: props.namePrefix,
      dashboardBody: JSON.stringify(this.body),
    });
    this.dashboardName = dashboard.dashboardName;
  }
}
