import { configAddress, parsePlan, PlanError, ResourceIndex, UNKNOWN } from "../../../review/core/plan";
import { planDocument, ref } from "./fixtures";

describe("parsePlan", () => {
  it("fills attributes unknown until apply from the configuration's interpolated strings", () => {
    const plan = parsePlan(
      planDocument([
        {
          address: "aws_cloudwatch_log_group.logs",
          after: { name: "/rajee/dev/envoy", retention_in_days: 14 },
          unknown: { arn: true, kms_key_id: true },
          config: { name: { constant_value: "/rajee/dev/envoy" }, kms_key_id: ref("aws_kms_key.k", "arn") },
        },
      ]),
      "test",
    );
    expect(plan.resources[0]!.values).toEqual({ name: "/rajee/dev/envoy", retention_in_days: 14, arn: UNKNOWN, kms_key_id: "${aws_kms_key.k.arn}" });
  });

  it("reads unknown nested blocks attribute by attribute from the configuration", () => {
    const plan = parsePlan(
      planDocument([
        {
          address: "aws_s3_bucket_server_side_encryption_configuration.sse",
          after: {},
          unknown: { bucket: true, rule: true },
          config: { bucket: ref("aws_s3_bucket.b"), rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: { constant_value: "aws:kms" }, kms_master_key_id: ref("aws_kms_key.k", "arn") }] }] },
        },
      ]),
      "test",
    );
    expect(plan.resources[0]!.values).toEqual({
      bucket: "${aws_s3_bucket.b.id}",
      rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: "aws:kms", kms_master_key_id: "${aws_kms_key.k.arn}" }] }],
    });
  });

  it("fills one unknown element of a list from the configured list", () => {
    const plan = parsePlan(
      planDocument([
        {
          address: "aws_lb.alb",
          after: { security_groups: ["sg-123", null] },
          unknown: { security_groups: [false, true] },
          config: { security_groups: { constant_value: ["sg-123", "${aws_security_group.alb.id}"], references: ["aws_security_group.alb.id"] } },
        },
      ]),
      "test",
    );
    expect(plan.resources[0]!.values.security_groups).toEqual(["sg-123", "${aws_security_group.alb.id}"]);
  });

  it("shows a reference for an unknown attribute written as an HCL expression without a constant", () => {
    const plan = parsePlan(
      planDocument([{ address: "aws_iam_role_policy.p", after: {}, unknown: { policy: true }, config: { policy: { references: ["data.aws_iam_policy_document.d.json", "data.aws_iam_policy_document.d"] } } }]),
      "test",
    );
    expect(plan.resources[0]!.values.policy).toBe("${data.aws_iam_policy_document.d.json}");
  });

  it("names create, update, replace, destroy and no-op, and keeps the values before a destroy", () => {
    const plan = parsePlan(
      planDocument([
        { address: "aws_vpc.a", actions: ["create"], after: { cidr_block: "10.0.0.0/16" } },
        { address: "aws_vpc.b", actions: ["update"], after: {} },
        { address: "aws_s3_bucket.c", actions: ["delete", "create"], after: {}, replacePaths: [["bucket"]] },
        { address: "aws_s3_bucket.d", actions: ["create", "delete"], after: {} },
        { address: "aws_kms_key.e", actions: ["delete"], before: { description: "old key" }, after: null },
        { address: "aws_vpc.f", actions: ["no-op"], after: {} },
      ]),
      "test",
    );
    expect(plan.resources.map((r) => [r.address, r.change])).toEqual([
      ["aws_vpc.a", "create"],
      ["aws_vpc.b", "update"],
      ["aws_s3_bucket.c", "replace"],
      ["aws_s3_bucket.d", "replace"],
      ["aws_kms_key.e", "destroy"],
      ["aws_vpc.f", "no-op"],
    ]);
    expect(plan.resources[2]!.replacePaths).toEqual(["bucket"]);
    expect(plan.resources[4]!.values).toEqual({ description: "old key" });
  });

  it("leaves data sources out", () => {
    const plan = parsePlan(planDocument([{ address: "data.aws_region.r", mode: "data", actions: ["read"] }, { address: "aws_vpc.v" }]), "test");
    expect(plan.resources.map((r) => r.address)).toEqual(["aws_vpc.v"]);
  });

  it.each([
    [[], "test: not a JSON object; pass the output of `terraform show -json <planfile>`"],
    [{ resource_changes: [] }, "test: no format_version; pass the output of `terraform show -json <planfile>`"],
    [{ format_version: "1.0", values: {} }, "test: neither resource_changes nor planned_values; this looks like state, not a plan; pass the output of `terraform show -json <planfile>`"],
    [{ format_version: "1.2", errored: true, resource_changes: [] }, "test: the plan errored (errored=true); fix the plan errors and plan again"],
    [{ format_version: "1.2", resource_changes: [{ address: "aws_vpc.v", type: "aws_vpc", change: { actions: ["explode"] } }] }, 'test: resource_changes[0] (aws_vpc.v): change.actions=["explode"] is not a list of no-op/create/read/update/delete'],
    [{ format_version: "1.2", resource_changes: [{ type: "aws_vpc" }] }, "test: resource_changes[0] lacks address, type or change; pass the output of `terraform show -json <planfile>`"],
  ])("refuses %j with a message naming the problem", (input, message) => {
    expect(() => parsePlan(input, "test")).toThrow(new PlanError(message));
  });
});

describe("configAddress", () => {
  it("drops count and for_each keys, module keys included", () => {
    expect(configAddress('module.net["eu"].aws_subnet.private[2]')).toBe("module.net.aws_subnet.private");
    expect(configAddress('aws_iam_role.r["a.b]c"]')).toBe("aws_iam_role.r");
  });
});

describe("ResourceIndex", () => {
  const plan = parsePlan(
    planDocument([
      { address: "aws_iam_role.task", after: { name: "rajee-dev-task" }, unknown: { arn: true, id: true } },
      { address: "aws_iam_role.existing", actions: ["no-op"], after: { name: "old", arn: "arn:aws:iam::1:role/old", id: "old" } },
      { address: "aws_iam_role.gone", actions: ["delete"], before: { name: "gone" }, after: null },
    ]),
    "test",
  );
  const index = new ResourceIndex(plan.resources);

  it("resolves references, literal names and literal ARNs", () => {
    expect(index.resolve("${aws_iam_role.task.arn}")?.address).toBe("aws_iam_role.task");
    expect(index.resolve("rajee-dev-task", "aws_iam_role")?.address).toBe("aws_iam_role.task");
    expect(index.resolve("arn:aws:iam::1:role/old")?.address).toBe("aws_iam_role.existing");
  });

  it("never resolves the unknown placeholder, other types, or destroyed resources", () => {
    expect(index.resolve(UNKNOWN)).toBeUndefined();
    expect(index.resolve("${aws_iam_role.task.arn}", "aws_iam_policy")).toBeUndefined();
    expect(index.resolve("gone")).toBeUndefined();
  });
});
