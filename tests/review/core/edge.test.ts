import fc from "fast-check";
import { parsePlan } from "../../../review/core/plan";
import { reviewPlan, type ReviewOptions } from "../../../review/core/report";
import { EDGE_RULES } from "../../../review/core/edge";
import { planDocument, ref, type FixtureResource } from "./fixtures";

const OPTIONS: ReviewOptions = { environment: "dev", buckets: {} };
const edgeFindings = (resources: FixtureResource[], options: Partial<ReviewOptions> = {}) =>
  reviewPlan(parsePlan(planDocument(resources), "test"), { ...OPTIONS, ...options })
    .violations.filter((v) => (EDGE_RULES as readonly string[]).includes(v.rule))
    .map((v) => [v.rule, v.address, v.message]);

const GOOD_LB = { load_balancer_type: "application", internal: false, drop_invalid_header_fields: true, desync_mitigation_mode: "strictest", enable_deletion_protection: true, access_logs: [{ enabled: true, bucket: "logs" }] };
const lb = (over: Record<string, unknown> = {}): FixtureResource => ({ address: "aws_lb.alb", after: { ...GOOD_LB, ...over }, unknown: { arn: true } });
const waf: FixtureResource = { address: "aws_wafv2_web_acl_association.waf", after: {}, unknown: { resource_arn: true }, config: { resource_arn: ref("aws_lb.alb", "arn") } };
const listener = (after: Record<string, unknown>): FixtureResource => ({ address: `aws_lb_listener.l${String(after.port)}`, after, unknown: { load_balancer_arn: true }, config: { load_balancer_arn: ref("aws_lb.alb", "arn") } });
const HTTPS = { port: 443, protocol: "HTTPS", ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06", default_action: [{ type: "forward" }] };
const REDIRECT = { port: 80, protocol: "HTTP", default_action: [{ type: "redirect", redirect: [{ protocol: "HTTPS", port: "443" }] }] };

describe("the load balancer rules", () => {
  it("pass a load balancer built as the gateway builds it", () => {
    expect(edgeFindings([lb(), waf, listener(HTTPS), listener(REDIRECT)], { requireDeletionProtection: true })).toEqual([]);
  });

  it("refuse invalid header fields kept and desync mode monitor", () => {
    expect(edgeFindings([lb({ drop_invalid_header_fields: false, desync_mitigation_mode: "monitor" }), waf])).toEqual([
      ["alb-invalid-headers", "aws_lb.alb", "load balancer aws_lb.alb drop_invalid_header_fields=false: headers with invalid names reach Envoy; set it to true"],
      ["alb-desync-mode", "aws_lb.alb", "load balancer aws_lb.alb desync_mitigation_mode=monitor forwards ambiguous (request-smuggling) requests; set it to strictest"],
    ]);
  });

  it("refuse an internet-facing load balancer without a WAF association, not an internal one", () => {
    expect(edgeFindings([lb()]).map((f) => f[0])).toEqual(["waf-association"]);
    expect(edgeFindings([lb({ internal: true })])).toEqual([]);
  });

  it("require deletion protection only where the environment asks for it", () => {
    expect(edgeFindings([lb({ enable_deletion_protection: false }), waf])).toEqual([]);
    expect(edgeFindings([lb({ enable_deletion_protection: false }), waf], { requireDeletionProtection: true }).map((f) => f[0])).toEqual(["alb-deletion-protection"]);
  });

  it("require access logs to a bucket", () => {
    expect(edgeFindings([lb({ access_logs: [{ enabled: false, bucket: "logs" }] }), waf]).map((f) => f[0])).toEqual(["alb-access-logs"]);
    expect(edgeFindings([lb({ access_logs: [] }), waf]).map((f) => f[0])).toEqual(["alb-access-logs"]);
  });

  it("refuse a TLS policy that allows anything below TLS 1.2 or lacks TLS 1.3", () => {
    for (const policy of ["ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS-1-1-2017-01", "ELBSecurityPolicy-TLS13-1-0-2021-06", "ELBSecurityPolicy-FS-1-2-Res-2020-10"]) {
      expect(edgeFindings([lb(), waf, listener({ ...HTTPS, ssl_policy: policy })]).map((f) => f[0])).toEqual(["alb-tls-policy"]);
    }
    expect(edgeFindings([lb(), waf, listener({ ...HTTPS, ssl_policy: "ELBSecurityPolicy-TLS13-1-3-2021-06" })])).toEqual([]);
  });

  it("require the HTTP listener of an internet-facing load balancer to redirect to HTTPS", () => {
    expect(edgeFindings([lb(), waf, listener({ port: 80, protocol: "HTTP", default_action: [{ type: "forward" }] })])).toEqual([
      ["alb-http-redirect", "aws_lb_listener.l80", "HTTP listener aws_lb_listener.l80 does forward; its only action must redirect to HTTPS (redirect.protocol=HTTPS)"],
    ]);
    expect(edgeFindings([lb(), waf, listener({ ...REDIRECT, default_action: [{ type: "redirect", redirect: [{ protocol: "HTTP", port: "8080" }] }] })]).map((f) => f[0])).toEqual(["alb-http-redirect"]);
  });
});

describe("egress-to-internet", () => {
  const egress = (after: Record<string, unknown>): FixtureResource => ({ address: "aws_vpc_security_group_egress_rule.out", after });
  const fix = "remove it: egress goes to the S3 prefix list (prefix_list_id) or the endpoints' security group (referenced_security_group_id)";

  it("refuses any egress to a public range, whatever its ports, in each form", () => {
    expect(edgeFindings([egress({ cidr_ipv4: "0.0.0.0/0", ip_protocol: "-1" })])).toEqual([
      ["egress-to-internet", "aws_vpc_security_group_egress_rule.out", `aws_vpc_security_group_egress_rule.out allows all traffic out to 0.0.0.0/0 (cidr_ipv4/cidr_blocks); ${fix}`],
    ]);
    expect(edgeFindings([egress({ cidr_ipv4: "0.0.0.0/0", ip_protocol: "tcp", from_port: 443, to_port: 443 })])).toEqual([
      ["egress-to-internet", "aws_vpc_security_group_egress_rule.out", `aws_vpc_security_group_egress_rule.out allows tcp 443 out to 0.0.0.0/0 (cidr_ipv4/cidr_blocks); ${fix}`],
    ]);
    expect(edgeFindings([{ address: "aws_security_group_rule.out", after: { type: "egress", protocol: "tcp", from_port: 0, to_port: 65535, ipv6_cidr_blocks: ["::/0"] } }]).map((f) => f[0])).toEqual(["egress-to-internet"]);
    expect(edgeFindings([{ address: "aws_security_group.sg", after: { egress: [{ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["52.95.0.0/16"] }] } }]).map((f) => f[0])).toEqual(["egress-to-internet"]);
  });

  it("allows egress to a prefix list, a security group, or private space", () => {
    expect(edgeFindings([egress({ prefix_list_id: "pl-123", ip_protocol: "tcp", from_port: 443, to_port: 443 })])).toEqual([]);
    expect(edgeFindings([egress({ referenced_security_group_id: "sg-1", ip_protocol: "tcp", from_port: 443, to_port: 443 })])).toEqual([]);
    expect(edgeFindings([egress({ cidr_ipv4: "10.0.0.0/16", ip_protocol: "-1" })])).toEqual([]);
  });

  it("fires for every rule to 0.0.0.0/0, whatever protocol and ports (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom("-1", "tcp", "udp"), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), (protocol, a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        expect(edgeFindings([egress({ cidr_ipv4: "0.0.0.0/0", ip_protocol: protocol, from_port: from, to_port: to })]).map((f) => f[0])).toEqual(["egress-to-internet"]);
      }),
      { numRuns: 50 },
    );
  });
});

describe("waf-log-redaction", () => {
  const header = (name: string) => ({ single_header: [{ name }], query_string: [], method: [], uri_path: [] });
  const query = { single_header: [], query_string: [{}], method: [], uri_path: [] };
  const logging = (redacted: unknown[]): FixtureResource => ({ address: "aws_wafv2_web_acl_logging_configuration.w", after: { redacted_fields: redacted } });

  it("passes a configuration that redacts both credential headers and the query string", () => {
    expect(edgeFindings([logging([header("authorization"), header("x-amz-security-token"), query])])).toEqual([]);
  });

  it("names each missing redaction and the fix", () => {
    expect(edgeFindings([logging([header("authorization")])])).toEqual([
      [
        "waf-log-redaction",
        "aws_wafv2_web_acl_logging_configuration.w",
        'WAF logging aws_wafv2_web_acl_logging_configuration.w redacted_fields does not redact header x-amz-security-token, the query string, so bearer tokens and presigned credentials reach the log; add redacted_fields { single_header { name = "..." } } for each header and redacted_fields { query_string {} }',
      ],
    ]);
    expect(edgeFindings([logging([])]).map((f) => f[0])).toEqual(["waf-log-redaction"]);
  });
});
