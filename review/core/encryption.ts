import { display } from "./network";
import { at, stringAt, UNKNOWN, type Json, type PlannedResource, type ResourceIndex } from "./plan";

/** How one resource is encrypted at rest. */
export interface EncryptionRow {
  readonly address: string;
  /** `S3 bucket`, `log group`, `secret`, `KMS key`, `SNS topic`, `SQS queue`. */
  readonly kind: string;
  /** Its name (bucket, log group, secret...), or `-`. */
  readonly name: string;
  /** `SSE-KMS with aws_kms_key.x`, `SSE-S3 (AES256)`, `AWS managed key`, `none`, `rotation yearly`... */
  readonly encryption: string;
  /** True when encrypted with a key this plan controls (or, for KMS keys, rotated). */
  readonly customerKey: boolean;
}

const known = (v: Json | undefined): v is string => typeof v === "string" && v !== "" && v !== UNKNOWN;

function bucketEncryption(bucket: PlannedResource, index: ResourceIndex): { text: string; customerKey: boolean } {
  const name = bucket.values.bucket;
  const config = index
    .ofType("aws_s3_bucket_server_side_encryption_configuration")
    .find((c) => index.refersTo(c.values.bucket, bucket) || (known(name) && c.values.bucket === name));
  const rule = config ? at(config.values, "rule", 0, "apply_server_side_encryption_by_default", 0) : at(bucket.values, "server_side_encryption_configuration", 0, "rule", 0, "apply_server_side_encryption_by_default", 0);
  const algorithm = stringAt(rule, "sse_algorithm");
  if (algorithm === undefined) return { text: "not declared (S3 applies SSE-S3 by default)", customerKey: false };
  if (algorithm === "AES256") return { text: "SSE-S3 (AES256)", customerKey: false };
  const key = at(rule, "kms_master_key_id");
  return { text: `${algorithm === "aws:kms:dsse" ? "DSSE-KMS" : "SSE-KMS"} with ${known(key) ? display(key) : "the AWS managed key (aws/s3)"}`, customerKey: known(key) };
}

/**
 * Encryption at rest of buckets, log groups, secrets, topics and queues, and the rotation of KMS
 * keys. "customerKey" is what the policy rules check: a key this configuration chooses.
 */
export function encryptionRows(index: ResourceIndex): EncryptionRow[] {
  const rows: EncryptionRow[] = [];
  const withKey = (r: PlannedResource, kind: string, name: Json | undefined, key: Json | undefined, otherwise: string) =>
    rows.push({ address: r.address, kind, name: display(name), encryption: known(key) ? `KMS ${display(key)}` : otherwise, customerKey: known(key) });

  for (const b of index.ofType("aws_s3_bucket")) {
    const { text, customerKey } = bucketEncryption(b, index);
    rows.push({ address: b.address, kind: "S3 bucket", name: display(b.values.bucket), encryption: text, customerKey });
  }
  for (const g of index.ofType("aws_cloudwatch_log_group")) withKey(g, "log group", g.values.name, g.values.kms_key_id, "none (CloudWatch service key only)");
  for (const s of index.ofType("aws_secretsmanager_secret")) withKey(s, "secret", s.values.name, s.values.kms_key_id, "AWS managed key (aws/secretsmanager)");
  for (const t of index.ofType("aws_sns_topic")) withKey(t, "SNS topic", t.values.name, t.values.kms_master_key_id, "none");
  for (const q of index.ofType("aws_sqs_queue")) {
    withKey(q, "SQS queue", q.values.name, q.values.kms_master_key_id, q.values.sqs_managed_sse_enabled === false ? "none" : "SQS managed (SSE-SQS)");
  }
  for (const k of index.ofType("aws_kms_key")) {
    const symmetric = (stringAt(k.values, "customer_master_key_spec") ?? "SYMMETRIC_DEFAULT") === "SYMMETRIC_DEFAULT";
    const rotation = k.values.enable_key_rotation === true;
    const period = typeof k.values.rotation_period_in_days === "number" ? `every ${k.values.rotation_period_in_days} days` : "yearly";
    const window = typeof k.values.deletion_window_in_days === "number" ? `, deletion window ${k.values.deletion_window_in_days} days` : "";
    rows.push({
      address: k.address,
      kind: "KMS key",
      name: display(k.values.description),
      encryption: `${rotation ? `rotation ${period}` : symmetric ? "no rotation" : "asymmetric (no rotation)"}${window}`,
      customerKey: rotation || !symmetric,
    });
  }
  for (const d of index.ofType("aws_dynamodb_table")) {
    const enabled = at(d.values, "server_side_encryption", 0, "enabled") === true;
    const key = at(d.values, "server_side_encryption", 0, "kms_key_arn");
    rows.push({ address: d.address, kind: "DynamoDB table", name: display(d.values.name), encryption: enabled ? `KMS ${known(key) ? display(key) : "aws/dynamodb"}` : "AWS owned key", customerKey: enabled && known(key) });
  }
  return rows.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}
