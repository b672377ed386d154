import { AUTHORIZER_ADMIN_PORT, AUTHORIZER_PORT, ENVOY_ADMIN_PORT } from "../../src/contracts/gateway";
import { countChanges, destructiveChanges, type ChangeSummary, type DestructiveChange, type TypeCount } from "./changes";
import { containers, type ContainerRow, type TaskRow, type UnreadableTaskDefinition } from "./containers";
import { encryptionRows, type EncryptionRow } from "./encryption";
import { recogniseBenign } from "./benign";
import type { EdgeOptions } from "./edge";
import { envoyConfigs, envoySettingRows, type EnvoyExpectations, type EnvoySettingRow } from "./envoy";
import { policiesOf, type IamStatement, type UnresolvedPolicy } from "./iam";
import { issuerInvokers, type InvokerRow } from "./issuer";
import { networkExposure, type NetworkExposure } from "./network";
import { ResourceIndex, type Plan } from "./plan";
import { checkRules, type ConfiguredBuckets } from "./rules";
import { applySuppressions, validateSuppressions, type SuppressedViolation, type Suppression, type Violation } from "./suppressions";

/** Ports nobody may reach, as the gateway's Envoy and authorizer use them by default. */
export const DEFAULT_ADMIN_PORTS: Readonly<Record<number, string>> = {
  [ENVOY_ADMIN_PORT]: "Envoy admin",
  [AUTHORIZER_PORT]: "authorizer ext_authz",
  [AUTHORIZER_ADMIN_PORT]: "authorizer admin",
};

/** Ports a load balancer may open to the internet. */
export const DEFAULT_PUBLIC_LOAD_BALANCER_PORTS: readonly number[] = [443, 80];

export interface ReviewOptions {
  /** Environment name: selects suppressions and heads the report. */
  readonly environment: string;
  /** The environment's configured buckets (config/<env>.ts `buckets`). */
  readonly buckets: ConfiguredBuckets;
  /** Accepted exceptions (review/accepted-suppressions.ts). @default none */
  readonly suppressions?: readonly Suppression[];
  /** Ports that must never be reachable, port -> what listens. @default DEFAULT_ADMIN_PORTS */
  readonly adminPorts?: Readonly<Record<number, string>>;
  /** Ports a load balancer may open to the internet. @default DEFAULT_PUBLIC_LOAD_BALANCER_PORTS */
  readonly publicLoadBalancerPorts?: readonly number[];
  /** The environment's AWS account: recognises this account's root and flags other accounts. @default none (cross-account checks off) */
  readonly accountId?: string;
  /** The gateway's Envoy settings and names the Envoy rules compare with. @default none (Envoy rules off) */
  readonly envoy?: EnvoyExpectations;
  /** Load balancers must have deletion protection. @default false */
  readonly requireDeletionProtection?: boolean;
  /** Container images must be pinned by digest. @default false */
  readonly requireImageDigests?: boolean;
  /** Principals that may invoke the token issuer (config `issuer.invokers`). @default none */
  readonly issuerInvokers?: readonly string[];
  /** The environment's region: the deny list's secret and the Secrets Manager endpoint its key is used through. @default unknown (any region) */
  readonly region?: string;
}

/** The review of one plan: what a pull request comment shows, and what `--format json` prints. */
export interface Report {
  readonly environment: string;
  readonly terraformVersion: string;
  /** True when no rule is broken (suppressed violations do not count). */
  readonly passed: boolean;
  readonly summary: ChangeSummary;
  readonly destructive: readonly DestructiveChange[];
  readonly violations: readonly Violation[];
  readonly suppressed: readonly SuppressedViolation[];
  /** Suppressions for this environment that matched nothing: remove them, or fix their address. */
  readonly unusedSuppressions: readonly Suppression[];
  readonly changes: readonly TypeCount[];
  readonly iam: { readonly statements: readonly IamStatement[]; readonly unresolved: readonly UnresolvedPolicy[] };
  readonly network: NetworkExposure;
  readonly encryption: readonly EncryptionRow[];
  readonly containers: { readonly tasks: readonly TaskRow[]; readonly containers: readonly ContainerRow[]; readonly unreadable: readonly UnreadableTaskDefinition[] };
  /** The security-relevant settings of every Envoy configuration in the plan (empty without `envoy` options). */
  readonly envoy: readonly EnvoySettingRow[];
  /** Who may invoke the token issuer: every grant on a function that serves a Function URL. */
  readonly invokers: readonly InvokerRow[];
}

/** Reviews a plan read by `parsePlan`: sections, rule violations, suppressions applied. Pure. */
export function reviewPlan(plan: Plan, options: ReviewOptions): Report {
  const suppressions = validateSuppressions(options.suppressions ?? []);
  const adminPorts = options.adminPorts ?? DEFAULT_ADMIN_PORTS;
  const publicLoadBalancerPorts = options.publicLoadBalancerPorts ?? DEFAULT_PUBLIC_LOAD_BALANCER_PORTS;
  const index = new ResourceIndex(plan.resources);
  const policies = index.live().map(policiesOf);
  const typeOf = new Map(index.live().map((r) => [r.address, r.type]));
  const statements = recogniseBenign(policies.flatMap((p) => p.statements), (a) => typeOf.get(a), options.accountId ?? "");
  const unresolved = policies.flatMap((p) => p.unresolved);
  const network = networkExposure(index);
  const encryption = encryptionRows(index);
  const tasks = containers(index);
  const configs = envoyConfigs(tasks.containers);
  const edge: EdgeOptions = { requireDeletionProtection: options.requireDeletionProtection ?? false };
  const found = checkRules({
    index,
    statements,
    unresolvedPolicies: unresolved,
    ingress: network.ingress,
    containers: tasks.containers,
    encryption,
    buckets: options.buckets,
    adminPorts,
    publicLoadBalancerPorts,
    envoyConfigs: configs,
    envoy: options.envoy,
    edge,
    resourcePolicies: { accountId: options.accountId, requireImageDigests: options.requireImageDigests ?? false, issuerInvokers: options.issuerInvokers ?? [], ...(options.region === undefined ? {} : { region: options.region }) },
  });
  const { violations, suppressed, unused } = applySuppressions(found, suppressions, options.environment);
  const { byType, summary } = countChanges(plan);
  return {
    environment: options.environment,
    terraformVersion: plan.terraformVersion,
    passed: violations.length === 0,
    summary,
    destructive: destructiveChanges(plan),
    violations,
    suppressed,
    unusedSuppressions: unused,
    changes: byType,
    iam: { statements, unresolved },
    network,
    encryption,
    containers: tasks,
    envoy: options.envoy ? envoySettingRows(configs, options.envoy) : [],
    invokers: issuerInvokers(index, statements),
  };
}
