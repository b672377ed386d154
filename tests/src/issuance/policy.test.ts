import { issuancePolicyProblems, type IssuancePolicy, type IssuanceRule } from "../../../src/issuance/policy";

const LIMITS = { maxLifetimeSeconds: 43200 };
const RULE: IssuanceRule = { principals: ["arn:aws:iam::111122223333:role/analyst"], grants: ["read:data/reports/", "*:data/home/${aws:sessionName}/"], maxLifetimeSeconds: 3600 };
const problems = (rules: unknown[], limits = LIMITS) => issuancePolicyProblems({ rules } as unknown as IssuancePolicy, limits);

describe("issuancePolicyProblems", () => {
  it("finds none in a valid policy", () => {
    expect(problems([RULE, { principals: ["111122223333"], grants: ["read:logs/"], maxLifetimeSeconds: 60 }])).toEqual([]);
  });

  it("refuses a policy without rules, since no caller could get a token", () => {
    expect(problems([])).toEqual([expect.stringContaining("rules is empty")]);
    expect(issuancePolicyProblems({} as IssuancePolicy, LIMITS)).toEqual([expect.stringContaining("rules is undefined")]);
  });

  it("names the rule, the field, the value and the fix of every problem", () => {
    const found = problems([
      RULE,
      { principals: ["arn:aws:iam::*:role/analyst"], grants: ["read:data/${aws:userName}/", "read:Data/"], maxLifetimeSeconds: 50000 },
    ]);
    expect(found).toEqual([
      'rules[1].principals[0] "arn:aws:iam::*:role/analyst" has a wildcard account: a role or user of that name can be made in any AWS account; write the 12-digit account id',
      'rules[1].grants[0] "read:data/${aws:userName}/" uses unknown variable ${aws:userName}; use ${aws:sessionName} or ${aws:accountId}',
      expect.stringMatching(/^rules\[1\]\.grants\[1\]: grant "read:Data\/" names bucket "Data"/),
      "rules[1].maxLifetimeSeconds=50000 is not a whole number of seconds in 60-43200 (the environment's token maxLifetimeSeconds); use e.g. 3600",
    ]);
  });

  it("checks grants after expanding them for a realistic session name", () => {
    expect(problems([{ ...RULE, grants: ["read:${aws:sessionName}/"] }])).toEqual([
      expect.stringMatching(/^rules\[0\]\.grants\[0\] \(expanded for a caller with session name "alice@example.com"\): grant "read:alice@example.com\/" names bucket/),
    ]);
    expect(problems([{ ...RULE, grants: ["read:data-${aws:accountId}/"] }])).toEqual([]);
  });

  it("refuses a wildcard role name unless the rule sets allowRoleNameWildcards: true", () => {
    const sso = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_*";
    expect(problems([{ ...RULE, principals: [sso] }])).toEqual([expect.stringMatching(/^rules\[0\]\.principals\[0\] .* has '\*' in the role name "AWSReservedSSO_DataScientist_\*"/)]);
    expect(problems([{ ...RULE, principals: [sso], allowRoleNameWildcards: true }])).toEqual([]);
    expect(problems([{ ...RULE, principals: [sso], allowRoleNameWildcards: "yes" }])).toEqual(['rules[0].allowRoleNameWildcards is "yes"; write true or false', expect.stringContaining("has '*' in the role name")]);
  });

  it("refuses empty lists and values of the wrong type", () => {
    expect(problems([{ ...RULE, principals: [] }])).toEqual([expect.stringContaining("rules[0].principals is empty, so the rule can never apply")]);
    expect(problems([{ ...RULE, grants: [] }])).toEqual([expect.stringContaining("rules[0].grants is empty")]);
    expect(problems([{ ...RULE, grants: "read:data/" }])).toEqual([expect.stringContaining('rules[0].grants is "read:data/"; write a list of strings')]);
    expect(problems([{ ...RULE, principals: [42] }])).toEqual(["rules[0].principals[0] is 42; write a string"]);
    expect(problems(["nope"])).toEqual([expect.stringContaining('rules[0] is "nope"')]);
  });

  it("bounds each rule's lifetime by the environment's token lifetime and by one minute", () => {
    expect(problems([{ ...RULE, maxLifetimeSeconds: 3600 }], { maxLifetimeSeconds: 1800 })).toEqual([expect.stringContaining("in 60-1800")]);
    expect(problems([{ ...RULE, maxLifetimeSeconds: 59 }])).toHaveLength(1);
    expect(problems([{ ...RULE, maxLifetimeSeconds: 90.5 }])).toHaveLength(1);
    expect(problems([{ ...RULE, maxLifetimeSeconds: 1800 }], { maxLifetimeSeconds: 1800 })).toEqual([]);
  });
});
