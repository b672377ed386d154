import fc from "fast-check";
import { parseGrant } from "../../../src/grants/grant";
import { parseCaller, type Caller } from "../../../src/issuance/principal";
import { expandGrant, variableProblems } from "../../../src/issuance/variables";

const alice = parseCaller("arn:aws:sts::111122223333:assumed-role/analyst/alice@example.com") as Caller;
const bob = parseCaller("arn:aws:iam::111122223333:user/bob") as Caller;

describe("expandGrant", () => {
  it("puts the caller's session name and account id in place of the variables", () => {
    expect(expandGrant("*:data/home/${aws:sessionName}/", alice)).toEqual({ ok: true, text: "*:data/home/alice@example.com/" });
    expect(expandGrant("read:data/${aws:accountId}/${aws:sessionName}/", alice)).toEqual({ ok: true, text: "read:data/111122223333/alice@example.com/" });
    expect(expandGrant("read:data/shared/", alice)).toEqual({ ok: true, text: "read:data/shared/" });
  });

  it("refuses to expand a session name for a caller without one", () => {
    const expanded = expandGrant("*:data/home/${aws:sessionName}/", bob);
    expect(expanded).toEqual({ ok: false, problem: "uses ${aws:sessionName}, which caller arn:aws:iam::111122223333:user/bob has no value for" });
  });

  it("never widens a grant: any session name IAM allows stays inside its own segment of home/<name>/", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\w+=,.@-]{2,64}$/), (name) => {
        const caller = parseCaller(`arn:aws:sts::111122223333:assumed-role/analyst/${name}`);
        expect(caller).toBeDefined();
        const expanded = expandGrant("*:data/home/${aws:sessionName}/", caller as Caller);
        expect(expanded.ok).toBe(true);
        const parsed = parseGrant((expanded as { text: string }).text);
        // Either the grammar refuses it (a ".." session name), or it is exactly the prefix home/<name>/.
        if (parsed.ok) expect([parsed.grant.scope, parsed.grant.path]).toEqual(["prefix", `home/${name}/`]);
        else expect(name === "..").toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("variableProblems", () => {
  it("accepts the known variables", () => {
    expect(variableProblems("*:data/home/${aws:sessionName}/")).toEqual([]);
    expect(variableProblems("read:data/${aws:accountId}/${aws:sessionName}/x.csv")).toEqual([]);
  });

  it("names an unknown variable and the ones there are", () => {
    expect(variableProblems("read:data/${aws:username}/")).toEqual(["uses unknown variable ${aws:username}; use ${aws:sessionName} or ${aws:accountId}"]);
  });

  it("names a '${' that is never closed", () => {
    expect(variableProblems("read:data/${aws:sessionName/")).toEqual(["has a '${' without a closing '}'; write ${aws:sessionName}"]);
  });

  it("refuses a session name that ends a '*' prefix, where one session would reach another's keys", () => {
    expect(variableProblems("read:data/home/${aws:sessionName}*")[0]).toContain('session "al" would get session "alice"\'s keys');
    expect(variableProblems("read:data/home/${aws:sessionName}-*")).toHaveLength(1);
    expect(variableProblems("read:data/home/${aws:sessionName}/*")).toEqual([]);
  });
});
