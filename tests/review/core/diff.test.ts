import { diffPlans, diffRows, stableJson } from "../../../review/core/diff";
import { renderDiff } from "../../../review/core/markdown";
import { parsePlan } from "../../../review/core/plan";
import { planDocument, policy, type FixtureResource } from "./fixtures";

const BUCKETS = { data: { prefixes: [""] } };
const taskPolicy = (...statements: Record<string, unknown>[]): FixtureResource => ({ address: "aws_iam_role_policy.task", actions: ["update"], after: { role: "task", policy: policy(...statements) } });
const READ = { Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data/*" };

const base = parsePlan(
  planDocument([
    { address: "aws_iam_role.task", actions: ["no-op"], after: { name: "task", arn: "arn:aws:iam::1:role/task" } },
    { ...taskPolicy(READ), actions: ["no-op"] },
    { address: "aws_s3_bucket.logs", actions: ["no-op"], after: { bucket: "logs" } },
    { address: "aws_vpc.v", actions: ["no-op"], after: { cidr_block: "10.0.0.0/16" } },
    { address: "aws_ecs_task_definition.t", actions: ["no-op"], after: { family: "gw", task_role_arn: "arn:aws:iam::1:role/task", container_definitions: JSON.stringify([{ name: "app", image: "a:1", memory: 256, readonlyRootFilesystem: true, user: "1000", linuxParameters: { initProcessEnabled: true } }]) } },
  ]),
  "base",
);
const head = parsePlan(
  planDocument([
    { address: "aws_iam_role.task", actions: ["no-op"], after: { name: "task", arn: "arn:aws:iam::1:role/task" } },
    taskPolicy({ ...READ, Action: "s3:Get*" }, { Sid: "Other", Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::other/*" }),
    { address: "aws_s3_bucket.logs", actions: ["delete", "create"], after: { bucket: "logs-2" }, replacePaths: [["bucket"]] },
    { address: "aws_vpc.v", actions: ["no-op"], after: { cidr_block: "10.0.0.0/16" } },
    { address: "aws_secretsmanager_secret.s", after: { name: "new" } },
    { address: "aws_ecs_task_definition.t", actions: ["no-op"], after: { family: "gw", task_role_arn: "arn:aws:iam::1:role/task", container_definitions: JSON.stringify([{ name: "app", image: "a:1", memory: 256, readonlyRootFilesystem: true, user: "1000", linuxParameters: { initProcessEnabled: true } }]) } },
  ]),
  "head",
);

describe("diffPlans", () => {
  const diff = diffPlans(base, head, { environment: "dev", buckets: BUCKETS });

  it("lists only the resources the two plans treat differently, with the attributes that differ", () => {
    expect(diff.resources).toEqual([
      { address: "aws_iam_role_policy.task", type: "aws_iam_role_policy", base: "no-op", head: "update", attributes: ["policy"] },
      { address: "aws_s3_bucket.logs", type: "aws_s3_bucket", base: "no-op", head: "replace", attributes: ["bucket"] },
      { address: "aws_secretsmanager_secret.s", type: "aws_secretsmanager_secret", base: "absent", head: "create", attributes: [] },
    ]);
  });

  it("reports IAM statements added and changed, new violations and new destructive changes", () => {
    expect(diff.iam.added.map((s) => s.sid)).toEqual(["Other"]);
    expect(diff.iam.changed.map(({ before, after }) => [before.actions, after.actions])).toEqual([[["s3:GetObject"], ["s3:Get*"]]]);
    expect(diff.iam.removed).toEqual([]);
    expect(diff.violations.added.map((v) => [v.rule, v.address])).toEqual([
      ["iam-wildcard-action", "aws_iam_role_policy.task"],
      ["unencrypted-secret", "aws_secretsmanager_secret.s"],
      ["task-role-s3-outside-buckets", "aws_iam_role_policy.task"],
    ]);
    expect(diff.violations.resolved).toEqual([]);
    expect(diff.destructive.added.map((d) => [d.address, d.change, d.forcedBy])).toEqual([["aws_s3_bucket.logs", "replace", ["bucket"]]]);
    expect(diff.encryption.added.map((e) => e.address)).toEqual(["aws_secretsmanager_secret.s"]);
    expect(diff.passed).toBe(false);
  });

  it("renders the differences and says so when there are none", () => {
    const md = renderDiff(diff);
    expect(md.split("\n").slice(0, 2)).toEqual(["<!-- rajee-plan-review env=dev -->", "## Plan review: `dev`, changes from the base plan · ❌ 3 policy violations"]);
    expect(md).toContain("| `aws_s3_bucket.logs` | **replace** | every object in the bucket |");
    expect(md).toContain("| ➕ added | `aws_iam_role_policy.task`<br>policy (identity) | `Other` | Allow | - | `s3:PutObject` | `arn:aws:s3:::other/*` | - |");
    expect(md).toContain("| ✏️ now | `aws_iam_role_policy.task`<br>policy (identity) | `Read` | Allow | - | ⚠️ `s3:Get*` | `arn:aws:s3:::data/*` | - |");
    expect(renderDiff(diffPlans(base, base, { environment: "dev", buckets: BUCKETS }))).toContain("No difference between the base and head plans.");
  });
});

describe("diffRows and stableJson", () => {
  it("pairs rows by key and ignores key order inside rows", () => {
    expect(stableJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    const d = diffRows([{ k: "a", v: 1, w: 2 }, { k: "b", v: 1 }], [{ w: 2, v: 1, k: "a" }, { k: "c", v: 1 }], (r) => r.k);
    expect(d).toEqual({ added: [{ k: "c", v: 1 }], removed: [{ k: "b", v: 1 }], changed: [] });
  });
});
