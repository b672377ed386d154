/**
 * What an IAM statement's conditions say, read from the `operator key=v1,v2` strings of iam.ts:
 * whether they confine a principal `*` to named principals, and whether they exempt exactly named
 * principals from a Deny. Pure.
 */
import { hasWildcard, type IamStatement } from "./iam";

/** One condition entry: operator, key and values. */
export interface Condition {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
}

/** `StringEquals aws:PrincipalArn=a,b` -> `{ operator, key, values }`. */
export function parseCondition(text: string): Condition {
  const space = text.indexOf(" ");
  const operator = space < 0 ? text : text.slice(0, space);
  const rest = space < 0 ? "" : text.slice(space + 1);
  const eq = rest.indexOf("=");
  const key = eq < 0 ? rest : rest.slice(0, eq);
  const values = eq < 0 ? [] : rest.slice(eq + 1).split(",").filter((v) => v !== "");
  return { operator, key, values };
}

/**
 * Condition keys that name who calls (IAM global condition keys `aws:PrincipalArn`,
 * `aws:PrincipalAccount`, `aws:PrincipalOrgID`; KMS `kms:CallerAccount`). `kms:ViaService` names the
 * service a call came through, not the caller, so it confines nothing unless paired with one of these.
 */
export const PRINCIPAL_KEYS: readonly string[] = ["aws:principalarn", "aws:principalaccount", "aws:principalorgid", "kms:calleraccount"];

/** Keys whose values are account ids. */
const ACCOUNT_KEYS = new Set(["aws:principalaccount", "kms:calleraccount"]);

/** Operators that require the key to equal one of the values (not negated, not IfExists, not a set operator). */
const POSITIVE_OPERATORS = new Set(["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"]);

/** True when `value` of a principal key names principals without a wildcard that could reach another account. */
function confiningValue(key: string, value: string): boolean {
  if (!hasWildcard(value)) return value !== "";
  // A wildcard after a literal account (`arn:aws:iam::111111111111:role/app-*`) stays in that account.
  return key === "aws:principalarn" && /^arn:aws[\w-]*:(?:iam|sts)::\d{12}:/.test(value);
}

/** True when `c` confines the statement to named principals, accounts or an organisation. */
export function confinesPrincipal(c: Condition): boolean {
  return POSITIVE_OPERATORS.has(c.operator.toLowerCase()) && PRINCIPAL_KEYS.includes(c.key.toLowerCase()) && c.values.length > 0 && c.values.every((v) => confiningValue(c.key.toLowerCase(), v));
}

/** Accounts other than `accountId` that a confining account condition of `s` admits. */
export function otherAccountsInConditions(s: IamStatement, accountId: string): string[] {
  if (accountId === "") return [];
  return s.conditions
    .map(parseCondition)
    .filter((c) => confinesPrincipal(c) && ACCOUNT_KEYS.has(c.key.toLowerCase()))
    .flatMap((c) => c.values.filter((v) => v !== accountId));
}

/** An Allow to anyone (`*`, `AWS:*`, NotPrincipal) that no condition confines to named principals. */
export function isOpen(s: IamStatement): boolean {
  const anyone = s.notPrincipal || s.principals.some((p) => p === "*" || p === "AWS:*");
  return s.effect === "Allow" && anyone && !s.conditions.map(parseCondition).some(confinesPrincipal);
}

/** Operators with which a Deny applies to every principal except the listed ones. */
const EXEMPTING_OPERATORS = new Set(["stringnotequals", "arnnotequals"]);

/**
 * The principals a Deny on `*` exempts, when its only condition is `StringNotEquals` (or
 * `ArnNotEquals`) on `aws:PrincipalArn` with literal values; otherwise why it is not of that form.
 */
export function exemptedPrincipals(s: IamStatement): { readonly exempted: readonly string[] } | { readonly problem: string } {
  if (s.effect !== "Deny") return { problem: "it is not a Deny" };
  if (s.notPrincipal || !s.principals.some((p) => p === "*" || p === "AWS:*")) return { problem: `it denies only ${s.notPrincipal ? "NotPrincipal " : ""}${s.principals.join(", ") || "no principal"}, not every principal (Principal {"AWS": "*"})` };
  const conditions = s.conditions.map(parseCondition);
  if (conditions.length !== 1) return { problem: conditions.length === 0 ? "it has no condition naming the principals it exempts" : `it has ${conditions.length} conditions (${s.conditions.join("; ")}), and every one must hold for the Deny to apply` };
  const c = conditions[0]!;
  if (c.key.toLowerCase() !== "aws:principalarn") return { problem: `its condition key is ${c.key}, not aws:PrincipalArn` };
  if (!EXEMPTING_OPERATORS.has(c.operator.toLowerCase())) return { problem: `its condition operator is ${c.operator}, not StringNotEquals or ArnNotEquals` };
  if (c.values.length === 0 || c.values.some(hasWildcard)) return { problem: `its aws:PrincipalArn values (${c.values.join(", ") || "none"}) are not literal role ARNs` };
  return { exempted: c.values };
}
