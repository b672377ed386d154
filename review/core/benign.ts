/**
 * Statements whose wildcards are harmless, recognised by what they are rather than by name, so the
 * report flags only what can grant too much. Pure.
 */
import { exemptedPrincipals, parseCondition } from "./conditions";
import type { IamStatement } from "./iam";
import { display } from "./network";
import { isAccountRootKeyAdmin } from "./resource-policies";

/**
 * Actions that have no resource type in IAM, so `Resource: "*"` is the only form they accept
 * (Service Authorization Reference: Amazon ECR, `GetAuthorizationToken`; CloudWatch, `PutMetricData`;
 * AWS X-Ray, `PutTraceSegments` and `PutTelemetryRecords`).
 */
export const RESOURCELESS_ACTIONS: readonly string[] = ["ecr:GetAuthorizationToken", "cloudwatch:PutMetricData", "xray:PutTraceSegments", "xray:PutTelemetryRecords"];

/** Resource types whose policy only narrows what IAM allows through them, never grants (VPC endpoint policies). */
const FILTER_POLICY_TYPES = new Set(["aws_vpc_endpoint", "aws_vpc_endpoint_policy"]);

/** Resource types whose policy's `Resource: "*"` means the resource itself (a key policy names no other key). */
const SELF_RESOURCE_TYPES = new Set(["aws_kms_key", "aws_kms_key_policy"]);

/** A Deny of every request not sent over TLS: principal `*`, one condition `Bool aws:SecureTransport=false`. */
export const isSecureTransportDeny = (s: IamStatement) =>
  s.effect === "Deny" && !s.notPrincipal && s.principals.some((p) => p === "*" || p === "AWS:*") && s.conditions.length === 1 && /^Bool aws:SecureTransport=false$/i.test(s.conditions[0]!);

/**
 * The services of a key-policy Deny to `*` whose one condition is `StringNotEquals kms:ViaService`
 * with literal values: the key is usable only through those services. Undefined for any other form.
 */
export function viaServiceOnly(s: IamStatement): string | undefined {
  if (s.effect !== "Deny" || s.notPrincipal || s.notAction || !s.principals.some((p) => p === "*" || p === "AWS:*") || s.conditions.length !== 1) return undefined;
  const c = parseCondition(s.conditions[0]!);
  const literal = c.values.length > 0 && c.values.every((v) => /^[a-z0-9.-]+\.amazonaws\.com$/.test(v));
  return c.operator === "StringNotEquals" && c.key.toLowerCase() === "kms:viaservice" && literal && s.actions.every((a) => /^kms:/i.test(a)) ? c.values.join(", ") : undefined;
}

/** Why `s` is harmless, or undefined. `type` is the type of the resource holding the policy. */
export function benignReason(s: IamStatement, type: string | undefined, accountId: string): string | undefined {
  if (isSecureTransportDeny(s)) return "denies every request not sent over TLS (aws:SecureTransport=false)";
  if (s.effect === "Deny") {
    // A Deny is harmless only in a form the review understands; what it must cover is checked by
    // private-key-deny, so a narrowed or mis-keyed Deny is shown with its wildcards, not explained away.
    if (s.conditions.length === 0 && !s.notAction && !s.notResource && !s.notPrincipal) return `denies ${s.actions.join(", ")} outright, with no condition to narrow it`;
    const via = viaServiceOnly(s);
    if (via !== undefined) return `denies ${s.actions.join(", ")} on this key to every principal except through ${via} (kms:ViaService)`;
    const form = exemptedPrincipals(s);
    return "exempted" in form ? `denies ${s.notAction ? `everything but ${s.actions.join(", ")}` : s.actions.join(", ")} to every principal except ${form.exempted.map((p) => display(p)).join(", ")} (coverage checked by private-key-deny)` : undefined;
  }
  if (type !== undefined && SELF_RESOURCE_TYPES.has(type) && isAccountRootKeyAdmin(s, accountId)) {
    return "AWS's default key policy: kms:* on this key for this account's root, which delegates key access to IAM policies";
  }
  if (type !== undefined && FILTER_POLICY_TYPES.has(type) && s.effect === "Allow" && !s.notResource && s.resources.length > 0 && !s.resources.includes("*")) {
    return "an endpoint policy grants nothing; it only narrows what IAM already allows, here to named resources";
  }
  if (!s.notAction && !s.notResource && s.actions.length > 0 && s.actions.every((a) => RESOURCELESS_ACTIONS.includes(a)) && s.resources.every((r) => r === "*")) {
    return `${s.actions.join(", ")} has no resource type in IAM; Resource "*" is the only form it accepts`;
  }
  return undefined;
}

/** `statements` with known-benign forms marked and their wildcards cleared, and `Resource: "*"` of key policies not flagged. */
export function recogniseBenign(statements: readonly IamStatement[], typeOf: (address: string) => string | undefined, accountId: string): IamStatement[] {
  return statements.map((s) => {
    const type = typeOf(s.address);
    const reason = benignReason(s, type, accountId);
    if (reason !== undefined) return { ...s, wildcards: [], benign: reason };
    if (type !== undefined && SELF_RESOURCE_TYPES.has(type) && s.kind === "resource") return { ...s, wildcards: s.wildcards.filter((w) => w !== "resource *") };
    return s;
  });
}
