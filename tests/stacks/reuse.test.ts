import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AccessPolicy, LogGroups, SigningKeys } from "../../index";
import { FAKE_BUNDLE, statementsOf } from "../modules/synth";
import { withTestApp } from "../support/temp";

/** The docs' "Reusing a module in another account" example, built from the package entry point. */
describe("reusing the modules from another CDKTF app", () => {
  it("builds the documented partner stack in another account and region, scoped to its bucket", () => {
    const json = withTestApp((app) => {
      const stack = new TerraformStack(app, "partner-gateway");
      new AwsProvider(stack, "aws", { region: "us-east-1", allowedAccountIds: ["444444444444"] });
      const logs = new LogGroups(stack, "logs", {
        namePrefix: "partner-gw",
        accountId: "444444444444",
        region: "us-east-1",
        groups: { envoy: "/partner-gw/envoy", authorizer: "/partner-gw/authorizer", rotation: "/partner-gw/key-rotation" },
      });
      const keys = new SigningKeys(stack, "keys", {
        namePrefix: "partner-gw",
        accountId: "444444444444",
        region: "us-east-1",
        rotationBundle: FAKE_BUNDLE,
        rotationLogGroupName: logs.names.rotation!,
        rotationLogGroupArn: logs.arns.rotation!,
      });
      new AccessPolicy(stack, "access", {
        namePrefix: "partner-gw",
        accountId: "444444444444",
        region: "us-east-1",
        buckets: { "partner-exports": { prefixes: ["outgoing/"] } },
        jwksSecretArn: keys.jwksSecretArn,
        jwksKmsKeyArn: keys.kmsKeyArn,
        logGroupArns: [logs.arns.envoy!, logs.arns.authorizer!],
        ecrRepositoryArns: ["arn:aws:ecr:us-east-1:444444444444:repository/rajee-authorizer"],
      });
      return JSON.parse(Testing.synth(stack)) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    });
    const taskPolicy = Object.entries(json.resource.aws_iam_role_policy!).find(([id]) => id.includes("task-policy"))![1];
    const objects = statementsOf(taskPolicy.policy).find((s) => s.Sid === "Bucket0Objects")!;
    expect(objects.Resource).toEqual(["arn:aws:s3:::partner-exports/outgoing/*"]);
    const logKey = Object.values(json.resource.aws_kms_key!).map((k) => statementsOf(k.policy)).find((st) => st[1]?.Sid === "CloudWatchLogsUseForTheseGroups")!;
    expect(logKey[1]!.Principal).toEqual({ Service: "logs.us-east-1.amazonaws.com" });
  });
});
