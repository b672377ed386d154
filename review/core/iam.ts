import { at, type Json, type JsonObject, type PlannedResource } from "./plan";

/** Whose permissions a policy document sets. */
export type PolicyKind =
  /** Permissions of a role, user or group (`aws_iam_role_policy`, `aws_iam_policy`, inline policies). */
  | "identity"
  /** Who may assume a role (`assume_role_policy`). */
  | "trust"
  /** Who may use a resource (key, bucket, secret, topic policies). */
  | "resource";

/** One statement of a policy document in the plan. */
export interface IamStatement {
  /** Address of the resource holding the policy. */
  readonly address: string;
  /** Attribute holding the document: `policy`, `assume_role_policy`, `inline_policy[0].policy`. */
  readonly attribute: string;
  readonly kind: PolicyKind;
  /** The statement's Sid, or `#<index>` when it has none. */
  readonly sid: string;
  readonly effect: "Allow" | "Deny";
  /** `AWS:arn:aws:iam::1:root`, `Service:logs.amazonaws.com`, `*`; empty for identity policies. */
  readonly principals: readonly string[];
  /** True when the statement lists NotPrincipal instead of Principal. */
  readonly notPrincipal: boolean;
  readonly actions: readonly string[];
  /** True when the statement lists NotAction: it allows or denies everything except `actions`. */
  readonly notAction: boolean;
  readonly resources: readonly string[];
  /** True when the statement lists NotResource. */
  readonly notResource: boolean;
  /** `StringEquals kms:ViaService=secretsmanager.eu-west-1.amazonaws.com`, one per condition key. */
  readonly conditions: readonly string[];
  /** What is flagged: `action kms:*`, `resource *`, `principal *`, `NotAction`. */
  readonly wildcards: readonly string[];
  /** Why the statement's wildcards are harmless, when it is recognised as a known-benign form (benign.ts). */
  readonly benign?: string;
}

/** A policy whose document is not readable before apply (e.g. built by a data source). */
export interface UnresolvedPolicy {
  readonly address: string;
  readonly attribute: string;
  readonly kind: PolicyKind;
  /** What the plan shows instead of a document. */
  readonly value: string;
}

/** Identity-policy resource types: their `policy` grants permissions to a principal of this account. */
export const IDENTITY_POLICY_TYPES: readonly string[] = ["aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy"];

/** Attributes that hold an IAM policy document (besides `inline_policy[].policy`). */
const POLICY_ATTRIBUTES: readonly string[] = ["policy", "assume_role_policy", "access_policies"];

const asList = (v: unknown): string[] => (v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map((x) => (typeof x === "string" ? x : JSON.stringify(x))));

function principals(p: unknown): string[] {
  if (p === undefined || p === null) return [];
  if (typeof p === "string") return [p];
  if (typeof p === "object" && !Array.isArray(p)) {
    return Object.entries(p as Record<string, unknown>).flatMap(([kind, ids]) => asList(ids).map((id) => `${kind}:${id}`));
  }
  return [JSON.stringify(p)];
}

function conditions(c: unknown): string[] {
  if (typeof c !== "object" || c === null || Array.isArray(c)) return [];
  return Object.entries(c as Record<string, unknown>).flatMap(([operator, keys]) =>
    typeof keys === "object" && keys !== null && !Array.isArray(keys)
      ? Object.entries(keys as Record<string, unknown>).map(([key, values]) => `${operator} ${key}=${asList(values).join(",")}`)
      : [`${operator} ${JSON.stringify(keys)}`],
  );
}

/** True when an IAM action pattern or ARN contains a wildcard (`*` or `?`). */
export function hasWildcard(value: string): boolean {
  return value.includes("*") || value.includes("?");
}

function statementsOf(address: string, attribute: string, kind: PolicyKind, document: unknown): IamStatement[] | undefined {
  if (typeof document !== "object" || document === null || Array.isArray(document)) return undefined;
  const raw = (document as Record<string, unknown>).Statement;
  if (raw === undefined) return undefined;
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((s: unknown, i): IamStatement => {
    const st = (typeof s === "object" && s !== null ? s : {}) as Record<string, unknown>;
    const notAction = st.NotAction !== undefined;
    const notResource = st.NotResource !== undefined;
    const notPrincipal = st.NotPrincipal !== undefined;
    const actions = asList(notAction ? st.NotAction : st.Action);
    const resources = asList(notResource ? st.NotResource : st.Resource);
    const who = principals(notPrincipal ? st.NotPrincipal : st.Principal);
    const wildcards = [
      ...(notAction ? ["NotAction"] : []),
      ...actions.filter(hasWildcard).map((a) => `action ${a}`),
      ...(notResource ? ["NotResource"] : []),
      ...resources.filter((r) => r === "*").map(() => "resource *"),
      ...(notPrincipal ? ["NotPrincipal"] : []),
      ...who.filter((p) => p === "*" || p.endsWith(":*")).map((p) => `principal ${p}`),
    ];
    return {
      address,
      attribute,
      kind,
      sid: typeof st.Sid === "string" && st.Sid !== "" ? st.Sid : `#${i}`,
      effect: st.Effect === "Deny" ? "Deny" : "Allow",
      principals: who,
      notPrincipal,
      actions,
      notAction,
      resources,
      notResource,
      conditions: conditions(st.Condition),
      wildcards,
    };
  });
}

function kindOf(resource: PlannedResource, attribute: string): PolicyKind {
  if (attribute === "assume_role_policy") return "trust";
  if (IDENTITY_POLICY_TYPES.includes(resource.type) || attribute.startsWith("inline_policy")) return "identity";
  return "resource";
}

/** A JSON policy document in a string attribute, or why it cannot be read. */
function readDocument(value: string): { document: unknown } | { unresolved: string } {
  try {
    return { document: JSON.parse(value) };
  } catch {
    return { unresolved: value };
  }
}

/**
 * Every policy document of `resource`: its `policy`, `assume_role_policy` or `access_policies`
 * attribute and the `policy` of its `inline_policy` blocks (aws_iam_role).
 */
export function policiesOf(resource: PlannedResource): { statements: IamStatement[]; unresolved: UnresolvedPolicy[] } {
  const statements: IamStatement[] = [];
  const unresolved: UnresolvedPolicy[] = [];
  const consider = (attribute: string, value: Json | undefined) => {
    if (typeof value !== "string" || value === "") return;
    const kind = kindOf(resource, attribute);
    const read = readDocument(value);
    if ("unresolved" in read) {
      // Not JSON: a data source's output or another resource's attribute, readable only after apply.
      // ("(known after apply)" with nothing configured is a computed default, not a policy of ours.)
      if (read.unresolved.startsWith("${")) {
        unresolved.push({ address: resource.address, attribute, kind, value: read.unresolved });
      }
      return;
    }
    const found = statementsOf(resource.address, attribute, kind, read.document);
    if (found) statements.push(...found);
  };
  for (const key of POLICY_ATTRIBUTES) consider(key, resource.values[key]);
  const inline = at(resource.values, "inline_policy");
  if (Array.isArray(inline)) inline.forEach((block, i) => consider(`inline_policy[${i}].policy`, at(block as JsonObject, "policy")));
  return { statements, unresolved };
}

/** Part of a value not known before apply, never holding a `:` (it lies inside one ARN field): `char` is exactly one unknown character, `run` any text (a region, an account, an id). */
export interface UnknownPart {
  readonly unknown: "char" | "run";
}

/** A value as the plan knows it: literal text and the parts filled in only at apply. */
export type PlannedValue = readonly (string | UnknownPart)[];

/**
 * True when IAM pattern `pattern` (`*` any run of characters, across a colon only as the last
 * character of an ARN field; `?` any one character) matches `value` (IAM JSON policy elements:
 * Resource, "Using wildcards in resource ARNs",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html). A value with unknown parts matches
 * `surely` when every value it may become matches, `possibly` when one may; a plain string is one
 * value either way. Actions compare without case (`ignoreCase`), ARNs exactly.
 */
export function matchesIamPattern(pattern: string, value: string | PlannedValue, how: "surely" | "possibly" = "surely", ignoreCase = false): boolean {
  const fold = (t: string) => (ignoreCase ? t.toLowerCase() : t);
  const p = [...fold(pattern)];
  // One token per character; an unknown part is one token.
  const v = (typeof value === "string" ? [value] : value).flatMap((part): (string | UnknownPart)[] => (typeof part === "string" ? [...fold(part)] : [part]));
  const seen = new Map<number, boolean>();
  const match = (i: number, j: number): boolean => {
    const key = i * (v.length + 1) + j;
    const known = seen.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === p.length && j === v.length) result = true;
    else if (i < p.length && p[i] === "*") {
      // A `*` spans a colon only as the last character of its field.
      const spansColon = i + 1 === p.length || p[i + 1] === ":";
      result = match(i + 1, j) || (j < v.length && (spansColon || v[j] !== ":") && match(i, j + 1));
    }
    else if (j < v.length && typeof v[j] !== "string") {
      const part = v[j] as UnknownPart;
      if (how === "surely") {
        // Only what matches anything may stand for an unknown part: `?` for one character (a `*` is handled above).
        result = part.unknown === "char" && i < p.length && p[i] === "?" && match(i + 1, j + 1);
      } else {
        // It may be the very text the pattern wants: one character of it, or (a run) any stretch of it.
        result = part.unknown === "char" ? i < p.length && p[i] !== ":" && match(i + 1, j + 1) : match(i, j + 1) || (i < p.length && p[i] !== ":" && match(i + 1, j));
      }
    } else if (i < p.length && j < v.length) result = (p[i] === "?" || p[i] === v[j]) && match(i + 1, j + 1);
    else result = false;
    seen.set(key, result);
    return result;
  };
  return match(0, 0);
}
