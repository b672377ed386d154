/**
 * Every grant of a Lambda function's resource policy in the plan, in one shape: each
 * `aws_lambda_permission`, and each `AWS::Lambda::Permission` in the template body of an
 * `aws_cloudformation_stack` (the issuer grants `lambda:InvokeFunction` that way, because the
 * provider it is built with cannot set `invoked_via_function_url`). Pure.
 */
import { display } from "./network";
import { stringAt, UNKNOWN, type Json, type PlannedResource, type ResourceIndex } from "./plan";

/** The names a permission's settings have in the form it is written in, for messages. */
export interface PermissionSettings {
  readonly principal: string;
  readonly sourceArn: string;
  readonly sourceAccount: string;
  readonly principalOrgId: string;
  readonly functionUrlAuthType: string;
  readonly invokedViaFunctionUrl: string;
}

const TERRAFORM_SETTINGS: PermissionSettings = {
  principal: "principal",
  sourceArn: "source_arn",
  sourceAccount: "source_account",
  principalOrgId: "principal_org_id",
  functionUrlAuthType: "function_url_auth_type",
  invokedViaFunctionUrl: "invoked_via_function_url",
};

const CLOUDFORMATION_SETTINGS: PermissionSettings = {
  principal: "Principal",
  sourceArn: "SourceArn",
  sourceAccount: "SourceAccount",
  principalOrgId: "PrincipalOrgID",
  functionUrlAuthType: "FunctionUrlAuthType",
  invokedViaFunctionUrl: "InvokedViaFunctionUrl",
};

/** One statement of a function's resource policy, as the plan declares it. */
export interface LambdaPermission {
  /** Address of the resource that declares it (the stack's, for a template's permission). */
  readonly address: string;
  /** `<address>`, or `<stack address> <logical id>` for a template's permission. */
  readonly source: string;
  /** `<address>`, or `<stack address> <logical id> (AWS::Lambda::Permission)`: how messages name it. */
  readonly label: string;
  /** The settings' names in this form. */
  readonly settings: PermissionSettings;
  /** `function_name` / `FunctionName` as written (a name, an ARN or a reference). */
  readonly functionName: Json | undefined;
  /** The action granted, `-` when unknown. */
  readonly action: string;
  /** The principal as written: `*`, an account id, a role ARN, a service (`s3.amazonaws.com`), a reference (`${aws_iam_role.x.arn}`). */
  readonly principal: string;
  readonly sourceArn: string | undefined;
  readonly sourceAccount: string | undefined;
  readonly principalOrgId: string | undefined;
  readonly functionUrlAuthType: string | undefined;
  /** True when the grant holds only for calls through the Function URL (`lambda:InvokedViaFunctionUrl`). */
  readonly invokedViaFunctionUrl: boolean;
}

/** A set string value: not null, empty, or unknown with nothing configured. */
const present = (v: unknown): string | undefined => (typeof v === "string" && v !== "" && v !== UNKNOWN ? v : undefined);
/** A boolean of either form (CloudFormation also takes `"true"`). */
const isTrue = (v: unknown) => v === true || (typeof v === "string" && v.toLowerCase() === "true");

function fromTerraform(p: PlannedResource): LambdaPermission {
  const v = p.values;
  return {
    address: p.address,
    source: p.address,
    label: p.address,
    settings: TERRAFORM_SETTINGS,
    functionName: v.function_name,
    action: stringAt(v, "action") ?? "-",
    principal: stringAt(v, "principal") ?? display(v.principal),
    sourceArn: present(v.source_arn),
    sourceAccount: present(v.source_account),
    principalOrgId: present(v.principal_org_id),
    functionUrlAuthType: present(v.function_url_auth_type),
    invokedViaFunctionUrl: isTrue(v.invoked_via_function_url),
  };
}

/** `AWS::Lambda::Permission` resources of a CloudFormation template body (JSON), by logical id. */
function cloudFormationPermissions(body: unknown): Array<[string, Record<string, unknown>]> {
  if (typeof body !== "string") return [];
  try {
    const resources = (JSON.parse(body) as { Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }> }).Resources ?? {};
    return Object.entries(resources).flatMap(([id, r]) => (r.Type === "AWS::Lambda::Permission" && r.Properties ? [[id, r.Properties] as [string, Record<string, unknown>]] : []));
  } catch {
    return [];
  }
}

function fromTemplate(stack: PlannedResource, logical: string, p: Record<string, unknown>): LambdaPermission {
  const source = `${stack.address} ${logical}`;
  return {
    address: stack.address,
    source,
    label: `${source} (AWS::Lambda::Permission)`,
    settings: CLOUDFORMATION_SETTINGS,
    functionName: p.FunctionName as Json | undefined,
    action: typeof p.Action === "string" ? p.Action : "-",
    principal: typeof p.Principal === "string" ? p.Principal : JSON.stringify(p.Principal ?? null),
    // An intrinsic (`{"Ref": ...}`, `{"Fn::GetAtt": ...}`) names a source too.
    sourceArn: present(p.SourceArn) ?? (typeof p.SourceArn === "object" && p.SourceArn !== null ? JSON.stringify(p.SourceArn) : undefined),
    sourceAccount: present(p.SourceAccount),
    principalOrgId: present(p.PrincipalOrgID),
    functionUrlAuthType: present(p.FunctionUrlAuthType),
    invokedViaFunctionUrl: isTrue(p.InvokedViaFunctionUrl),
  };
}

/** Every Lambda permission of the plan: Terraform's, then those of CloudFormation templates. */
export function lambdaPermissions(index: ResourceIndex): LambdaPermission[] {
  return [
    ...index.ofType("aws_lambda_permission").map(fromTerraform),
    ...index.ofType("aws_cloudformation_stack").flatMap((stack) => cloudFormationPermissions(stack.values.template_body).map(([logical, p]) => fromTemplate(stack, logical, p))),
  ];
}

/** An AWS service principal (`secretsmanager.amazonaws.com`, `alexa-appkit.amazon.com`, China's `.amazonaws.com.cn`). */
export function isServicePrincipal(principal: string): boolean {
  return /^[a-z0-9][a-z0-9.-]*\.amazon(?:aws)?\.com(?:\.cn)?$/i.test(principal);
}
