import { planChanges } from "../../../bin/deploy-local/plan-changes";
import { describeChange } from "../../../bin/deploy-local/run";

describe("planChanges", () => {
  it("lists the resources a plan would change with the attributes whose values differ, skipping no-ops and reads", () => {
    const changes = planChanges({
      resource_changes: [
        { address: "aws_vpc.a", change: { actions: ["no-op"], before: { id: "x" }, after: { id: "x" } } },
        { address: "data.aws_x.b", change: { actions: ["read"], before: null, after: {} } },
        { address: "aws_lambda_function.c", change: { actions: ["update"], before: { logging_config: [], name: "f" }, after: { logging_config: [{ log_format: "Text" }], name: "f" } } },
        { address: "aws_ecs_task_definition.d", change: { actions: ["delete", "create"], before: { arn: "a", family: "g" }, after: { family: "g" } } },
        { address: "aws_sns_topic.e", change: { actions: ["create"], before: null, after: { name: "t" } } },
      ],
    });
    expect(changes).toEqual([
      { address: "aws_lambda_function.c", actions: ["update"], attributes: ["logging_config"] },
      { address: "aws_ecs_task_definition.d", actions: ["delete", "create"], attributes: ["arn"] },
      { address: "aws_sns_topic.e", actions: ["create"], attributes: ["name"] },
    ]);
    expect(changes.map(describeChange)).toEqual([
      "  aws_lambda_function.c: update (logging_config)",
      "  aws_ecs_task_definition.d: delete+create (arn)",
      "  aws_sns_topic.e: create (name)",
    ]);
  });

  it("finds nothing in a plan without resource changes", () => {
    expect(planChanges({})).toEqual([]);
    expect(planChanges({ resource_changes: [] })).toEqual([]);
  });
});
