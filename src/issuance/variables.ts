import type { Caller } from "./principal";

/**
 * The variables an issuance rule's grants may use, expanded to the caller's values before the grant
 * is parsed. Pure. A session name is an IAM name (`[\w+=,.@-]{2,64}`, checked by parseCaller), so it
 * can never add a `/`, a `*` or a `:` to a grant; a `..` session name makes a grant the grammar refuses.
 */

/** The variables and what each expands to; callers without the value cannot use a rule's grant naming it. */
export const VARIABLES = Object.freeze({
  "aws:sessionName": (caller: Caller): string | undefined => (caller.kind === "assumed-role" ? caller.sessionName : undefined),
  "aws:accountId": (caller: Caller): string | undefined => caller.account,
} as const);

type VariableName = keyof typeof VARIABLES;

const REFERENCE = /\$\{([^}]*)\}/g;

/** A caller the policy's grants are expanded for when the policy is validated (a realistic session name). */
export const SAMPLE_CALLER: Extract<Caller, { kind: "assumed-role" }> = Object.freeze({
  kind: "assumed-role",
  arn: "arn:aws:sts::123456789012:assumed-role/analyst/alice@example.com",
  partition: "aws",
  account: "123456789012",
  roleName: "analyst",
  sessionName: "alice@example.com",
});

const isVariable = (name: string): name is VariableName => Object.hasOwn(VARIABLES, name);

/** Problems of a rule's grant text with its variables: unknown or unclosed references, a session name that ends a `*` prefix. */
export function variableProblems(grant: string): string[] {
  const problems: string[] = [];
  for (const [, name] of grant.matchAll(REFERENCE)) {
    if (!isVariable(name as string)) problems.push(`uses unknown variable \${${name}}; use ${Object.keys(VARIABLES).map((v) => `\${${v}}`).join(" or ")}`);
  }
  if (grant.replace(REFERENCE, "").includes("${")) problems.push("has a '${' without a closing '}'; write ${aws:sessionName}");
  const last = grant.lastIndexOf("${aws:sessionName}");
  if (last >= 0 && grant.endsWith("*") && !grant.slice(last).includes("/")) {
    problems.push("ends a '*' prefix with ${aws:sessionName}: session \"al\" would get session \"alice\"'s keys; end the segment with '/' (e.g. home/${aws:sessionName}/)");
  }
  return problems;
}

export type Expansion = { ok: true; text: string } | { ok: false; problem: string };

/** The grant with every variable replaced by the caller's value; not ok when the caller has no value for one. */
export function expandGrant(grant: string, caller: Caller): Expansion {
  let missing: string | undefined;
  const text = grant.replace(REFERENCE, (reference, name: string) => {
    const value = isVariable(name) ? VARIABLES[name](caller) : undefined;
    if (value === undefined) missing ??= reference;
    return value ?? "";
  });
  if (missing !== undefined) return { ok: false, problem: `uses ${missing}, which caller ${caller.arn} has no value for` };
  return { ok: true, text };
}
