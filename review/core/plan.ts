/**
 * `terraform show -json <planfile>` read into what the review needs: every managed resource with its
 * planned actions and a view of its values in which attributes unknown until apply are filled from
 * the configuration (CDKTF writes interpolations as strings, so an unknown policy still shows its
 * statements, with `${aws_kms_key.x.arn}` where the ARN will go). Pure: takes parsed JSON.
 */

/** Terraform's change actions, as `terraform show -json` lists them. */
export type ChangeAction = "no-op" | "create" | "read" | "update" | "delete";

/** What happens to a resource, in the words of the report. */
export type ChangeKind = "create" | "update" | "replace" | "destroy" | "no-op";

/** What the review shows for a value unknown until apply that the configuration does not set either. */
export const UNKNOWN = "(known after apply)";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** One managed resource of a plan. */
export interface PlannedResource {
  /** Full address, e.g. `aws_iam_role.access-policy_task-role_436784ED` or `module.a.aws_vpc.b[0]`. */
  readonly address: string;
  /** Resource type, e.g. `aws_iam_role`. */
  readonly type: string;
  /** What the plan does to it. */
  readonly change: ChangeKind;
  /** Terraform's own actions list, e.g. `["delete","create"]`. */
  readonly actions: readonly ChangeAction[];
  /** Values after apply, unknown ones taken from the configuration; for a destroy, the values before. */
  readonly values: JsonObject;
  /** Values before apply (`{}` for a create). */
  readonly before: JsonObject;
  /** Attributes whose change forces the replacement, as Terraform reports them. */
  readonly replacePaths: readonly string[];
}

/** A plan read by `parsePlan`. */
export interface Plan {
  /** Managed resources (data sources left out), in the plan's order. */
  readonly resources: readonly PlannedResource[];
  /** Terraform version that wrote the plan. */
  readonly terraformVersion: string;
}

/** The input is not a `terraform show -json` plan; the message says what is wrong and what to pass. */
export class PlanError extends Error {
  override readonly name = "PlanError";
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** An attribute expression of `configuration`: a constant and/or the references it is built from. */
function isExpression(v: unknown): v is { constant_value?: Json; references?: string[] } {
  return isObject(v) && Object.keys(v).length > 0 && Object.keys(v).every((k) => k === "constant_value" || k === "references");
}

/**
 * The value of a configuration expression: its constant (CDKTF's interpolated strings included), else
 * `${first reference}` so the reader sees what it points at; blocks are read attribute by attribute.
 */
function fromExpression(expr: unknown): Json {
  if (isExpression(expr)) {
    if (expr.constant_value !== undefined) return expr.constant_value;
    const ref = expr.references?.[0];
    return ref === undefined ? null : `\${${ref}}`;
  }
  if (Array.isArray(expr)) return expr.map(fromExpression);
  if (isObject(expr)) return Object.fromEntries(Object.entries(expr).map(([k, v]) => [k, fromExpression(v)]));
  return null;
}

/** The expression of element `key` of a list or map expression (a constant is split into its parts). */
function subExpression(expr: unknown, key: string | number): unknown {
  if (isExpression(expr)) {
    const c = expr.constant_value;
    if (Array.isArray(c) && typeof key === "number") return c[key] === undefined ? undefined : { constant_value: c[key] };
    if (isObject(c) && typeof key === "string") return c[key] === undefined ? undefined : { constant_value: c[key] };
    return undefined;
  }
  if (Array.isArray(expr)) return typeof key === "number" ? expr[key] : undefined;
  if (isObject(expr)) return typeof key === "string" ? expr[key] : undefined;
  return undefined;
}

/** `after` with every attribute `after_unknown` marks replaced by the configuration's expression. */
function fillUnknown(after: unknown, unknown: unknown, expr: unknown): Json {
  if (unknown === true) return expr === undefined ? UNKNOWN : fromExpression(expr);
  if (Array.isArray(unknown)) {
    const list = Array.isArray(after) ? after : [];
    const length = Math.max(list.length, unknown.length);
    return Array.from({ length }, (_, i) => fillUnknown(list[i], unknown[i], subExpression(expr, i)));
  }
  if (isObject(unknown)) {
    const obj = isObject(after) ? after : {};
    const keys = new Set([...Object.keys(obj), ...Object.keys(unknown)]);
    return Object.fromEntries([...keys].map((k) => [k, fillUnknown(obj[k], unknown[k], subExpression(expr, k))]));
  }
  return (after ?? null) as Json;
}

/** Configuration resources by address without instance keys (`aws_x.y`, `module.m.aws_x.y`). */
function configResources(configuration: unknown): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const walk = (module: unknown, prefix: string) => {
    if (!isObject(module)) return;
    for (const r of Array.isArray(module.resources) ? module.resources : []) {
      if (isObject(r) && typeof r.address === "string" && isObject(r.expressions)) out.set(prefix + r.address, r.expressions);
    }
    if (isObject(module.module_calls)) {
      for (const [name, call] of Object.entries(module.module_calls)) {
        if (isObject(call)) walk(call.module, `${prefix}module.${name}.`);
      }
    }
  };
  if (isObject(configuration)) walk(configuration.root_module, "");
  return out;
}

/** `module.a["k"].aws_x.y[0]` -> `module.a.aws_x.y`: the configuration address of an instance. */
export function configAddress(address: string): string {
  return address.replace(/\[(?:"(?:[^"\\]|\\.)*"|\d+)\]/g, "");
}

function changeKind(actions: readonly string[]): ChangeKind {
  const key = actions.join(",");
  if (key === "create") return "create";
  if (key === "update") return "update";
  if (key === "delete") return "destroy";
  if (key === "delete,create" || key === "create,delete") return "replace";
  return "no-op";
}

const ACTIONS = new Set<string>(["no-op", "create", "read", "update", "delete"]);

/**
 * Reads a parsed `terraform show -json <planfile>` document. `source` names it in errors
 * (`--plan plan.json`). Throws a PlanError for anything else, e.g. `terraform show -json` of state.
 */
export function parsePlan(json: unknown, source: string): Plan {
  const hint = "pass the output of `terraform show -json <planfile>`";
  if (!isObject(json)) throw new PlanError(`${source}: not a JSON object; ${hint}`);
  if (typeof json.format_version !== "string") throw new PlanError(`${source}: no format_version; ${hint}`);
  if (json.errored === true) throw new PlanError(`${source}: the plan errored (errored=true); fix the plan errors and plan again`);
  const changes = json.resource_changes ?? [];
  if (!Array.isArray(changes)) throw new PlanError(`${source}: resource_changes is not a list; ${hint}`);
  if (json.resource_changes === undefined && !("planned_values" in json)) {
    throw new PlanError(`${source}: neither resource_changes nor planned_values; this looks like state, not a plan; ${hint}`);
  }
  const config = configResources(json.configuration);
  const resources: PlannedResource[] = [];
  changes.forEach((rc: unknown, i: number) => {
    const where = `${source}: resource_changes[${i}]`;
    if (!isObject(rc) || typeof rc.address !== "string" || typeof rc.type !== "string" || !isObject(rc.change)) {
      throw new PlanError(`${where} lacks address, type or change; ${hint}`);
    }
    if (rc.mode === "data") return;
    const actions = rc.change.actions;
    if (!Array.isArray(actions) || actions.length === 0 || !actions.every((a) => typeof a === "string" && ACTIONS.has(a))) {
      throw new PlanError(`${where} (${rc.address}): change.actions=${JSON.stringify(actions)} is not a list of ${[...ACTIONS].join("/")}`);
    }
    const before = isObject(rc.change.before) ? (rc.change.before as JsonObject) : {};
    const change = changeKind(actions as string[]);
    const expressions = config.get(configAddress(rc.address)) ?? {};
    const values =
      change === "destroy" ? before : (fillUnknown(rc.change.after ?? {}, rc.change.after_unknown ?? {}, expressions) as JsonObject);
    const replacePaths = Array.isArray(rc.change.replace_paths)
      ? rc.change.replace_paths.map((p) => (Array.isArray(p) ? p.join(".") : String(p)))
      : [];
    resources.push({ address: rc.address, type: rc.type, change, actions: actions as ChangeAction[], values: isObject(values) ? values : {}, before, replacePaths });
  });
  return { resources, terraformVersion: typeof json.terraform_version === "string" ? json.terraform_version : "unknown" };
}

/** The string at `path` of `values` (`["rule", 0, "sse_algorithm"]`), or undefined. */
export function stringAt(values: Json | undefined, ...path: (string | number)[]): string | undefined {
  const v = at(values, ...path);
  return typeof v === "string" ? v : undefined;
}

/** The value at `path`, or undefined; a one-element list of blocks is entered transparently by index 0. */
export function at(values: Json | undefined, ...path: (string | number)[]): Json | undefined {
  let cur: Json | undefined = values;
  for (const key of path) {
    if (cur === null || cur === undefined) return undefined;
    if (typeof key === "number") cur = Array.isArray(cur) ? cur[key] : undefined;
    else cur = isObject(cur) ? (cur as JsonObject)[key] : undefined;
  }
  return cur;
}

/** A list attribute as a list (a lone value becomes a one-element list, null an empty one). */
export function listAt(values: Json | undefined, ...path: (string | number)[]): Json[] {
  const v = at(values, ...path);
  if (v === null || v === undefined || v === UNKNOWN) return [];
  return Array.isArray(v) ? v : [v];
}

/** Reference `${aws_x.name.attr}` inside a value: the resource address it names, or undefined. */
export function referencedAddress(value: Json | undefined): string | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^\$\{((?:module\.[^.]+\.)*[a-z0-9_]+\.[^.}[\]]+(?:\[[^\]]+\])?)(?:\.[a-z0-9_]+)*\}$/.exec(value);
  return m?.[1];
}

/**
 * Finds the resource a value points at: a `${type.name.attr}` reference (unknown until apply) or, in
 * plans of existing infrastructure, a literal id, ARN or name equal to one of the resource's.
 */
export class ResourceIndex {
  private readonly byAddress = new Map<string, PlannedResource>();
  private readonly byLiteral = new Map<string, PlannedResource[]>();

  constructor(readonly resources: readonly PlannedResource[]) {
    for (const r of resources) {
      if (r.change === "destroy") continue;
      this.byAddress.set(r.address, r);
      this.byAddress.set(configAddress(r.address), r);
      for (const key of ["id", "arn", "name"]) {
        const v = r.values[key];
        if (typeof v === "string" && v !== "" && v !== UNKNOWN && !v.startsWith("${")) this.byLiteral.set(v, [...(this.byLiteral.get(v) ?? []), r]);
      }
    }
  }

  /** Resources still present after apply (destroyed ones left out). */
  live(): PlannedResource[] {
    return this.resources.filter((r) => r.change !== "destroy");
  }

  /** Live resources of `type`. */
  ofType(...types: string[]): PlannedResource[] {
    return this.live().filter((r) => types.includes(r.type));
  }

  /** The resource `value` names (of one of `types` when given). */
  resolve(value: Json | undefined, ...types: string[]): PlannedResource | undefined {
    const address = referencedAddress(value);
    const candidates = address !== undefined ? [this.byAddress.get(address)] : typeof value === "string" ? (this.byLiteral.get(value) ?? []) : [];
    return candidates.find((r): r is PlannedResource => r !== undefined && (types.length === 0 || types.includes(r.type)));
  }

  /** True when `value` names `target`. */
  refersTo(value: Json | undefined, target: PlannedResource): boolean {
    return this.resolve(value, target.type) === target;
  }
}
