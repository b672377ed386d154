import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { logRetentionProblem } from "./retention";
import { checkNamePrefix, throwProblems } from "../shared/names";
import { keyAdministeredByAccount, partitionOf, policyJson } from "../shared/policy";

export interface LogGroupsProps {
  /** Prefix of the key alias, e.g. `rajee-dev`. */
  readonly namePrefix: string;
  /** Account of the log groups (key policy). */
  readonly accountId: string;
  /** Region of the log groups (key policy's CloudWatch Logs principal). */
  readonly region: string;
  /** Log groups to create, keyed by a stable name: `{ envoy: "/rajee/dev/envoy" }`. */
  readonly groups: Readonly<Record<string, string>>;
  /** Days logs are kept; one of the values CloudWatch Logs accepts. @default 30 */
  readonly retentionDays?: number;
  /** Days KMS waits before deleting the key once it is scheduled for deletion. @default 30 */
  readonly keyDeletionWindowDays?: number;
}

export const DEFAULT_LOG_RETENTION_DAYS = 30;
export const DEFAULT_KEY_DELETION_WINDOW_DAYS = 30;
const LOG_GROUP_NAME = /^[\w#./-]{1,512}$/;

/**
 * CloudWatch log groups with retention, encrypted with one customer managed KMS key whose policy
 * lets CloudWatch Logs use it for exactly these groups.
 */
export class LogGroups extends Construct {
  /** ARN of the KMS key the groups are encrypted with. */
  readonly kmsKeyArn: string;
  /** Log group names by key. */
  readonly names: Readonly<Record<string, string>>;
  /** Log group ARNs (without the `:*` suffix) by key. */
  readonly arns: Readonly<Record<string, string>>;
  /** Retention applied to every group, days. */
  readonly retentionDays: number;

  constructor(scope: Construct, id: string, props: LogGroupsProps) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? DEFAULT_LOG_RETENTION_DAYS;
    const deletionWindow = props.keyDeletionWindowDays ?? DEFAULT_KEY_DELETION_WINDOW_DAYS;
    checkNamePrefix("log-groups", props.namePrefix);
    const problems: string[] = [];
    const retentionProblem = logRetentionProblem(retentionDays);
    if (retentionProblem) problems.push(`retentionDays=${retentionDays} ${retentionProblem}`);
    if (!Number.isInteger(deletionWindow) || deletionWindow < 7 || deletionWindow > 30) {
      problems.push(`keyDeletionWindowDays=${deletionWindow} is outside the KMS range; use 7-30`);
    }
    if (Object.keys(props.groups).length === 0) problems.push("groups={} is empty; name at least one log group");
    for (const [key, name] of Object.entries(props.groups)) {
      if (!LOG_GROUP_NAME.test(name)) problems.push(`groups.${key}=${JSON.stringify(name)} is not a log group name; use 1-512 of a-z, 0-9, _ - / . #`);
    }
    throwProblems("log-groups", problems);
    this.retentionDays = retentionDays;

    const partition = partitionOf(props.region);
    const groupArn = (name: string) => `arn:${partition}:logs:${props.region}:${props.accountId}:log-group:${name}`;
    const key = new KmsKey(this, "key", {
      description: `${props.namePrefix} CloudWatch Logs encryption`,
      enableKeyRotation: true,
      deletionWindowInDays: deletionWindow,
      policy: policyJson([
        keyAdministeredByAccount(partition, props.accountId),
        {
          Sid: "CloudWatchLogsUseForTheseGroups",
          Effect: "Allow",
          Principal: { Service: `logs.${props.region}.amazonaws.com` },
          Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
          Resource: ["*"],
          Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": Object.values(props.groups).map(groupArn) } },
        },
      ]),
    });
    new KmsAlias(this, "alias", { name: `alias/${props.namePrefix}-logs`, targetKeyId: key.keyId });
    this.kmsKeyArn = key.arn;

    const names: Record<string, string> = {};
    const arns: Record<string, string> = {};
    for (const [k, name] of Object.entries(props.groups)) {
      const group = new CloudwatchLogGroup(this, `group-${k}`, { name, retentionInDays: retentionDays, kmsKeyId: key.arn });
      names[k] = group.name;
      arns[k] = group.arn;
    }
    this.names = names;
    this.arns = arns;
  }
}
