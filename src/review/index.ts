/** Plan review: a security report from `terraform show -json`, policy rules, and the diff of two plans. */
export { parsePlan, PlanError, type Plan, type PlannedResource } from "./plan";
export { reviewPlan, DEFAULT_ADMIN_PORTS, DEFAULT_PUBLIC_LOAD_BALANCER_PORTS, type Report, type ReviewOptions } from "./report";
export { diffPlans, type ReviewDiff } from "./diff";
export { renderReport, renderDiff, commentMarker } from "./markdown";
export { RULES, type Rule, type ConfiguredBuckets } from "./rules";
export { RULE_NAMES, validateSuppressions, type RuleName, type Suppression, type Violation } from "./suppressions";
