/**
 * Who may invoke the token issuer: the Lambda functions that serve a Function URL, the resource
 * permissions (`aws_lambda_permission`) on them and the identity statements that allow invoking
 * them, as one table; and the rule that no permission opens them to `*` or to a principal outside
 * the environment's configured invokers. Pure.
 */
import { coversAction, functionsWithUrls, namesFunction, roleArn } from "./private-key";
import type { IamStatement } from "./iam";
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

/** Every grant to invoke a function that serves a Function URL. */
export function issuerInvokers(index: ResourceIndex, statements: readonly IamStatement[]): InvokerRow[] {
  const rows: InvokerRow[] = [];
  for (const fn of functionsWithUrls(index)) {
    for (const p of index.ofType("aws_lambda_permission").filter((x) => namesFunction(index, x.values.function_name, fn))) {
      const narrowing = [
        ...(typeof p.values.source_account === "string" ? [`source_account=${p.values.source_account}`] : []),
        ...(typeof p.values.principal_org_id === "string" ? [`principal_org_id=${p.values.principal_org_id}`] : []),
        ...(typeof p.values.source_arn === "string" ? [`source_arn=${display(p.values.source_arn)}`] : []),
        ...(typeof p.values.function_url_auth_type === "string" ? [`function_url_auth_type=${p.values.function_url_auth_type}`] : []),
      ];
      rows.push({ function: functionLabel(fn), principal: display(p.values.principal), action: stringAt(p.values, "action") ?? "-", source: p.address, conditions: narrowing.join(" ") || "-", kind: "permission" });
    }
    for (const stack of index.ofType("aws_cloudformation_stack")) {
      for (const [logical, p] of cloudFormationPermissions(stack.values.template_body)) {
        if (!namesFunction(index, p.FunctionName, fn)) continue;
        const narrowing = [...(p.InvokedViaFunctionUrl === true ? ["InvokedViaFunctionUrl=true"] : []), ...(typeof p.SourceAccount === "string" ? [`SourceAccount=${p.SourceAccount}`] : []), ...(typeof p.FunctionUrlAuthType === "string" ? [`FunctionUrlAuthType=${p.FunctionUrlAuthType}`] : [])];
        rows.push({ function: functionLabel(fn), principal: typeof p.Principal === "string" ? p.Principal : display(p.Principal as never), action: typeof p.Action === "string" ? p.Action : "-", source: `${stack.address} ${logical}`, conditions: narrowing.join(" ") || "-", kind: "permission" });
      }
    }
    for (const s of statements.filter((x) => x.kind === "identity" && x.effect === "Allow" && !x.notResource)) {
      const action = INVOKE_ACTIONS.find((a) => coversAction(s, a));
      if (action === undefined || !s.resources.some((r) => reachesFunction(index, r, fn))) continue;
      const pattern = s.notAction ? `NotAction ${s.actions.join(", ")}` : s.actions.filter((a) => coversAction({ actions: [a], notAction: false }, action)).join(", ");
      rows.push({ function: functionLabel(fn), principal: attachedTo(index, s), action: pattern, source: `${s.address} ${s.sid}`, conditions: s.conditions.join("; ") || "-", kind: "identity" });
    }
  }
  return rows;
}

/** `arn:aws:iam::1:role/x` -> `iam::1:role/x`: the same principal in any partition. */
const withoutPartition = (arn: string) => arn.replace(/^arn:aws[\w-]*:/, "");

/** Violations of `issuer-invokers`: a permission on the issuer to `*`, or to a principal the config does not list. */
export function issuerViolations(index: ResourceIndex, rows: readonly InvokerRow[], invokers: readonly string[], accountId: string): Violation[] {
  const allowed = new Set(invokers.map(withoutPartition));
  const listed = invokers.length ? invokers.join(", ") : "none";
  return rows
    .filter((r) => r.kind === "permission")
    .flatMap((r): Violation[] => {
      const permission = index.live().find((p) => p.address === r.source);
      const raw = permission === undefined ? r.principal : (stringAt(permission.values, "principal") ?? r.principal);
      const where = permission === undefined ? `${r.source} (AWS::Lambda::Permission)` : r.source;
      if (raw === "*") {
        return [{ rule: "issuer-invokers", address: r.source.split(" ")[0]!, subject: "principal", message: `permission ${where} lets any principal (*) call ${r.action} on issuer ${r.function}${permission?.values.principal_org_id ? " (narrowed only to an organisation)" : ""}; name one role of the config's issuer.invokers as principal` }];
      }
      const resolved = raw.startsWith("${") ? roleArn(index, raw, accountId) : raw;
      if (resolved !== undefined && allowed.has(withoutPartition(resolved))) return [];
      const shown = resolved === undefined || resolved === raw ? display(raw) : `${display(raw)} (${resolved})`;
      return [{ rule: "issuer-invokers", address: r.source.split(" ")[0]!, subject: "principal", message: `permission ${where} lets ${shown} call ${r.action} on issuer ${r.function}, but the config's issuer.invokers lists ${listed}; add the principal to issuer.invokers in config/<env>.ts or remove the permission` }];
    });
}
