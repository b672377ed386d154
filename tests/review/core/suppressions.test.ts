import { ConfigError } from "../../../src/config-error";
import { parsePlan } from "../../../review/core/plan";
import { reviewPlan } from "../../../review/core/report";
import { applySuppressions, RULE_NAMES, validateSuppressions, type Suppression, type Violation } from "../../../review/core/suppressions";
import { reviewSuppressions } from "../../../review/accepted-suppressions";
import { planDocument, policy } from "./fixtures";

const REASON = "AWS's default key policy, scoped to this key";
const wildcard = (address: string, subject: string): Violation => ({ rule: "iam-wildcard-action", address, subject, message: `${subject} allows kms:*` });

describe("validateSuppressions", () => {
  it("refuses a suppression without a reason, with an unknown rule or an empty address, listing every problem", () => {
    const bad = [
      { rule: "iam-wildcard-action", address: "aws_kms_key.k", reason: "" },
      { rule: "no-such-rule", address: "aws_kms_key.k", reason: REASON },
      { rule: "public-ingress", address: " ", reason: REASON },
      { rule: "public-ingress", address: "aws_x.y", reason: "ok" },
      { rule: "public-ingress", address: "aws_x.y", reason: REASON, environments: [] },
    ] as unknown as Suppression[];
    expect(() => validateSuppressions(bad, "review/accepted-suppressions.ts")).toThrow(
      new ConfigError(
        [
          'review/accepted-suppressions.ts[0] (iam-wildcard-action on aws_kms_key.k): reason="" is missing or too short; say in a sentence why the exception is safe',
          `review/accepted-suppressions.ts[1] (no-such-rule on aws_kms_key.k): rule="no-such-rule" is not a rule; use one of ${RULE_NAMES.join(", ")}`,
          "review/accepted-suppressions.ts[2] (public-ingress on  ): address is empty; give the resource address the report prints",
          'review/accepted-suppressions.ts[3] (public-ingress on aws_x.y): reason="ok" is missing or too short; say in a sentence why the exception is safe',
          "review/accepted-suppressions.ts[4] (public-ingress on aws_x.y): environments is empty; leave it out to apply everywhere, or list the environments",
        ].join("\n"),
      ),
    );
  });

  it("accepts the project's own suppressions", () => {
    expect(validateSuppressions(reviewSuppressions)).toBe(reviewSuppressions);
  });

  it("makes reviewPlan refuse a plan review with a suppression that has no reason", () => {
    const plan = parsePlan(planDocument([]), "test");
    expect(() => reviewPlan(plan, { environment: "dev", buckets: {}, suppressions: [{ rule: "public-ingress", address: "aws_x.y" } as unknown as Suppression] })).toThrow(ConfigError);
  });
});

describe("applySuppressions", () => {
  it("silences only the matching rule, address, subject and environment, and keeps the reason", () => {
    const violations = [wildcard("aws_kms_key.a", "Root"), wildcard("aws_kms_key.a", "Other"), wildcard("aws_kms_key.b", "Root"), wildcard('aws_kms_key.c["x"]', "Root")];
    const suppressions: Suppression[] = [
      { rule: "iam-wildcard-action", address: "aws_kms_key.a", subject: "Root", reason: REASON },
      { rule: "iam-wildcard-action", address: "aws_kms_key.b", environments: ["prod"], reason: REASON },
      { rule: "iam-wildcard-action", address: "aws_kms_key.c", reason: REASON },
      { rule: "public-ingress", address: "aws_kms_key.a", reason: REASON },
      { rule: "iam-wildcard-action", address: "aws_kms_key.gone", environments: ["prod"], reason: REASON },
    ];
    const result = applySuppressions(violations, suppressions, "dev");
    expect(result.violations).toEqual([wildcard("aws_kms_key.a", "Other"), wildcard("aws_kms_key.b", "Root")]);
    expect(result.suppressed).toEqual([
      { ...wildcard("aws_kms_key.a", "Root"), reason: REASON },
      { ...wildcard('aws_kms_key.c["x"]', "Root"), reason: REASON },
    ]);
    expect(result.unused).toEqual([suppressions[3]]);
  });

  it("reports suppressed findings and unused suppressions in the review", () => {
    const plan = parsePlan(planDocument([{ address: "aws_kms_key.k", after: { policy: policy({ Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::1:root" }, Action: "kms:*", Resource: "*" }) } }]), "test");
    const stale: Suppression = { rule: "public-ingress", address: "aws_security_group.gone", reason: REASON };
    const report = reviewPlan(plan, { environment: "dev", buckets: {}, suppressions: [{ rule: "iam-wildcard-action", address: "aws_kms_key.k", subject: "Root", reason: REASON }, stale] });
    expect({ passed: report.passed, violations: report.violations, suppressed: report.suppressed.map((s) => [s.rule, s.address, s.reason]), unused: report.unusedSuppressions }).toEqual({
      passed: true,
      violations: [],
      suppressed: [["iam-wildcard-action", "aws_kms_key.k", REASON]],
      unused: [stale],
    });
  });
});
