import type { Construct } from "constructs";
import { parseConfig } from "../../../handlers/authorizer/config";
import { baselineSettings } from "../../../handlers/authorizer/runtime-settings";
import { RuntimeParameter } from "../../../modules/proxy-service/runtime-parameter";
import { ConfigError } from "../../../src/config-error";
import { parseRuntimeDocument, SAMPLING_OFF } from "../../../src/runtime-settings/runtime-document";
import { onlyResource, refOf, statementsOf, synth } from "../synth";

const initial = { logLevel: "info" as const, decisionSampling: SAMPLING_OFF, rateLimitPerSubject: 1000 };
const build = () => synth((scope: Construct) => new RuntimeParameter(scope, "runtime", { environment: "dev", taskRoleName: "rajee-dev-task", initial }));

describe("RuntimeParameter", () => {
  const s = build();
  const parameter = onlyResource(s, "aws_ssm_parameter");

  it("creates /rajee/<env>/runtime with the deployed defaults, which the authorizer's parser reads back unchanged", () => {
    expect(parameter).toMatchObject({ name: "/rajee/dev/runtime", type: "String", tier: "Standard" });
    const baseline = baselineSettings(parseConfig({ RAJEE_JWKS_FILE: "/unused" }));
    expect(parseRuntimeDocument(parameter.value as string, baseline, baseline)).toEqual({ settings: baseline, problems: [] });
  });

  it("never reverts an operator's change: Terraform ignores the value after creation", () => {
    expect(parameter.lifecycle).toEqual({ ignore_changes: ["value"] });
  });

  it("lets the task role read that one parameter and nothing else", () => {
    const policy = onlyResource(s, "aws_iam_role_policy");
    expect(policy.role).toBe("rajee-dev-task");
    expect(statementsOf(policy.policy)).toEqual([
      { Sid: "ReadRuntimeSettings", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [refOf(s, "aws_ssm_parameter", "runtime", "arn")] },
    ]);
  });

  it("refuses an environment name that would make another parameter path", () => {
    expect(() => synth((scope) => new RuntimeParameter(scope, "r", { environment: "dev/../prod", taskRoleName: "x", initial }))).toThrow(ConfigError);
  });
});
