/**
 * The private-key rule: a secret that a Lambda rotates (the token signing key) keeps its value from
 * every principal but its readers, through a Deny in its resource policy and the same Deny on its
 * KMS key. Checks what each Deny covers (principals, actions, resource, the exempted roles), not
 * only that one exists. Pure.
 */
import { AUTHORIZER_VARIABLES } from "../../src/contracts/authorizer-environment";
import { exemptedPrincipals } from "./conditions";
import { matchesIamPattern, type IamStatement } from "./iam";
import { display } from "./network";
import { stringAt, type Json, type PlannedResource, type ResourceIndex } from "./plan";
import type { Violation } from "./suppressions";

/** What the private key's Denies must cover: reading the value, and decrypting it. */
export const PRIVATE_KEY_SECRET_ACTION = "secretsmanager:GetSecretValue";
export const PRIVATE_KEY_KMS_ACTION = "kms:Decrypt";

/** True when an IAM action pattern list (or NotAction list) covers `action`. */
export function coversAction(s: Pick<IamStatement, "actions" | "notAction">, action: string): boolean {
  const matches = s.actions.some((pattern) => matchesIamPattern(pattern, action, "surely", true));
  return s.notAction ? !matches : matches;
}

/** The role each Lambda function of the plan runs as, by function address. */
/** The value of environment variable `name` of a planned Lambda function, as planned (a literal or a reference). */
function environmentVariable(fn: PlannedResource, name: string): Json | undefined {
  const environment = fn.values.environment;
  const block = Array.isArray(environment) ? environment[0] : environment;
  const variables = block !== null && typeof block === "object" && !Array.isArray(block) ? block.variables : undefined;
  return variables !== null && typeof variables === "object" && !Array.isArray(variables) ? variables[name] : undefined;
}

function functionRole(fn: PlannedResource | undefined): string | undefined {
  const role = fn === undefined ? undefined : stringAt(fn.values, "role");
  return role === undefined || role === "" ? undefined : role;
}

/** A role reference `${aws_iam_role.x.arn}` as the ARN it will have, when the plan knows the role's name. */
export function roleArn(index: ResourceIndex, value: string, accountId: string): string | undefined {
  const role = index.resolve(value, "aws_iam_role");
  const name = role === undefined ? undefined : stringAt(role.values, "name");
  if (role === undefined || name === undefined || name.startsWith("${") || !/^\d{12}$/.test(accountId)) return undefined;
  const path = stringAt(role.values, "path") ?? "/";
  return `arn:aws:iam::${accountId}:role${path.startsWith("/") ? path : `/${path}`}${name}`;
}

/** Lambda functions that serve a Function URL (a token issuer), matched by reference or name. */
export function functionsWithUrls(index: ResourceIndex): PlannedResource[] {
  const fns = index.ofType("aws_lambda_function");
  return fns.filter((fn) => index.ofType("aws_lambda_function_url").some((u) => namesFunction(index, u.values.function_name, fn)));
}

/** True when `value` (a function_name attribute) names `fn` by reference, name or ARN. */
export function namesFunction(index: ResourceIndex, value: unknown, fn: PlannedResource): boolean {
  if (typeof value !== "string" || value === "") return false;
  if (index.resolve(value, "aws_lambda_function") === fn) return true;
  const name = stringAt(fn.values, "function_name");
  return name !== undefined && !name.startsWith("${") && (value === name || value.endsWith(`:function:${name}`));
}

/** Statements of the resource policy of `target`: its own `policy` and those of the policy resources of `policyTypes` that point at it. */
function policyStatements(index: ResourceIndex, statements: readonly IamStatement[], target: PlannedResource, policyTypes: readonly string[], attribute: string): { statements: IamStatement[]; holders: string[] } {
  const holders = [target.address, ...index.ofType(...policyTypes).filter((p) => index.refersTo(p.values[attribute], target)).map((p) => p.address)];
  return { statements: statements.filter((s) => holders.includes(s.address) && s.kind === "resource"), holders: holders.slice(1) };
}

/** Why `s` does not deny `action` on the resource to everyone but `readers`, or undefined when it does. */
function denyProblem(index: ResourceIndex, target: PlannedResource, s: IamStatement, action: string, readers: ReadonlySet<string>, readerKinds: string): string | undefined {
  const form = exemptedPrincipals(s);
  if ("problem" in form) return form.problem;
  if (!coversAction(s, action)) return `it does not cover ${action} (actions: ${s.notAction ? "NotAction " : ""}${s.actions.join(", ")})`;
  if (s.notResource || !s.resources.every((r) => r === "*" || index.refersTo(r, target) || r === target.values.arn)) return `it covers only ${s.notResource ? "NotResource " : ""}${s.resources.map((r) => display(r)).join(", ")}, not the resource itself (Resource "*")`;
  const strangers = form.exempted.filter((p) => !readers.has(p) && !readers.has(p.replace(/^arn:aws[\w-]*:/, "arn:aws:")));
  if (strangers.length) return `it exempts ${strangers.map((p) => display(p)).join(", ")}, which ${strangers.length === 1 ? "is" : "are"} not a reader (${readerKinds})`;
  return undefined;
}

/**
 * Violations of `private-key-deny`: for each rotated secret, its resource policy and its KMS key's
 * policy must each hold a Deny that covers the value (GetSecretValue, Decrypt) for every principal
 * except the readers: the rotation Lambda's role, and the roles of functions serving a Function URL
 * (the issuer) — or, for the private binding keys (the secret the rotation function's binding
 * variable names), the task roles of ECS task definitions instead (the authorizers read those keys).
 */
export function privateKeyViolations(index: ResourceIndex, statements: readonly IamStatement[], accountId: string): Violation[] {
  const out: Violation[] = [];
  const add = (address: string, subject: string, message: string) => out.push({ rule: "private-key-deny", address, subject, message });
  const issuerRoles = functionsWithUrls(index).map(functionRole).filter((r): r is string => r !== undefined);
  const taskRoles = index.ofType("aws_ecs_task_definition").map((td) => stringAt(td.values, "task_role_arn")).filter((r): r is string => r !== undefined && r !== "");
  for (const rotation of index.ofType("aws_secretsmanager_secret_rotation")) {
    const secret = index.resolve(rotation.values.secret_id, "aws_secretsmanager_secret");
    if (secret === undefined) continue;
    const rotationFunction = index.resolve(rotation.values.rotation_lambda_arn, "aws_lambda_function");
    const rotator = functionRole(rotationFunction);
    // The private binding keys (named by the rotation function's binding variable) are read by the
    // gateway tasks; the signing key by the issuer. Neither secret may exempt the other's readers.
    const binding = rotationFunction !== undefined && index.refersTo(environmentVariable(rotationFunction, AUTHORIZER_VARIABLES.bindingKeysSecretArn), secret);
    // A role is named by reference (`${aws_iam_role.x.arn}`) or by the ARN it will have; either form exempts it.
    const readerRoles = [...(rotator === undefined ? [] : [rotator]), ...(binding ? taskRoles : issuerRoles)];
    const readers = new Set(readerRoles.flatMap((r) => [r, ...[roleArn(index, r, accountId)].filter((a): a is string => a !== undefined)]));
    const readerKinds = binding ? "the rotation Lambda's role or a gateway task's role" : `the rotation Lambda's role${issuerRoles.length > 0 ? " or the issuer's" : ""}`;
    const readerList = readerRoles.map((r) => display(r)).join(", ") || "its readers";

    const policy = policyStatements(index, statements, secret, ["aws_secretsmanager_secret_policy"], "secret_arn");
    const policyAddress = policy.holders[0] ?? secret.address;
    const secretDenies = policy.statements.filter((s) => s.effect === "Deny");
    if (policy.holders.length === 0 && policy.statements.length === 0) {
      add(secret.address, "aws_secretsmanager_secret_policy", `rotated secret ${secret.address} has no resource policy: every principal whose IAM policy allows ${PRIVATE_KEY_SECRET_ACTION} can read the signing key; add an aws_secretsmanager_secret_policy with a Deny of ${PRIVATE_KEY_SECRET_ACTION} to Principal "*" unless aws:PrincipalArn is ${readerList}`);
    } else if (!secretDenies.some((s) => denyProblem(index, secret, s, PRIVATE_KEY_SECRET_ACTION, readers, readerKinds) === undefined)) {
      const why = secretDenies.map((s) => `statement ${s.sid}: ${denyProblem(index, secret, s, PRIVATE_KEY_SECRET_ACTION, readers, readerKinds)!}`).join("; ") || "it has no Deny";
      add(policyAddress, "policy", `resource policy of rotated secret ${secret.address} does not keep the value from everyone but its readers (${why}); deny ${PRIVATE_KEY_SECRET_ACTION} to Principal "*" with StringNotEquals aws:PrincipalArn = ${readerList}`);
    }

    const key = index.resolve(secret.values.kms_key_id, "aws_kms_key");
    if (key === undefined) continue;
    const keyPolicy = policyStatements(index, statements, key, ["aws_kms_key_policy"], "key_id");
    const keyDenies = keyPolicy.statements.filter((s) => s.effect === "Deny");
    if (!keyDenies.some((s) => denyProblem(index, key, s, PRIVATE_KEY_KMS_ACTION, readers, readerKinds) === undefined)) {
      const why = keyDenies.map((s) => `statement ${s.sid}: ${denyProblem(index, key, s, PRIVATE_KEY_KMS_ACTION, readers, readerKinds)!}`).join("; ") || "it has no Deny";
      add(keyPolicy.holders[0] ?? key.address, "policy", `key policy of ${key.address}, the KMS key of rotated secret ${secret.address}, does not keep decryption from everyone but the readers (${why}); deny ${PRIVATE_KEY_KMS_ACTION} to Principal "*" with StringNotEquals aws:PrincipalArn = ${readerList}`);
    }
  }
  return out;
}
