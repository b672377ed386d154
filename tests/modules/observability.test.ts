import type { Construct } from "constructs";
import { ConfigError } from "../../src/config-error";
import { Alarms, type AlarmsProps } from "../../modules/observability/alarms";
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
  };
  const s = synth((scope: Construct) => new Alarms(scope, "alarms", props));

  it("mails an encrypted topic", () => {
    expect(onlyResource(s, "aws_sns_topic").kms_master_key_id).toBe(refOf(s, "aws_kms_key", "topic-key", "arn"));
    expect(onlyResource(s, "aws_sns_topic_subscription")).toMatchObject({ protocol: "email", endpoint: "oncall@example.com" });
  });

  it("alarms on 5xx, unhealthy and missing targets, denial spikes and rotation failures", () => {
    const alarms = Object.values(resourcesOf(s, "aws_cloudwatch_metric_alarm")).map((a) => [a.alarm_name, a.namespace, a.metric_name, a.comparison_operator, a.threshold]);
    expect(alarms.sort()).toEqual([
      ["rajee-test-alb5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "GreaterThanOrEqualToThreshold", 10],
      ["rajee-test-target5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "GreaterThanOrEqualToThreshold", 10],
      ["rajee-test-unhealthy-targets", "AWS/ApplicationELB", "UnHealthyHostCount", "GreaterThanOrEqualToThreshold", 1],
      ["rajee-test-no-healthy-targets", "AWS/ApplicationELB", "HealthyHostCount", "LessThanThreshold", 1],
      ["rajee-test-denial-spike", "rajee/rajee-test", "Denials", "GreaterThanOrEqualToThreshold", 100],
      ["rajee-test-rotation-failure", "rajee/rajee-test", "RotationFailures", "GreaterThanOrEqualToThreshold", 1],
    ].sort());
    const topic = refOf(s, "aws_sns_topic", "topic", "arn");
    for (const a of Object.values(resourcesOf(s, "aws_cloudwatch_metric_alarm"))) expect(a.alarm_actions).toEqual([topic]);
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
  it("charts traffic, errors, latency, decisions, targets, capacity and rotation", () => {
    let titles: string[] = [];
    const s = synth((scope: Construct) => {
      const d = new Dashboard(scope, "dash", {
        namePrefix: "rajee-test",
        region: "eu-west-1",
        loadBalancerArnSuffix: "app/x/1",
        targetGroupArnSuffix: "targetgroup/y/2",
        clusterName: "rajee-test",
        serviceName: "rajee-test-gateway",
        logMetricNamespace: "rajee/rajee-test",
      });
      titles = d.body.widgets.map((w) => (w as { properties: { title: string } }).properties.title);
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
    ]);
    expect(onlyResource(s, "aws_cloudwatch_dashboard").dashboard_name).toBe("rajee-test");
  });
});
