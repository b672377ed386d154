/**
 * The terraform helpers the tests share. They live with the plan-review command
 * (review/terraform.ts), which runs terraform the same way; this module re-exports them.
 */
export { init, initAndValidate, planJson, terraformSetup, type PlanJson } from "../../review/terraform";

/** Prints why a suite skipped, so a green run never hides that nothing ran. */
export function explainSkip(reason: string): void {
  console.warn(`SKIPPED terraform tests: ${reason}`);
}
