/**
 * The deny-list rule: every authorizer container of the plan (one told a JWKS) is told a deny-list
 * secret (RAJEE_DENY_LIST_SECRET_ARN), and the task role it runs as may read that secret and decrypt
 * it through its KMS key, so a deployed gateway can revoke a token (docs/security.md, "A revoked
 * token keeps working"). Who else may read it is `secret-policy-open`'s business. Pure.
 */
import { AUTHORIZER_VARIABLES } from "../../src/contracts/authorizer-environment";
import type { ContainerRow } from "./containers";
import type { IamStatement } from "./iam";
import { display } from "./network";
import type { PlannedResource, ResourceIndex } from "./plan";
import { coversAction } from "./private-key";
import type { Violation } from "./suppressions";

/** What the task role needs to use the deny list: read the secret, decrypt it. */
const READ = "secretsmanager:GetSecretValue";
const DECRYPT = "kms:Decrypt";

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

/** True when `s` names `target` among its resources (by reference, by its ARN, or `*`). */
function reaches(index: ResourceIndex, s: IamStatement, target: PlannedResource): boolean {
  if (s.notResource) return !s.resources.some((r) => index.refersTo(r, target) || r === target.values.arn);
  return s.resources.some((r) => r === "*" || index.refersTo(r, target) || (typeof target.values.arn === "string" && r === target.values.arn));
}

/** True when the statements allow `action` on `target` and no Deny among them takes it back. */
function allows(index: ResourceIndex, statements: readonly IamStatement[], action: string, target: PlannedResource): boolean {
  const on = statements.filter((s) => coversAction(s, action) && reaches(index, s, target));
  return on.some((s) => s.effect === "Allow") && !on.some((s) => s.effect === "Deny" && s.conditions.length === 0);
}

/** Violations of `deny-list-unwired`. */
export function denyListViolations(index: ResourceIndex, statements: readonly IamStatement[], containers: readonly ContainerRow[]): Violation[] {
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
    const task = index.ofType("aws_ecs_task_definition").find((t) => t.address === c.taskDefinition);
    const role = task === undefined ? undefined : index.resolve(task.values.task_role_arn, "aws_iam_role");
    // A secret or role outside the plan cannot be checked here (task-role-s3-outside-buckets names an outside role).
    if (secret === undefined || role === undefined) continue;
    const granted = roleStatements(index, statements, role);
    if (!allows(index, granted, READ, secret)) {
      add(`task role ${role.address} may not ${READ} on its deny list ${secret.address} (${v.denyListSecretArn}), so the authorizer cannot load it and refuses every check; allow ${READ} on the secret to the task role`);
    }
    const key = index.resolve(secret.values.kms_key_id, "aws_kms_key");
    if (key !== undefined && !allows(index, granted, DECRYPT, key)) {
      add(`task role ${role.address} may not ${DECRYPT} with ${key.address}, the key of its deny list ${secret.address} (${display(secret.values.name)}); allow ${DECRYPT} on the key with StringEquals kms:ViaService = secretsmanager.<region>.amazonaws.com`);
    }
  }
  return out;
}
