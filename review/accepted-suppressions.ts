import type { Suppression } from "./core/suppressions";

/**
 * Accepted exceptions to the plan review's policy rules (docs/plan-review.md). Each names the rule,
 * the resource address the report prints, optionally the statement Sid or container (`subject`)
 * and environments, and the reason it is safe. A suppression without a reason is an error; one
 * that matches nothing is listed in the report so it can be removed.
 *
 * Empty: statements that are harmless by their form (the TLS-only Deny, AWS's default key policy,
 * actions with no resource type) are recognised in review/core/benign.ts, not listed here by name.
 */
export const reviewSuppressions: readonly Suppression[] = [];
