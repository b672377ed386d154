import { AUTHORIZER_VARIABLES } from "../../src/contracts/authorizer-environment";
import { parse as parseYaml } from "yaml";
import type { ContainerRow } from "./containers";
import type { EncryptionRow } from "./encryption";
import { hasWildcard, IDENTITY_POLICY_TYPES, policiesOf, type IamStatement, type UnresolvedPolicy } from "./iam";
import { coversPort, describePorts, display, portRange, type IngressRule } from "./network";
import { at, listAt, UNKNOWN, type PlannedResource, type ResourceIndex } from "./plan";
import type { RuleName, Violation } from "./suppressions";
import { EDGE_RULE_SUMMARIES, egressViolations, loadBalancerViolations, wafLoggingViolations, type EdgeOptions } from "./edge";
import { ENVOY_RULE_SUMMARIES, envoyViolations, type EnvoyConfig, type EnvoyExpectations } from "./envoy";
import { RESOURCE_POLICY_RULE_SUMMARIES, resourcePolicyViolations, type ResourcePolicyOptions } from "./resource-policies";

/** What the gateway may serve: bucket name -> prefixes (`""` is the whole bucket). */
export type ConfiguredBuckets = Readonly<Record<string, { readonly prefixes: readonly string[] }>>;

/** Everything the rules read, computed once per plan. */
export interface RuleContext {
  readonly index: ResourceIndex;
  readonly statements: readonly IamStatement[];
  readonly unresolvedPolicies: readonly UnresolvedPolicy[];
  readonly ingress: readonly IngressRule[];
  readonly containers: readonly ContainerRow[];
  readonly encryption: readonly EncryptionRow[];
  /** Buckets of the environment's config: the task role may reach nothing else. */
  readonly buckets: ConfiguredBuckets;
  /** Ports nobody may reach, port -> what listens there. */
  readonly adminPorts: Readonly<Record<number, string>>;
  /** Ports the load balancer may open to the internet. */
  readonly publicLoadBalancerPorts: readonly number[];
  /** Envoy configurations found in container commands. */
  readonly envoyConfigs: readonly EnvoyConfig[];
  /** What the Envoy rules compare with; without it they do not run. */
  readonly envoy: EnvoyExpectations | undefined;
  /** Environment policy of the edge rules. */
  readonly edge: EdgeOptions;
  /** Environment policy of the resource-policy rules; without an account the cross-account checks do not run. */
  readonly resourcePolicies: Omit<ResourcePolicyOptions, "accountId"> & { readonly accountId: string | undefined };
}

/** One policy rule. */
export interface Rule {
  readonly name: RuleName;
  /** What it forbids, one line (the docs' rules table). */
  readonly summary: string;
  check(ctx: RuleContext): Violation[];
}

const statementLabel = (s: IamStatement) => `${s.attribute} statement ${s.sid}`;

const iamWildcardAction: Rule = {
  name: "iam-wildcard-action",
  summary: "An Allow statement whose action has a wildcard (`*`, `s3:*`, `s3:Get*`) or that uses NotAction, in any policy",
  check: (ctx) =>
    ctx.statements
      .filter((s) => s.benign === undefined && s.effect === "Allow" && (s.notAction || s.actions.some(hasWildcard)))
      .map((s) => ({
        rule: "iam-wildcard-action",
        address: s.address,
        subject: s.sid,
        message: `${statementLabel(s)} allows ${s.notAction ? `every action except ${s.actions.join(", ")}` : s.actions.filter(hasWildcard).join(", ")}`,
      })),
};

const publicIngress: Rule = {
  name: "public-ingress",
  summary: "Ingress from a public address range to anything but ports 443 and 80 of a load balancer's security group",
  check: (ctx) =>
    ctx.ingress
      .filter((r) => r.public)
      .filter((r) => !(r.onLoadBalancer && ctx.publicLoadBalancerPorts.some((p) => r.fromPort === p && r.toPort === p && r.protocol === "tcp")))
      .map((r) => ({
        rule: "public-ingress",
        address: r.address,
        subject: `${r.source} ${portRange(r)}`,
        message: `${r.securityGroup} (${r.attachedTo === "-" ? "attached to nothing in this plan" : r.attachedTo}) accepts ${describePorts(r)} from ${r.source}${r.onLoadBalancer ? `; a load balancer may take only ${ctx.publicLoadBalancerPorts.join(" and ")} from the internet` : "; only the load balancer may take public traffic"}`,
      })),
};

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|\[::1\])$/;

/** Host part of `host:port` (`127.0.0.1:9001`, `[::1]:9001`), or undefined when there is none. */
function hostOf(listen: string): string | undefined {
  const m = /^(\[[^\]]+\]|[^:]+):\d+$/.exec(listen.trim());
  return m?.[1];
}

/** Envoy's admin socket address from a `--config-yaml` command, when there is one. */
export function envoyAdminAddress(command: readonly string[] | string | undefined): string | undefined {
  const args = typeof command === "string" ? [command] : (command ?? []);
  const i = args.indexOf("--config-yaml");
  const yamlText = i >= 0 ? args[i + 1] : undefined;
  if (yamlText === undefined) return undefined;
  try {
    const address = at(parseYaml(yamlText) as never, "admin", "address", "socket_address", "address");
    return typeof address === "string" ? address : undefined;
  } catch {
    return undefined;
  }
}

const adminPortExposed: Rule = {
  name: "admin-port-exposed",
  summary: "An admin or internal port (Envoy admin 9901, authorizer 9000/9001) reachable through a security group, published by a container, or bound to a non-loopback address",
  check: (ctx) => {
    const out: Violation[] = [];
    const named = Object.entries(ctx.adminPorts)
      .map(([p, what]) => [Number(p), what] as const)
      .sort(([a], [b]) => a - b);
    for (const r of ctx.ingress) {
      const covered = named.filter(([port]) => coversPort(r, port));
      if (covered.length) {
        const ports = covered.map(([port, what]) => `${port} (${what})`).join(", ");
        out.push({ rule: "admin-port-exposed", address: r.address, subject: `${r.source} ${portRange(r)}`, message: `${r.securityGroup} accepts ${describePorts(r)} from ${r.source}, which includes ${ports}` });
      }
    }
    for (const c of ctx.containers) {
      for (const [port, what] of named) {
        if (c.ports.some((p) => p.startsWith(`${port}/`))) {
          out.push({ rule: "admin-port-exposed", address: c.taskDefinition, subject: c.name, message: `container ${c.name} publishes port ${port} (${what})` });
        }
      }
      const admin = envoyAdminAddress(c.command);
      if (admin !== undefined && !LOOPBACK.test(admin)) {
        out.push({ rule: "admin-port-exposed", address: c.taskDefinition, subject: c.name, message: `container ${c.name}: Envoy admin listens on ${admin}; bind it to 127.0.0.1` });
      }
      for (const variable of [AUTHORIZER_VARIABLES.adminListen, AUTHORIZER_VARIABLES.listen]) {
        const value = c.environment[variable];
        const host = value === undefined ? undefined : hostOf(value);
        if (value !== undefined && (host === undefined || !LOOPBACK.test(host))) {
          out.push({ rule: "admin-port-exposed", address: c.taskDefinition, subject: c.name, message: `container ${c.name}: ${variable}=${value} is not a loopback address; use 127.0.0.1:<port>` });
        }
      }
    }
    return out;
  },
};

const unencryptedSecret: Rule = {
  name: "unencrypted-secret",
  summary: "A Secrets Manager secret without a customer managed KMS key (`kms_key_id`)",
  check: (ctx) =>
    ctx.encryption
      .filter((e) => e.kind === "secret" && !e.customerKey)
      .map((e) => ({ rule: "unencrypted-secret", address: e.address, message: `secret ${e.name} has no kms_key_id: it is encrypted only with the AWS managed key, which every principal with secretsmanager access in the account can use` })),
};

const unencryptedLogGroup: Rule = {
  name: "unencrypted-log-group",
  summary: "A CloudWatch log group without a KMS key (`kms_key_id`)",
  check: (ctx) =>
    ctx.encryption
      .filter((e) => e.kind === "log group" && !e.customerKey)
      .map((e) => ({ rule: "unencrypted-log-group", address: e.address, message: `log group ${e.name} has no kms_key_id; the gateway's logs carry request paths and decision reasons` })),
};

const containerWithoutMemoryLimit: Rule = {
  name: "container-without-memory-limit",
  summary: "An ECS container without a hard memory limit (`memory`)",
  check: (ctx) =>
    ctx.containers
      .filter((c) => c.memoryMiB === undefined || c.memoryMiB <= 0)
      .map((c) => ({
        rule: "container-without-memory-limit",
        address: c.taskDefinition,
        subject: c.name,
        message: `container ${c.name} has no memory limit${c.memoryReservationMiB !== undefined ? ` (only a ${c.memoryReservationMiB} MiB reservation)` : ""}: one leaking container can starve the other in the task`,
      })),
};

const ROOT_USER = /^(root|0)(:.*)?$/;

const containerHardening: Rule = {
  name: "container-hardening",
  summary: "An ECS container with a writable root filesystem, running as root (or the image's default user), privileged, or without ECS's init process",
  check: (ctx) =>
    ctx.containers.flatMap((c) => {
      const problems = [
        ...(c.readonlyRootFilesystem ? [] : ["a writable root filesystem (set readonlyRootFilesystem: true)"]),
        ...(c.user === undefined ? ["the image's default user, often root (set user to a numeric non-root uid:gid)"] : ROOT_USER.test(c.user) ? [`user ${c.user} (use a numeric non-root uid:gid)`] : []),
        ...(c.privileged ? ["privileged: true (remove it)"] : []),
        ...(c.initProcessEnabled ? [] : ["no init process to forward SIGTERM (set linuxParameters.initProcessEnabled: true)"]),
      ];
      return problems.length ? [{ rule: "container-hardening" as const, address: c.taskDefinition, subject: c.name, message: `container ${c.name} runs with ${problems.join("; ")}` }] : [];
    }),
};

/** True when an IAM action pattern (`*`, `s3:*`, `S3:Get*`, `s3:GetObject`) names some S3 action. */
export function grantsS3(action: string): boolean {
  const service = action.includes(":") ? action.slice(0, action.indexOf(":")) : action;
  const glob = new RegExp(`^${service.toLowerCase().replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return glob.test("s3");
}

/** Why `resource` reaches S3 outside `buckets`, or undefined when it stays inside. */
export function outsideBuckets(resource: string, buckets: ConfiguredBuckets): string | undefined {
  if (resource === "*") return "resource * (every bucket)";
  if (resource.includes("${")) return `resource ${display(resource)} is not known before apply, so it cannot be checked`;
  const arn = /^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)$/.exec(resource);
  if (!arn) return `resource ${resource} is not an ARN`;
  const service = arn[2] ?? "";
  if (service !== "s3") return hasWildcard(service) ? `resource ${resource} matches any service, S3 included` : undefined;
  const path = arn[5] ?? "";
  const slash = path.indexOf("/");
  const bucket = slash < 0 ? path : path.slice(0, slash);
  if (hasWildcard(bucket)) return `resource ${resource} matches buckets by wildcard`;
  const access = Object.hasOwn(buckets, bucket) ? buckets[bucket] : undefined;
  if (!access) return `bucket ${bucket} is not configured (configured: ${Object.keys(buckets).join(", ") || "none"})`;
  if (slash < 0) return undefined;
  const key = path.slice(slash + 1);
  if (access.prefixes.includes("") || access.prefixes.some((p) => key.startsWith(p))) return undefined;
  return `objects ${key} of ${bucket} are outside its configured prefixes (${access.prefixes.join(", ")})`;
}

/** `${aws_s3_bucket.x.arn}` -> `arn:aws:s3:::<bucket>` when the bucket's name is in the plan. */
function withBucketArns(resource: string, index: ResourceIndex): string {
  return resource.replace(/\$\{([^}]+)\.arn\}/g, (whole, address: string) => {
    const bucket = index.resolve(`\${${address}.arn}`, "aws_s3_bucket");
    const name = bucket?.values.bucket;
    return typeof name === "string" && !name.startsWith("${") && name !== UNKNOWN ? `arn:aws:s3:::${name}` : whole;
  });
}

/** The roles task definitions run as: role resources of the plan, or ARNs of roles outside it. */
function taskRoles(index: ResourceIndex): { roles: PlannedResource[]; external: { taskDefinition: string; arn: string }[] } {
  const roles = new Map<string, PlannedResource>();
  const external: { taskDefinition: string; arn: string }[] = [];
  for (const td of index.ofType("aws_ecs_task_definition")) {
    const value = td.values.task_role_arn;
    if (typeof value !== "string" || value === "" || value === UNKNOWN) continue;
    const role = index.resolve(value, "aws_iam_role");
    if (role) roles.set(role.address, role);
    else external.push({ taskDefinition: td.address, arn: value });
  }
  return { roles: [...roles.values()], external };
}

const taskRoleS3OutsideBuckets: Rule = {
  name: "task-role-s3-outside-buckets",
  summary: "The ECS task role may use S3 outside the environment's configured buckets and prefixes, or has a policy this review cannot read",
  check: (ctx) => {
    const { index } = ctx;
    const out: Violation[] = [];
    const { roles, external } = taskRoles(index);
    for (const e of external) {
      out.push({ rule: "task-role-s3-outside-buckets", address: e.taskDefinition, subject: e.arn, message: `task role ${e.arn} is not in this plan, so its S3 access cannot be checked` });
    }
    for (const role of roles) {
      const statements: IamStatement[] = [];
      const unresolved: UnresolvedPolicy[] = [];
      const take = (r: PlannedResource, only?: (a: string) => boolean) => {
        const p = policiesOf(r);
        statements.push(...p.statements.filter((s) => s.kind === "identity" && (!only || only(s.attribute))));
        unresolved.push(...p.unresolved.filter((u) => u.kind === "identity"));
      };
      take(role, (a) => a.startsWith("inline_policy"));
      for (const rp of index.ofType(...IDENTITY_POLICY_TYPES.filter((t) => t === "aws_iam_role_policy"))) {
        if (index.refersTo(rp.values.role, role)) take(rp);
      }
      const attached = [
        ...index.ofType("aws_iam_role_policy_attachment").filter((a) => index.refersTo(a.values.role, role)).map((a) => ({ from: a.address, arn: a.values.policy_arn })),
        ...listAt(role.values, "managed_policy_arns").map((arn) => ({ from: role.address, arn })),
      ];
      for (const { from, arn } of attached) {
        const policy = index.resolve(arn ?? null, "aws_iam_policy");
        if (policy) take(policy);
        else out.push({ rule: "task-role-s3-outside-buckets", address: from, subject: display(arn), message: `task role ${role.address} has managed policy ${display(arn)} attached, which is not in this plan; its S3 access cannot be checked` });
      }
      for (const u of unresolved) {
        out.push({ rule: "task-role-s3-outside-buckets", address: u.address, subject: u.attribute, message: `task role ${role.address}: policy ${u.attribute} is ${display(u.value)}, unreadable before apply; its S3 access cannot be checked` });
      }
      for (const s of statements) {
        if (s.effect !== "Allow") continue;
        const s3 = s.notAction ? !s.actions.some((a) => a === "*" || a.toLowerCase() === "s3:*") : s.actions.some(grantsS3);
        if (!s3) continue;
        const reasons = s.notResource
          ? [`NotResource ${s.resources.join(", ")} reaches every other resource`]
          : s.resources.map((r) => outsideBuckets(withBucketArns(r, index), ctx.buckets)).filter((r): r is string => r !== undefined);
        for (const reason of reasons) {
          out.push({ rule: "task-role-s3-outside-buckets", address: s.address, subject: s.sid, message: `task role ${role.address}, ${statementLabel(s)}: ${reason}` });
        }
      }
    }
    return out;
  },
};

/** Rules computed together by one module, split by name so each is listed (and documented) on its own. */
function group<N extends RuleName>(summaries: Readonly<Record<N, string>>, all: (ctx: RuleContext) => Violation[]): Rule[] {
  // Computed once per plan, then split by rule.
  const computed = new WeakMap<RuleContext, Violation[]>();
  const once = (ctx: RuleContext) => computed.get(ctx) ?? (computed.set(ctx, all(ctx)), computed.get(ctx)!);
  return (Object.keys(summaries) as N[]).map((name) => ({ name, summary: summaries[name], check: (ctx: RuleContext) => once(ctx).filter((v) => v.rule === name) }));
}

const envoyRules = group(ENVOY_RULE_SUMMARIES, (ctx) => (ctx.envoy ? ctx.envoyConfigs.flatMap((c) => envoyViolations(c, ctx.envoy!)) : []));
const edgeRules = group(EDGE_RULE_SUMMARIES, (ctx) => [...loadBalancerViolations(ctx.index, ctx.edge), ...wafLoggingViolations(ctx.index), ...egressViolations(ctx.index)]);
const resourcePolicyRules = group(RESOURCE_POLICY_RULE_SUMMARIES, (ctx) =>
  resourcePolicyViolations(ctx.index, ctx.statements, ctx.containers, { ...ctx.resourcePolicies, accountId: ctx.resourcePolicies.accountId ?? "" }),
);

/** Every policy rule, in the order the report lists them. */
export const RULES: readonly Rule[] = [
  iamWildcardAction,
  publicIngress,
  adminPortExposed,
  unencryptedSecret,
  unencryptedLogGroup,
  containerWithoutMemoryLimit,
  containerHardening,
  taskRoleS3OutsideBuckets,
  ...envoyRules,
  ...edgeRules,
  ...resourcePolicyRules,
];

/** Runs every rule; a finding reported twice (two resources of one statement, say) is listed once. */
export function checkRules(ctx: RuleContext): Violation[] {
  const seen = new Set<string>();
  return RULES.flatMap((rule) => rule.check(ctx)).filter((v) => {
    const key = JSON.stringify([v.rule, v.address, v.subject ?? null, v.message]);
    return seen.has(key) ? false : (seen.add(key), true);
  });
}
