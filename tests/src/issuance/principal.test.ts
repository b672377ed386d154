import fc from "fast-check";
import { anyPrincipalMatches, parseCaller, principalPatternProblem, withRoleId, type Caller } from "../../../src/issuance/principal";

const ACCOUNT = "111122223333";
const OTHER = "444455556666";

function caller(arn: string): Caller {
  const parsed = parseCaller(arn);
  if (!parsed) throw new Error(`${arn} does not parse`);
  return parsed;
}

const session = (role: string, name: string, account = ACCOUNT, partition = "aws") => caller(`arn:${partition}:sts::${account}:assumed-role/${role}/${name}`);

describe("parseCaller", () => {
  it("reads an assumed-role session's role and session names", () => {
    expect(parseCaller(`arn:aws:sts::${ACCOUNT}:assumed-role/analyst/alice@example.com`)).toEqual({
      kind: "assumed-role",
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/analyst/alice@example.com`,
      partition: "aws",
      account: ACCOUNT,
      roleName: "analyst",
      sessionName: "alice@example.com",
    });
  });

  it("reads an IAM user with its path, and keeps other principals of a known partition as 'other'", () => {
    expect(parseCaller(`arn:aws-cn:iam::${ACCOUNT}:user/team/bob`)).toMatchObject({ kind: "user", partition: "aws-cn", resource: ["team", "bob"] });
    expect(parseCaller(`arn:aws:iam::${ACCOUNT}:root`)).toMatchObject({ kind: "other", account: ACCOUNT });
    expect(parseCaller(`arn:aws:sts::${ACCOUNT}:federated-user/carol`)).toMatchObject({ kind: "other" });
  });

  it.each([
    ["an unknown partition", `arn:aws-mars:sts::${ACCOUNT}:assumed-role/r/s1`],
    ["a session name of one character", `arn:aws:sts::${ACCOUNT}:assumed-role/r/s`],
    ["a session name of 65 characters", `arn:aws:sts::${ACCOUNT}:assumed-role/r/${"s".repeat(65)}`],
    ["a session name with a '*'", `arn:aws:sts::${ACCOUNT}:assumed-role/r/al*ce`],
    ["a session name with a space", `arn:aws:sts::${ACCOUNT}:assumed-role/r/al ce`],
    ["a session with a path", `arn:aws:sts::${ACCOUNT}:assumed-role/path/r/s1`],
    ["another service", `arn:aws:s3:::bucket`],
    ["an account of 11 digits", "arn:aws:sts::11112222333:assumed-role/r/s1"],
    ["no ARN at all", "alice"],
  ])("refuses %s", (_why, arn) => {
    expect(parseCaller(arn)).toBeUndefined();
  });

  it("accepts exactly the session names IAM allows ([\\w+=,.@-]{2,64})", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 70 }), (name) => {
        const parsed = parseCaller(`arn:aws:sts::${ACCOUNT}:assumed-role/role/${name}`);
        expect(parsed !== undefined).toBe(/^[A-Za-z0-9_+=,.@-]{2,64}$/.test(name));
      }),
      { numRuns: 1000 },
    );
  });
});

describe("principalPatternProblem", () => {
  it.each([
    ACCOUNT,
    `arn:aws:iam::${ACCOUNT}:role/analyst`,
    `arn:aws:iam::${ACCOUNT}:role/teams/data/analyst`,
    `arn:aws:sts::${ACCOUNT}:assumed-role/analyst/*`,
    `arn:aws-us-gov:sts::${ACCOUNT}:assumed-role/analyst/alice*`,
    `arn:aws:iam::${ACCOUNT}:user/team/*`,
  ])("accepts %s", (pattern) => {
    expect(principalPatternProblem(pattern)).toBeUndefined();
  });

  it.each([
    ["*", "matches every caller"],
    [`arn:aws:iam::*:role/analyst`, "wildcard account"],
    [`arn:aws:iam::1111*:role/analyst`, "wildcard account"],
    [`arn:aws-mars:iam::${ACCOUNT}:role/analyst`, 'partition "aws-mars"'],
    [`arn:aws:iam:eu-west-1:${ACCOUNT}:role/analyst`, 'region "eu-west-1"'],
    [`arn:aws:iam::${ACCOUNT}:role/teams/*/analyst`, "wildcard in the role's path"],
    [`arn:aws:sts::${ACCOUNT}:assumed-role/path/analyst/s`, "assumed-role/<role name>/<session name>"],
    [`arn:aws:iam::${ACCOUNT}:group/admins`, "names iam resource"],
    [`arn:aws:iam::${ACCOUNT}:role/ana lyst`, 'name "ana lyst"'],
    ["12345678901", "neither an account id nor an ARN"],
  ])("refuses %s, naming the fix (%s)", (pattern, words) => {
    expect(principalPatternProblem(pattern)).toContain(words);
  });

  it.each([
    `arn:aws:iam::${ACCOUNT}:role/dev-*`,
    `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_*`,
    `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_*/alice`,
  ])("refuses '*' in the role name of %s unless the rule opts in with allowRoleNameWildcards", (pattern) => {
    expect(principalPatternProblem(pattern)).toMatch(/'\*' in the role name .*iam:CreateRole.*allowRoleNameWildcards: true/);
    expect(principalPatternProblem(pattern, { allowRoleNameWildcards: true })).toBeUndefined();
  });
});

describe("anyPrincipalMatches", () => {
  it("matches every principal of an account by its id, and none of another", () => {
    expect(anyPrincipalMatches([ACCOUNT], session("analyst", "alice"))).toBe(true);
    expect(anyPrincipalMatches([ACCOUNT], caller(`arn:aws:iam::${ACCOUNT}:user/bob`))).toBe(true);
    expect(anyPrincipalMatches([ACCOUNT], caller(`arn:aws:iam::${ACCOUNT}:root`))).toBe(true);
    expect(anyPrincipalMatches([ACCOUNT], session("analyst", "alice", OTHER))).toBe(false);
  });

  it("matches a role ARN to that role's sessions by name, whatever the role's path", () => {
    expect(anyPrincipalMatches([`arn:aws:iam::${ACCOUNT}:role/analyst`], session("analyst", "alice"))).toBe(true);
    expect(anyPrincipalMatches([`arn:aws:iam::${ACCOUNT}:role/teams/data/analyst`], session("analyst", "alice"))).toBe(true);
    expect(anyPrincipalMatches([`arn:aws:iam::${ACCOUNT}:role/analyst`], session("analyst2", "alice"))).toBe(false);
    expect(anyPrincipalMatches([`arn:aws:iam::${ACCOUNT}:role/analyst`], session("analyst", "alice", OTHER))).toBe(false);
    expect(anyPrincipalMatches([`arn:aws:iam::${ACCOUNT}:role/analyst`], caller(`arn:aws:iam::${ACCOUNT}:user/analyst`))).toBe(false);
  });

  it("does not let a role someone creates outside the reserved path take an IAM Identity Center rule's sessions", () => {
    // A session ARN carries no role path: a role made at / with a matching name is indistinguishable.
    const pattern = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_*`;
    const impostor = session("AWSReservedSSO_DataScientist_evil", "bob");
    expect(anyPrincipalMatches([pattern], impostor)).toBe(false);
    const exact = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_0123456789abcdef`;
    expect(anyPrincipalMatches([exact], session("AWSReservedSSO_DataScientist_0123456789abcdef", "alice@example.com"))).toBe(true);
    expect(anyPrincipalMatches([exact], impostor)).toBe(false);
  });

  it("matches a wildcard role name only when the rule opts in, and then any role of that name", () => {
    const pattern = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_*`;
    const opted = { allowRoleNameWildcards: true };
    expect(anyPrincipalMatches([pattern], session("AWSReservedSSO_DataScientist_0123456789abcdef", "alice@example.com"), opted)).toBe(true);
    expect(anyPrincipalMatches([pattern], session("AWSReservedSSO_Admin_0123456789abcdef", "alice@example.com"), opted)).toBe(false);
  });

  it("never matches a role-name glob without the opt-in, whatever the role and session", () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_+=,.@-]{1,20}$/);
    fc.assert(
      fc.property(name, name, fc.stringMatching(/^[A-Za-z0-9_+=,.@-]{2,20}$/), (prefix, rest, sessionName) => {
        const caught = session(`${prefix}${rest}`, sessionName);
        expect(anyPrincipalMatches([`arn:aws:iam::${ACCOUNT}:role/${prefix}*`, `arn:aws:sts::${ACCOUNT}:assumed-role/${prefix}*/*`], caught)).toBe(false);
        expect(anyPrincipalMatches([`arn:aws:iam::${ACCOUNT}:role/${prefix}*`], caught, { allowRoleNameWildcards: true })).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("matches a role's unique id to the sessions of that role only, not of a role made later under its name", () => {
    const id = "AROAEXAMPLEROLEID0001";
    expect(principalPatternProblem(id)).toBeUndefined();
    const original = withRoleId(session("AWSReservedSSO_DataScientist_0123456789abcdef", "bob"), `${id}:bob`)!;
    const remade = withRoleId(session("AWSReservedSSO_DataScientist_0123456789abcdef", "bob"), "AROAEXAMPLEROLEID0002:bob")!;
    expect(anyPrincipalMatches([id], original)).toBe(true);
    expect(anyPrincipalMatches([id], remade)).toBe(false);
    // Without the event's userId the id is unknown, and the pattern names no one.
    expect(anyPrincipalMatches([id], session("AWSReservedSSO_DataScientist_0123456789abcdef", "bob"))).toBe(false);
    expect(anyPrincipalMatches([id], caller(`arn:aws:iam::${ACCOUNT}:user/bob`))).toBe(false);
  });

  it("takes a role id only from a userId that names the caller's own session", () => {
    const bob = session("analyst", "bob");
    expect(withRoleId(bob, "AROAEXAMPLEROLEID0001:bob")).toMatchObject({ roleId: "AROAEXAMPLEROLEID0001", sessionName: "bob" });
    expect(withRoleId(bob, "AROAEXAMPLEROLEID0001:alice")).toBeUndefined();
    expect(withRoleId(bob, "AIDAEXAMPLEUSERID0001")).toBeUndefined();
    expect(withRoleId(bob, "aroa-lower:bob")).toBeUndefined();
    const user = caller(`arn:aws:iam::${ACCOUNT}:user/bob`);
    expect(withRoleId(user, "AIDAEXAMPLEUSERID0001")).toBe(user);
  });

  it("keeps partitions apart", () => {
    expect(anyPrincipalMatches([`arn:aws:iam::${ACCOUNT}:role/analyst`], session("analyst", "alice", ACCOUNT, "aws-cn"))).toBe(false);
    expect(anyPrincipalMatches([`arn:aws-cn:iam::${ACCOUNT}:role/analyst`], session("analyst", "alice", ACCOUNT, "aws-cn"))).toBe(true);
  });

  it("matches a '*' within one segment only", () => {
    const opted = { allowRoleNameWildcards: true };
    expect(anyPrincipalMatches([`arn:aws:iam::${ACCOUNT}:role/dev-*`], session("dev-alice", "s1"), opted)).toBe(true);
    expect(anyPrincipalMatches([`arn:aws:iam::${ACCOUNT}:role/dev-*`], session("prod-alice", "s1"), opted)).toBe(false);
    expect(anyPrincipalMatches([`arn:aws:sts::${ACCOUNT}:assumed-role/analyst/alice*`], session("analyst", "alice@example.com"))).toBe(true);
    expect(anyPrincipalMatches([`arn:aws:sts::${ACCOUNT}:assumed-role/analyst/alice*`], session("analyst", "bob"))).toBe(false);
    expect(anyPrincipalMatches([`arn:aws:iam::${ACCOUNT}:user/*`], caller(`arn:aws:iam::${ACCOUNT}:user/bob`))).toBe(true);
    expect(anyPrincipalMatches([`arn:aws:iam::${ACCOUNT}:user/*`], caller(`arn:aws:iam::${ACCOUNT}:user/team/bob`))).toBe(false);
    expect(anyPrincipalMatches([`arn:aws:iam::${ACCOUNT}:user/team/*`], caller(`arn:aws:iam::${ACCOUNT}:user/team/bob`))).toBe(true);
  });

  it("treats '.' and '+' in a pattern as themselves, not as regular-expression operators", () => {
    expect(anyPrincipalMatches([`arn:aws:sts::${ACCOUNT}:assumed-role/analyst/a.b`], session("analyst", "axb"))).toBe(false);
    expect(anyPrincipalMatches([`arn:aws:sts::${ACCOUNT}:assumed-role/analyst/a+b`], session("analyst", "aab"))).toBe(false);
    expect(anyPrincipalMatches([`arn:aws:sts::${ACCOUNT}:assumed-role/analyst/a+b`], session("analyst", "a+b"))).toBe(true);
  });

  it("lets a pattern that does not parse match no one", () => {
    expect(anyPrincipalMatches(["*", `arn:aws:iam::*:role/analyst`], session("analyst", "alice"))).toBe(false);
  });

  it("never matches a session of another account, whatever the wildcards", () => {
    const name = fc.stringMatching(/^[a-z*]{1,8}$/);
    fc.assert(
      fc.property(name, name, fc.stringMatching(/^[a-z]{2,8}$/), (rolePattern, sessionPattern, sessionName) => {
        const patterns = [`arn:aws:iam::${ACCOUNT}:role/${rolePattern}`, `arn:aws:sts::${ACCOUNT}:assumed-role/${rolePattern}/${sessionPattern}`, ACCOUNT];
        expect(anyPrincipalMatches(patterns, session(sessionName, sessionName, OTHER))).toBe(false);
      }),
    );
  });
});
