import { TOKEN_LIFETIME_SECONDS } from "../contracts/environment";
import { parseGrant, type Grant } from "../grants/grant";
import { covers } from "./coverage";
import type { IssuancePolicy } from "./policy";
import { anyPrincipalMatches, type Caller } from "./principal";
import { expandGrant } from "./variables";

/**
 * Decides one issuance: the grants a caller asked for against the rules that name it. Pure; the
 * policy is assumed valid (issuancePolicyProblems), and a rule grant that does not expand or parse for
 * this caller allows nothing.
 */

/** Lifetime issued when the request names none, capped by the rules' maximum. */
export const DEFAULT_TTL_SECONDS = 15 * 60;

export interface IssuanceRequest {
  /** Grants in the token grammar, as the caller wrote them. */
  readonly grants: readonly string[];
  /** Requested lifetime, seconds. @default min(DEFAULT_TTL_SECONDS, the rules' maximum) */
  readonly ttlSeconds?: number;
}

/** Why an issuance was refused: a bad request (400) or a request the policy does not allow (403). */
export type DenialCode = "bad-request" | "no-rule" | "not-covered" | "ttl-too-long";

export type IssuanceDecision =
  | {
      readonly allowed: true;
      /** The grants to put in the token: exactly the requested ones, each covered by a rule. */
      readonly grants: readonly string[];
      readonly ttlSeconds: number;
      /** Indexes of the rules that named the caller. */
      readonly rules: readonly number[];
    }
  | { readonly allowed: false; readonly code: DenialCode; readonly reason: string };

interface AllowedGrant {
  readonly grant: Grant;
  readonly maxLifetimeSeconds: number;
}

/** The grants every rule naming the caller allows it, expanded for the caller. */
function allowedFor(policy: IssuancePolicy, caller: Caller): { rules: number[]; allowed: AllowedGrant[] } {
  const rules: number[] = [];
  const allowed: AllowedGrant[] = [];
  policy.rules.forEach((rule, index) => {
    if (!anyPrincipalMatches(rule.principals, caller, { allowRoleNameWildcards: rule.allowRoleNameWildcards === true })) return;
    rules.push(index);
    for (const text of rule.grants) {
      const expanded = expandGrant(text, caller);
      const parsed = expanded.ok ? parseGrant(expanded.text) : undefined;
      if (parsed?.ok) allowed.push({ grant: parsed.grant, maxLifetimeSeconds: rule.maxLifetimeSeconds });
    }
  });
  return { rules, allowed };
}

/** What the rules naming the caller allow it, in words: `rules[0] allows read:data/a/, list:data/a/`, for a denial. */
function allowedInWords(policy: IssuancePolicy, rules: readonly number[], caller: Caller): string {
  const parts = rules.map((index) => {
    const grants = (policy.rules[index]?.grants ?? []).map((text) => {
      const expanded = expandGrant(text, caller);
      return expanded.ok ? expanded.text : `${text} (not for this caller)`;
    });
    return `rules[${index}] allows ${grants.join(", ")}`;
  });
  const which = rules.length === 1 ? "the one rule naming it" : `the ${rules.length} rules naming it`;
  return `${which}: ${parts.join("; ")}; ask for grants within those, or have the policy extended`;
}

export function evaluateIssuance(policy: IssuancePolicy, caller: Caller, request: IssuanceRequest): IssuanceDecision {
  const deny = (code: DenialCode, reason: string): IssuanceDecision => ({ allowed: false, code, reason });
  if (request.grants.length === 0) return deny("bad-request", "grants is empty; ask for at least one grant, e.g. read:data/reports/");
  const requested: Grant[] = [];
  for (const [index, text] of request.grants.entries()) {
    const parsed = parseGrant(text);
    if (!parsed.ok) return deny("bad-request", `grants[${index}]: ${parsed.problem}`);
    requested.push(parsed.grant);
  }
  const { rules, allowed } = allowedFor(policy, caller);
  if (rules.length === 0) return deny("no-rule", `no rule of the issuance policy names ${caller.arn}; add its role, user or account to a rule's principals`);
  let maximum = Number.POSITIVE_INFINITY;
  for (const grant of requested) {
    const longest = Math.max(...allowed.filter((a) => covers(a.grant, grant)).map((a) => a.maxLifetimeSeconds));
    if (longest === Number.NEGATIVE_INFINITY) {
      return deny("not-covered", `grant ${JSON.stringify(grant.source)} is not covered by any grant the issuance policy allows ${caller.arn}; ${allowedInWords(policy, rules, caller)}`);
    }
    maximum = Math.min(maximum, longest);
  }
  const ttl = request.ttlSeconds ?? Math.min(DEFAULT_TTL_SECONDS, maximum);
  const { min } = TOKEN_LIFETIME_SECONDS;
  if (!Number.isInteger(ttl) || ttl < min) return deny("bad-request", `ttlSeconds=${ttl} is not a whole number of seconds of at least ${min}; ask for ${min}-${maximum}`);
  if (ttl > maximum) return deny("ttl-too-long", `ttlSeconds=${ttl} is over ${maximum}, the longest the issuance policy allows these grants; ask for at most ${maximum}`);
  return { allowed: true, grants: requested.map((g) => g.source), ttlSeconds: ttl, rules };
}
