import { cell, code, renderReport } from "../../../review/core/markdown";
import { parsePlan } from "../../../review/core/plan";
import { reviewPlan } from "../../../review/core/report";
import { planDocument } from "./fixtures";

describe("table cells", () => {
  it("escape pipes, join lines and cut long values", () => {
    expect(cell("a|b\n  c")).toBe("a\\|b c");
    expect(cell("x".repeat(10), 5)).toBe("xxxx…");
    expect(code("has `tick`")).toBe("`` has `tick` ``");
    expect(code("-")).toBe("-");
  });
});

describe("renderReport", () => {
  const plan = parsePlan(
    planDocument([
      { address: "aws_kms_key.old", actions: ["delete"], before: { description: "old" }, after: null },
      { address: "aws_s3_bucket.data", actions: ["delete", "create"], after: { bucket: "data-2" }, replacePaths: [["bucket"]] },
      { address: "aws_cloudwatch_log_group.plain", after: { name: "/plain", kms_key_id: null } },
      { address: "aws_vpc.v", actions: ["update"], after: {} },
    ]),
    "test",
  );
  const md = renderReport(reviewPlan(plan, { environment: "qa", buckets: {} }));
  const lines = md.split("\n");

  it("puts the verdict, the totals and the destructive changes first", () => {
    expect(lines.slice(0, 11)).toEqual([
      "<!-- rajee-plan-review env=qa -->",
      "## Plan review: `qa` · ❌ 1 policy violation",
      "",
      "**1 to create, 1 to update, 1 to replace, 1 to destroy**, 0 unchanged · terraform 1.11.4",
      "",
      "### ⚠️ Destructive changes",
      "",
      "| Resource | Change | Loses | Forced by |",
      "|---|---|---|---|",
      "| `aws_kms_key.old` | **destroy** | the key material: whatever it encrypted becomes unreadable once the key is deleted | - |",
      "| `aws_s3_bucket.data` | **replace** | every object in the bucket | `bucket` |",
    ]);
  });

  it("names each violation's rule and resource and flags weak encryption", () => {
    expect(md).toContain("| `unencrypted-log-group` | `aws_cloudwatch_log_group.plain` | log group /plain has no kms_key_id; the gateway's logs carry request paths and decision reasons |");
    expect(md).toContain("| log group | `/plain` | ⚠️ none (CloudWatch service key only) | `aws_cloudwatch_log_group.plain` |");
    expect(md).toContain("No ECS task definition.");
  });
});
