import { ConfigError } from "../../src/config-error";
import { EDGE_RULES } from "./edge";
import { ENVOY_RULES } from "./envoy";
import { RESOURCE_POLICY_RULES } from "./resource-policies";

/** Names of the rules each module defines beside its checks, in report order. */
const BASE_RULES = [
  "iam-wildcard-action",
  "public-ingress",
  "admin-port-exposed",
  "unencrypted-secret",
  "unencrypted-log-group",
  "container-without-memory-limit",
  "container-hardening",
  "task-role-s3-outside-buckets",
] as const;

/** Names of the policy rules (docs/plan-review.md describes each). */
export const RULE_NAMES = [...BASE_RULES, ...ENVOY_RULES, ...EDGE_RULES, ...RESOURCE_POLICY_RULES] as const;

/** One policy rule's name. */
export type RuleName = (typeof RULE_NAMES)[number];

/** A rule broken by one resource (and, for IAM rules, one statement). */
export interface Violation {
  readonly rule: RuleName;
  /** The resource's address. */
  readonly address: string;
  /** The statement's Sid (IAM rules), the container's name, or the rule resource; narrows a suppression. */
  readonly subject?: string;
  /** What is wrong and where, in one line. */
  readonly message: string;
}

/** An accepted exception to a rule, with the reason it is accepted. */
export interface Suppression {
  /** The rule to silence. */
  readonly rule: RuleName;
  /** Resource address exactly as the report prints it (instance keys may be left off). */
  readonly address: string;
  /** Only this statement Sid or container name (the `subject` the report prints). @default every finding of the rule on the resource */
  readonly subject?: string;
  /** Environments it applies to. @default every environment */
  readonly environments?: readonly string[];
  /** Why this is acceptable: a sentence a reviewer can check. Required. */
  readonly reason: string;
}

/** A violation a suppression silenced, with its reason. */
export interface SuppressedViolation extends Violation {
  readonly reason: string;
}

/** Shortest accepted reason: a phrase, not a placeholder. */
export const MIN_REASON_LENGTH = 10;

/**
 * Checks every suppression and throws one ConfigError listing all problems: unknown rule, empty
 * address, missing or placeholder reason.
 */
export function validateSuppressions(list: readonly Suppression[], source = "review suppressions"): readonly Suppression[] {
  const problems: string[] = [];
  list.forEach((s, i) => {
    const where = `${source}[${i}]${typeof s.address === "string" && s.address ? ` (${s.rule} on ${s.address})` : ""}`;
    if (!(RULE_NAMES as readonly string[]).includes(s.rule)) problems.push(`${where}: rule=${JSON.stringify(s.rule)} is not a rule; use one of ${RULE_NAMES.join(", ")}`);
    if (typeof s.address !== "string" || s.address.trim() === "") problems.push(`${where}: address is empty; give the resource address the report prints`);
    if (typeof s.reason !== "string" || s.reason.trim().length < MIN_REASON_LENGTH) {
      problems.push(`${where}: reason=${JSON.stringify(s.reason ?? null)} is missing or too short; say in a sentence why the exception is safe`);
    }
    if (s.environments !== undefined && (!Array.isArray(s.environments) || s.environments.length === 0)) {
      problems.push(`${where}: environments is empty; leave it out to apply everywhere, or list the environments`);
    }
  });
  if (problems.length) throw new ConfigError(problems.join("\n"));
  return list;
}

const bare = (address: string) => address.replace(/\[(?:"(?:[^"\\]|\\.)*"|\d+)\]/g, "");

/** True when `s` silences `v` in `environment`. */
export function suppresses(s: Suppression, v: Violation, environment: string): boolean {
  if (s.rule !== v.rule) return false;
  if (s.environments !== undefined && !s.environments.includes(environment)) return false;
  if (s.address !== v.address && s.address !== bare(v.address)) return false;
  return s.subject === undefined || s.subject === v.subject;
}

/** Splits violations into those that stand and those suppressed; also the suppressions that matched nothing. */
export function applySuppressions(
  violations: readonly Violation[],
  suppressions: readonly Suppression[],
  environment: string,
): { violations: Violation[]; suppressed: SuppressedViolation[]; unused: Suppression[] } {
  const used = new Set<Suppression>();
  const standing: Violation[] = [];
  const suppressed: SuppressedViolation[] = [];
  for (const v of violations) {
    const match = suppressions.find((s) => suppresses(s, v, environment));
    if (match) {
      used.add(match);
      suppressed.push({ ...v, reason: match.reason });
    } else {
      standing.push(v);
    }
  }
  const unused = suppressions.filter((s) => !used.has(s) && (s.environments === undefined || s.environments.includes(environment)));
  return { violations: standing, suppressed, unused };
}
