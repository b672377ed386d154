import { TOKEN_LIFETIME_SECONDS } from "../contracts/environment";
import { parseGrant } from "../grants/grant";
import { principalPatternProblem } from "./principal";
import { expandGrant, SAMPLE_CALLER, variableProblems } from "./variables";

/**
 * The issuance policy: who may ask the issuer for which grants, and for how long (docs/issuing.md,
 * "The issuance policy"). Pure.
 */

/** One rule: callers whose principal ARN matches `principals` may request grants covered by `grants`, for at most `maxLifetimeSeconds`. */
export interface IssuanceRule {
  /** Patterns: a 12-digit account id (any principal of that account), a role's unique id (`AROA...`, the sessions of
   *  that role and of no role made later under its name), an IAM role ARN (`arn:aws:iam::<acct>:role/<path/name>`,
   *  matching that role's assumed-role sessions), an assumed-role session ARN (`arn:aws:sts::<acct>:assumed-role/<role>/<session>`),
   *  or an IAM user ARN; `*` matches any run of characters within one ARN segment. */
  readonly principals: readonly string[];
  /** Grants in the token grammar (`<access>:<bucket>/<path>`); `${aws:sessionName}` (and `${aws:accountId}`) expand to the caller's. */
  readonly grants: readonly string[];
  /** Longest lifetime issued under this rule, seconds (at most the environment's token maxLifetimeSeconds). */
  readonly maxLifetimeSeconds: number;
  /**
   * Lets `principals` hold `*` in a role name. A session ARN has no role path, so such a pattern also
   * names any role someone with `iam:CreateRole` in that account makes with a matching name: set it
   * only when everyone who may create roles there is trusted with this rule's grants. @default false
   */
  readonly allowRoleNameWildcards?: boolean;
}

export interface IssuancePolicy {
  readonly rules: readonly IssuanceRule[];
}

/** Where a problem is, e.g. `rules[2].grants[0]`. */
function at(rule: number, field: string, index?: number): string {
  return `rules[${rule}].${field}${index === undefined ? "" : `[${index}]`}`;
}

function listProblems(rule: number, field: "principals" | "grants", value: unknown, example: string): string[] {
  if (!Array.isArray(value)) return [`${at(rule, field)} is ${JSON.stringify(value)}; write a list of strings, e.g. [${JSON.stringify(example)}]`];
  if (value.length === 0) return [`${at(rule, field)} is empty, so the rule can never apply; list at least one, e.g. ${JSON.stringify(example)}`];
  return value.flatMap((entry, index) => (typeof entry === "string" ? [] : [`${at(rule, field, index)} is ${JSON.stringify(entry)}; write a string`]));
}

function grantProblems(rule: number, index: number, grant: string): string[] {
  const variables = variableProblems(grant);
  if (variables.length > 0) return variables.map((why) => `${at(rule, "grants", index)} ${JSON.stringify(grant)} ${why}`);
  const expanded = expandGrant(grant, SAMPLE_CALLER);
  if (!expanded.ok) return [`${at(rule, "grants", index)} ${JSON.stringify(grant)} ${expanded.problem}`];
  const parsed = parseGrant(expanded.text);
  if (parsed.ok) return [];
  const sample = expanded.text === grant ? "" : ` (expanded for a caller with session name ${JSON.stringify(SAMPLE_CALLER.sessionName)})`;
  return [`${at(rule, "grants", index)}${sample}: ${parsed.problem}`];
}

function lifetimeProblem(rule: number, value: unknown, limit: number): string | undefined {
  const min = TOKEN_LIFETIME_SECONDS.min;
  if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= limit) return undefined;
  return `${at(rule, "maxLifetimeSeconds")}=${JSON.stringify(value)} is not a whole number of seconds in ${min}-${limit} (the environment's token maxLifetimeSeconds); use e.g. ${Math.min(3600, limit)}`;
}

/** Every problem of a policy, each naming the rule index, the field, the value and the fix; [] when valid. */
export function issuancePolicyProblems(policy: IssuancePolicy, limits: { maxLifetimeSeconds: number }): string[] {
  const rules: unknown = (policy as { rules?: unknown } | undefined)?.rules;
  if (!Array.isArray(rules)) return [`rules is ${JSON.stringify(rules)}; write a list of rules, each { principals, grants, maxLifetimeSeconds }`];
  if (rules.length === 0) return ["rules is empty, so no caller could get a token; add a rule, e.g. { principals: [\"123456789012\"], grants: [\"read:data/reports/\"], maxLifetimeSeconds: 3600 }"];
  return rules.flatMap((candidate: unknown, index) => {
    if (typeof candidate !== "object" || candidate === null || Array.isArray(candidate)) {
      return [`rules[${index}] is ${JSON.stringify(candidate)}; write { principals, grants, maxLifetimeSeconds }`];
    }
    const rule = candidate as Partial<Record<keyof IssuanceRule, unknown>>;
    const principals = listProblems(index, "principals", rule.principals, "arn:aws:iam::123456789012:role/analyst");
    const grants = listProblems(index, "grants", rule.grants, "read:data/reports/");
    const lifetime = lifetimeProblem(index, rule.maxLifetimeSeconds, limits.maxLifetimeSeconds);
    const wildcards = rule.allowRoleNameWildcards;
    const flag = wildcards === undefined || typeof wildcards === "boolean" ? [] : [`${at(index, "allowRoleNameWildcards")} is ${JSON.stringify(wildcards)}; write true or false`];
    const options = { allowRoleNameWildcards: wildcards === true };
    return [
      ...flag,
      ...principals,
      ...(principals.length > 0 ? [] : (rule.principals as string[]).flatMap((p, i) => {
        const why = principalPatternProblem(p, options);
        return why === undefined ? [] : [`${at(index, "principals", i)} ${JSON.stringify(p)} ${why}`];
      })),
      ...grants,
      ...(grants.length > 0 ? [] : (rule.grants as string[]).flatMap((g, i) => grantProblems(index, i, g))),
      ...(lifetime === undefined ? [] : [lifetime]),
    ];
  });
}
