import { Construct } from "constructs";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { parseCertificateArn } from "../../src/contracts/aws-names";
import { ENVOY_HEALTH_PORT, ENVOY_LISTENER_PORT, ENVOY_READY_PATH } from "../../src/contracts/gateway";
import { cidrProblem } from "../network/cidr";
import { checkNamePrefix, throwProblems } from "../shared/names";
import { partitionOf, policyJson, type PolicyStatement } from "../shared/policy";
import { ELB_LOG_DELIVERY_ACCOUNTS } from "./elb-accounts";

export interface LoadBalancerProps {
  /** Prefix of every name, e.g. `rajee-dev` (at most 20 characters: ALB names stop at 32). */
  readonly namePrefix: string;
  /** Account of the load balancer (access-log bucket name and policy). */
  readonly accountId: string;
  /** Region of the load balancer. */
  readonly region: string;
  /** VPC the load balancer and targets are in. */
  readonly vpcId: string;
  /** VPC CIDR: the load balancer may only send to targets inside it. */
  readonly vpcCidr: string;
  /** Public subnets (one per AZ, at least two) for an internet-facing load balancer. */
  readonly subnetIds: readonly string[];
  /** ACM certificate of the HTTPS listener, in the same region and account. */
  readonly certificateArn: string;
  /** Client CIDRs allowed to connect on 443 (and 80, which only redirects). */
  readonly ingressCidrs: readonly string[];
  /** Envoy's S3 listener port on the tasks. @default 8080 */
  readonly targetPort?: number;
  /** Envoy's health listener port on the tasks (`GET /ready`). @default 8081 */
  readonly healthCheckPort?: number;
  /** Path of the health listener. @default "/ready" */
  readonly healthCheckPath?: string;
  /** Seconds between target health checks (5-300). @default 10 */
  readonly healthCheckIntervalSeconds?: number;
  /** Seconds before a health check fails (2-120, below the interval). @default 5 */
  readonly healthCheckTimeoutSeconds?: number;
  /** TLS policy of the HTTPS listener. @default "ELBSecurityPolicy-TLS13-1-2-2021-06" */
  readonly sslPolicy?: string;
  /** Days ALB access logs (which contain full URLs, presigned tokens included) are kept (1-90). @default 7 */
  readonly accessLogRetentionDays?: number;
  /** WAF rate limit: requests per client IP per 5 minutes (10-2000000000). @default 2000 */
  readonly wafRateLimit?: number;
  /** Consecutive passing health checks before a target is healthy (2-10). @default 2 */
  readonly healthyThreshold?: number;
  /** Consecutive failing health checks before a target is unhealthy (2-10). @default 2 */
  readonly unhealthyThreshold?: number;
  /**
   * Seconds an idle connection stays open, towards clients and towards the targets (1-4000). Must
   * stay below Envoy's downstream idle timeout (checked at synth, stacks/invariants.ts). @default 120
   */
  readonly idleTimeoutSeconds?: number;
  /**
   * Seconds a deregistering target keeps finishing requests (0-3600). Long enough for large objects;
   * together with Envoy's drain it must fit in the Envoy container's stop timeout. @default 90
   */
  readonly deregistrationDelaySeconds?: number;
  /** Refuse deletion through the API (turn off before destroying). @default true */
  readonly deletionProtection?: boolean;
  /** Internal (VPC-only) instead of internet-facing. @default false */
  readonly internal?: boolean;
  /**
   * CloudWatch Logs group the WAF logs to (its name must start with `aws-waf-logs-`; created with
   * retention and the project's KMS key by LogGroups). Authorization headers, session tokens and query
   * strings (presigned URLs) are redacted.
   */
  readonly wafLogGroupArn: string;
  /** Seconds a client rate-limited by the WAF is told to wait (`Retry-After` of the 429), 1-300. @default 60 */
  readonly wafRetryAfterSeconds?: number;
  /** Seconds a new target's share of requests ramps up from zero (30-900, or 0 for off). @default 0 */
  readonly slowStartSeconds?: number;
}

// Envoy's ports and readiness path, from the gateway contract.
export const DEFAULT_TARGET_PORT = ENVOY_LISTENER_PORT;
export const DEFAULT_HEALTH_CHECK_PORT = ENVOY_HEALTH_PORT;
export const DEFAULT_HEALTH_CHECK_PATH = ENVOY_READY_PATH;
export const DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS = 10;
export const DEFAULT_HEALTH_CHECK_TIMEOUT_SECONDS = 5;
/** TLS 1.3 and 1.2 with forward-secret AEAD ciphers; TLS13-only would lock out S3 clients without TLS 1.3. */
export const DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
export const DEFAULT_ACCESS_LOG_RETENTION_DAYS = 7;
export const DEFAULT_WAF_RATE_LIMIT = 2000;
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 120;
export const DEFAULT_DEREGISTRATION_DELAY_SECONDS = 90;
export const DEFAULT_HEALTHY_THRESHOLD = 2;
export const DEFAULT_UNHEALTHY_THRESHOLD = 2;
export const DEFAULT_WAF_RETRY_AFTER_SECONDS = 60;
export const DEFAULT_SLOW_START_SECONDS = 0;
/** WAF requires a CloudWatch Logs destination's name to start with this (WAF developer guide, "Logging destinations"). */
export const WAF_LOG_GROUP_PREFIX = "aws-waf-logs-";
/** Key of the WAF's rate-limit response body. */
export const WAF_SLOW_DOWN_BODY_KEY = "s3-slow-down";
/**
 * The body of the WAF's rate-limit response: S3's `SlowDown` error, so S3 clients read a code they
 * treat as throttling. With the 429 status both mark it retryable for the AWS SDKs (smithy's
 * isThrottlingError: status 429 or code SlowDown).
 */
export const WAF_SLOW_DOWN_BODY =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
/**
 * WAF offers only TEXT_PLAIN, TEXT_HTML and APPLICATION_JSON for custom bodies (the provider refuses
 * anything else at validate). S3 clients parse error bodies by protocol, not by content type, and
 * the 429 alone already makes the AWS SDKs treat the answer as throttling.
 */
export const WAF_SLOW_DOWN_CONTENT_TYPE = "TEXT_PLAIN";
/** Request fields kept out of WAF logs: they carry credentials (SigV4 headers, presigned-URL query strings, bearer tokens). */
export const WAF_REDACTED_HEADERS: readonly string[] = ["authorization", "x-amz-security-token"];/** TLS policies offering TLS 1.3 that this module accepts. */
export const TLS13_POLICIES: readonly string[] = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
];

/** Why `days` is not an access-log retention this module accepts; undefined when it is. The configuration asks the same. */
export function accessLogRetentionProblem(days: number): string | undefined {
  return Number.isInteger(days) && days >= 1 && days <= 90 ? undefined : "is outside 1-90 (access logs hold full URLs); use 1-90";
}

/** Why `limit` is not a WAF rate limit (requests per client IP per 5 minutes); undefined when it is. The configuration asks the same. */
export function wafRateLimitProblem(limit: number): string | undefined {
  return Number.isInteger(limit) && limit >= 10 && limit <= 2_000_000_000 ? undefined : "must be a whole number of requests per 5 minutes, 10-2000000000 (WAF limits)";
}

/** The target group's health check as resolved (defaults applied). */
export interface TargetHealthCheck {
  readonly port: number;
  readonly path: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

/**
 * Internet-facing ALB: HTTPS with a TLS 1.3 policy, HTTP that only redirects, invalid header fields
 * dropped, strictest desync mitigation, access logs to a private SSE-S3 bucket with short
 * retention, a WAF web ACL with a per-IP rate rule answering 429 SlowDown with Retry-After and logging
 * with credentials redacted, and an IP target group (optional slow start) on Envoy's S3 port whose
 * health check is Envoy's health listener (unhealthy whenever the authorizer is).
 */
export class LoadBalancer extends Construct {
  readonly loadBalancerArn: string;
  readonly loadBalancerArnSuffix: string;
  readonly dnsName: string;
  readonly zoneId: string;
  readonly securityGroupId: string;
  readonly targetGroupArn: string;
  readonly targetGroupArnSuffix: string;
  readonly httpsListenerArn: string;
  readonly accessLogBucketName: string;
  readonly webAclArn: string;
  /** Seconds a new target ramps up (resolved; 0 = off). */
  readonly slowStartSeconds: number;
  /** Idle timeout of client and target connections, seconds (resolved). */
  readonly idleTimeoutSeconds: number;
  /** Seconds a deregistering target keeps serving requests in flight (resolved). */
  readonly deregistrationDelaySeconds: number;
  /** The target group's health check (resolved). */
  readonly healthCheck: TargetHealthCheck;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const targetPort = props.targetPort ?? DEFAULT_TARGET_PORT;
    const healthPort = props.healthCheckPort ?? DEFAULT_HEALTH_CHECK_PORT;
    const healthPath = props.healthCheckPath ?? DEFAULT_HEALTH_CHECK_PATH;
    const interval = props.healthCheckIntervalSeconds ?? DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS;
    const timeout = props.healthCheckTimeoutSeconds ?? DEFAULT_HEALTH_CHECK_TIMEOUT_SECONDS;
    const sslPolicy = props.sslPolicy ?? DEFAULT_SSL_POLICY;
    const retention = props.accessLogRetentionDays ?? DEFAULT_ACCESS_LOG_RETENTION_DAYS;
    const rateLimit = props.wafRateLimit ?? DEFAULT_WAF_RATE_LIMIT;
    const idleTimeout = props.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS;
    const deregistrationDelay = props.deregistrationDelaySeconds ?? DEFAULT_DEREGISTRATION_DELAY_SECONDS;
    const healthyThreshold = props.healthyThreshold ?? DEFAULT_HEALTHY_THRESHOLD;
    const unhealthyThreshold = props.unhealthyThreshold ?? DEFAULT_UNHEALTHY_THRESHOLD;
    const deletionProtection = props.deletionProtection ?? true;
    const internal = props.internal ?? false;
    const retryAfter = props.wafRetryAfterSeconds ?? DEFAULT_WAF_RETRY_AFTER_SECONDS;
    const slowStart = props.slowStartSeconds ?? DEFAULT_SLOW_START_SECONDS;
    validate(props, {
      targetPort, healthPort, healthPath, interval, timeout, healthyThreshold, unhealthyThreshold, sslPolicy, retention, rateLimit, idleTimeout, deregistrationDelay, retryAfter, slowStart,
    });
    this.slowStartSeconds = slowStart;
    this.idleTimeoutSeconds = idleTimeout;
    this.deregistrationDelaySeconds = deregistrationDelay;
    this.healthCheck = Object.freeze({ port: healthPort, path: healthPath, intervalSeconds: interval, timeoutSeconds: timeout, healthyThreshold, unhealthyThreshold });
    const name = props.namePrefix;
    const partition = partitionOf(props.region);

    // Access logs: private, SSE-S3 (the only encryption ALB log delivery supports), short retention.
    const logs = new S3Bucket(this, "access-logs", { bucket: `${name}-alb-logs-${props.accountId}`, forceDestroy: false });
    new S3BucketPublicAccessBlock(this, "access-logs-private", {
      bucket: logs.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "access-logs-owner", { bucket: logs.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "access-logs-sse", {
      bucket: logs.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new S3BucketLifecycleConfiguration(this, "access-logs-expiry", {
      bucket: logs.id,
      rule: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: retention }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
    });
    const logObjects = `${logs.arn}/AWSLogs/${props.accountId}/*`;
    const legacyAccount = ELB_LOG_DELIVERY_ACCOUNTS[props.region];
    const bucketStatements: PolicyStatement[] = [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: ["s3:*"],
        Resource: [logs.arn, `${logs.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "ElbLogDelivery",
        Effect: "Allow",
        Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
        Action: ["s3:PutObject"],
        Resource: [logObjects],
      },
    ];
    if (legacyAccount) {
      bucketStatements.push({
        Sid: "ElbLogDeliveryRegionalAccount",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${legacyAccount}:root` },
        Action: ["s3:PutObject"],
        Resource: [logObjects],
      });
    }
    const logsPolicy = new S3BucketPolicy(this, "access-logs-policy", { bucket: logs.id, policy: policyJson(bucketStatements) });
    this.accessLogBucketName = logs.bucket;

    const sg = new SecurityGroup(this, "sg", {
      name: `${name}-alb`,
      description: "rajee load balancer: HTTPS (and HTTP redirect) in, Envoy ports out",
      vpcId: props.vpcId,
      tags: { Name: `${name}-alb` },
    });
    props.ingressCidrs.forEach((cidr, i) => {
      for (const port of [443, 80]) {
        new VpcSecurityGroupIngressRule(this, `ingress-${port}-${i}`, {
          securityGroupId: sg.id,
          description: port === 443 ? "HTTPS from clients" : "HTTP from clients (redirected to HTTPS)",
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          cidrIpv4: cidr,
        });
      }
    });
    for (const [key, port] of [["target", targetPort], ["health", healthPort]] as const) {
      new VpcSecurityGroupEgressRule(this, `egress-${key}`, {
        securityGroupId: sg.id,
        description: key === "target" ? "Envoy S3 listener" : "Envoy health listener",
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrIpv4: props.vpcCidr,
      });
    }
    this.securityGroupId = sg.id;

    const lb = new Lb(this, "alb", {
      name: `${name}-alb`,
      loadBalancerType: "application",
      internal,
      subnets: [...props.subnetIds],
      securityGroups: [sg.id],
      dropInvalidHeaderFields: true,
      desyncMitigationMode: "strictest",
      enableDeletionProtection: deletionProtection,
      idleTimeout,
      enableHttp2: true,
      accessLogs: { bucket: logs.bucket, enabled: true },
      dependsOn: [logsPolicy],
    });
    this.loadBalancerArn = lb.arn;
    this.loadBalancerArnSuffix = lb.arnSuffix;
    this.dnsName = lb.dnsName;
    this.zoneId = lb.zoneId;

    const tg = new LbTargetGroup(this, "targets", {
      name: `${name}-envoy`,
      targetType: "ip",
      protocol: "HTTP",
      port: targetPort,
      vpcId: props.vpcId,
      deregistrationDelay: String(deregistrationDelay),
      slowStart,
      healthCheck: {
        enabled: true,
        protocol: "HTTP",
        port: String(healthPort),
        path: healthPath,
        matcher: "200",
        interval,
        timeout,
        healthyThreshold,
        unhealthyThreshold,
      },
    });
    this.targetGroupArn = tg.arn;
    this.targetGroupArnSuffix = tg.arnSuffix;

    const https = new LbListener(this, "https", {
      loadBalancerArn: lb.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy,
      certificateArn: props.certificateArn,
      defaultAction: [{ type: "forward", targetGroupArn: tg.arn }],
    });
    this.httpsListenerArn = https.arn;
    new LbListener(this, "http-redirect", {
      loadBalancerArn: lb.arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
    });

    const metric = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
    const acl = new Wafv2WebAcl(this, "waf", {
      name: `${name}-alb`,
      description: "rajee gateway: per-client-IP rate limit",
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: metric(`${name}-alb`),
      customResponseBody: [{ key: WAF_SLOW_DOWN_BODY_KEY, contentType: WAF_SLOW_DOWN_CONTENT_TYPE, content: WAF_SLOW_DOWN_BODY }],
      rule: [
        {
          name: "rate-limit-per-ip",
          priority: 1,
          // A plain block is a 403 that SDKs do not retry; 429 + SlowDown + Retry-After makes them back off.
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: WAF_SLOW_DOWN_BODY_KEY,
                responseHeader: [{ name: "Retry-After", value: String(retryAfter) }],
              },
            },
          },
          statement: { rate_based_statement: { limit: rateLimit, aggregate_key_type: "IP", evaluation_window_sec: 300 } },
          visibilityConfig: metric(`${name}-rate-limit`),
        },
      ],
    });
    new Wafv2WebAclAssociation(this, "waf-association", { resourceArn: lb.arn, webAclArn: acl.arn });
    this.webAclArn = acl.arn;
    new Wafv2WebAclLoggingConfiguration(this, "waf-logging", {
      resourceArn: acl.arn,
      logDestinationConfigs: [props.wafLogGroupArn],
      redactedFields: [...WAF_REDACTED_HEADERS.map((header) => ({ singleHeader: { name: header } })), { queryString: {} }],
    });
  }
}

interface Resolved {
  targetPort: number;
  healthPort: number;
  healthPath: string;
  interval: number;
  timeout: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  sslPolicy: string;
  retention: number;
  rateLimit: number;
  idleTimeout: number;
  deregistrationDelay: number;
  retryAfter: number;
  slowStart: number;
}

function validate(props: LoadBalancerProps, r: Resolved): void {
  checkNamePrefix("load-balancer", props.namePrefix);
  const problems: string[] = [];
  const range = (field: string, v: number, min: number, max: number, why = "") => {
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${field}=${v} is outside ${min}-${max}${why}; use ${min}-${max}`);
  };
  if (props.subnetIds.length < 2) problems.push(`subnetIds has ${props.subnetIds.length} subnet(s); an ALB needs subnets in at least two AZs`);
  if (props.ingressCidrs.length === 0) problems.push("ingressCidrs=[] is empty, so nobody could connect; list client CIDRs");
  props.ingressCidrs.forEach((c, i) => {
    const p = cidrProblem(c);
    if (p) problems.push(`ingressCidrs[${i}]=${JSON.stringify(c)} ${p}`);
  });
  range("targetPort", r.targetPort, 1024, 65535, " (Envoy runs unprivileged)");
  range("healthCheckPort", r.healthPort, 1024, 65535, " (Envoy runs unprivileged)");
  if (r.healthPort === r.targetPort) problems.push(`healthCheckPort=${r.healthPort} equals targetPort; the health listener needs its own port`);
  if (!r.healthPath.startsWith("/")) problems.push(`healthCheckPath=${JSON.stringify(r.healthPath)} must start with '/'`);
  range("healthCheckIntervalSeconds", r.interval, 5, 300, " (ALB limits)");
  range("healthCheckTimeoutSeconds", r.timeout, 2, 120, " (ALB limits)");
  range("healthyThreshold", r.healthyThreshold, 2, 10, " (ALB limits)");
  range("unhealthyThreshold", r.unhealthyThreshold, 2, 10, " (ALB limits)");
  if (r.timeout >= r.interval) problems.push(`healthCheckTimeoutSeconds=${r.timeout} must be below healthCheckIntervalSeconds=${r.interval}`);
  if (!TLS13_POLICIES.includes(r.sslPolicy)) {
    problems.push(`sslPolicy=${JSON.stringify(r.sslPolicy)} does not offer TLS 1.3; use one of ${TLS13_POLICIES.join(", ")}`);
  }
  const retentionProblem = accessLogRetentionProblem(r.retention);
  if (retentionProblem) problems.push(`accessLogRetentionDays=${r.retention} ${retentionProblem}`);
  const rateProblem = wafRateLimitProblem(r.rateLimit);
  if (rateProblem) problems.push(`wafRateLimit=${r.rateLimit} ${rateProblem}`);
  range("idleTimeoutSeconds", r.idleTimeout, 1, 4000, " (ALB limits)");
  range("deregistrationDelaySeconds", r.deregistrationDelay, 0, 3600, " (ALB limits)");
  range("wafRetryAfterSeconds", r.retryAfter, 1, 300, " (the rate rule's window is 300 s)");
  if (!Number.isInteger(r.slowStart) || (r.slowStart !== 0 && (r.slowStart < 30 || r.slowStart > 900))) {
    problems.push(`slowStartSeconds=${r.slowStart} is outside the ALB range; use 30-900, or 0 for off`);
  }
  if (!props.wafLogGroupArn.includes("${") && !props.wafLogGroupArn.includes(`:log-group:${WAF_LOG_GROUP_PREFIX}`)) {
    problems.push(`wafLogGroupArn=${JSON.stringify(props.wafLogGroupArn)} is not a log group named ${WAF_LOG_GROUP_PREFIX}*; WAF logs only to such groups`);
  }
  if (!parseCertificateArn(props.certificateArn) && !props.certificateArn.includes("${")) {
    problems.push(`certificateArn=${JSON.stringify(props.certificateArn)} is not an ACM certificate ARN`);
  }
  throwProblems("load-balancer", problems);
}
