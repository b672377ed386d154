/**
 * Rules for who may use a resource: secret resource policies (and who must read the deny list), KMS key policies and grants, Lambda
 * Function URLs, the S3 gateway endpoint's policy, and image pinning. Pure.
 */
import { isOpen, otherAccountsInConditions } from "./conditions";
import type { ContainerRow } from "./containers";
import type { IamStatement } from "./iam";
import { issuerInvokers, issuerViolations } from "./issuer";
import { isServicePrincipal, lambdaPermissions, type LambdaPermission } from "./lambda-permissions";
import { display } from "./network";
import { listAt, stringAt, type ResourceIndex } from "./plan";
import type { Violation } from "./suppressions";
import { privateKeyViolations } from "./private-key";
import { denyListViolations } from "./deny-list";

export const RESOURCE_POLICY_RULES = [
  "secret-policy-open",
  "private-key-deny",
  "deny-list-unwired",
  "kms-key-policy-open",
  "kms-grant-delegation",
  "lambda-url-auth",
  "lambda-permission-open",
  "issuer-invokers",
  "s3-endpoint-policy-open",
  "image-not-pinned-by-digest",
] as const;
type ResourcePolicyRuleName = (typeof RESOURCE_POLICY_RULES)[number];

export const RESOURCE_POLICY_RULE_SUMMARIES: Readonly<Record<ResourcePolicyRuleName, string>> = {
  "secret-policy-open": "A secret resource policy that allows anyone (`*`, NotPrincipal) without a condition confining the caller, or another account",
  "private-key-deny":
    "A secret a Lambda rotates (the signing key) whose resource policy, or whose KMS key's policy, lacks a Deny of `GetSecretValue` (`kms:Decrypt`) to `*` except `StringNotEquals aws:PrincipalArn` = the rotation role and the issuer's role",
  "deny-list-unwired":
    "An authorizer container (told a JWKS) without a deny-list secret (`RAJEE_DENY_LIST_SECRET_ARN`) the review can resolve, or whose task role may not surely `secretsmanager:GetSecretValue` that secret or `kms:Decrypt` with its key through Secrets Manager (any Deny that may apply, in the role's, the secret's or the key's policy, blocks): no token could be revoked",
  "kms-key-policy-open": "A KMS key policy that allows anyone without a condition confining the caller (positive `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalOrgID`, `kms:CallerAccount`), another account, or `kms:*` to anything but this account's root",
  "kms-grant-delegation": "A KMS grant that includes `CreateGrant` (the grantee may re-delegate) or names a grantee in another account",
  "lambda-url-auth": "A Lambda Function URL whose `authorization_type` is not `AWS_IAM`, or a permission with `function_url_auth_type` `NONE`",
  "lambda-permission-open": "A Lambda permission (any action, any function, Terraform or CloudFormation) to `*`, or to an AWS service without `source_arn` or `source_account`",
  "issuer-invokers": "A grant on a function that serves a Function URL (the token issuer): a permission to `*` or to a principal not in the config's `issuer.invokers`, or `lambda:InvokeFunction` (permission or identity statement) without `InvokedViaFunctionUrl`",
  "s3-endpoint-policy-open": "An S3 endpoint policy (when present) with an Allow on every resource (`*`) for anyone without a condition",
  "image-not-pinned-by-digest": "A container image pinned by tag rather than `@sha256:` digest where the environment requires digests (staging, prod)",
};

/** What these rules need beyond the plan. */
export interface ResourcePolicyOptions {
  /** The environment's AWS account (config `accountId`). */
  readonly accountId: string;
  /** Container images must be pinned by digest (config `imagePinning: "digest"`). */
  readonly requireImageDigests: boolean;
  /** Principals that may invoke the token issuer (config `issuer.invokers`). */
  readonly issuerInvokers: readonly string[];
  /** The environment's region (config `region`). @default unknown: ARNs and endpoints of any region are taken as the environment's */
  readonly region?: string;
}

const ACCOUNT_IN_ARN = /^(?:AWS:)?(?:arn:aws[\w-]*:(?:iam|sts)::(\d{12}):|(\d{12})$)/;

/** The account an `AWS:` principal belongs to, or undefined for services, `*` and references. */
export function principalAccount(principal: string): string | undefined {
  const m = ACCOUNT_IN_ARN.exec(principal);
  return m ? (m[1] ?? m[2]) : undefined;
}

const otherAccounts = (s: IamStatement, account: string) =>
  s.effect === "Allow" && account !== ""
    ? [...s.principals.filter((p) => p.startsWith("AWS:") && principalAccount(p) !== undefined && principalAccount(p) !== account), ...otherAccountsInConditions(s, account).map((a) => `account ${a} (by condition)`)]
    : [];

/** True when `s` is AWS's default key-policy statement: `kms:*` for this account's root on the key itself. */
export function isAccountRootKeyAdmin(s: IamStatement, accountId: string): boolean {
  return (
    /^\d{12}$/.test(accountId) &&
    s.effect === "Allow" &&
    !s.notAction &&
    !s.notPrincipal &&
    !s.notResource &&
    s.actions.length === 1 &&
    s.actions[0]!.toLowerCase() === "kms:*" &&
    s.resources.length === 1 &&
    s.resources[0] === "*" &&
    s.principals.length === 1 &&
    new RegExp(`^AWS:(?:arn:aws[\\w-]*:iam::${accountId}:root|${accountId})$`).test(s.principals[0]!)
  );
}

/** How messages name the function a permission is on: its name when the plan knows it, else what the permission says. */
function functionOf(index: ResourceIndex, p: LambdaPermission): string {
  const fn = index.resolve(p.functionName, "aws_lambda_function");
  const name = fn === undefined ? undefined : stringAt(fn.values, "function_name");
  if (name !== undefined && !name.startsWith("${")) return `function ${name}`;
  return `function ${fn?.address ?? display(p.functionName)}`;
}

/** Violations of the resource-policy rules. */
export function resourcePolicyViolations(index: ResourceIndex, statements: readonly IamStatement[], containers: readonly ContainerRow[], o: ResourcePolicyOptions): Violation[] {
  const out: Violation[] = [];
  const add = (rule: ResourcePolicyRuleName, address: string, subject: string, message: string) => out.push({ rule, address, subject, message });
  const byAddress = new Map(index.live().map((r) => [r.address, r]));
  const secretTypes = new Set(["aws_secretsmanager_secret_policy", "aws_secretsmanager_secret"]);

  for (const s of statements) {
    const resource = byAddress.get(s.address);
    const type = resource?.type;
    if (s.kind !== "resource" || type === undefined) continue;
    const label = `${s.address} statement ${s.sid}`;
    if (secretTypes.has(type)) {
      if (isOpen(s)) add("secret-policy-open", s.address, s.sid, `${label} lets anyone call ${s.actions.join(", ")} without a condition that confines the caller${s.conditions.length ? ` (${s.conditions.join("; ")} does not)` : ""}; name the reading role`);
      for (const p of otherAccounts(s, o.accountId)) add("secret-policy-open", s.address, s.sid, `${label} allows ${p} from another account; grant only roles of ${o.accountId}`);
    }
    if (type === "aws_kms_key" || type === "aws_kms_key_policy") {
      if (isOpen(s)) add("kms-key-policy-open", s.address, s.sid, `${label} lets anyone use the key (${s.actions.join(", ")}) without a condition that confines the caller${s.conditions.length ? ` (${s.conditions.join("; ")} does not)` : ""}; name the principal, or add StringEquals kms:CallerAccount (with kms:ViaService) or aws:PrincipalArn`);
      for (const p of otherAccounts(s, o.accountId)) add("kms-key-policy-open", s.address, s.sid, `${label} allows ${p} from another account; grant only principals of ${o.accountId}`);
      const admin = s.effect === "Allow" && (s.notAction || s.actions.some((a) => a === "*" || a.toLowerCase() === "kms:*"));
      if (admin && o.accountId !== "" && !isAccountRootKeyAdmin(s, o.accountId)) add("kms-key-policy-open", s.address, s.sid, `${label} allows ${s.notAction ? "NotAction" : "kms:*"} to ${s.principals.join(", ") || "-"}; only arn:aws:iam::${o.accountId}:root may hold kms:* (AWS's default key policy)`);
    }
    const endpoint = type === "aws_vpc_endpoint" ? resource : type === "aws_vpc_endpoint_policy" ? index.resolve(resource!.values.vpc_endpoint_id, "aws_vpc_endpoint") : undefined;
    if (endpoint !== undefined && /\.s3$/.test(stringAt(endpoint.values, "service_name") ?? "")) {
      if (isOpen(s) && (s.notResource || s.resources.includes("*"))) add("s3-endpoint-policy-open", s.address, s.sid, `${label} allows ${s.actions.join(", ")} on every bucket to anyone; list the environment's buckets (and the image registry's) as resources`);
    }
  }

  for (const g of index.ofType("aws_kms_grant")) {
    const ops = listAt(g.values, "operations").map(String);
    if (ops.includes("CreateGrant")) add("kms-grant-delegation", g.address, "operations", `KMS grant ${g.address} includes CreateGrant, so ${display(g.values.grantee_principal)} can grant the key on; remove CreateGrant`);
    const grantee = stringAt(g.values, "grantee_principal") ?? "";
    const account = principalAccount(grantee);
    if (account !== undefined && o.accountId !== "" && account !== o.accountId) add("kms-grant-delegation", g.address, "grantee_principal", `KMS grant ${g.address} names ${grantee} in another account; grant only principals of ${o.accountId}`);
  }

  for (const u of index.ofType("aws_lambda_function_url")) {
    const auth = stringAt(u.values, "authorization_type") ?? "unset";
    if (auth !== "AWS_IAM") add("lambda-url-auth", u.address, "authorization_type", `Function URL ${u.address} authorization_type=${auth}: anyone on the internet can invoke it; set it to AWS_IAM`);
  }
  for (const p of lambdaPermissions(index)) {
    const fn = functionOf(index, p);
    const n = p.settings;
    if (p.functionUrlAuthType === "NONE") {
      add("lambda-url-auth", p.address, n.functionUrlAuthType, `permission ${p.label} lets ${display(p.principal)} call ${p.action} on ${fn} through its Function URL without IAM auth (${n.functionUrlAuthType}=NONE): anyone on the internet; set ${n.functionUrlAuthType} to AWS_IAM and name the caller`);
    }
    if (p.principal === "*") {
      const who = p.functionUrlAuthType === "AWS_IAM" ? "any signed-in principal of any AWS account (AWS_IAM checks the signature, not whose account it is)" : "anyone (the principals of every AWS account, and every AWS service)";
      const sources = [...(p.sourceAccount !== undefined ? [n.sourceAccount] : []), ...(p.sourceArn !== undefined ? [n.sourceArn] : [])];
      const narrowed = p.principalOrgId !== undefined ? ` (${n.principalOrgId} narrows it only to an organisation)` : sources.length ? ` (${sources.join(" and ")} ${sources.length > 1 ? "narrow" : "narrows"} only the calling resource, not the caller)` : "";
      add("lambda-permission-open", p.address, n.principal, `permission ${p.label} lets ${who} call ${p.action} on ${fn}${narrowed}; set ${n.principal} to the one account id or role ARN that calls it`);
    } else if (isServicePrincipal(p.principal) && p.sourceArn === undefined && p.sourceAccount === undefined) {
      add("lambda-permission-open", p.address, n.sourceArn, `permission ${p.label} lets ${p.principal} call ${p.action} on ${fn} for any resource of any account (no ${n.sourceArn} or ${n.sourceAccount}), so another account's ${p.principal.split(".")[0]} resource can invoke it; set ${n.sourceArn} to the resource that invokes it and ${n.sourceAccount} to ${o.accountId || "this account"}`);
    }
  }

  for (const v of issuerViolations(index, issuerInvokers(index, statements), o.issuerInvokers, o.accountId)) out.push(v);
  out.push(...privateKeyViolations(index, statements, o.accountId));
  out.push(...denyListViolations(index, statements, containers, { accountId: o.accountId, ...(o.region === undefined ? {} : { region: o.region }) }));

  if (o.requireImageDigests) {
    for (const c of containers.filter((x) => !x.imagePinned)) {
      add("image-not-pinned-by-digest", c.taskDefinition, c.name, `container ${c.name} image ${c.image} is a tag, which can be moved to other content; pin it as <repository>@sha256:<digest>`);
    }
  }
  return out;
}
