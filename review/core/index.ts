/** Plan review: a security report from `terraform show -json`, policy rules, and the diff of two plans. */
export { parsePlan, PlanError, type Plan } from "./plan";
export { reviewPlan, type Report, type ReviewOptions } from "./report";
export { diffPlans } from "./diff";
export { renderReport, renderDiff } from "./markdown";
export { RULE_NAMES, type Suppression } from "./suppressions";
