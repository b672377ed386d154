import { ACCOUNT_ID, PARTITIONS } from "../contracts/aws-names";

/**
 * Callers of the issuer (the principal AWS verified from the request's SigV4 signature) and the
 * principal patterns of the issuance policy that name them. Pure.
 *
 * An assumed-role session's ARN is `arn:<partition>:sts::<account>:assumed-role/<role name>/<session>`:
 * it carries the role's name but not its path (IAM identifiers,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html), and role names are
 * unique within an account whatever their path, so a role pattern is matched by its name.
 */

/** An IAM role or session name character (IAM's `[\w+=,.@-]`). */
const NAME_CHARACTERS = String.raw`[\w+=,.@-]`;
/** A role session name: what `${aws:sessionName}` expands to (sts:AssumeRole `RoleSessionName`). */
export const SESSION_NAME = new RegExp(`^${NAME_CHARACTERS}{2,64}$`);
const ROLE_NAME = new RegExp(`^${NAME_CHARACTERS}{1,64}$`);
const PATH_SEGMENT = new RegExp(`^${NAME_CHARACTERS}+$`);

/** The caller of the issuer, parsed from its principal ARN. */
export type Caller =
  | {
      readonly kind: "assumed-role";
      readonly arn: string;
      readonly partition: string;
      readonly account: string;
      readonly roleName: string;
      readonly sessionName: string;
      /** The role's unique id (`AROA...`), from the event's `userId`, when it carried one. */
      readonly roleId?: string;
    }
  | { readonly kind: "user"; readonly arn: string; readonly partition: string; readonly account: string; readonly resource: readonly string[] }
  | { readonly kind: "other"; readonly arn: string; readonly partition: string; readonly account: string };

const PRINCIPAL_ARN = /^arn:([a-z-]+):(iam|sts)::(\d{12}):([\w+=,.@/:-]+)$/;

const isPartition = (id: string): boolean => PARTITIONS.some((p) => p.id === id);

/** A role's unique id (IAM identifiers, "Unique identifiers": `AROA` and upper-case letters and digits). */
const ROLE_ID = /^AROA[A-Z0-9]{12,124}$/;

/**
 * An assumed-role caller with its role's unique id, read from the Function URL event's `userId`
 * (`<role id>:<session name>`); undefined when `userId` does not name this caller's session.
 */
export function withRoleId(caller: Caller, userId: string): Caller | undefined {
  if (caller.kind !== "assumed-role") return caller;
  const colon = userId.indexOf(":");
  const roleId = userId.slice(0, colon);
  if (colon < 0 || !ROLE_ID.test(roleId) || userId.slice(colon + 1) !== caller.sessionName) return undefined;
  return { ...caller, roleId };
}

/**
 * Parses a caller's principal ARN; undefined when it is not an IAM or STS principal of a known
 * partition, or when an assumed-role session's names are not IAM names (never expanded into a grant).
 */
export function parseCaller(arn: string): Caller | undefined {
  const match = PRINCIPAL_ARN.exec(arn);
  if (!match) return undefined;
  const [, partition, service, account, resource] = match as unknown as [string, string, string, string, string];
  if (!isPartition(partition)) return undefined;
  const parts = resource.split("/");
  if (service === "sts" && parts[0] === "assumed-role") {
    if (parts.length !== 3) return undefined;
    const [, roleName, sessionName] = parts as [string, string, string];
    if (!ROLE_NAME.test(roleName) || !SESSION_NAME.test(sessionName)) return undefined;
    return { kind: "assumed-role", arn, partition, account, roleName, sessionName };
  }
  if (service === "iam" && parts[0] === "user") {
    const names = parts.slice(1);
    if (names.length === 0 || !names.every((n) => PATH_SEGMENT.test(n))) return undefined;
    return { kind: "user", arn, partition, account, resource: names };
  }
  return { kind: "other", arn, partition, account };
}

/** A parsed principal pattern. Name fields are glob segments: `*` matches any run of name characters. */
type Pattern =
  | { readonly kind: "role-id"; readonly roleId: string }
  | { readonly kind: "account"; readonly account: string }
  | { readonly kind: "role"; readonly partition: string; readonly account: string; readonly roleName: string }
  | { readonly kind: "session"; readonly partition: string; readonly account: string; readonly roleName: string; readonly sessionName: string }
  | { readonly kind: "user"; readonly partition: string; readonly account: string; readonly resource: readonly string[] };

type PatternParse = { ok: true; pattern: Pattern } | { ok: false; problem: string };

const GLOB_SEGMENT = new RegExp(String.raw`^[\w+=,.@*-]+$`);
const PATTERN_ARN = /^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)$/;
const FORMS =
  "write a 12-digit account id, a role's unique id (AROA...), arn:<partition>:iam::<account>:role/<name>, arn:<partition>:sts::<account>:assumed-role/<role>/<session> or arn:<partition>:iam::<account>:user/<name>";

function parsePattern(text: string): PatternParse {
  const problem = (why: string): PatternParse => ({ ok: false, problem: why });
  if (ACCOUNT_ID.test(text)) return { ok: true, pattern: { kind: "account", account: text } };
  if (ROLE_ID.test(text)) return { ok: true, pattern: { kind: "role-id", roleId: text } };
  const match = PATTERN_ARN.exec(text);
  if (!match) return problem(`is neither an account id nor an ARN; ${FORMS}`);
  const [, partition, service, region, account, resource] = match as unknown as [string, string, string, string, string, string];
  if (!isPartition(partition)) return problem(`has partition ${JSON.stringify(partition)}; use one of ${PARTITIONS.map((p) => p.id).join(", ")}`);
  if (region !== "") return problem(`has region ${JSON.stringify(region)}; IAM and STS principal ARNs have none (arn:${partition}:${service}::<account>:...)`);
  if (account.includes("*")) return problem("has a wildcard account: a role or user of that name can be made in any AWS account; write the 12-digit account id");
  if (!ACCOUNT_ID.test(account)) return problem(`has account ${JSON.stringify(account)}; write the 12-digit account id`);
  const parts = resource.split("/");
  const bad = parts.slice(1).find((p) => !GLOB_SEGMENT.test(p));
  if (bad !== undefined) return problem(`has name ${JSON.stringify(bad)}; names are 1 or more of letters, digits, + = , . @ _ - (and * as a wildcard)`);
  if (service === "iam" && parts[0] === "role" && parts.length >= 2) {
    const path = parts.slice(1, -1);
    if (path.some((p) => p.includes("*"))) {
      return problem("has a wildcard in the role's path; a session's ARN carries only the role's name, so write the path without '*' (or leave it out)");
    }
    return { ok: true, pattern: { kind: "role", partition, account, roleName: parts[parts.length - 1] as string } };
  }
  if (service === "sts" && parts[0] === "assumed-role") {
    if (parts.length !== 3) return problem(`has ${parts.length - 1} names after assumed-role/; write assumed-role/<role name>/<session name> (no role path)`);
    return { ok: true, pattern: { kind: "session", partition, account, roleName: parts[1] as string, sessionName: parts[2] as string } };
  }
  if (service === "iam" && parts[0] === "user" && parts.length >= 2) {
    return { ok: true, pattern: { kind: "user", partition, account, resource: parts.slice(1) } };
  }
  return problem(`names ${service} resource ${JSON.stringify(resource)}; ${FORMS}`);
}

/** How a rule lets its principal patterns match. */
export interface PrincipalOptions {
  /**
   * Whether a role name may hold `*`. Anyone allowed `iam:CreateRole` in the account can make a role
   * whose name matches the glob, and a session ARN carries no role path to tell it apart, so a
   * wildcard role name trusts every such principal with the rule's grants. @default false
   */
  readonly allowRoleNameWildcards?: boolean;
}

/** The role name of a role or session pattern when it holds `*`. */
function wildcardRoleName(pattern: Pattern): string | undefined {
  return (pattern.kind === "role" || pattern.kind === "session") && pattern.roleName.includes("*") ? pattern.roleName : undefined;
}

/** Why `text` is not a principal pattern, naming the fix; undefined when it is one. */
export function principalPatternProblem(text: string, options: PrincipalOptions = {}): string | undefined {
  if (text === "*") return "matches every caller; name an account id or a role";
  const parsed = parsePattern(text);
  if (!parsed.ok) return parsed.problem;
  const wildcard = wildcardRoleName(parsed.pattern);
  if (wildcard !== undefined && options.allowRoleNameWildcards !== true) {
    return (
      `has '*' in the role name ${JSON.stringify(wildcard)}: a session's ARN carries only the role's name (not its path), so anyone who may ` +
      "iam:CreateRole in the account could make a matching role and get this rule's grants; write the exact role name, " +
      "or set allowRoleNameWildcards: true on the rule if every matching role is trusted"
    );
  }
  return undefined;
}

function globMatches(glob: string, name: string): boolean {
  const source = glob.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(String.raw`[\w+=,.@-]*`);
  return new RegExp(`^${source}$`).test(name);
}

function principalMatches(pattern: Pattern, caller: Caller): boolean {
  if (pattern.kind === "role-id") return caller.kind === "assumed-role" && caller.roleId === pattern.roleId;
  if (pattern.account !== caller.account) return false;
  if (pattern.kind === "account") return true;
  if (pattern.partition !== caller.partition) return false;
  switch (pattern.kind) {
    case "role":
      return caller.kind === "assumed-role" && globMatches(pattern.roleName, caller.roleName);
    case "session":
      return caller.kind === "assumed-role" && globMatches(pattern.roleName, caller.roleName) && globMatches(pattern.sessionName, caller.sessionName);
    case "user":
      return (
        caller.kind === "user" &&
        pattern.resource.length === caller.resource.length &&
        pattern.resource.every((glob, i) => globMatches(glob, caller.resource[i] as string))
      );
  }
}

/**
 * Whether any of `patterns` names `caller`; patterns that do not parse name no one, and neither does
 * a wildcard role name unless `options` allow it.
 */
export function anyPrincipalMatches(patterns: readonly string[], caller: Caller, options: PrincipalOptions = {}): boolean {
  return patterns.some((text) => {
    const parsed = parsePattern(text);
    if (!parsed.ok) return false;
    if (wildcardRoleName(parsed.pattern) !== undefined && options.allowRoleNameWildcards !== true) return false;
    return principalMatches(parsed.pattern, caller);
  });
}
