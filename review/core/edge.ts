/**
 * Rules for the internet edge: the load balancer's attributes and listeners, its WAF association
 * and WAF log redaction, and security-group egress. Each message names the resource, the setting and the fix. Pure.
 */
import { display, isPublicCidr } from "./network";
import { at, listAt, stringAt, type Json, type JsonObject, type PlannedResource, type ResourceIndex } from "./plan";
import type { Violation } from "./suppressions";

/** TLS policies with TLS 1.3 and nothing below 1.2 (ELB's `ELBSecurityPolicy-TLS13-1-2-*` and `-1-3-*` families, FIPS variants included). */
export const ACCEPTED_TLS_POLICY = /^ELBSecurityPolicy-TLS13-1-[23]-/;
/** `desync_mitigation_mode` values that refuse ambiguous requests (`monitor` only records them). */
export const ACCEPTED_DESYNC_MODES: readonly string[] = ["defensive", "strictest"];

export const EDGE_RULES = [
  "alb-tls-policy",
  "alb-invalid-headers",
  "alb-desync-mode",
  "alb-http-redirect",
  "alb-deletion-protection",
  "alb-access-logs",
  "waf-association",
  "waf-log-redaction",
  "egress-to-internet",
] as const;
type EdgeRuleName = (typeof EDGE_RULES)[number];

export const EDGE_RULE_SUMMARIES: Readonly<Record<EdgeRuleName, string>> = {
  "alb-tls-policy": "An HTTPS or TLS listener whose `ssl_policy` is not an `ELBSecurityPolicy-TLS13-1-2-*`/`-1-3-*` policy",
  "alb-invalid-headers": "An application load balancer with `drop_invalid_header_fields` not true",
  "alb-desync-mode": "An application load balancer with `desync_mitigation_mode` `monitor` (only `defensive` or `strictest`)",
  "alb-http-redirect": "An internet-facing HTTP listener whose default action is not a redirect to HTTPS",
  "alb-deletion-protection": "A load balancer without `enable_deletion_protection` where the environment requires it (prod)",
  "alb-access-logs": "A load balancer without access logs enabled to a bucket",
  "waf-association": "An internet-facing application load balancer with no `aws_wafv2_web_acl_association`",
  "waf-log-redaction": "A WAF logging configuration that does not redact the `authorization` and `x-amz-security-token` headers and the query string (presigned URLs carry credentials there)",
  "egress-to-internet": "An egress rule to a public range (`0.0.0.0/0`, `::/0`, any public CIDR), whatever its ports: the tasks reach only the S3 prefix list and the VPC endpoints' security group",
};

/** What the edge rules need beyond the plan. */
export interface EdgeOptions {
  /** Load balancers must have deletion protection (prod). */
  readonly requireDeletionProtection: boolean;
}

const isAlb = (lb: PlannedResource) => (stringAt(lb.values, "load_balancer_type") ?? "application") === "application";
const internetFacing = (lb: PlannedResource) => lb.values.internal !== true;

/** Violations of the load balancer and WAF rules. */
export function loadBalancerViolations(index: ResourceIndex, options: EdgeOptions): Violation[] {
  const out: Violation[] = [];
  const add = (rule: EdgeRuleName, address: string, subject: string, message: string) => out.push({ rule, address, subject, message });
  const lbs = index.ofType("aws_lb", "aws_alb");
  for (const lb of lbs) {
    const v = lb.values;
    if (isAlb(lb)) {
      if (v.drop_invalid_header_fields !== true) {
        add("alb-invalid-headers", lb.address, "drop_invalid_header_fields", `load balancer ${lb.address} drop_invalid_header_fields=${display(v.drop_invalid_header_fields as Json)}: headers with invalid names reach Envoy; set it to true`);
      }
      const desync = stringAt(v, "desync_mitigation_mode") ?? "defensive";
      if (!ACCEPTED_DESYNC_MODES.includes(desync)) {
        add("alb-desync-mode", lb.address, "desync_mitigation_mode", `load balancer ${lb.address} desync_mitigation_mode=${desync} forwards ambiguous (request-smuggling) requests; set it to strictest`);
      }
      if (internetFacing(lb) && !index.ofType("aws_wafv2_web_acl_association").some((a) => index.refersTo(a.values.resource_arn, lb))) {
        add("waf-association", lb.address, "aws_wafv2_web_acl_association", `internet-facing load balancer ${lb.address} has no WAF web ACL association: no per-IP rate limit; associate the environment's web ACL with its ARN`);
      }
    }
    if (options.requireDeletionProtection && v.enable_deletion_protection !== true) {
      add("alb-deletion-protection", lb.address, "enable_deletion_protection", `load balancer ${lb.address} enable_deletion_protection=${display(v.enable_deletion_protection as Json)}; set it to true in this environment so a plan cannot delete the clients' endpoint`);
    }
    const logs = at(v, "access_logs", 0);
    if (at(logs, "enabled") !== true || typeof at(logs, "bucket") !== "string" || at(logs, "bucket") === "") {
      add("alb-access-logs", lb.address, "access_logs", `load balancer ${lb.address} access_logs are not enabled to a bucket; enable them (access_logs.enabled=true, bucket)`);
    }
  }
  for (const l of index.ofType("aws_lb_listener", "aws_alb_listener")) {
    const protocol = (stringAt(l.values, "protocol") ?? "").toUpperCase();
    if (protocol === "HTTPS" || protocol === "TLS") {
      const policy = stringAt(l.values, "ssl_policy") ?? "unset (ELB's default, which allows TLS 1.0)";
      if (!ACCEPTED_TLS_POLICY.test(policy)) add("alb-tls-policy", l.address, "ssl_policy", `listener ${l.address} ssl_policy=${policy}; use ELBSecurityPolicy-TLS13-1-2-2021-06 or a newer TLS13-1-2/1-3 policy`);
    }
    const lb = index.resolve(l.values.load_balancer_arn, "aws_lb", "aws_alb");
    if (protocol === "HTTP" && (lb === undefined || internetFacing(lb))) {
      const actions = listAt(l.values, "default_action") as JsonObject[];
      const redirects = actions.length > 0 && actions.every((a) => stringAt(a, "type") === "redirect" && stringAt(a, "redirect", 0, "protocol") === "HTTPS");
      if (!redirects) add("alb-http-redirect", l.address, "default_action", `HTTP listener ${l.address} does ${actions.map((a) => stringAt(a, "type") ?? "?").join(", ") || "nothing"}; its only action must redirect to HTTPS (redirect.protocol=HTTPS)`);
    }
  }
  return out;
}

/** One egress rule, whichever form declares it. */
interface EgressRule {
  readonly address: string;
  readonly destination: string;
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
}

const protocolOf = (p: Json | undefined) => {
  const v = String(p ?? "-1").toLowerCase();
  return v === "-1" || v === "all" ? "all" : v;
};

function egressRules(index: ResourceIndex): EgressRule[] {
  const rows: EgressRule[] = [];
  const add = (address: string, values: JsonObject | undefined, destinations: Json[]) => {
    const protocol = protocolOf(at(values, "ip_protocol") ?? at(values, "protocol"));
    const from = Number(at(values, "from_port") ?? 0);
    const to = Number(at(values, "to_port") ?? 65535);
    for (const d of destinations) if (typeof d === "string") rows.push({ address, destination: d, protocol, fromPort: Number.isFinite(from) ? from : 0, toPort: Number.isFinite(to) ? to : 65535 });
  };
  for (const r of index.ofType("aws_vpc_security_group_egress_rule")) add(r.address, r.values, [r.values.cidr_ipv4 ?? null, r.values.cidr_ipv6 ?? null]);
  for (const r of index.ofType("aws_security_group_rule").filter((x) => x.values.type === "egress")) add(r.address, r.values, [...listAt(r.values, "cidr_blocks"), ...listAt(r.values, "ipv6_cidr_blocks")]);
  for (const g of index.ofType("aws_security_group")) {
    for (const e of listAt(g.values, "egress")) add(g.address, e as JsonObject, [...listAt(e, "cidr_blocks"), ...listAt(e, "ipv6_cidr_blocks")]);
  }
  return rows;
}

/**
 * Violations of the egress rule: any rule to a public range. The gateway's tasks reach S3 through the
 * gateway endpoint's prefix list and AWS APIs through the interface endpoints' security group
 * (stacks/environment-stack.ts); nothing in the stack needs the internet, NAT or not.
 */
export function egressViolations(index: ResourceIndex): Violation[] {
  return egressRules(index)
    .filter((r) => isPublicCidr(r.destination))
    .map((r) => ({
      rule: "egress-to-internet" as const,
      address: r.address,
      subject: `${r.destination} ${r.protocol}`,
      message: `${r.address} allows ${r.protocol === "all" ? "all traffic" : r.fromPort <= 0 && r.toPort >= 65535 ? `${r.protocol} on every port` : `${r.protocol} ${r.fromPort === r.toPort ? r.fromPort : `${r.fromPort}-${r.toPort}`}`} out to ${r.destination} (cidr_ipv4/cidr_blocks); remove it: egress goes to the S3 prefix list (prefix_list_id) or the endpoints' security group (referenced_security_group_id)`,
    }));
}

/** What WAF logs must redact: the credential headers, and the query string (presigned URLs' signature and token). */
export const WAF_REDACTED_HEADERS: readonly string[] = ["authorization", "x-amz-security-token"];

/** Violations of the WAF log redaction rule, one per logging configuration. */
export function wafLoggingViolations(index: ResourceIndex): Violation[] {
  return index.ofType("aws_wafv2_web_acl_logging_configuration").flatMap((c): Violation[] => {
    const fields = listAt(c.values, "redacted_fields") as JsonObject[];
    const headers = new Set(fields.flatMap((f) => listAt(f, "single_header").map((h) => (stringAt(h, "name") ?? "").toLowerCase())));
    const query = fields.some((f) => listAt(f, "query_string").length > 0);
    const missing = [...WAF_REDACTED_HEADERS.filter((h) => !headers.has(h)).map((h) => `header ${h}`), ...(query ? [] : ["the query string"])];
    return missing.length
      ? [{ rule: "waf-log-redaction", address: c.address, subject: "redacted_fields", message: `WAF logging ${c.address} redacted_fields does not redact ${missing.join(", ")}, so bearer tokens and presigned credentials reach the log; add redacted_fields { single_header { name = "..." } } for each header and redacted_fields { query_string {} }` }]
      : [];
  });
}
