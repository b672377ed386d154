import fc from "fast-check";
import { parseGrant } from "../../../src/grants/grant";
import { grantSatisfies } from "../../../src/grants/match";
import { DEFAULT_TTL_SECONDS, evaluateIssuance } from "../../../src/issuance/evaluate";
import type { IssuancePolicy } from "../../../src/issuance/policy";
import { parseCaller, type Caller } from "../../../src/issuance/principal";
import { expandGrant } from "../../../src/issuance/variables";
import { grantArb } from "../../support/grant-model";

const ACCOUNT = "111122223333";
const caller = (arn: string) => parseCaller(arn) as Caller;
const alice = caller(`arn:aws:sts::${ACCOUNT}:assumed-role/analyst/alice`);
const bob = caller(`arn:aws:sts::${ACCOUNT}:assumed-role/analyst/bob`);
const ops = caller(`arn:aws:sts::${ACCOUNT}:assumed-role/ops/carol`);
const stranger = caller("arn:aws:sts::444455556666:assumed-role/analyst/alice");

const POLICY: IssuancePolicy = {
  rules: [
    { principals: [`arn:aws:iam::${ACCOUNT}:role/analyst`], grants: ["read:data/reports/", "*:data/home/${aws:sessionName}/"], maxLifetimeSeconds: 3600 },
    { principals: [`arn:aws:iam::${ACCOUNT}:role/ops`, `arn:aws:sts::${ACCOUNT}:assumed-role/analyst/alice`], grants: ["*:data/"], maxLifetimeSeconds: 600 },
    { principals: [ACCOUNT], grants: ["read:data/reports/public/"], maxLifetimeSeconds: 7200 },
  ],
};

describe("evaluateIssuance", () => {
  it("issues exactly the requested grants when a rule naming the caller covers them", () => {
    expect(evaluateIssuance(POLICY, bob, { grants: ["read:data/reports/2026/", "write:data/home/bob/notes.txt"], ttlSeconds: 1200 })).toEqual({
      allowed: true,
      grants: ["read:data/reports/2026/", "write:data/home/bob/notes.txt"],
      ttlSeconds: 1200,
      rules: [0, 2],
    });
  });

  it("expands the session name per caller: bob cannot reach alice's home", () => {
    expect(evaluateIssuance(POLICY, alice, { grants: ["*:data/home/alice/"] })).toMatchObject({ allowed: true });
    expect(evaluateIssuance(POLICY, bob, { grants: ["*:data/home/alice/"] })).toEqual({
      allowed: false,
      code: "not-covered",
      reason: expect.stringMatching(/^grant "\*:data\/home\/alice\/" is not covered by any grant the issuance policy allows .*\/bob; .*\*:data\/home\/bob\//),
    });
  });

  it("names the first requested grant no rule covers", () => {
    const decision = evaluateIssuance(POLICY, bob, { grants: ["read:data/reports/", "write:data/reports/x", "read:logs/"] });
    expect(decision).toMatchObject({ allowed: false, code: "not-covered", reason: expect.stringContaining('grant "write:data/reports/x"') });
  });

  it("says in words which rules named the caller and what they allow it, expanded for it", () => {
    const decision = evaluateIssuance(POLICY, bob, { grants: ["write:data/reports/x"] });
    expect(decision).toMatchObject({ allowed: false, code: "not-covered" });
    const reason = (decision as { reason: string }).reason;
    expect(reason).not.toMatch(/\(rules [\d, ]+\)/);
    expect(reason).toContain("the 2 rules naming it: rules[0] allows read:data/reports/, *:data/home/bob/; rules[2] allows read:data/reports/public/; ask for grants within those");
  });

  it("refuses a caller no rule names, saying what to add", () => {
    expect(evaluateIssuance(POLICY, stranger, { grants: ["read:data/reports/"] })).toEqual({
      allowed: false,
      code: "no-rule",
      reason: `no rule of the issuance policy names ${stranger.arn}; add its role, user or account to a rule's principals`,
    });
  });

  it("defaults the lifetime to 15 minutes, or to the rules' maximum when that is shorter", () => {
    expect(evaluateIssuance(POLICY, bob, { grants: ["read:data/reports/"] })).toMatchObject({ allowed: true, ttlSeconds: DEFAULT_TTL_SECONDS });
    expect(evaluateIssuance(POLICY, ops, { grants: ["read:data/"] })).toMatchObject({ allowed: true, ttlSeconds: 600 });
  });

  it("refuses a lifetime over the maximum, naming it, instead of shortening it", () => {
    expect(evaluateIssuance(POLICY, ops, { grants: ["read:data/"], ttlSeconds: 601 })).toEqual({
      allowed: false,
      code: "ttl-too-long",
      reason: "ttlSeconds=601 is over 600, the longest the issuance policy allows these grants; ask for at most 600",
    });
  });

  it("takes, per grant, the longest-lived rule covering it, and for the token the shortest of those", () => {
    // read:data/reports/public/ is under rule 0 (3600), rule 1 (600, alice only) and rule 2 (7200).
    expect(evaluateIssuance(POLICY, alice, { grants: ["read:data/reports/public/"], ttlSeconds: 7200 })).toMatchObject({ allowed: true, ttlSeconds: 7200 });
    // Adding a grant only rule 1 covers bounds the token by rule 1's 600.
    expect(evaluateIssuance(POLICY, alice, { grants: ["read:data/reports/public/", "write:data/x"], ttlSeconds: 601 })).toMatchObject({ allowed: false, code: "ttl-too-long" });
  });

  it("refuses malformed grants and lifetimes as bad requests", () => {
    expect(evaluateIssuance(POLICY, bob, { grants: [] })).toMatchObject({ allowed: false, code: "bad-request" });
    expect(evaluateIssuance(POLICY, bob, { grants: ["read:data/reports/", "read data"] })).toMatchObject({ allowed: false, code: "bad-request", reason: expect.stringMatching(/^grants\[1\]: /) });
    expect(evaluateIssuance(POLICY, bob, { grants: ["read:data/reports/"], ttlSeconds: 30 })).toMatchObject({ allowed: false, code: "bad-request", reason: expect.stringContaining("at least 60") });
  });

  it("never issues a grant that reaches a key no grant of a rule naming the caller reaches", () => {
    const policyArb = fc.array(fc.record({ grants: fc.array(grantArb, { minLength: 1, maxLength: 3 }), maxLifetimeSeconds: fc.constantFrom(600, 3600) }), { minLength: 1, maxLength: 3 });
    const keyArb = fc.stringMatching(/^[ab/]{0,6}$/);
    fc.assert(
      fc.property(policyArb, fc.array(grantArb, { minLength: 1, maxLength: 3 }), fc.constantFrom("data", "logs"), keyArb, fc.constantFrom("read", "list", "write", "delete" as const), (rules, requested, bucket, key, access) => {
        const policy: IssuancePolicy = { rules: rules.map((r) => ({ ...r, principals: [ACCOUNT] })) };
        const decision = evaluateIssuance(policy, bob, { grants: requested, ttlSeconds: 600 });
        if (!decision.allowed) return;
        const allowed = rules.flatMap((r) => r.grants).map((g) => parseGrant((expandGrant(g, bob) as { text: string }).text));
        const check = access === "list" ? { kind: "list" as const, bucket, prefix: key } : { kind: "object" as const, access, bucket, key };
        const issuedReaches = decision.grants.some((g) => { const p = parseGrant(g); return p.ok && grantSatisfies(p.grant, check); });
        if (issuedReaches) expect(allowed.some((p) => p.ok && grantSatisfies(p.grant, check))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
