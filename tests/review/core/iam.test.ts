import fc from "fast-check";
import { hasWildcard, matchesIamPattern, policiesOf, type PlannedValue, type UnknownPart } from "../../../review/core/iam";
import { parsePlan } from "../../../review/core/plan";
import { planDocument, policy, ref } from "./fixtures";

const resource = (address: string, after: Record<string, unknown>, extra: { unknown?: Record<string, unknown>; config?: Record<string, unknown> } = {}) =>
  parsePlan(planDocument([{ address, after, ...extra }]), "test").resources[0]!;

describe("policiesOf", () => {
  it("lists each statement's actions, resources and conditions, and flags wildcards", () => {
    const role = resource("aws_iam_role_policy.task", {
      policy: policy(
        { Sid: "Objects", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data/in/*" },
        { Sid: "Everything", Effect: "Allow", Action: ["s3:*", "kms:Decrypt"], Resource: "*", Condition: { StringEquals: { "kms:ViaService": ["s3.eu-west-1.amazonaws.com"] } } },
      ),
    });
    expect(policiesOf(role).statements).toEqual([
      expect.objectContaining({ kind: "identity", sid: "Objects", effect: "Allow", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::data/in/*"], conditions: [], wildcards: [] }),
      expect.objectContaining({
        sid: "Everything",
        actions: ["s3:*", "kms:Decrypt"],
        resources: ["*"],
        conditions: ["StringEquals kms:ViaService=s3.eu-west-1.amazonaws.com"],
        wildcards: ["action s3:*", "resource *"],
      }),
    ]);
  });

  it("reads trust policies, inline policies and principals, and flags NotAction and a * principal", () => {
    const role = resource("aws_iam_role.r", {
      assume_role_policy: policy({ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }),
      inline_policy: [{ name: "x", policy: policy({ Sid: "AllBut", Effect: "Allow", NotAction: "iam:*", Resource: "*" }) }],
    });
    const { statements } = policiesOf(role);
    expect(statements.map((s) => [s.attribute, s.kind, s.sid, s.principals, s.wildcards])).toEqual([
      ["assume_role_policy", "trust", "#0", ["Service:ecs-tasks.amazonaws.com"], []],
      ["inline_policy[0].policy", "identity", "AllBut", [], ["NotAction", "action iam:*", "resource *"]],
    ]);
    const bucket = resource("aws_s3_bucket_policy.p", { policy: policy({ Sid: "Public", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }) });
    expect(policiesOf(bucket).statements[0]).toMatchObject({ kind: "resource", principals: ["*"], wildcards: ["principal *"] });
  });

  it("shows a policy built by a data source as unresolved instead of guessing", () => {
    const rp = resource("aws_iam_role_policy.p", {}, { unknown: { policy: true }, config: { policy: ref("data.aws_iam_policy_document.d", "json") } });
    expect(policiesOf(rp)).toEqual({ statements: [], unresolved: [{ address: "aws_iam_role_policy.p", attribute: "policy", kind: "identity", value: "${data.aws_iam_policy_document.d.json}" }] });
  });

  it("ignores computed policy attributes nobody configured and non-policy JSON", () => {
    const topic = resource("aws_sns_topic.t", { name: "t" }, { unknown: { policy: true } });
    const listener = resource("aws_lb_listener.l", { ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06" });
    expect([policiesOf(topic), policiesOf(listener)]).toEqual([
      { statements: [], unresolved: [] },
      { statements: [], unresolved: [] },
    ]);
  });
});

describe("hasWildcard", () => {
  it.each([
    ["*", true],
    ["s3:*", true],
    ["s3:Get*", true],
    ["s3:GetObjec?", true],
    ["s3:GetObject", false],
  ])("%s -> %s", (value, expected) => expect(hasWildcard(value)).toBe(expected));
});

describe("matchesIamPattern", () => {
  const ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-dev/revocation/deny-list-AbCdEf";
  it.each([
    ["*", ARN, true],
    [ARN, ARN, true],
    ["arn:aws:secretsmanager:*:*:secret:rajee-dev/*", ARN, true],
    ["arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-dev/revocation/deny-list-??????", ARN, true],
    ["arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-dev/revocation/deny-list-?????", ARN, false],
    ["arn:aws:secretsmanager:*:*:secret:rajee-prod/*", ARN, false],
    ["arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-dev/revocation/deny-list", ARN, false],
    ["ARN:aws:secretsmanager:*", ARN, false],
    // A `*` inside a field stays in it; at a field's end it may run on.
    ["arn:aws:secretsmanager:eu*1:secret:rajee-dev/*", ARN, false],
    ["arn:aws:*:secret:rajee-dev/*", ARN, true],
  ])("%s on %s -> %s", (pattern, value, expected) => expect(matchesIamPattern(pattern, value)).toBe(expected));

  it("compares without case only when asked (actions)", () => {
    expect(matchesIamPattern("SecretsManager:Get*", "secretsmanager:GetSecretValue")).toBe(false);
    expect(matchesIamPattern("SecretsManager:Get*", "secretsmanager:GetSecretValue", "surely", true)).toBe(true);
  });

  const run: UnknownPart = { unknown: "run" };
  const char: UnknownPart = { unknown: "char" };
  const planned: PlannedValue = ["arn:aws:secretsmanager:", run, ":111111111111:secret:rajee-dev/revocation/deny-list-", char, char, char, char, char, char];

  it("matches a value unknown before apply surely only through wildcards, possibly through what it may become", () => {
    const cases: [string, boolean, boolean][] = [
      ["arn:aws:secretsmanager:*:111111111111:secret:rajee-dev/revocation/deny-list-??????", true, true],
      ["arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-dev/*", false, true],
      ["arn:aws:secretsmanager:*:*:secret:rajee-dev/revocation/deny-list-AbCdEf", false, true],
      ["arn:aws:secretsmanager:*:*:secret:rajee-prod/*", false, false],
      // A region holds no colon, so it cannot swallow the fields after it.
      ["arn:aws:secretsmanager:eu-west-1:222222222222:*", false, false],
    ];
    for (const [pattern, surely, possibly] of cases) {
      expect([pattern, matchesIamPattern(pattern, planned, "surely"), matchesIamPattern(pattern, planned, "possibly")]).toEqual([pattern, surely, possibly]);
    }
  });

  /** The reference: IAM's wildcards as a regular expression (a `*` spans colons only at the end of its field). */
  const reference = (pattern: string, value: string) =>
    new RegExp(`^${[...pattern].map((c, i) => (c === "*" ? (i + 1 === pattern.length || pattern[i + 1] === ":" ? ".*" : "[^:]*") : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("")}$`, "s").test(value);
  const text = fc.string({ unit: fc.constantFrom("a", "b", ":", "/", "-"), maxLength: 10 });
  const pattern = fc.string({ unit: fc.constantFrom("a", "b", ":", "/", "-", "*", "?"), maxLength: 10 });

  it("agrees with IAM's wildcards on known values (property)", () => {
    fc.assert(fc.property(pattern, text, (p, v) => expect(matchesIamPattern(p, v)).toBe(reference(p, v))));
  });

  it("is sound on unknown parts: surely implies every filling matches, a matching filling implies possibly (property)", () => {
    const part = fc.oneof(text, fc.constant<UnknownPart>(run), fc.constant<UnknownPart>(char));
    // An unknown part lies inside one ARN field: it never holds a colon.
    const filling = (u: UnknownPart) => (u.unknown === "char" ? fc.constantFrom("a", "b", "/", "-") : fc.string({ unit: fc.constantFrom("a", "b", "/", "-"), maxLength: 4 }));
    const value = fc.array(part, { maxLength: 5 }).chain((parts) => fc.tuple(fc.constant(parts), fc.tuple(...parts.map((x) => (typeof x === "string" ? fc.constant(x) : filling(x))))));
    fc.assert(
      fc.property(pattern, value, (p, [parts, filled]) => {
        const concrete = filled.join("");
        if (matchesIamPattern(p, parts, "surely")) expect(reference(p, concrete)).toBe(true);
        if (reference(p, concrete)) expect(matchesIamPattern(p, parts, "possibly")).toBe(true);
      }),
    );
  });
});
