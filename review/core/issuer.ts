/**
 * Who may invoke the token issuer: the Lambda functions that serve a Function URL, the resource
 * permissions on them (`aws_lambda_permission`, or `AWS::Lambda::Permission` in a CloudFormation
 * stack) and the identity statements that allow invoking them, as one table; and the rule that no
 * grant opens them to `*`, to a principal outside the environment's configured invokers, or to a
 * direct invoke that bypasses the Function URL. Pure.
 */
import { parseCondition } from "./conditions";
import { coversAction, functionsWithUrls, namesFunction, roleArn } from "./private-key";
import type { IamStatement } from "./iam";
import { lambdaPermissions, type LambdaPermission } from "./lambda-permissions";
import { display } from "./network";
import { stringAt, type PlannedResource, type ResourceIndex } from "./plan";
import type { Violation } from "./suppressions";

/** The actions that invoke a function: through its URL, or directly. */
export const INVOKE_ACTIONS: readonly string[] = ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"];

/** One grant that lets a principal invoke the issuer. */
export interface InvokerRow {
  /** The function's name (or address when its name is not known). */
  readonly function: string;
  /** Who: a principal as the permission names it, or the role an identity policy is attached to. */
  readonly principal: string;
  /** The action granted (`lambda:InvokeFunctionUrl`), or the pattern that covers it. */
  readonly action: string;
  /** Where the grant is: `<address>` of the permission, or `<address> <Sid>` of the statement. */
  readonly source: string;
  /** Conditions narrowing it: `source_account`, `principal_org_id`, `function_url_auth_type`, or the statement's conditions. */
  readonly conditions: string;
  /** Kind of grant. */
  readonly kind: "permission" | "identity";
  /**
   * True when the grant lets the principal call `lambda:InvokeFunction` directly, not only through
   * the Function URL (no `InvokedViaFunctionUrl`): the caller then writes the event, identity included.
   */
  readonly directInvoke: boolean;
}

const functionLabel = (fn: PlannedResource) => {
  const name = stringAt(fn.values, "function_name");
  return name !== undefined && !name.startsWith("${") ? name : fn.address;
};

/** The principal a role policy is attached to. */
function attachedTo(index: ResourceIndex, s: IamStatement): string {
  const holder = index.live().find((r) => r.address === s.address);
  if (holder === undefined) return s.address;
  if (holder.type === "aws_iam_role") return holder.address;
  const target = holder.values.role ?? holder.values.user ?? holder.values.group;
  if (target !== undefined) return display(target);
  return `roles with ${holder.address} attached`;
}

/** True when `resource` of an identity statement reaches `fn`. */
function reachesFunction(index: ResourceIndex, resource: string, fn: PlannedResource): boolean {
  if (resource === "*") return true;
  // `${aws_lambda_function.x.arn}`, or with a qualifier or `:*` after it.
  const ref = /^(\$\{[^}]+\})(?::.*)?$/.exec(resource);
  if (ref !== null && index.resolve(ref[1], "aws_lambda_function") === fn) return true;
  const name = stringAt(fn.values, "function_name");
  if (name === undefined) return false;
  const m = /^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(resource);
  return m !== null && new RegExp(`^${m[1]!.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(name);
}

/** The action that runs the function; under a Function URL it must hold only through the URL. */
const DIRECT_INVOKE_ACTION = "lambda:InvokeFunction";

/** The condition an identity statement sets to allow `lambda:InvokeFunction` only through the URL. */
const THROUGH_URL_CONDITION = "lambda:invokedviafunctionurl";

/** True when an identity statement's conditions confine it to calls through the Function URL. */
function onlyThroughUrl(s: IamStatement): boolean {
  return s.conditions.map(parseCondition).some((c) => c.operator.toLowerCase() === "bool" && c.key.toLowerCase() === THROUGH_URL_CONDITION && c.values.length > 0 && c.values.every((v) => v.toLowerCase() === "true"));
}

/** What narrows a permission, in its own setting names. */
function narrowing(p: LambdaPermission): string {
  const n = p.settings;
  return [
    ...(p.invokedViaFunctionUrl ? [`${n.invokedViaFunctionUrl}=true`] : []),
    ...(p.sourceAccount !== undefined ? [`${n.sourceAccount}=${p.sourceAccount}`] : []),
    ...(p.principalOrgId !== undefined ? [`${n.principalOrgId}=${p.principalOrgId}`] : []),
    ...(p.sourceArn !== undefined ? [`${n.sourceArn}=${display(p.sourceArn)}`] : []),
    ...(p.functionUrlAuthType !== undefined ? [`${n.functionUrlAuthType}=${p.functionUrlAuthType}`] : []),
  ].join(" ");
}

/** Every grant to invoke a function that serves a Function URL. */
export function issuerInvokers(index: ResourceIndex, statements: readonly IamStatement[]): InvokerRow[] {
  const rows: InvokerRow[] = [];
  const permissions = lambdaPermissions(index);
  for (const fn of functionsWithUrls(index)) {
    for (const p of permissions.filter((x) => namesFunction(index, x.functionName, fn))) {
      const direct = p.action !== "-" && coversAction({ actions: [p.action], notAction: false }, DIRECT_INVOKE_ACTION) && !p.invokedViaFunctionUrl;
      rows.push({ function: functionLabel(fn), principal: display(p.principal), action: p.action, source: p.source, conditions: narrowing(p) || "-", kind: "permission", directInvoke: direct });
    }
    for (const s of statements.filter((x) => x.kind === "identity" && x.effect === "Allow" && !x.notResource)) {
      if (!INVOKE_ACTIONS.some((a) => coversAction(s, a)) || !s.resources.some((r) => reachesFunction(index, r, fn))) continue;
      const pattern = s.notAction ? `NotAction ${s.actions.join(", ")}` : s.actions.filter((a) => INVOKE_ACTIONS.some((wanted) => coversAction({ actions: [a], notAction: false }, wanted))).join(", ");
      const direct = coversAction(s, DIRECT_INVOKE_ACTION) && !onlyThroughUrl(s);
      rows.push({ function: functionLabel(fn), principal: attachedTo(index, s), action: pattern, source: `${s.address} ${s.sid}`, conditions: s.conditions.join("; ") || "-", kind: "identity", directInvoke: direct });
    }
  }
  return rows;
}

/** `arn:aws:iam::1:role/x` -> `iam::1:role/x`: the same principal in any partition. */
const withoutPartition = (arn: string) => arn.replace(/^arn:aws[\w-]*:/, "");

/** Why a direct invoke of the issuer is a hole, and how to close it, for messages. */
const DIRECT_INVOKE_RISK =
  "the caller can invoke the function directly (Invoke API, not the Function URL) with an event it writes itself, and the issuer takes the caller's identity from the event (requestContext.authorizer.iam.userArn), so the caller chooses whose token it gets";

/**
 * Violations of `issuer-invokers`: a permission on the issuer to `*` or to a principal the config
 * does not list, and any grant of `lambda:InvokeFunction` on it (permission or identity statement)
 * that holds outside calls through the Function URL.
 */
export function issuerViolations(index: ResourceIndex, rows: readonly InvokerRow[], invokers: readonly string[], accountId: string): Violation[] {
  const allowed = new Set(invokers.map(withoutPartition));
  const listed = invokers.length ? invokers.join(", ") : "none";
  const permissions = new Map(lambdaPermissions(index).map((p) => [p.source, p]));
  return rows.flatMap((r): Violation[] => {
    const address = r.source.split(" ")[0]!;
    if (r.kind === "identity") {
      if (!r.directInvoke) return [];
      const sid = r.source.slice(address.length + 1);
      return [{ rule: "issuer-invokers", address, subject: sid, message: `identity statement ${r.source} allows ${r.principal} ${r.action} on issuer ${r.function} without the condition Bool lambda:InvokedViaFunctionUrl = true: ${DIRECT_INVOKE_RISK}; add that condition to the statement, or allow only lambda:InvokeFunctionUrl` }];
    }
    const p = permissions.get(r.source);
    const raw = p?.principal ?? r.principal;
    const where = p?.label ?? r.source;
    const out: Violation[] = [];
    if (raw === "*") {
      out.push({ rule: "issuer-invokers", address, subject: "principal", message: `permission ${where} lets any principal (*) call ${r.action} on issuer ${r.function}${p?.principalOrgId !== undefined ? " (narrowed only to an organisation)" : ""}; name one role of the config's issuer.invokers as principal` });
    } else {
      const resolved = raw.startsWith("${") ? roleArn(index, raw, accountId) : raw;
      if (resolved === undefined || !allowed.has(withoutPartition(resolved))) {
        const shown = resolved === undefined || resolved === raw ? display(raw) : `${display(raw)} (${resolved})`;
        out.push({ rule: "issuer-invokers", address, subject: "principal", message: `permission ${where} lets ${shown} call ${r.action} on issuer ${r.function}, but the config's issuer.invokers lists ${listed}; add the principal to issuer.invokers in config/<env>.ts or remove the permission` });
      }
    }
    if (r.directInvoke) {
      const setting = p?.settings.invokedViaFunctionUrl ?? "invoked_via_function_url";
      const fix = p?.settings.invokedViaFunctionUrl === "InvokedViaFunctionUrl" ? "set InvokedViaFunctionUrl: true on the AWS::Lambda::Permission" : "set invoked_via_function_url = true (aws provider 6.x), or grant it as an AWS::Lambda::Permission with InvokedViaFunctionUrl: true in CloudFormation as modules/issuer does";
      out.push({ rule: "issuer-invokers", address, subject: setting, message: `permission ${where} grants ${display(raw)} ${r.action} on issuer ${r.function} without ${setting} = true: ${DIRECT_INVOKE_RISK}; ${fix} (listing the principal in issuer.invokers does not close this)` });
    }
    return out;
  });
}
