import type { DestructiveChange } from "./changes";
import type { ContainerRow } from "./containers";
import type { EncryptionRow } from "./encryption";
import type { IamStatement } from "./iam";
import type { IngressRule, Listener, Subnet } from "./network";
import type { ChangeKind, Json, Plan, PlannedResource } from "./plan";
import { reviewPlan, type Report, type ReviewOptions } from "./report";
import type { Violation } from "./suppressions";
import type { EnvoySettingRow } from "./envoy";
import type { InvokerRow } from "./issuer";

/** Rows present only in the head plan, only in the base plan, or in both with different content. */
export interface RowDiff<T> {
  readonly added: readonly T[];
  readonly removed: readonly T[];
  readonly changed: ReadonlyArray<{ readonly before: T; readonly after: T }>;
}

/** A resource the two plans treat differently. */
export interface ResourceDiff {
  readonly address: string;
  readonly type: string;
  /** What the base plan does to it, or `absent`. */
  readonly base: ChangeKind | "absent";
  /** What the head plan does to it, or `absent`. */
  readonly head: ChangeKind | "absent";
  /** Top-level attributes whose planned values differ. */
  readonly attributes: readonly string[];
}

/** What changed between a base plan (e.g. the target branch) and a head plan (the pull request). */
export interface ReviewDiff {
  readonly environment: string;
  /** True when the head plan breaks no rule. */
  readonly passed: boolean;
  readonly resources: readonly ResourceDiff[];
  readonly destructive: RowDiff<DestructiveChange>;
  readonly iam: RowDiff<IamStatement>;
  readonly ingress: RowDiff<IngressRule>;
  readonly listeners: RowDiff<Listener>;
  readonly subnets: RowDiff<Subnet>;
  readonly encryption: RowDiff<EncryptionRow>;
  readonly containers: RowDiff<ContainerRow>;
  /** Envoy settings (docs/envoy.md's security table) present in only one plan or with different values. */
  readonly envoy: RowDiff<EnvoySettingRow>;
  /** Grants to invoke the token issuer added, removed or changed. */
  readonly invokers: RowDiff<InvokerRow>;
  /** Violations new in the head plan, gone from it, and still there. */
  readonly violations: { readonly added: readonly Violation[]; readonly resolved: readonly Violation[]; readonly remaining: readonly Violation[] };
  /** The full head report (its violations decide the exit code). */
  readonly head: Report;
}

/** JSON with object keys sorted, so equal values compare equal. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Compares two lists of rows by `key`; rows with the same key and different content are changed. */
export function diffRows<T>(base: readonly T[], head: readonly T[], key: (row: T) => string, compared: (row: T) => unknown = (row) => row): RowDiff<T> {
  const before = new Map(base.map((r) => [key(r), r]));
  const after = new Map(head.map((r) => [key(r), r]));
  const added = head.filter((r) => !before.has(key(r)));
  const removed = base.filter((r) => !after.has(key(r)));
  const changed = head.flatMap((r) => {
    const old = before.get(key(r));
    return old !== undefined && stableJson(compared(old)) !== stableJson(compared(r)) ? [{ before: old, after: r }] : [];
  });
  return { added, removed, changed };
}

function attributeDiff(a: Record<string, Json>, b: Record<string, Json>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => stableJson(a[k]) !== stableJson(b[k])).sort();
}

/** Resources whose planned action or values differ between the plans. */
export function diffResources(base: Plan, head: Plan): ResourceDiff[] {
  const before = new Map(base.resources.map((r) => [r.address, r]));
  const after = new Map(head.resources.map((r) => [r.address, r]));
  const addresses = [...new Set([...before.keys(), ...after.keys()])].sort();
  return addresses.flatMap((address): ResourceDiff[] => {
    const b: PlannedResource | undefined = before.get(address);
    const h: PlannedResource | undefined = after.get(address);
    const type = (h ?? b)!.type;
    if (!b || !h) return [{ address, type, base: b?.change ?? "absent", head: h?.change ?? "absent", attributes: [] }];
    const attributes = attributeDiff(b.values, h.values);
    return b.change === h.change && attributes.length === 0 ? [] : [{ address, type, base: b.change, head: h.change, attributes }];
  });
}

const violationKey = (v: Violation) => `${v.rule}|${v.address}|${v.subject ?? ""}|${v.message}`;

/**
 * Rules that judge a plan against what this checkout renders (`envoy-config-drift`: the head's
 * envoy-templates). The base plan was rendered by the base branch's templates, so its Envoy config
 * differs from the head's rendering whenever the pull request changes the bootstrap; that is not a
 * violation of the base, and its disappearance is not a fix. Such findings of the base are left out.
 */
const JUDGED_AGAINST_HEAD: ReadonlySet<string> = new Set(["envoy-config-drift"]);

/** Reviews both plans and keeps only what differs; the head plan's violations still decide `passed`. */
export function diffPlans(base: Plan, head: Plan, options: ReviewOptions): ReviewDiff {
  const b = reviewPlan(base, options);
  const h = reviewPlan(head, options);
  const baseViolations = b.violations.filter((v) => !JUDGED_AGAINST_HEAD.has(v.rule));
  const violations = diffRows(baseViolations, h.violations, violationKey);
  const headKeys = new Set(h.violations.map(violationKey));
  return {
    environment: options.environment,
    passed: h.passed,
    resources: diffResources(base, head),
    destructive: diffRows(b.destructive, h.destructive, (d) => d.address),
    iam: diffRows(b.iam.statements, h.iam.statements, (s) => `${s.address}|${s.attribute}|${s.sid}`),
    ingress: diffRows(b.network.ingress, h.network.ingress, (r) => `${r.address}|${r.source}|${r.protocol}|${r.fromPort}-${r.toPort}`),
    listeners: diffRows(b.network.listeners, h.network.listeners, (l) => l.address),
    subnets: diffRows(b.network.subnets, h.network.subnets, (s) => s.address),
    encryption: diffRows(b.encryption, h.encryption, (e) => e.address),
    // The command is not a column of the table; an Envoy config change shows in `envoy` instead.
    containers: diffRows(b.containers.containers, h.containers.containers, (c) => `${c.taskDefinition}|${c.name}`, ({ command: _command, ...shown }) => shown),
    envoy: diffRows(b.envoy, h.envoy, (e) => `${e.where}|${e.setting}`),
    invokers: diffRows(b.invokers, h.invokers, (i) => `${i.function}|${i.source}`),
    violations: { added: violations.added, resolved: violations.removed, remaining: baseViolations.filter((v) => headKeys.has(violationKey(v))) },
    head: h,
  };
}
