import { Construct } from "constructs";
import { AssetType, TerraformAsset, Token } from "cdktf";
import { CloudformationStack } from "@cdktf/provider-aws/lib/cloudformation-stack";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { ACCOUNT_ID, parseRoleArn } from "../../src/contracts/aws-names";
import type { EnvironmentVariables } from "../../src/contracts/environment";
import type { LambdaBundle } from "../signing-keys/signing-keys";
import { escapeTerraform } from "../proxy-service/containers";
import { checkNamePrefix, throwProblems } from "../shared/names";
import { partitionOf, policyJson, secretReaderStatements, serviceTrustPolicy, type PolicyStatement } from "../shared/policy";

export interface IssuerProps {
  /** Prefix of the function, role and stack names, e.g. `rajee-dev`. */
  readonly namePrefix: string;
  /** Account of the function (its role's trust policy). */
  readonly accountId: string;
  /** Region of the function (the `kms:ViaService` of its decrypt permission). */
  readonly region: string;
  /** The issuer Lambda's code (bundled with esbuild at synth time). */
  readonly bundle: LambdaBundle;
  /** The function's environment variables, written by the issuer's environment writer (src/contracts). */
  readonly environment: EnvironmentVariables;
  /** Log group the function writes to (created with retention and KMS by LogGroups). */
  readonly logGroupName: string;
  /** ARN of that log group: the role may write only there. */
  readonly logGroupArn: string;
  /** The private signing key's secret: the one secret the role may read. */
  readonly privateKeySecretArn: string;
  /** The KMS key of that secret: the role may decrypt with it only through Secrets Manager. */
  readonly privateKeyKmsKeyArn: string;
  /**
   * The public binding-key secret and its KMS key: the role may read that secret (never the private
   * binding keys), and the environment must name it so every token is bound. @default none: bearer tokens
   */
  readonly binding?: { readonly publicSecretArn: string; readonly kmsKeyArn: string };
  /** Who may call the Function URL: 12-digit account ids or IAM role ARNs (cross-account allowed); at least one. */
  readonly invokers: readonly string[];
  /** Reserved concurrency (1-100): bounds how fast tokens can be issued and what the function can cost. @default 5 */
  readonly reservedConcurrency?: number;
  /**
   * Also grant each invoker `lambda:InvokeFunction` restricted to calls through the Function URL
   * (`lambda:InvokedViaFunctionUrl`), which AWS requires for function URLs created since October
   * 2025. Provider 5.100.0's `aws_lambda_permission` cannot express the restriction, so it is a
   * CloudFormation `AWS::Lambda::Permission` (docs/decisions.md). Off only where CloudFormation is
   * not available. @default true
   */
  readonly invokeThroughUrlGrant?: boolean;
}

export const DEFAULT_RESERVED_CONCURRENCY = 5;
/** Bounds of `reservedConcurrency`: at least one, and small enough that a stuck caller cannot take the account's pool. */
export const RESERVED_CONCURRENCY_RANGE = Object.freeze({ min: 1, max: 100 });
/** Runtime, architecture and limits of the issuer Lambda. */
export const ISSUER_RUNTIME = "nodejs22.x";
export const ISSUER_ARCHITECTURE = "arm64";
export const ISSUER_TIMEOUT_SECONDS = 10;
export const ISSUER_MEMORY_MIB = 256;
/** The Function URL's only authentication: SigV4 with IAM credentials. */
export const ISSUER_URL_AUTH_TYPE = "AWS_IAM";
/** The role's log actions; besides them it may only read its secrets (`secretReaderStatements`). */
export const ISSUER_LOG_ACTIONS: readonly string[] = ["logs:CreateLogStream", "logs:PutLogEvents"];

/** Why `invoker` cannot be a Function URL invoker; undefined when it can. The configuration asks the same. */
export function invokerProblem(invoker: string): string | undefined {
  if (invoker.includes("*")) return "contains '*'; list account ids or role ARNs exactly (a wildcard would let anyone matching call the issuer)";
  if (ACCOUNT_ID.test(invoker) || parseRoleArn(invoker)) return undefined;
  return "is neither a 12-digit account id nor an IAM role ARN; use e.g. 123456789012 or arn:aws:iam::123456789012:role/analyst";
}

/** Every problem of an invoker list (each `invokers[i]=...`); [] when valid. */
export function invokersProblems(invokers: readonly string[]): string[] {
  if (invokers.length === 0) return ["invokers=[] is empty, so nobody could call the issuer; list the account ids or role ARNs that may"];
  const problems: string[] = [];
  const seen = new Set<string>();
  invokers.forEach((invoker, i) => {
    const why = invokerProblem(invoker);
    if (why) problems.push(`invokers[${i}]=${JSON.stringify(invoker)} ${why}`);
    if (seen.has(invoker)) problems.push(`invokers[${i}]=${JSON.stringify(invoker)} is listed twice; list each invoker once`);
    seen.add(invoker);
  });
  return problems;
}

/** Why `value` cannot be the reserved concurrency; undefined when it can. */
export function reservedConcurrencyProblem(value: number): string | undefined {
  const { min, max } = RESERVED_CONCURRENCY_RANGE;
  return Number.isInteger(value) && value >= min && value <= max ? undefined : `must be a whole number ${min}-${max}; use e.g. ${DEFAULT_RESERVED_CONCURRENCY}`;
}

/** Name of the issuer's function and role: `<namePrefix>-issuer`. */
export function issuerName(namePrefix: string): string {
  return `${namePrefix}-issuer`;
}

/**
 * ARN of the issuer's role, known before the role exists, so the private key's secret and KMS key
 * policies can name it without a reference cycle (the role's policy names the secret and the key).
 */
export function issuerRoleArn(namePrefix: string, accountId: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:role/${issuerName(namePrefix)}`;
}

/**
 * A stable name for one invoker (statement id and construct id): the account id, or the account and
 * role name. Adding an invoker never renames another's permission.
 */
export function invokerStatementId(invoker: string): string {
  const role = parseRoleArn(invoker);
  const raw = role ? `${role.account}-${role.name}` : invoker;
  return `InvokeUrl-${raw.replace(/[^A-Za-z0-9_-]/g, "_")}`.slice(0, 100);
}

/**
 * The token issuer: a Lambda whose role may only read the private signing key (through Secrets
 * Manager) and write its own log group, with reserved concurrency and a Function URL that accepts
 * only SigV4-signed requests (`AWS_IAM`) from the listed invokers: one `lambda:InvokeFunctionUrl`
 * permission each, and no other way in.
 */
export class Issuer extends Construct {
  readonly functionName: string;
  readonly functionArn: string;
  readonly roleArn: string;
  /** The HTTPS endpoint callers sign requests to. */
  readonly functionUrl: string;
  /** The role's policy statements, as data. */
  readonly statements: readonly PolicyStatement[];
  /** Reserved concurrency applied. */
  readonly reservedConcurrency: number;
  /** The function's environment variables, as deployed. */
  readonly environment: EnvironmentVariables;

  constructor(scope: Construct, id: string, props: IssuerProps) {
    super(scope, id);
    const concurrency = props.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY;
    const invokeThroughUrl = props.invokeThroughUrlGrant ?? true;
    checkNamePrefix("issuer", props.namePrefix);
    const problems = [...invokersProblems(props.invokers)];
    // Names derived from distinct invokers must stay distinct (role names may differ only in characters the ids drop).
    const unique = [...new Set(props.invokers)];
    for (const derive of [invokerStatementId, templateLogicalId]) {
      const ids = unique.map(derive);
      ids.forEach((derived, i) => {
        const first = ids.indexOf(derived);
        if (first !== i) problems.push(`invokers: ${JSON.stringify(unique[i])} and ${JSON.stringify(unique[first])} both map to ${derived}; rename one role`);
      });
    }
    const concurrencyWhy = reservedConcurrencyProblem(concurrency);
    if (concurrencyWhy) problems.push(`reservedConcurrency=${concurrency} ${concurrencyWhy}`);
    if (!/^[A-Za-z0-9+/]{43}=$/.test(props.bundle.sha256Base64)) {
      problems.push(`bundle.sha256Base64=${JSON.stringify(props.bundle.sha256Base64)} is not a base64 SHA-256; pass what the issuer's bundler returns`);
    }
    throwProblems("issuer", problems);
    this.reservedConcurrency = concurrency;
    this.environment = props.environment;
    const name = issuerName(props.namePrefix);

    const role = new IamRole(this, "role", {
      name,
      description: "rajee token issuer Lambda",
      assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", props.accountId),
    });
    this.roleArn = role.arn;
    this.statements = [
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: [...ISSUER_LOG_ACTIONS],
        Resource: [props.logGroupArn, `${props.logGroupArn}:log-stream:*`],
      },
      ...secretReaderStatements("PrivateSigningKey", props.privateKeySecretArn, props.privateKeyKmsKeyArn, props.region),
      ...(props.binding === undefined ? [] : secretReaderStatements("PublicBindingKey", props.binding.publicSecretArn, props.binding.kmsKeyArn, props.region)),
    ];
    new IamRolePolicy(this, "policy", { name: "issue-tokens", role: role.id, policy: policyJson(this.statements) });

    const code = new TerraformAsset(this, "code", { path: props.bundle.zipPath, type: AssetType.FILE });
    const fn = new LambdaFunction(this, "function", {
      functionName: name,
      description: "Issues rajee tokens to SigV4-signed callers, as the issuance policy allows",
      role: role.arn,
      handler: "index.handler",
      runtime: ISSUER_RUNTIME,
      architectures: [ISSUER_ARCHITECTURE],
      timeout: ISSUER_TIMEOUT_SECONDS,
      memorySize: ISSUER_MEMORY_MIB,
      reservedConcurrentExecutions: concurrency,
      filename: code.path,
      sourceCodeHash: props.bundle.sha256Base64,
      loggingConfig: { logFormat: "Text", logGroup: props.logGroupName },
      // Literal values go to Terraform as text: a grant's `${aws:sessionName}` is not an interpolation.
      environment: { variables: Object.fromEntries(Object.entries(props.environment).map(([k, v]) => [k, Token.isUnresolved(v) ? v : escapeTerraform(v)])) },
    });
    this.functionName = fn.functionName;
    this.functionArn = fn.arn;

    // No CORS: callers are programs with AWS credentials, never browsers on other origins.
    const url = new LambdaFunctionUrl(this, "url", { functionName: fn.functionName, authorizationType: ISSUER_URL_AUTH_TYPE });
    this.functionUrl = url.functionUrl;

    const urlPermissions = props.invokers.map(
      (invoker) =>
        new LambdaPermission(this, `invoke-url-${invokerStatementId(invoker)}`, {
          statementId: invokerStatementId(invoker),
          action: "lambda:InvokeFunctionUrl",
          functionName: fn.functionName,
          principal: invoker,
          functionUrlAuthType: ISSUER_URL_AUTH_TYPE,
        }),
    );
    if (invokeThroughUrl) {
      new CloudformationStack(this, "invoke-through-url", {
        name: `${name}-invoke-through-url`,
        templateBody: JSON.stringify(invokeThroughUrlTemplate(fn.functionName, props.invokers)),
        dependsOn: urlPermissions,
      });
    }
  }
}

/** The CloudFormation logical id of one invoker's permission (alphanumeric only). */
function templateLogicalId(invoker: string): string {
  return invokerStatementId(invoker).replace(/[^A-Za-z0-9]/g, "");
}

/**
 * The CloudFormation template granting each invoker `lambda:InvokeFunction` only through the
 * Function URL (`InvokedViaFunctionUrl: true` adds the `lambda:InvokedViaFunctionUrl` condition), so
 * no invoker can call the function directly with an event of its own making.
 */
export function invokeThroughUrlTemplate(functionName: string, invokers: readonly string[]): object {
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: "lambda:InvokeFunction for the issuer's Function URL invokers, only through the URL",
    Resources: Object.fromEntries(
      invokers.map((invoker) => [
        templateLogicalId(invoker),
        {
          Type: "AWS::Lambda::Permission",
          Properties: { FunctionName: functionName, Action: "lambda:InvokeFunction", Principal: invoker, InvokedViaFunctionUrl: true },
        },
      ]),
    ),
  };
}
