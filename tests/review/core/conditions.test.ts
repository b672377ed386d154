import fc from "fast-check";
import { exemptedPrincipals, isOpen, parseCondition } from "../../../review/core/conditions";
import type { IamStatement } from "../../../review/core/iam";

const statement = (over: Partial<IamStatement>): IamStatement => ({
  address: "aws_kms_key.k", attribute: "policy", kind: "resource", sid: "S", effect: "Allow", principals: ["AWS:*"], notPrincipal: false,
  actions: ["kms:Decrypt"], notAction: false, resources: ["*"], notResource: false, conditions: [], wildcards: [], ...over,
});

describe("parseCondition", () => {
  it("splits operator, key and values", () => {
    expect(parseCondition("StringNotEquals aws:PrincipalArn=${aws_iam_role.r.arn},arn:aws:iam::1:role/x")).toEqual({ operator: "StringNotEquals", key: "aws:PrincipalArn", values: ["${aws_iam_role.r.arn}", "arn:aws:iam::1:role/x"] });
  });
});

describe("isOpen", () => {
  it("is closed only by a positive condition on who calls", () => {
    expect(isOpen(statement({ conditions: ["StringEquals aws:PrincipalOrgID=o-1"] }))).toBe(false);
    expect(isOpen(statement({ conditions: ["StringNotEquals aws:PrincipalOrgID=o-1"] }))).toBe(true);
    expect(isOpen(statement({ principals: ["AWS:arn:aws:iam::1:role/r"] }))).toBe(false);
    expect(isOpen(statement({ effect: "Deny" }))).toBe(false);
  });

  it("stays open under any condition on a key that does not name the caller, or under any negated operator (property)", () => {
    const keys = fc.constantFrom("aws:SourceIp", "kms:ViaService", "aws:SecureTransport", "aws:PrincipalArn", "aws:PrincipalAccount", "kms:CallerAccount");
    const operators = fc.constantFrom("StringEquals", "StringNotEquals", "ArnNotEquals", "StringEqualsIfExists", "ForAnyValue:StringEquals", "Bool");
    fc.assert(
      fc.property(fc.array(fc.tuple(operators, keys), { minLength: 1, maxLength: 3 }), (conditions) => {
        const s = statement({ conditions: conditions.map(([op, key]) => `${op} ${key}=111111111111`) });
        const closing = conditions.some(([op, key]) => op === "StringEquals" && ["aws:PrincipalArn", "aws:PrincipalAccount", "kms:CallerAccount"].includes(key));
        expect(isOpen(s)).toBe(!closing);
      }),
    );
  });
});

describe("exemptedPrincipals", () => {
  const deny = (conditions: string[], over: Partial<IamStatement> = {}) => exemptedPrincipals(statement({ effect: "Deny", conditions, ...over }));

  it("reads the exempted roles of a Deny to everyone but them", () => {
    expect(deny(["StringNotEquals aws:PrincipalArn=a,b"])).toEqual({ exempted: ["a", "b"] });
    expect(deny(["ArnNotEquals aws:PrincipalArn=a"])).toEqual({ exempted: ["a"] });
  });

  it("refuses every other form, saying why", () => {
    expect(deny([])).toEqual({ problem: "it has no condition naming the principals it exempts" });
    expect(deny(["StringNotEquals aws:PrincipalArn=arn:aws:iam::1:role/*"])).toEqual({ problem: "its aws:PrincipalArn values (arn:aws:iam::1:role/*) are not literal role ARNs" });
    expect(deny(["StringNotEquals aws:PrincipalArn=a"], { notPrincipal: true })).toHaveProperty("problem");
    expect(exemptedPrincipals(statement({ conditions: ["StringNotEquals aws:PrincipalArn=a"] }))).toEqual({ problem: "it is not a Deny" });
  });
});
