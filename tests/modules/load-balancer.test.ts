import type { Construct } from "constructs";
import { ConfigError } from "../../src/config-error";
import { LoadBalancer, type LoadBalancerProps } from "../../modules/load-balancer/load-balancer";
import { onlyResource, refOf, resourceNamed, resourcesOf, statementsOf, synth } from "./synth";

const WAF_LOG_GROUP_ARN = "arn:aws:logs:eu-west-1:111111111111:log-group:aws-waf-logs-rajee-test";

function props(overrides: Partial<LoadBalancerProps> = {}): LoadBalancerProps {
  return {
    namePrefix: "rajee-test",
    accountId: "111111111111",
    region: "eu-west-1",
    vpcId: "vpc-123",
    vpcCidr: "10.10.0.0/16",
    subnetIds: ["subnet-a", "subnet-b"],
    certificateArn: "arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-4000-8000-000000000001",
    ingressCidrs: ["203.0.113.0/24"],
    wafLogGroupArn: WAF_LOG_GROUP_ARN,
    ...overrides,
  };
}

const build = (p: LoadBalancerProps) => synth((scope: Construct) => new LoadBalancer(scope, "lb", p));

describe("LoadBalancer", () => {
  const s = build(props());

  it("serves HTTPS with a TLS 1.3 policy and forwards to the Envoy target group", () => {
    const https = resourceNamed(s, "aws_lb_listener", "https");
    expect([https.port, https.protocol, https.ssl_policy, https.certificate_arn]).toEqual([
      443,
      "HTTPS",
      "ELBSecurityPolicy-TLS13-1-2-2021-06",
      props().certificateArn,
    ]);
    expect(https.default_action).toEqual([{ type: "forward", target_group_arn: refOf(s, "aws_lb_target_group", "targets", "arn") }]);
  });

  it("answers plain HTTP only with a redirect to HTTPS", () => {
    const http = resourceNamed(s, "aws_lb_listener", "http-redirect");
    expect([http.port, http.protocol]).toEqual([80, "HTTP"]);
    expect(http.default_action).toEqual([{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } }]);
  });

  it("drops invalid header fields, uses the strictest desync mode and logs to its bucket", () => {
    const lb = onlyResource(s, "aws_lb");
    expect([lb.name, lb.internal, lb.drop_invalid_header_fields, lb.desync_mitigation_mode, lb.enable_deletion_protection]).toEqual([
      "rajee-test-alb",
      false,
      true,
      "strictest",
      true,
    ]);
    expect(lb.access_logs).toEqual({ bucket: refOf(s, "aws_s3_bucket", "access-logs", "bucket"), enabled: true });
  });

  it("keeps access logs private, SSE-S3 encrypted, TLS-only and short-lived", () => {
    expect(onlyResource(s, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(s, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
    ]);
    const rule = (onlyResource(s, "aws_s3_bucket_lifecycle_configuration").rule as Array<Record<string, unknown>>)[0]!;
    expect(rule.expiration).toEqual([{ days: 7 }]);
    const policy = statementsOf(onlyResource(s, "aws_s3_bucket_policy").policy);
    expect(policy.map((p) => [p.Sid, p.Effect, p.Action, p.Principal])).toEqual([
      ["DenyInsecureTransport", "Deny", ["s3:*"], { AWS: "*" }],
      ["ElbLogDelivery", "Allow", ["s3:PutObject"], { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }],
      ["ElbLogDeliveryRegionalAccount", "Allow", ["s3:PutObject"], { AWS: "arn:aws:iam::156460612806:root" }],
    ]);
    expect(policy[1]!.Resource).toEqual([`${refOf(s, "aws_s3_bucket", "access-logs", "arn")}/AWSLogs/111111111111/*`]);
  });

  it("admits clients on 443 and 80 only and sends only to Envoy's two ports inside the VPC", () => {
    const ingress = Object.values(resourcesOf(s, "aws_vpc_security_group_ingress_rule")).map((r) => [r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4]);
    expect(ingress).toEqual([
      ["tcp", 443, 443, "203.0.113.0/24"],
      ["tcp", 80, 80, "203.0.113.0/24"],
    ]);
    const egress = Object.values(resourcesOf(s, "aws_vpc_security_group_egress_rule")).map((r) => [r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4]);
    expect(egress).toEqual([
      ["tcp", 8081, 8081, "10.10.0.0/16"],
      ["tcp", 8080, 8080, "10.10.0.0/16"],
    ]);
  });

  it("health-checks targets on Envoy's health listener, never the admin port", () => {
    const tg = onlyResource(s, "aws_lb_target_group");
    expect([tg.target_type, tg.protocol, tg.port]).toEqual(["ip", "HTTP", 8080]);
    expect(tg.health_check).toEqual({
      enabled: true,
      protocol: "HTTP",
      port: "8081",
      path: "/ready",
      matcher: "200",
      interval: 10,
      timeout: 5,
      healthy_threshold: 2,
      unhealthy_threshold: 2,
    });
  });

  it("keeps idle connections 120 s and lets a deregistering target finish large transfers for 90 s", () => {
    expect(onlyResource(s, "aws_lb").idle_timeout).toBe(120);
    expect(onlyResource(s, "aws_lb_target_group").deregistration_delay).toBe("90");
  });

  it("exposes the resolved timings the cross-component invariants read", () => {
    let lb: LoadBalancer | undefined;
    synth((scope: Construct) => {
      lb = new LoadBalancer(scope, "lb", props({ healthyThreshold: 3, idleTimeoutSeconds: 60 }));
    });
    expect([lb?.idleTimeoutSeconds, lb?.deregistrationDelaySeconds]).toEqual([60, 90]);
    expect(lb?.healthCheck).toEqual({ port: 8081, path: "/ready", intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 2 });
  });

  it("rejects health-check thresholds outside the ALB's 2-10", () => {
    expect(() => build(props({ healthyThreshold: 1, unhealthyThreshold: 11 }))).toThrow(
      new ConfigError(
        "load-balancer: healthyThreshold=1 is outside 2-10 (ALB limits); use 2-10\n" +
          "load-balancer: unhealthyThreshold=11 is outside 2-10 (ALB limits); use 2-10",
      ),
    );
  });

  it("attaches a WAF web ACL whose per-IP rate rule answers 429 SlowDown with Retry-After, so SDKs back off", () => {
    const acl = onlyResource(s, "aws_wafv2_web_acl");
    const rule = (acl.rule as Array<Record<string, unknown>>)[0]!;
    expect([acl.scope, rule.name, rule.action]).toEqual([
      "REGIONAL",
      "rate-limit-per-ip",
      { block: { custom_response: { response_code: 429, custom_response_body_key: "s3-slow-down", response_header: [{ name: "Retry-After", value: "60" }] } } },
    ]);
    expect(acl.custom_response_body).toEqual([
      {
        key: "s3-slow-down",
        content_type: "TEXT_PLAIN",
        content: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
      },
    ]);
    expect(rule.statement).toEqual({ rate_based_statement: { limit: 2000, aggregate_key_type: "IP", evaluation_window_sec: 300 } });
    expect(onlyResource(s, "aws_wafv2_web_acl_association")).toEqual({
      resource_arn: refOf(s, "aws_lb", "alb", "arn"),
      web_acl_arn: refOf(s, "aws_wafv2_web_acl", "waf", "arn"),
    });
  });

  it("logs the WAF to its aws-waf-logs- group with credentials, session tokens and query strings redacted", () => {
    expect(onlyResource(s, "aws_wafv2_web_acl_logging_configuration")).toEqual({
      resource_arn: refOf(s, "aws_wafv2_web_acl", "waf", "arn"),
      log_destination_configs: [WAF_LOG_GROUP_ARN],
      redacted_fields: [{ single_header: { name: "authorization" } }, { single_header: { name: "x-amz-security-token" } }, { query_string: {} }],
    });
  });

  it("tells rate-limited clients the configured wait and ramps new targets up when asked", () => {
    const tuned = build(props({ wafRetryAfterSeconds: 30, slowStartSeconds: 60 }));
    const rule = (onlyResource(tuned, "aws_wafv2_web_acl").rule as Array<{ action: { block: { custom_response: { response_header: unknown } } } }>)[0]!;
    expect(rule.action.block.custom_response.response_header).toEqual([{ name: "Retry-After", value: "30" }]);
    expect(onlyResource(tuned, "aws_lb_target_group").slow_start).toBe(60);
    expect(onlyResource(s, "aws_lb_target_group").slow_start).toBe(0);
  });

  it("rejects a WAF log group without the aws-waf-logs- prefix, a Retry-After past the window and a slow start outside the ALB range", () => {
    expect(() =>
      build(props({ wafLogGroupArn: "arn:aws:logs:eu-west-1:111111111111:log-group:/rajee/waf", wafRetryAfterSeconds: 301, slowStartSeconds: 10 })),
    ).toThrow(
      new ConfigError(
        "load-balancer: wafRetryAfterSeconds=301 is outside 1-300 (the rate rule's window is 300 s); use 1-300\n" +
          "load-balancer: slowStartSeconds=10 is outside the ALB range; use 30-900, or 0 for off\n" +
          'load-balancer: wafLogGroupArn="arn:aws:logs:eu-west-1:111111111111:log-group:/rajee/waf" is not a log group named aws-waf-logs-*; WAF logs only to such groups',
      ),
    );
  });

  it("rejects a TLS policy without TLS 1.3 and a health timeout not below the interval", () => {
    expect(() => build(props({ sslPolicy: "ELBSecurityPolicy-2016-08", healthCheckTimeoutSeconds: 10 }))).toThrow(
      new ConfigError(
        "load-balancer: healthCheckTimeoutSeconds=10 must be below healthCheckIntervalSeconds=10\n" +
          'load-balancer: sslPolicy="ELBSecurityPolicy-2016-08" does not offer TLS 1.3; use one of ELBSecurityPolicy-TLS13-1-2-2021-06, ELBSecurityPolicy-TLS13-1-2-Res-2021-06, ELBSecurityPolicy-TLS13-1-3-2021-06, ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04, ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04',
      ),
    );
  });

  it("rejects access-log retention beyond 90 days", () => {
    expect(() => build(props({ accessLogRetentionDays: 365 }))).toThrow(
      new ConfigError("load-balancer: accessLogRetentionDays=365 is outside 1-90 (access logs hold full URLs); use 1-90"),
    );
  });
});
