import { Construct } from "constructs";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { runtimeParameterName } from "../../src/contracts/authorizer-environment";
import { defaultRuntimeDocument, type RuntimeSettings } from "../../src/runtime-settings/runtime-document";
import { throwProblems } from "../shared/names";
import { policyJson, type PolicyStatement } from "../shared/policy";

export interface RuntimeParameterProps {
  /** Environment name: the parameter is `/rajee/<environment>/runtime`. */
  readonly environment: string;
  /** Name of the task role, which may read this one parameter. */
  readonly taskRoleName: string;
  /** The values the parameter starts with: the deployed environment variables' (sampling off). */
  readonly initial: RuntimeSettings;
}

/**
 * The environment's runtime-settings parameter (docs/observability.md, "Runtime settings"): an SSM
 * String parameter holding the runtime document, created with the deployed defaults. Terraform
 * ignores later changes to its value (`lifecycle.ignore_changes = [value]`), so an operator's
 * change is never reverted by the next apply. The task role may `ssm:GetParameter` on it and
 * nothing else in SSM.
 */
export class RuntimeParameter extends Construct {
  /** `/rajee/<environment>/runtime`. */
  readonly parameterName: string;
  readonly parameterArn: string;
  /** The task role's statements added here, as data (for tests and plan review). */
  readonly taskStatements: readonly PolicyStatement[];

  constructor(scope: Construct, id: string, props: RuntimeParameterProps) {
    super(scope, id);
    if (!/^[a-z0-9-]{1,32}$/.test(props.environment)) {
      throwProblems("runtime-parameter", [`environment=${JSON.stringify(props.environment)} is not an environment name; use lower-case letters, digits and -`]);
    }
    this.parameterName = runtimeParameterName(props.environment);
    const parameter = new SsmParameter(this, "parameter", {
      name: this.parameterName,
      type: "String",
      tier: "Standard",
      value: defaultRuntimeDocument(props.initial),
      description: "rajee runtime settings (logLevel, decisionSampling, rateLimitPerSubject), read by the authorizers every refresh interval; changes are kept by Terraform",
      lifecycle: { ignoreChanges: ["value"] },
    });
    this.parameterArn = parameter.arn;
    this.taskStatements = [{ Sid: "ReadRuntimeSettings", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [parameter.arn] }];
    new IamRolePolicy(this, "read-policy", { name: "runtime-settings", role: props.taskRoleName, policy: policyJson(this.taskStatements) });
  }
}
