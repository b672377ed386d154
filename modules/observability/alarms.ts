import { Construct } from "constructs";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { EMF_METRICS, EMF_NAMESPACE, EMF_RESULT_DIMENSION } from "../../handlers/authorizer/emf";
import { PUBLISHED_ENVOY_METRICS } from "../proxy-service/collector";
import { checkNamePrefix, throwProblems } from "../shared/names";
import { keyAdministeredByAccount, partitionOf, policyJson } from "../shared/policy";

export interface AlarmsProps {
  /** Prefix of alarm and topic names, e.g. `rajee-dev`. */
  readonly namePrefix: string;
  /** Account of the topic (key policy). */
  readonly accountId: string;
  /** Region of the alarms (key policy). */
  readonly region: string;
  /** Address the alarm topic notifies; the subscription must be confirmed from the mail. */
  readonly alarmEmail: string;
  /** `arn_suffix` of the load balancer (CloudWatch dimension `LoadBalancer`). */
  readonly loadBalancerArnSuffix: string;
  /** `arn_suffix` of the target group (CloudWatch dimension `TargetGroup`). */
  readonly targetGroupArnSuffix: string;
  /** Log group of the authorizer: one JSON line per decision, `"decision":"deny"` on denials. */
  readonly authorizerLogGroupName: string;
  /** Log group of the rotation Lambda: `"event":"rotation_failed"` on failure. */
  readonly rotationLogGroupName: string;
  /** Name of the rotation Lambda (`AWS/Lambda` dimension `FunctionName`). */
  readonly rotationFunctionName: string;
  /** Name of the token issuer Lambda (`AWS/Lambda` dimension `FunctionName`, its Function URL's metrics too). */
  readonly issuerFunctionName: string;
  /** Issuer requests answered 4xx (denied by the policy, malformed, or refused by IAM) in 5 minutes that count as a spike. @default 20 */
  readonly issuerDenialThreshold?: number;
  /** Days between scheduled signing-key rotations (the secret's rotation schedule). */
  readonly rotationDays: number;
  /** Days past the schedule before a missing rotation alarms (1-30). @default 2 */
  readonly rotationMarginDays?: number;
  /**
   * p99 authorization latency (the authorizer's `AuthzLatencyMs`, worst of allow and deny) that
   * alarms, ms. Pass half of Envoy's ext_authz timeout: beyond it, checks start failing closed. @default 500
   */
  readonly authzLatencyP99ThresholdMs?: number;
  /** Namespace of the authorizer's EMF metrics. @default EMF_NAMESPACE ("rajee") */
  readonly emfNamespace?: string;
  /** Namespace of the metrics the log filters publish. @default "rajee/<namePrefix>" */
  readonly metricNamespace?: string;
  /** 5xx responses (load balancer or targets) in 5 minutes that raise an alarm. @default 10 */
  readonly http5xxThreshold?: number;
  /** Denied requests in 5 minutes that count as a spike. @default 100 */
  readonly denialThreshold?: number;
  /**
   * Namespace of Envoy's metrics the collector in the task publishes (ENVOY_METRICS_NAMESPACE);
   * adds the ext_authz error and outlier ejection alarms. @default none: no collector, no such alarms
   */
  readonly envoyMetricsNamespace?: string;
}

/** Alarms on Envoy's own metrics, present when the task runs the collector. */
export type EnvoyAlarmKey = "extAuthzErrors" | "outlierEjections";

export const DEFAULT_HTTP_5XX_THRESHOLD = 10;
export const DEFAULT_DENIAL_THRESHOLD = 100;
export const DEFAULT_ISSUER_DENIAL_THRESHOLD = 20;
export const DEFAULT_ROTATION_MARGIN_DAYS = 2;
export const DEFAULT_AUTHZ_LATENCY_P99_THRESHOLD_MS = 500;
/**
 * CloudWatch evaluates at most 7 days of data per alarm (Period x EvaluationPeriods <= 604800 s, and
 * <= 1 day for periods under an hour: PutMetricAlarm). A "no successful rotation in rotationDays +
 * margin" alarm cannot look back that far, so the signing key's age is alarmed on instead.
 */
export const CLOUDWATCH_MAX_EVALUATION_SECONDS = 604_800;
const FIVE_MINUTES = 300;
const ONE_HOUR = 3600;
const DAY_SECONDS = 86_400;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Why SNS could not send to `address`; undefined when it looks like an e-mail address. The configuration asks the same. */
export function alarmEmailProblem(address: string): string | undefined {
  return EMAIL.test(address) ? undefined : "is not an email address; use e.g. oncall@example.com";
}

/** Alarm keys, stable so that adding an alarm never renames the others. */
export type AlarmKey =
  | "alb5xx"
  | "target5xx"
  | "unhealthyTargets"
  | "noHealthyTargets"
  | "denialSpike"
  | "rotationFailure"
  | "authzLatencyP99"
  | "rotationLambdaErrors"
  | "signingKeyAge"
  | "issuerErrors"
  | "issuerThrottles"
  | "issuerDenialSpike";

/**
 * An encrypted SNS topic mailing `alarmEmail`, and alarms for load balancer 5xx, target 5xx (Envoy
 * answers 503 when the authorizer is down), unhealthy or missing targets, a spike of denials, a
 * failed key rotation (logged failure or a Lambda error), a slow authorizer (p99 latency), and a
 * signing key older than the rotation schedule plus a margin (no rotation succeeded), and the token
 * issuer's errors, throttles and a spike of refused requests (its Function URL's `Url4xxCount`). Denials and
 * rotation failures are counted from the logs with metric filters; latency and key age come from
 * the authorizer's EMF lines.
 */
export class Alarms extends Construct {
  readonly topicArn: string;
  /** Alarm names by key. */
  readonly alarmNames: Readonly<Record<AlarmKey, string>>;
  /** Names of the alarms on Envoy's metrics, when `envoyMetricsNamespace` is set. */
  readonly envoyAlarmNames: Readonly<Partial<Record<EnvoyAlarmKey, string>>>;
  /** Namespace of the log-derived metrics (`Denials`, `RotationFailures`). */
  readonly metricNamespace: string;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const namespace = props.metricNamespace ?? `rajee/${props.namePrefix}`;
    const http5xx = props.http5xxThreshold ?? DEFAULT_HTTP_5XX_THRESHOLD;
    const denials = props.denialThreshold ?? DEFAULT_DENIAL_THRESHOLD;
    const issuerDenials = props.issuerDenialThreshold ?? DEFAULT_ISSUER_DENIAL_THRESHOLD;
    const marginDays = props.rotationMarginDays ?? DEFAULT_ROTATION_MARGIN_DAYS;
    const latencyMs = props.authzLatencyP99ThresholdMs ?? DEFAULT_AUTHZ_LATENCY_P99_THRESHOLD_MS;
    const emf = props.emfNamespace ?? EMF_NAMESPACE;
    checkNamePrefix("alarms", props.namePrefix);
    const problems: string[] = [];
    const emailProblem = alarmEmailProblem(props.alarmEmail);
    if (emailProblem) problems.push(`alarmEmail=${JSON.stringify(props.alarmEmail)} ${emailProblem}`);
    if (!Number.isInteger(http5xx) || http5xx < 1) problems.push(`http5xxThreshold=${http5xx} must be a positive whole number of responses`);
    if (!Number.isInteger(denials) || denials < 1) problems.push(`denialThreshold=${denials} must be a positive whole number of requests`);
    if (!Number.isInteger(props.rotationDays) || props.rotationDays < 1 || props.rotationDays > 1000) {
      problems.push(`rotationDays=${props.rotationDays} is outside Secrets Manager's 1-1000 days; use the secret's rotation schedule`);
    }
    if (!Number.isInteger(marginDays) || marginDays < 1 || marginDays > 30) problems.push(`rotationMarginDays=${marginDays} must be 1-30 days`);
    if (!Number.isFinite(latencyMs) || latencyMs <= 0) problems.push(`authzLatencyP99ThresholdMs=${latencyMs} must be a positive number of milliseconds`);
    if (props.rotationFunctionName === "") problems.push("rotationFunctionName is empty; pass the rotation Lambda's name");
    if (props.issuerFunctionName === "") problems.push("issuerFunctionName is empty; pass the issuer Lambda's name");
    if (!Number.isInteger(issuerDenials) || issuerDenials < 1) problems.push(`issuerDenialThreshold=${issuerDenials} must be a positive whole number of requests`);
    throwProblems("alarms", problems);
    this.metricNamespace = namespace;

    const partition = partitionOf(props.region);
    const key = new KmsKey(this, "topic-key", {
      description: `${props.namePrefix} alarm topic encryption`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyJson([
        keyAdministeredByAccount(partition, props.accountId),
        {
          Sid: "CloudWatchAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey"],
          Resource: ["*"],
          Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
        },
      ]),
    });
    const topic = new SnsTopic(this, "topic", { name: `${props.namePrefix}-alarms`, kmsMasterKeyId: key.arn });
    new SnsTopicSubscription(this, "email", { topicArn: topic.arn, protocol: "email", endpoint: props.alarmEmail });
    this.topicArn = topic.arn;

    new CloudwatchLogMetricFilter(this, "denials-filter", {
      name: `${props.namePrefix}-denials`,
      logGroupName: props.authorizerLogGroupName,
      pattern: '{ $.decision = "deny" }',
      metricTransformation: { name: "Denials", namespace, value: "1", defaultValue: "0", unit: "Count" },
    });
    new CloudwatchLogMetricFilter(this, "rotation-failures-filter", {
      name: `${props.namePrefix}-rotation-failures`,
      logGroupName: props.rotationLogGroupName,
      pattern: '{ $.event = "rotation_failed" }',
      metricTransformation: { name: "RotationFailures", namespace, value: "1", unit: "Count" },
    });

    const latencyOf = (result: "allow" | "deny") => ({
      id: result,
      returnData: false,
      metric: {
        namespace: emf,
        metricName: EMF_METRICS.authzLatencyMs,
        dimensions: { [EMF_RESULT_DIMENSION]: result },
        period: FIVE_MINUTES,
        stat: "p99",
      },
    });
    const maxKeyAgeSeconds = (props.rotationDays + marginDays) * DAY_SECONDS;
    const lb = { LoadBalancer: props.loadBalancerArnSuffix };
    const issuer = { FunctionName: props.issuerFunctionName };
    const lbTarget = { LoadBalancer: props.loadBalancerArnSuffix, TargetGroup: props.targetGroupArnSuffix };
    const specs: Record<AlarmKey, Omit<CloudwatchMetricAlarmConfig, "alarmName">> = {
      alb5xx: {
        alarmDescription: "The load balancer itself answered 5xx (no healthy target, target connection errors).",
        namespace: "AWS/ApplicationELB", metricName: "HTTPCode_ELB_5XX_Count", dimensions: lb,
        statistic: "Sum", period: FIVE_MINUTES, evaluationPeriods: 1, threshold: http5xx, comparisonOperator: "GreaterThanOrEqualToThreshold",
      },
      target5xx: {
        alarmDescription: "Envoy answered 5xx: 503 when the authorizer is down or slow (fail closed), or S3 errors.",
        namespace: "AWS/ApplicationELB", metricName: "HTTPCode_Target_5XX_Count", dimensions: lbTarget,
        statistic: "Sum", period: FIVE_MINUTES, evaluationPeriods: 1, threshold: http5xx, comparisonOperator: "GreaterThanOrEqualToThreshold",
      },
      unhealthyTargets: {
        alarmDescription: "A task fails the health listener check (Envoy or its authorizer is unhealthy).",
        namespace: "AWS/ApplicationELB", metricName: "UnHealthyHostCount", dimensions: lbTarget,
        statistic: "Maximum", period: 60, evaluationPeriods: 5, threshold: 1, comparisonOperator: "GreaterThanOrEqualToThreshold",
      },
      noHealthyTargets: {
        alarmDescription: "No task is healthy: the gateway is down.",
        namespace: "AWS/ApplicationELB", metricName: "HealthyHostCount", dimensions: lbTarget,
        statistic: "Minimum", period: 60, evaluationPeriods: 2, threshold: 1, comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
      },
      denialSpike: {
        alarmDescription: `More than ${denials} requests denied in 5 minutes: a misconfigured client, expired keys, or probing.`,
        namespace, metricName: "Denials",
        statistic: "Sum", period: FIVE_MINUTES, evaluationPeriods: 1, threshold: denials, comparisonOperator: "GreaterThanOrEqualToThreshold",
      },
      rotationFailure: {
        alarmDescription: "The signing-key rotation Lambda logged rotation_failed; tokens keep working on the current key, but fix it before the next rotation.",
        namespace, metricName: "RotationFailures",
        statistic: "Sum", period: FIVE_MINUTES, evaluationPeriods: 1, threshold: 1, comparisonOperator: "GreaterThanOrEqualToThreshold",
      },
      authzLatencyP99: {
        alarmDescription:
          `Authorization p99 latency above ${latencyMs} ms for 10 minutes (worst of allow and deny): checks near Envoy's ext_authz timeout fail closed with 503.`,
        metricQuery: [
          latencyOf("allow"),
          latencyOf("deny"),
          { id: "worst", expression: "MAX([allow, deny])", label: "AuthzLatencyMs p99, worst result", returnData: true },
        ],
        evaluationPeriods: 2, threshold: latencyMs, comparisonOperator: "GreaterThanThreshold",
      },
      rotationLambdaErrors: {
        alarmDescription: "The signing-key rotation Lambda failed (threw, timed out or was throttled); Secrets Manager retries, but the rotation is stuck until it succeeds.",
        namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: props.rotationFunctionName },
        statistic: "Sum", period: FIVE_MINUTES, evaluationPeriods: 1, threshold: 1, comparisonOperator: "GreaterThanOrEqualToThreshold",
      },
      signingKeyAge: {
        alarmDescription:
          `The current signing key is older than ${props.rotationDays} days (the rotation schedule) + ${marginDays} days: no rotation has succeeded since. See docs/operations.md.`,
        namespace: emf, metricName: EMF_METRICS.signingKeyAgeSeconds,
        statistic: "Minimum", period: ONE_HOUR, evaluationPeriods: 1, threshold: maxKeyAgeSeconds, comparisonOperator: "GreaterThanThreshold",
      },
      issuerErrors: {
        alarmDescription: "The token issuer failed (threw, timed out or could not read the signing key): callers get 500 and no tokens. See docs/operations.md.",
        namespace: "AWS/Lambda", metricName: "Errors", dimensions: issuer,
        statistic: "Sum", period: FIVE_MINUTES, evaluationPeriods: 1, threshold: 1, comparisonOperator: "GreaterThanOrEqualToThreshold",
      },
      issuerThrottles: {
        alarmDescription: "Issuer requests were throttled: its reserved concurrency is exhausted (a caller in a loop, or the limit is too low for real demand).",
        namespace: "AWS/Lambda", metricName: "Throttles", dimensions: issuer,
        statistic: "Sum", period: FIVE_MINUTES, evaluationPeriods: 1, threshold: 1, comparisonOperator: "GreaterThanOrEqualToThreshold",
      },
      issuerDenialSpike: {
        alarmDescription:
          `More than ${issuerDenials} issuer requests answered 4xx in 5 minutes (grants the policy does not allow, IAM refusals, malformed requests): a misconfigured caller, or someone probing the policy.`,
        namespace: "AWS/Lambda", metricName: "Url4xxCount", dimensions: issuer,
        statistic: "Sum", period: FIVE_MINUTES, evaluationPeriods: 1, threshold: issuerDenials, comparisonOperator: "GreaterThanOrEqualToThreshold",
      },
    };
    // One alarm per spec, id `alarm-<key>`, named `<prefix>-<kebab key>`, notifying the topic on alarm and on recovery.
    const createAlarms = <K extends string>(all: Record<K, Omit<CloudwatchMetricAlarmConfig, "alarmName">>): Record<K, string> => {
      const names = {} as Record<K, string>;
      for (const [key, spec] of Object.entries(all) as Array<[K, Omit<CloudwatchMetricAlarmConfig, "alarmName">]>) {
        const alarm = new CloudwatchMetricAlarm(this, `alarm-${key}`, {
          treatMissingData: "notBreaching",
          ...spec,
          alarmName: `${props.namePrefix}-${kebab(key)}`,
          alarmActions: [topic.arn],
          okActions: [topic.arn],
        });
        names[key] = alarm.alarmName;
      }
      return names;
    };
    this.alarmNames = createAlarms(specs);

    let envoyAlarms: Partial<Record<EnvoyAlarmKey, string>> = {};
    const envoyNamespace = props.envoyMetricsNamespace;
    if (envoyNamespace !== undefined) {
      const envoySpecs: Record<EnvoyAlarmKey, Omit<CloudwatchMetricAlarmConfig, "alarmName">> = {
        extAuthzErrors: {
          alarmDescription:
            "Envoy could not get an answer from the authorizer (ext_authz error: timeout, connection refused, 5xx): those requests got 503. See docs/observability.md.",
          namespace: envoyNamespace, metricName: PUBLISHED_ENVOY_METRICS.extAuthzError,
          statistic: "Sum", period: FIVE_MINUTES, evaluationPeriods: 1, threshold: 1, comparisonOperator: "GreaterThanOrEqualToThreshold",
        },
        outlierEjections: {
          alarmDescription: "Envoy ejected S3 addresses after repeated connection failures: the path to S3 (endpoint, DNS, network) is failing. See docs/observability.md.",
          namespace: envoyNamespace, metricName: PUBLISHED_ENVOY_METRICS.outlierEjections,
          statistic: "Sum", period: FIVE_MINUTES, evaluationPeriods: 1, threshold: 1, comparisonOperator: "GreaterThanOrEqualToThreshold",
        },
      };
      envoyAlarms = createAlarms(envoySpecs);
    }
    this.envoyAlarmNames = envoyAlarms;
  }
}

function kebab(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}
