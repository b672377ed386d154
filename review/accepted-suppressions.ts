import type { Suppression } from "./core/suppressions";

/**
 * Accepted exceptions to the plan review's policy rules (docs/plan-review.md). Each names the rule,
 * the resource address the report prints, optionally the statement Sid or container (`subject`)
 * and environments, and the reason it is safe. A suppression without a reason is an error; one
 * that matches nothing is listed in the report so it can be removed.
 */
const KEY_ADMIN_REASON =
  "AWS's default key policy: kms:* for the account root on this key only, which delegates key access to IAM policies; without it the key cannot be managed";

export const reviewSuppressions: readonly Suppression[] = [
  { rule: "iam-wildcard-action", address: "aws_kms_key.log-groups_key_FEE8B1E1", subject: "EnableIamPoliciesOfTheAccount", reason: KEY_ADMIN_REASON },
  { rule: "iam-wildcard-action", address: "aws_kms_key.signing-keys_key_899FD59C", subject: "EnableIamPoliciesOfTheAccount", reason: KEY_ADMIN_REASON },
  { rule: "iam-wildcard-action", address: "aws_kms_key.alarms_topic-key_6C8B50ED", subject: "EnableIamPoliciesOfTheAccount", reason: KEY_ADMIN_REASON },
];
