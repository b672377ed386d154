import { Construct } from "constructs";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
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
  /** Namespace of the authorizer's EMF metrics (`Decisions` by `Result`, `AuthzLatencyMs`). @default "rajee" */
  readonly emfNamespace?: string;
}

export const DEFAULT_EMF_NAMESPACE = "rajee";

type Metric = (string | Record<string, string>)[];

/** One CloudWatch dashboard: traffic, errors, latency, decisions, task health and capacity. */
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
          [emf, "Decisions", "Result", "allow"],
          [emf, "Decisions", "Result", "deny"],
          [props.logMetricNamespace, "Denials"],
        ]),
        widget("Authorization latency p99 (ms)", [[emf, "AuthzLatencyMs"]], "p99"),
        widget("Healthy / unhealthy targets", [
          ["AWS/ApplicationELB", "HealthyHostCount", ...tg],
          ["AWS/ApplicationELB", "UnHealthyHostCount", ...tg],
        ], "Minimum"),
        widget("Service CPU and memory (%)", [
          ["AWS/ECS", "CPUUtilization", ...svc],
          ["AWS/ECS", "MemoryUtilization", ...svc],
        ], "Average"),
        widget("Key rotation failures", [[props.logMetricNamespace, "RotationFailures"]]),
      ],
    };
    const dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: props.namePrefix,
      dashboardBody: JSON.stringify(this.body),
    });
    this.dashboardName = dashboard.dashboardName;
  }
}
