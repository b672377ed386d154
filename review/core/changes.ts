import type { ChangeKind, Plan } from "./plan";

/** How many resources of one type the plan creates, updates, replaces and destroys. */
export interface TypeCount {
  readonly type: string;
  readonly create: number;
  readonly update: number;
  readonly replace: number;
  readonly destroy: number;
}

/** Totals over the whole plan. */
export interface ChangeSummary {
  readonly create: number;
  readonly update: number;
  readonly replace: number;
  readonly destroy: number;
  readonly unchanged: number;
}

/** A replace or destroy that loses data, keys, an address clients use, or a whole network. */
export interface DestructiveChange {
  readonly address: string;
  readonly type: string;
  readonly change: "replace" | "destroy";
  /** What is lost, e.g. `every object in the bucket`. */
  readonly loses: string;
  /** Attributes that force the replacement, when Terraform says. */
  readonly forcedBy: readonly string[];
}

/** Types whose replacement or destruction loses something a new resource does not bring back. */
export const STATEFUL_TYPES: Readonly<Record<string, string>> = {
  aws_s3_bucket: "every object in the bucket",
  aws_kms_key: "the key material: whatever it encrypted becomes unreadable once the key is deleted",
  aws_secretsmanager_secret: "the secret's versions (signing or binding keys, JWKS, or the deny list: every revocation in it)",
  aws_secretsmanager_secret_version: "a secret value",
  aws_cloudwatch_log_group: "the log history",
  aws_dynamodb_table: "every item in the table",
  aws_db_instance: "the database",
  aws_rds_cluster: "the database cluster",
  aws_efs_file_system: "the file system's data",
  aws_ebs_volume: "the volume's data",
  aws_ecr_repository: "every image in the repository",
  aws_sqs_queue: "queued messages",
  aws_sns_topic: "the topic's subscriptions (each must be confirmed again)",
  aws_lb: "the load balancer's DNS name (clients' DNS records must change)",
  aws_eip: "the public IP address",
  aws_vpc: "the whole network: everything in it is replaced",
  aws_route53_zone: "the hosted zone and its name servers",
  aws_acm_certificate: "the certificate (listeners lose it until the new one validates)",
};

const COUNTED: readonly ChangeKind[] = ["create", "update", "replace", "destroy"];

/** Resource counts by type (types with no change left out) and the plan's totals. */
export function countChanges(plan: Plan): { byType: TypeCount[]; summary: ChangeSummary } {
  const byType = new Map<string, Record<ChangeKind, number>>();
  const summary = { create: 0, update: 0, replace: 0, destroy: 0, unchanged: 0 };
  for (const r of plan.resources) {
    if (r.change === "no-op") {
      summary.unchanged++;
      continue;
    }
    summary[r.change as keyof typeof summary]++;
    const row = byType.get(r.type) ?? { create: 0, update: 0, replace: 0, destroy: 0, "no-op": 0 };
    row[r.change]++;
    byType.set(r.type, row);
  }
  return {
    byType: [...byType.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, c]) => ({ type, ...Object.fromEntries(COUNTED.map((k) => [k, c[k]])) }) as TypeCount),
    summary,
  };
}

/** Replacements and destructions of stateful resources, for the top of the report. */
export function destructiveChanges(plan: Plan): DestructiveChange[] {
  return plan.resources
    .filter((r) => (r.change === "replace" || r.change === "destroy") && Object.hasOwn(STATEFUL_TYPES, r.type))
    .map((r) => ({ address: r.address, type: r.type, change: r.change as "replace" | "destroy", loses: STATEFUL_TYPES[r.type] ?? "", forcedBy: r.replacePaths }));
}
