import type { Construct } from "constructs";
import { ConfigError } from "../../src/config-error";
import { Alarms, CLOUDWATCH_MAX_EVALUATION_SECONDS, type AlarmsProps } from "../../modules/observability/alarms";
import { Dashboard } from "../../modules/observability/dashboard";
import { LogGroups } from "../../modules/observability/log-groups";
import { onlyResource, refOf, resourceNamed, resourcesOf, statementsOf, synth } from "./synth";

describe("LogGroups", () => {
  const build = (retentionDays?: number) =>
    synth((scope: Construct) => new LogGroups(scope, "logs", {
      namePrefix: "rajee-test",
      accountId: "111111111111",
      region: "eu-west-1",
      groups: { envoy: "/rajee/test/envoy", authorizer: "/rajee/test/authorizer" },
      retentionDays,
    }));

  it("creates every group with the retention and the customer managed key", () => {
    const s = build(14);
    const keyArn = refOf(s, "aws_kms_key", "key", "arn");
    const groups = Object.values(resourcesOf(s, "aws_cloudwatch_log_group")).sort((a, b) => String(a.name).localeCompare(String(b.name)));
    expect(groups).toEqual([
      { name: "/rajee/test/authorizer", retention_in_days: 14, kms_key_id: keyArn },
      { name: "/rajee/test/envoy", retention_in_days: 14, kms_key_id: keyArn },
    ]);
  });

  it("lets CloudWatch Logs use the key for exactly these groups", () => {
    const [root, logs] = statementsOf(onlyResource(build(), "aws_kms_key").policy);
    expect(root).toEqual({ Sid: "EnableIamPoliciesOfTheAccount", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: ["kms:*"], Resource: ["*"] });
    expect(logs!.Principal).toEqual({ Service: "logs.eu-west-1.amazonaws.com" });
    expect(logs!.Condition).toEqual({
      ArnEquals: {
        "kms:EncryptionContext:aws:logs:arn": [
          "arn:aws:logs:eu-west-1:111111111111:log-group:/rajee/test/envoy",
          "arn:aws:logs:eu-west-1:111111111111:log-group:/rajee/test/authorizer",
        ],
      },
    });
  });

  it("rejects a retention CloudWatch does not offer", () => {
    expect(() => build(10)).toThrow(/^log-groups: retentionDays=10 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30,/);
  });
});

describe("Alarms", () => {
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
  const s = synth((scope: Construct) => new Alarms(scope, "alarms", props));
  const alarmNamed = (name: string) => {
    const found = Object.values(resourcesOf(s, "aws_cloudwatch_metric_alarm")).filter((a) => a.alarm_name === name);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it("mails an encrypted topic", () => {
    expect(onlyResource(s, "aws_sns_topic").kms_master_key_id).toBe(refOf(s, "aws_kms_key", "topic-key", "arn"));
    expect(onlyResource(s, "aws_sns_topic_subscription")).toMatchObject({ protocol: "email", endpoint: "oncall@example.com" });
  });

  it("alarms on 5xx, unhealthy and missing targets, denial spikes, rotation failures, latency, Lambda errors, key age and the issuer", () => {
    const alarms = Object.values(resourcesOf(s, "aws_cloudwatch_metric_alarm")).map((a) => [a.alarm_name, a.namespace, a.metric_name, a.comparison_operator, a.threshold]);
    expect(alarms.sort()).toEqual([
      ["rajee-test-alb5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "GreaterThanOrEqualToThreshold", 10],
      ["rajee-test-target5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "GreaterThanOrEqualToThreshold", 10],
      ["rajee-test-unhealthy-targets", "AWS/ApplicationELB", "UnHealthyHostCount", "GreaterThanOrEqualToThreshold", 1],
      ["rajee-test-no-healthy-targets", "AWS/ApplicationELB", "HealthyHostCount", "LessThanThreshold", 1],
      ["rajee-test-denial-spike", "rajee/rajee-test", "Denials", "GreaterThanOrEqualToThreshold", 100],
      ["rajee-test-rotation-failure", "rajee/rajee-test", "RotationFailures", "GreaterThanOrEqualToThreshold", 1],
      ["rajee-test-authz-latency-p99", undefined, undefined, "GreaterThanThreshold", 500],
      ["rajee-test-rotation-lambda-errors", "AWS/Lambda", "Errors", "GreaterThanOrEqualToThreshold", 1],
      ["rajee-test-signing-key-age", "rajee", "SigningKeyAgeSeconds", "GreaterThanThreshold", 777600],
      ["rajee-test-issuer-errors", "AWS/Lambda", "Errors", "GreaterThanOrEqualToThreshold", 1],
      ["rajee-test-issuer-throttles", "AWS/Lambda", "Throttles", "GreaterThanOrEqualToThreshold", 1],
      ["rajee-test-issuer-denial-spike", "AWS/Lambda", "Url4xxCount", "GreaterThanOrEqualToThreshold", 20],
    ].sort());
    const topic = refOf(s, "aws_sns_topic", "topic", "arn");
    for (const a of Object.values(resourcesOf(s, "aws_cloudwatch_metric_alarm"))) expect(a.alarm_actions).toEqual([topic]);
  });

  it("alarms on the worst p99 of the authorizer's AuthzLatencyMs, per Result as the EMF lines publish it", () => {
    const a = alarmNamed("rajee-test-authz-latency-p99");
    expect(a).toMatchObject({ evaluation_periods: 2, threshold: 500, treat_missing_data: "notBreaching" });
    const metric = (result: string) => ({
      id: result,
      return_data: false,
      metric: { namespace: "rajee", metric_name: "AuthzLatencyMs", dimensions: { Result: result }, period: 300, stat: "p99" },
    });
    expect(a.metric_query).toEqual([
      metric("allow"),
      metric("deny"),
      { id: "worst", expression: "MAX([allow, deny])", label: "AuthzLatencyMs p99, worst result", return_data: true },
    ]);
  });

  it("alarms on any error of the rotation Lambda", () => {
    expect(alarmNamed("rajee-test-rotation-lambda-errors")).toMatchObject({
      dimensions: { FunctionName: "rajee-test-key-rotation" },
      statistic: "Sum",
      period: 300,
      evaluation_periods: 1,
    });
  });

  it("alarms on the issuer's errors, throttles and refused requests, each for its own function over five minutes", () => {
    for (const name of ["rajee-test-issuer-errors", "rajee-test-issuer-throttles", "rajee-test-issuer-denial-spike"]) {
      expect(alarmNamed(name)).toMatchObject({ dimensions: { FunctionName: "rajee-test-issuer" }, statistic: "Sum", period: 300, evaluation_periods: 1 });
    }
    const strict = synth((scope: Construct) => new Alarms(scope, "alarms", { ...props, issuerDenialThreshold: 5 }));
    expect(Object.values(resourcesOf(strict, "aws_cloudwatch_metric_alarm")).find((x) => x.alarm_name === "rajee-test-issuer-denial-spike")?.threshold).toBe(5);
    expect(() => synth((scope: Construct) => new Alarms(scope, "alarms", { ...props, issuerDenialThreshold: 0 }))).toThrow(
      new ConfigError("alarms: issuerDenialThreshold=0 must be a positive whole number of requests"),
    );
  });

  it("alarms when the newest signing key is older than the schedule plus the margin, within CloudWatch's evaluation range", () => {
    const a = alarmNamed("rajee-test-signing-key-age");
    // (7 days + 2 days margin) x 86400 s; one hour of data, far below the 7-day range limit.
    expect(a).toMatchObject({ statistic: "Minimum", period: 3600, evaluation_periods: 1, threshold: 777600 });
    // No dimensions: the authorizer publishes the key age without any, one series for all tasks.
    expect(a).not.toHaveProperty("dimensions");
    expect((a.period as number) * (a.evaluation_periods as number)).toBeLessThanOrEqual(CLOUDWATCH_MAX_EVALUATION_SECONDS);
    const prod = synth((scope: Construct) => new Alarms(scope, "alarms", { ...props, rotationDays: 30, rotationMarginDays: 3 }));
    const prodAge = Object.values(resourcesOf(prod, "aws_cloudwatch_metric_alarm")).find((x) => x.alarm_name === "rajee-test-signing-key-age");
    expect(prodAge?.threshold).toBe(33 * 86400);
  });

  it("takes the latency threshold it is given", () => {
    const fast = synth((scope: Construct) => new Alarms(scope, "alarms", { ...props, authzLatencyP99ThresholdMs: 250 }));
    const a = Object.values(resourcesOf(fast, "aws_cloudwatch_metric_alarm")).find((x) => x.alarm_name === "rajee-test-authz-latency-p99");
    expect(a?.threshold).toBe(250);
  });

  it("rejects a rotation schedule Secrets Manager does not accept", () => {
    expect(() => synth((scope: Construct) => new Alarms(scope, "alarms", { ...props, rotationDays: 0 }))).toThrow(
      new ConfigError("alarms: rotationDays=0 is outside Secrets Manager's 1-1000 days; use the secret's rotation schedule"),
    );
  });

  it("counts denials and rotation failures from the JSON log lines", () => {
    expect(resourceNamed(s, "aws_cloudwatch_log_metric_filter", "denials")).toMatchObject({
      log_group_name: "/rajee/test/authorizer",
      pattern: '{ $.decision = "deny" }',
    });
    expect(resourceNamed(s, "aws_cloudwatch_log_metric_filter", "rotation-failures")).toMatchObject({
      log_group_name: "/rajee/test/key-rotation",
      pattern: '{ $.event = "rotation_failed" }',
    });
  });

  it("rejects a malformed alarm email", () => {
    expect(() => synth((scope: Construct) => new Alarms(scope, "alarms", { ...props, alarmEmail: "oncall" }))).toThrow(
      new ConfigError('alarms: alarmEmail="oncall" is not an email address; use e.g. oncall@example.com'),
    );
  });
});

describe("Dashboard", () => {
  it("charts traffic, errors, latency, decisions, targets, capacity, rotation and the issuer", () => {
    let titles: string[] = [];
    let widgets: Record<string, { metrics: unknown[]; stat: string }> = {};
    const s = synth((scope: Construct) => {
      const d = new Dashboard(scope, "dash", {
        namePrefix: "rajee-test",
        region: "eu-west-1",
        loadBalancerArnSuffix: "app/x/1",
        targetGroupArnSuffix: "targetgroup/y/2",
        clusterName: "rajee-test",
        serviceName: "rajee-test-gateway",
        logMetricNamespace: "rajee/rajee-test",
        rotationFunctionName: "rajee-test-key-rotation",
        issuerFunctionName: "rajee-test-issuer",
      });
      titles = d.body.widgets.map((w) => (w as { properties: { title: string } }).properties.title);
      widgets = Object.fromEntries(
        d.body.widgets.map((w) => {
          const p = (w as { properties: { title: string; metrics: unknown[]; stat: string } }).properties;
          return [p.title, { metrics: p.metrics, stat: p.stat }];
        }),
      );
    });
    expect(titles).toEqual([
      "Requests",
      "5xx responses",
      "Target response time p99 (s)",
      "Decisions",
      "Authorization latency p99 (ms)",
      "Healthy / unhealthy targets",
      "Service CPU and memory (%)",
      "Key rotation failures",
      "Signing key age (s)",
      "Issuer requests",
      "Issuer errors and throttles",
    ]);
    expect(widgets["Issuer requests"]).toEqual({
      metrics: [
        ["AWS/Lambda", "UrlRequestCount", "FunctionName", "rajee-test-issuer"],
        ["AWS/Lambda", "Url4xxCount", "FunctionName", "rajee-test-issuer"],
        ["AWS/Lambda", "Url5xxCount", "FunctionName", "rajee-test-issuer"],
      ],
      stat: "Sum",
    });
    expect(widgets["Issuer errors and throttles"]?.metrics).toEqual([
      ["AWS/Lambda", "Errors", "FunctionName", "rajee-test-issuer"],
      ["AWS/Lambda", "Throttles", "FunctionName", "rajee-test-issuer"],
    ]);
    // The authorizer publishes AuthzLatencyMs only with its Result dimension: without it the chart is empty.
    expect(widgets["Authorization latency p99 (ms)"]).toEqual({
      metrics: [
        ["rajee", "AuthzLatencyMs", "Result", "allow"],
        ["rajee", "AuthzLatencyMs", "Result", "deny"],
      ],
      stat: "p99",
    });
    expect(widgets["Key rotation failures"]?.metrics).toEqual([
      ["rajee/rajee-test", "RotationFailures"],
      ["AWS/Lambda", "Errors", "FunctionName", "rajee-test-key-rotation"],
    ]);
    expect(widgets["Signing key age (s)"]).toEqual({ metrics: [["rajee", "SigningKeyAgeSeconds"]], stat: "Maximum" });
    expect(onlyResource(s, "aws_cloudwatch_dashboard").dashboard_name).toBe("rajee-test");
  });
});
