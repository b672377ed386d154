import fc from "fast-check";
import { parsePlan } from "../../../review/core/plan";
import { reviewPlan } from "../../../review/core/report";
import { envoyAdminAddress, grantsS3, outsideBuckets, RULES } from "../../../review/core/rules";
import { RULE_NAMES } from "../../../review/core/suppressions";
import { EDGE_RULES } from "../../../review/core/edge";
import { ENVOY_RULES } from "../../../review/core/envoy";
import { RESOURCE_POLICY_RULES } from "../../../review/core/resource-policies";
import { planDocument, policy, ref, type FixtureResource } from "./fixtures";

const BUCKETS = { data: { prefixes: ["in/", "out/"] }, whole: { prefixes: [""] } };
const review = (resources: FixtureResource[]) => reviewPlan(parsePlan(planDocument(resources), "test"), { environment: "dev", buckets: BUCKETS });
// The edge, Envoy and resource-policy rules have their own test files; these fixtures are not built to satisfy them.
// container-hardening has its own describe below, with its own finder.
const ELSEWHERE = new Set<string>([...EDGE_RULES, ...ENVOY_RULES, ...RESOURCE_POLICY_RULES, "container-hardening"]);
const found = (resources: FixtureResource[]) => review(resources).violations.filter((v) => !ELSEWHERE.has(v.rule)).map((v) => [v.rule, v.address, v.message]);

const containerDefs = (...defs: Record<string, unknown>[]) => JSON.stringify(defs);
const GOOD_CONTAINER = { name: "app", image: "repo/app@sha256:" + "a".repeat(64), memory: 512, user: "1000", readonlyRootFilesystem: true };
const taskDefinition = (defs: string, taskRole?: string): FixtureResource => ({
  address: "aws_ecs_task_definition.task",
  after: { family: "gw", cpu: "256", memory: "512", container_definitions: defs },
  ...(taskRole ? { unknown: { task_role_arn: true }, config: { task_role_arn: ref(taskRole, "arn") } } : {}),
});

describe("the rule list", () => {
  it("has one rule per documented name, in order", () => {
    expect(RULES.map((r) => r.name)).toEqual([...RULE_NAMES]);
  });
});

describe("iam-wildcard-action", () => {
  it("fires on an Allow with *, a service wildcard or NotAction, in identity and resource policies", () => {
    expect(
      found([
        { address: "aws_iam_policy.p", after: { policy: policy({ Sid: "All", Effect: "Allow", Action: "*", Resource: "*" }, { Sid: "Get", Effect: "Allow", Action: ["s3:Get*"], Resource: "arn:aws:s3:::data/in/*" }) } },
        { address: "aws_kms_key.k", after: { policy: policy({ Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::1:root" }, NotAction: "kms:Delete*", Resource: "*" }) } },
      ]),
    ).toEqual([
      ["iam-wildcard-action", "aws_iam_policy.p", "policy statement All allows *"],
      ["iam-wildcard-action", "aws_iam_policy.p", "policy statement Get allows s3:Get*"],
      ["iam-wildcard-action", "aws_kms_key.k", "policy statement Root allows every action except kms:Delete*"],
    ]);
  });

  it("fires on every Allow action holding a wildcard and never on exact actions (property)", () => {
    const service = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
    const name = fc.stringMatching(/^[A-Za-z0-9]{1,16}$/);
    fc.assert(
      fc.property(service, name, fc.nat(), fc.constantFrom("*", "?"), (svc, act, at, wild) => {
        const i = at % (act.length + 1);
        const wildAction = `${svc}:${act.slice(0, i)}${wild}${act.slice(i)}`;
        const plan = (action: string) => [{ address: "aws_iam_policy.p", after: { policy: policy({ Sid: "S", Effect: "Allow", Action: action, Resource: "arn:aws:s3:::data/in/*" }) } }];
        expect(found(plan(wildAction)).filter(([rule]) => rule === "iam-wildcard-action")).toEqual([["iam-wildcard-action", "aws_iam_policy.p", `policy statement S allows ${wildAction}`]]);
        expect(found(plan(`${svc}:${act}`)).filter(([rule]) => rule === "iam-wildcard-action")).toEqual([]);
      }),
    );
  });

  it("stays quiet on Deny statements and exact actions", () => {
    expect(found([{ address: "aws_s3_bucket_policy.p", after: { policy: policy({ Sid: "TlsOnly", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" }, { Sid: "Put", Effect: "Allow", Principal: { Service: "logs.amazonaws.com" }, Action: "s3:PutObject", Resource: "arn:aws:s3:::x/*" }) } }])).toEqual([]);
  });
});

describe("public-ingress", () => {
  const groups: FixtureResource[] = [
    { address: "aws_security_group.alb", after: {}, unknown: { id: true } },
    { address: "aws_security_group.tasks", after: {}, unknown: { id: true } },
    { address: "aws_lb.alb", after: { internal: false }, unknown: { security_groups: true }, config: { security_groups: { constant_value: ["${aws_security_group.alb.id}"] } } },
  ];
  const rule = (name: string, group: string, cidr: string, from: number, to = from, protocol = "tcp"): FixtureResource => ({
    address: `aws_vpc_security_group_ingress_rule.${name}`,
    after: { cidr_ipv4: cidr, from_port: from, to_port: to, ip_protocol: protocol },
    unknown: { security_group_id: true },
    config: { security_group_id: ref(`aws_security_group.${group}`) },
  });

  it("allows 443 and 80 from anywhere on the load balancer and nothing else public", () => {
    expect(
      found([
        ...groups,
        rule("https", "alb", "0.0.0.0/0", 443),
        rule("http", "alb", "0.0.0.0/0", 80),
        rule("alt", "alb", "0.0.0.0/0", 8443),
        rule("range", "alb", "203.0.113.0/24", 80, 443),
        rule("ssh", "tasks", "0.0.0.0/0", 22),
        rule("vpc", "tasks", "10.0.0.0/16", 8080),
      ]),
    ).toEqual([
      ["public-ingress", "aws_vpc_security_group_ingress_rule.range", "aws_security_group.alb (load balancer aws_lb.alb) accepts tcp 80-443 from 203.0.113.0/24; a load balancer may take only 443 and 80 from the internet"],
      ["public-ingress", "aws_vpc_security_group_ingress_rule.alt", "aws_security_group.alb (load balancer aws_lb.alb) accepts tcp 8443 from 0.0.0.0/0; a load balancer may take only 443 and 80 from the internet"],
      ["public-ingress", "aws_vpc_security_group_ingress_rule.ssh", "aws_security_group.tasks (attached to nothing in this plan) accepts tcp 22 from 0.0.0.0/0; only the load balancer may take public traffic"],
    ]);
  });
});

describe("admin-port-exposed", () => {
  it("fires on ingress covering an admin port, a published admin port and admin listeners off loopback", () => {
    const envoyYaml = "admin:\n  address:\n    socket_address:\n      address: 0.0.0.0\n      port_value: 9901\n";
    expect(
      found([
        { address: "aws_security_group.tasks", after: {}, unknown: { id: true } },
        { address: "aws_vpc_security_group_ingress_rule.all", after: { referenced_security_group_id: "sg-1", ip_protocol: "-1" }, unknown: { security_group_id: true }, config: { security_group_id: ref("aws_security_group.tasks") } },
        taskDefinition(
          containerDefs(
            { ...GOOD_CONTAINER, name: "envoy", command: ["envoy", "--config-yaml", envoyYaml], portMappings: [{ containerPort: 8080 }, { containerPort: 9901, protocol: "tcp" }] },
            { ...GOOD_CONTAINER, name: "authorizer", environment: [{ name: "RAJEE_ADMIN_LISTEN", value: "0.0.0.0:9001" }, { name: "RAJEE_LISTEN", value: "127.0.0.1:9000" }] },
          ),
        ),
      ]),
    ).toEqual([
      ["admin-port-exposed", "aws_vpc_security_group_ingress_rule.all", "aws_security_group.tasks accepts all traffic from security group sg-1, which includes 9000 (authorizer ext_authz), 9001 (authorizer admin), 9901 (Envoy admin)"],
      ["admin-port-exposed", "aws_ecs_task_definition.task", "container envoy publishes port 9901 (Envoy admin)"],
      ["admin-port-exposed", "aws_ecs_task_definition.task", "container envoy: Envoy admin listens on 0.0.0.0; bind it to 127.0.0.1"],
      ["admin-port-exposed", "aws_ecs_task_definition.task", "container authorizer: RAJEE_ADMIN_LISTEN=0.0.0.0:9001 is not a loopback address; use 127.0.0.1:<port>"],
    ]);
  });

  it("reads Envoy's admin address from --config-yaml", () => {
    expect(envoyAdminAddress(["envoy", "--config-yaml", "admin:\n  address:\n    socket_address: { address: 127.0.0.1, port_value: 9901 }\n"])).toBe("127.0.0.1");
    expect(envoyAdminAddress(["envoy", "-c", "/etc/envoy.yaml"])).toBeUndefined();
    expect(envoyAdminAddress(["envoy", "--config-yaml", "admin: [unclosed"])).toBeUndefined();
  });
});

describe("encryption rules", () => {
  it("fire on a secret and a log group without kms_key_id, and stay quiet when they have one", () => {
    expect(
      found([
        { address: "aws_secretsmanager_secret.plain", after: { name: "plain", kms_key_id: null } },
        { address: "aws_secretsmanager_secret.keyed", after: { name: "keyed" }, unknown: { kms_key_id: true }, config: { kms_key_id: ref("aws_kms_key.k", "arn") } },
        { address: "aws_cloudwatch_log_group.plain", after: { name: "/plain", kms_key_id: null } },
        { address: "aws_cloudwatch_log_group.keyed", after: { name: "/keyed", kms_key_id: "arn:aws:kms:eu-west-1:1:key/abc" } },
      ]),
    ).toEqual([
      ["unencrypted-secret", "aws_secretsmanager_secret.plain", "secret plain has no kms_key_id: it is encrypted only with the AWS managed key, which every principal with secretsmanager access in the account can use"],
      ["unencrypted-log-group", "aws_cloudwatch_log_group.plain", "log group /plain has no kms_key_id; the gateway's logs carry request paths and decision reasons"],
    ]);
  });
});

describe("container-without-memory-limit", () => {
  it("fires on a container with only a reservation or nothing, not on one with a limit", () => {
    expect(
      found([
        taskDefinition(containerDefs(GOOD_CONTAINER, { ...GOOD_CONTAINER, name: "soft", memory: undefined, memoryReservation: 128 }, { ...GOOD_CONTAINER, name: "none", memory: undefined })),
      ]),
    ).toEqual([
      ["container-without-memory-limit", "aws_ecs_task_definition.task", "container soft has no memory limit (only a 128 MiB reservation): one leaking container can starve the other in the task"],
      ["container-without-memory-limit", "aws_ecs_task_definition.task", "container none has no memory limit: one leaking container can starve the other in the task"],
    ]);
  });
});

describe("task-role-s3-outside-buckets", () => {
  const role: FixtureResource = { address: "aws_iam_role.task", after: { name: "task" }, unknown: { arn: true, id: true } };
  const rolePolicy = (name: string, ...statements: Record<string, unknown>[]): FixtureResource => ({
    address: `aws_iam_role_policy.${name}`,
    after: { policy: policy(...statements) },
    unknown: { role: true },
    config: { role: ref("aws_iam_role.task") },
  });

  it("fires per statement reaching outside the configured buckets and prefixes", () => {
    expect(
      found([
        role,
        taskDefinition(containerDefs(GOOD_CONTAINER), "aws_iam_role.task"),
        rolePolicy(
          "ok",
          { Sid: "In", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::data/in/*", "arn:aws:s3:::data/out/x/*", "arn:aws:s3:::whole/*", "arn:aws:s3:::data"] },
          { Sid: "Jwks", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" },
        ),
        rolePolicy(
          "bad",
          { Sid: "Other", Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::other/*" },
          { Sid: "Prefix", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data/secret/*" },
          { Sid: "Star", Effect: "Allow", Action: "s3:ListBucket", Resource: "*" },
          { Sid: "Glob", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::dat*/in/*" },
          { Sid: "Deny", Effect: "Deny", Action: "s3:*", Resource: "*" },
        ),
        { address: "aws_iam_role_policy_attachment.managed", after: { policy_arn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" }, unknown: { role: true }, config: { role: ref("aws_iam_role.task", "name") } },
      ]).filter(([rule]) => rule === "task-role-s3-outside-buckets"),
    ).toEqual([
      ["task-role-s3-outside-buckets", "aws_iam_role_policy_attachment.managed", "task role aws_iam_role.task has managed policy arn:aws:iam::aws:policy/AmazonS3FullAccess attached, which is not in this plan; its S3 access cannot be checked"],
      ["task-role-s3-outside-buckets", "aws_iam_role_policy.bad", "task role aws_iam_role.task, policy statement Other: bucket other is not configured (configured: data, whole)"],
      ["task-role-s3-outside-buckets", "aws_iam_role_policy.bad", "task role aws_iam_role.task, policy statement Prefix: objects secret/* of data are outside its configured prefixes (in/, out/)"],
      ["task-role-s3-outside-buckets", "aws_iam_role_policy.bad", "task role aws_iam_role.task, policy statement Star: resource * (every bucket)"],
      ["task-role-s3-outside-buckets", "aws_iam_role_policy.bad", "task role aws_iam_role.task, policy statement Glob: resource arn:aws:s3:::dat*/in/* matches buckets by wildcard"],
    ]);
  });

  it("checks only the task role: other roles may reach other buckets", () => {
    const other: FixtureResource = { address: "aws_iam_role_policy.rotation", after: { role: "rotation", policy: policy({ Sid: "Any", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::elsewhere/*" }) } };
    expect(found([role, taskDefinition(containerDefs(GOOD_CONTAINER), "aws_iam_role.task"), other])).toEqual([]);
  });

  it("cannot check a task role outside the plan and says so", () => {
    const td: FixtureResource = { address: "aws_ecs_task_definition.task", after: { family: "gw", container_definitions: containerDefs(GOOD_CONTAINER), task_role_arn: "arn:aws:iam::1:role/elsewhere" } };
    expect(found([td])).toEqual([["task-role-s3-outside-buckets", "aws_ecs_task_definition.task", "task role arn:aws:iam::1:role/elsewhere is not in this plan, so its S3 access cannot be checked"]]);
  });
});

describe("outsideBuckets", () => {
  const name = fc.stringMatching(/^[a-z0-9][a-z0-9-]{2,20}$/);
  const prefix = fc.stringMatching(/^[a-z0-9]{1,8}\/$/);
  const config = fc.dictionary(name, fc.array(prefix, { minLength: 1, maxLength: 3 }), { minKeys: 1, maxKeys: 3 }).map((d) => Object.fromEntries(Object.entries(d).map(([k, prefixes]) => [k, { prefixes }])));

  it("accepts every object ARN under a configured prefix and every configured bucket ARN", () => {
    fc.assert(
      fc.property(config, fc.nat(), fc.stringMatching(/^[a-z0-9/]{0,12}$/), (buckets, pick, rest) => {
        const names = Object.keys(buckets);
        const bucket = names[pick % names.length]!;
        const prefixes = buckets[bucket]!.prefixes;
        const p = prefixes[pick % prefixes.length]!;
        expect(outsideBuckets(`arn:aws:s3:::${bucket}`, buckets)).toBeUndefined();
        expect(outsideBuckets(`arn:aws:s3:::${bucket}/${p}${rest}*`, buckets)).toBeUndefined();
      }),
    );
  });

  it("refuses every bucket that is not configured and every key outside the prefixes", () => {
    fc.assert(
      fc.property(config, name, (buckets, other) => {
        fc.pre(!Object.hasOwn(buckets, other));
        expect(outsideBuckets(`arn:aws:s3:::${other}/*`, buckets)).toMatch(/^bucket .* is not configured/);
        const [bucket, access] = Object.entries(buckets)[0]!;
        fc.pre(!access.prefixes.some((p) => "zz-outside/".startsWith(p)));
        expect(outsideBuckets(`arn:aws:s3:::${bucket}/zz-outside/*`, buckets)).toMatch(/outside its configured prefixes/);
        expect(outsideBuckets(`arn:aws:s3:::${bucket}/*`, buckets)).toMatch(/outside its configured prefixes/);
      }),
    );
  });

  it("ignores other services' ARNs but not a wildcard service", () => {
    expect(outsideBuckets("arn:aws:secretsmanager:eu-west-1:1:secret:x", BUCKETS)).toBeUndefined();
    expect(outsideBuckets("arn:aws:*:::data/*", BUCKETS)).toBe("resource arn:aws:*:::data/* matches any service, S3 included");
    expect(outsideBuckets("${aws_s3_bucket.b.arn}/*", BUCKETS)).toBe("resource aws_s3_bucket.b/* is not known before apply, so it cannot be checked");
  });
});

describe("grantsS3", () => {
  it.each([
    ["*", true],
    ["s3:*", true],
    ["S3:GetObject", true],
    ["s*:List*", true],
    ["s3-object-lambda:GetObject", false],
    ["secretsmanager:GetSecretValue", false],
  ])("%s -> %s", (action, expected) => expect(grantsS3(action)).toBe(expected));
});

describe("container-hardening", () => {
  const hardening = (resources: FixtureResource[]) => review(resources).violations.filter((v) => v.rule === "container-hardening").map((v) => [v.subject, v.message]);
  const HARDENED = { ...GOOD_CONTAINER, linuxParameters: { initProcessEnabled: true } };

  it("passes a read-only, non-root, unprivileged container with an init process", () => {
    expect(hardening([taskDefinition(containerDefs(HARDENED))])).toEqual([]);
  });

  it("names every missing protection of a container in one finding", () => {
    expect(hardening([taskDefinition(containerDefs({ name: "debug", image: "busybox", memory: 64, privileged: true }), undefined), taskDefinition(containerDefs({ ...HARDENED, name: "root", user: "0:0" }))])).toEqual([
      ["debug", "container debug runs with a writable root filesystem (set readonlyRootFilesystem: true); the image's default user, often root (set user to a numeric non-root uid:gid); privileged: true (remove it); no init process to forward SIGTERM (set linuxParameters.initProcessEnabled: true)"],
      ["root", "container root runs with user 0:0 (use a numeric non-root uid:gid)"],
    ]);
  });
});
