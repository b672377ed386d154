/**
 * The deny-list rule: every authorizer container of the plan (one told a JWKS) is told a deny-list
 * secret (RAJEE_DENY_LIST_SECRET_ARN), and the task role it runs as may read that secret and decrypt
 * it through its KMS key, so a deployed gateway can revoke a token (docs/security.md, "A revoked
 * token keeps working"). Who else may read it is `secret-policy-open`'s business.
 *
 * IAM's evaluation (IAM User Guide, "Policy evaluation logic"): an explicit Deny in any policy that
 * applies (the role's, the secret's resource policy, the key policy) overrides every Allow, so a
 * Deny counts when it may apply, an Allow only when it surely does. The review understands a few
 * conditions; any other condition leaves a Deny blocking and an Allow not counted. Pure.
 */
import { AUTHORIZER_VARIABLES } from "../../src/contracts/authorizer-environment";
import { parseSecretArn, partitionOfRegion, SECRET_ARN_FORMAT } from "../../src/contracts/aws-names";
import { isSecureTransportDeny, viaServiceOnly } from "./benign";
import { exemptedPrincipals, parseCondition } from "./conditions";
import type { ContainerRow } from "./containers";
import { matchesIamPattern, type IamStatement, type PlannedValue } from "./iam";
import { display } from "./network";
import { stringAt, UNKNOWN, type Json, type PlannedResource, type ResourceIndex } from "./plan";
import { coversAction, roleArn } from "./private-key";
import type { Violation } from "./suppressions";

/** What the task role needs to use the deny list: read the secret, decrypt it. */
const READ = "secretsmanager:GetSecretValue";
const DECRYPT = "kms:Decrypt";

/** What the rule needs beyond the plan. */
export interface DenyListOptions {
  /** The environment's AWS account: fills the account of ARNs unknown before apply. Empty when not known. */
  readonly accountId: string;
  /** The environment's region: the secret's, and the Secrets Manager endpoint decryption must come through. @default any region */
  readonly region?: string;
}

/** What a statement is judged against: the secret or key, by its ARN as far as the plan knows it. */
interface Target {
  readonly arn: string | PlannedValue;
  /** The resource of the plan, when it is one. */
  readonly resource?: PlannedResource;
}

const RUN = { unknown: "run" } as const;
const CHAR = { unknown: "char" } as const;
const literal = (v: Json | undefined): v is string => typeof v === "string" && v !== "" && v !== UNKNOWN && !v.startsWith("${");

/** The ARN of a planned secret or key: its literal ARN, else built from its name (a secret's ends in `-` and six random characters). */
function plannedArn(r: PlannedResource, o: DenyListOptions): string | PlannedValue {
  if (literal(r.values.arn)) return r.values.arn;
  const partition = o.region === undefined ? undefined : partitionOfRegion(o.region);
  const head: PlannedValue = ["arn:", partition ?? RUN, ":", r.type === "aws_kms_key" ? "kms" : "secretsmanager", ":", o.region ?? RUN, ":", /^\d{12}$/.test(o.accountId) ? o.accountId : RUN, ":"];
  if (r.type === "aws_kms_key") return [...head, "key/", RUN];
  const name = stringAt(r.values, "name");
  return [...head, "secret:", ...(literal(name) ? [name, "-", CHAR, CHAR, CHAR, CHAR, CHAR, CHAR] : [RUN])];
}

/** True when resource entry `entry` names the target: `*`, a reference to it, or an ARN pattern matching it. */
function entryNames(index: ResourceIndex, entry: string, target: Target, how: "surely" | "possibly"): boolean {
  if (entry === "*") return true;
  if (entry.includes("${")) {
    const other = index.resolve(entry);
    if (target.resource !== undefined && other === target.resource) return true;
    // Another resource of the plan has another ARN; an expression the plan cannot read may be anything.
    if (other !== undefined) return false;
    return how === "possibly" && matchesIamPattern(entry.replace(/\$\{[^}]*\}/g, "*"), target.arn, how);
  }
  return matchesIamPattern(entry, target.arn, how);
}

/** True when `s`'s Resource (or NotResource) covers the target, surely or possibly. */
function reaches(index: ResourceIndex, s: IamStatement, target: Target, how: "surely" | "possibly"): boolean {
  if (!s.notResource) return s.resources.some((r) => entryNames(index, r, target, how));
  const other = how === "surely" ? "possibly" : "surely";
  return !s.resources.some((r) => entryNames(index, r, target, other));
}

/** The task role as principals and conditions name it: a reference to it, or the ARN it will have. */
function roleMatcher(index: ResourceIndex, role: PlannedResource, accountId: string): { readonly is: (value: string) => boolean; readonly arn: string } {
  const arn = literal(role.values.arn) ? role.values.arn : (roleArn(index, `\${${role.address}.arn}`, accountId) ?? `\${${role.address}.arn}`);
  return { is: (value) => value === arn || index.refersTo(value, role), arn };
}

/** True when a resource policy's Deny `s` may apply to the task role by its Principal (or NotPrincipal). */
function mayDenyRole(index: ResourceIndex, s: IamStatement, isRole: (value: string) => boolean, accountId: string): boolean {
  if (s.kind === "identity") return true;
  const named = (p: string) => p.startsWith("AWS:") && isRole(p.slice(4));
  if (s.notPrincipal) return !s.principals.some(named);
  const account = /^\d{12}$/.test(accountId) ? accountId : undefined;
  return s.principals.some((p) => {
    if (p === "*" || p === "AWS:*" || named(p)) return true;
    if (!p.startsWith("AWS:")) return false;
    const id = p.slice(4);
    // This account (its root or id) stands for every principal of it; an expression the plan cannot read may be the role.
    if (account === undefined || id === account || id.endsWith(`:${account}:root`)) return true;
    return id.includes("${") && index.resolve(id) === undefined;
  });
}

/** True when `value` (a `kms:ViaService` value; a pattern when `like`) stands for Secrets Manager's endpoint in the region, or in some region when it is not known. */
function isSecretsManager(value: string, like: boolean, region: string | undefined): boolean {
  if (region === undefined) return like ? matchesIamPattern(value, ["secretsmanager.", RUN, ".amazonaws.com"], "possibly", true) : /^secretsmanager\.[a-z0-9-]+\.amazonaws\.com$/i.test(value);
  const service = `secretsmanager.${region}.amazonaws.com`;
  return like ? matchesIamPattern(value, service, "surely", true) : value.toLowerCase() === service;
}

/**
 * True when a Deny with conditions does not apply to the task role's `action`: the forms benign.ts
 * recognises (a Deny of requests without TLS, which the SDK never sends; a Deny to all but exempted
 * principals, the task role among them; a key usable only through Secrets Manager, for Decrypt).
 */
function denyPasses(statement: IamStatement, action: string, isRole: (value: string) => boolean, region: string | undefined): boolean {
  if (statement.conditions.length === 0) return false;
  // An identity policy's statement is about the role holding it: read it as a Deny to every principal, the forms' shape.
  const s: IamStatement = statement.kind === "identity" ? { ...statement, principals: ["*"], notPrincipal: false } : statement;
  if (isSecureTransportDeny(s)) return true;
  const form = exemptedPrincipals(s);
  if ("exempted" in form && form.exempted.some(isRole)) return true;
  const via = viaServiceOnly(s);
  return action === DECRYPT && via !== undefined && via.split(", ").some((service) => isSecretsManager(service, false, region));
}

/** True when every condition of Allow `s` surely holds for the task role's `action`: TLS, and for Decrypt the Secrets Manager endpoint. */
function allowHolds(s: IamStatement, action: string, region: string | undefined): boolean {
  return s.conditions.map(parseCondition).every((c) => {
    const op = c.operator.toLowerCase();
    const key = c.key.toLowerCase();
    if (op === "bool" && key === "aws:securetransport") return c.values.length === 1 && c.values[0]!.toLowerCase() === "true";
    if (action !== DECRYPT || key !== "kms:viaservice") return false;
    if (op === "stringequals" || op === "stringequalsignorecase") return c.values.some((v) => isSecretsManager(v, false, region));
    return op === "stringlike" && c.values.some((v) => isSecretsManager(v, true, region));
  });
}

/** Why the task role may not take `action` on the target (what blocks it, and the fix), or undefined when it may. */
function blocked(
  index: ResourceIndex,
  action: string,
  target: Target,
  allowsFrom: readonly IamStatement[],
  deniesFrom: readonly IamStatement[],
  role: PlannedResource,
  o: DenyListOptions,
  explicit: boolean,
): { readonly why: string; readonly fix: string } | undefined {
  const taskRole = roleMatcher(index, role, o.accountId);
  const denies = deniesFrom.filter((s) => s.effect === "Deny" && coversAction(s, action) && reaches(index, s, target, "possibly") && mayDenyRole(index, s, taskRole.is, o.accountId));
  const blocking = denies.filter((s) => !denyPasses(s, action, taskRole.is, o.region));
  if (blocking.length > 0) {
    const which = blocking.map((s) => `${s.address} statement ${s.sid}${s.conditions.length ? ` (${s.conditions.join("; ")}, which the review cannot confirm leaves the task role out)` : ""}`).join(", ");
    return { why: `a Deny may apply: ${which}`, fix: `remove the Deny, or exempt the task role with its only condition StringNotEquals aws:PrincipalArn = ${display(taskRole.arn)}` };
  }
  const candidates = allowsFrom.filter((s) => s.effect === "Allow" && coversAction(s, action) && reaches(index, s, target, "surely") && (!explicit || (!s.notResource && s.resources.some((r) => r !== "*" && entryNames(index, r, target, "surely")))));
  if (candidates.some((s) => allowHolds(s, action, o.region))) return undefined;
  if (candidates.length === 0) return { why: "", fix: "" };
  const which = candidates.map((s) => `${s.address} statement ${s.sid} (${s.conditions.join("; ")})`).join(", ");
  return { why: `its only Allow holds under conditions the review cannot confirm hold for the task role: ${which}`, fix: "" };
}

/**
 * True when the key policy lets the task role's IAM policies decide `Decrypt`: an Allow of it (for
 * this account's root, which delegates to IAM, as AWS's default key policy does, or for the role)
 * with no condition the review cannot confirm. A key's policy must allow a use for any IAM policy to
 * grant it (AWS KMS Developer Guide, "Key policies in AWS KMS").
 */
function keyPolicyAdmits(index: ResourceIndex, keyPolicy: readonly IamStatement[], key: Target, isRole: (value: string) => boolean, o: DenyListOptions): boolean {
  const account = /^\d{12}$/.test(o.accountId) ? o.accountId : "\\d{12}";
  const root = new RegExp(`^(?:${account}|arn:aws[\\w-]*:iam::${account}:root)$`);
  return keyPolicy.some(
    (s) =>
      s.effect === "Allow" &&
      !s.notPrincipal &&
      coversAction(s, DECRYPT) &&
      reaches(index, s, key, "surely") &&
      s.principals.some((p) => p === "*" || p === "AWS:*" || (p.startsWith("AWS:") && (root.test(p.slice(4)) || isRole(p.slice(4))))) &&
      allowHolds(s, DECRYPT, o.region),
  );
}

/** Identity statements that apply to `role`: its inline policies, role policies naming it, and managed policies of the plan attached to it. */
function roleStatements(index: ResourceIndex, statements: readonly IamStatement[], role: PlannedResource): IamStatement[] {
  const holders = new Set([
    role.address,
    ...index.ofType("aws_iam_role_policy").filter((p) => index.refersTo(p.values.role, role)).map((p) => p.address),
    ...index
      .ofType("aws_iam_role_policy_attachment")
      .filter((a) => index.refersTo(a.values.role, role))
      .map((a) => index.resolve(a.values.policy_arn ?? null, "aws_iam_policy")?.address)
      .filter((a): a is string => a !== undefined),
  ]);
  return statements.filter((s) => s.kind === "identity" && holders.has(s.address));
}

/** Resource-policy statements of `target`: its own `policy` and those of `policyType` resources pointing at it through `attribute`. */
function resourcePolicy(index: ResourceIndex, statements: readonly IamStatement[], target: PlannedResource, policyType: string, attribute: string): IamStatement[] {
  const holders = new Set([target.address, ...index.ofType(policyType).filter((p) => index.refersTo(p.values[attribute], target)).map((p) => p.address)]);
  return statements.filter((s) => s.kind === "resource" && holders.has(s.address));
}

/** Violations of `deny-list-unwired`. */
export function denyListViolations(index: ResourceIndex, statements: readonly IamStatement[], containers: readonly ContainerRow[], o: DenyListOptions): Violation[] {
  const out: Violation[] = [];
  const v = AUTHORIZER_VARIABLES;
  for (const c of containers) {
    if (c.environment[v.jwksSecretArn] === undefined && c.environment[v.jwksFile] === undefined) continue;
    const add = (message: string) => out.push({ rule: "deny-list-unwired", address: c.taskDefinition, subject: c.name, message: `container ${c.name}: ${message}` });
    const arn = c.environment[v.denyListSecretArn];
    if (arn === undefined || arn === "") {
      add(
        c.environment[v.denyListFile] === undefined
          ? `no deny list (${v.denyListSecretArn}), so no token can be revoked; pass the DenyList secret (modules/deny-list) as the authorizer's denyListSecretArn`
          : `its deny list is ${v.denyListFile}, which only a new image can change; pass the DenyList secret (modules/deny-list) as the authorizer's denyListSecretArn`,
      );
      continue;
    }
    const secret = index.resolve(arn, "aws_secretsmanager_secret");
    const outside = secret === undefined ? parseSecretArn(arn) : undefined;
    if (secret === undefined && outside === undefined) {
      add(`${v.denyListSecretArn}=${display(arn)} is neither a secret of this plan nor a Secrets Manager secret ARN (${SECRET_ARN_FORMAT}), so the review cannot confirm the task role can read it; pass the DenyList secret (modules/deny-list) as the authorizer's denyListSecretArn`);
      continue;
    }
    const task = index.ofType("aws_ecs_task_definition").find((t) => t.address === c.taskDefinition);
    const role = task === undefined ? undefined : index.resolve(task.values.task_role_arn, "aws_iam_role");
    // A role outside the plan cannot be checked here (task-role-s3-outside-buckets names an outside role).
    if (role === undefined) continue;
    const granted = roleStatements(index, statements, role);
    const target: Target = secret === undefined ? { arn } : { arn: plannedArn(secret, o), resource: secret };
    const secretLabel = secret?.address ?? arn;
    const secretPolicy = secret === undefined ? [] : resourcePolicy(index, statements, secret, "aws_secretsmanager_secret_policy", "secret_arn");
    // A secret outside the plan counts as readable only when an Allow names it (exactly or by a pattern), not by Resource "*" alone.
    const read = blocked(index, READ, target, granted, [...granted, ...secretPolicy], role, o, secret === undefined);
    if (read !== undefined) {
      const fix = read.fix || (secret === undefined ? `allow ${READ} on ${arn} to the task role by its ARN (Resource "*" alone is not taken for a secret outside this plan)` : `allow ${READ} on the secret to the task role`);
      add(`task role ${role.address} may not ${READ} on its deny list ${secretLabel} (${v.denyListSecretArn})${read.why ? `: ${read.why}` : ""}, so the authorizer cannot load it and refuses every check; ${fix}`);
    }
    // The key of a secret outside the plan is not known here; a secret without kms_key_id uses aws/secretsmanager, which grants through the secret.
    const key = secret === undefined ? undefined : index.resolve(secret.values.kms_key_id, "aws_kms_key");
    if (secret === undefined || key === undefined) continue;
    const keyTarget: Target = { arn: plannedArn(key, o), resource: key };
    const keyPolicy = resourcePolicy(index, statements, key, "aws_kms_key_policy", "key_id");
    const decrypt = blocked(index, DECRYPT, keyTarget, granted, [...granted, ...keyPolicy], role, o, false);
    const policyHolder = keyPolicy.find((s) => s.address !== key.address)?.address ?? key.address;
    if (decrypt === undefined && keyPolicy.length > 0 && !keyPolicyAdmits(index, keyPolicy, keyTarget, roleMatcher(index, role, o.accountId).is, o)) {
      add(`the key policy (${policyHolder}) of ${key.address}, the key of its deny list ${secret.address}, allows ${DECRYPT} neither to this account's root (which lets IAM policies grant it) nor to task role ${role.address}, so the role's Allow has no effect; keep AWS's default statement (kms:* for arn:aws:iam::${o.accountId || "<account>"}:root) or allow ${DECRYPT} to the task role`);
    }
    if (decrypt !== undefined) {
      const fix = decrypt.fix || `allow ${DECRYPT} on the key with StringEquals kms:ViaService = secretsmanager.${o.region ?? "<region>"}.amazonaws.com`;
      add(`task role ${role.address} may not ${DECRYPT} with ${key.address}, the key of its deny list ${secret.address} (${display(secret.values.name)})${decrypt.why ? `: ${decrypt.why}` : ""}; ${fix}`);
    }
  }
  return out;
}
