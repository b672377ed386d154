import { Construct } from "constructs";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { policyJson, type PolicyStatement } from "../shared/policy";

export interface CollectorAccessProps {
  /** Name of the task role the collector runs with. */
  readonly taskRoleName: string;
  /** ARN (without `:*`) of the log group the EMF exporter writes to, created beforehand. */
  readonly metricsLogGroupArn: string;
}

/**
 * What the collector in the task may do with the task role: send traces to X-Ray
 * (`xray:PutTraceSegments`, `xray:PutTelemetryRecords`; X-Ray has no resource types for them, so
 * IAM takes only "*": Service Authorization Reference, "Actions defined by AWS X-Ray") and write
 * EMF lines to its own log group (the exporter creates a stream per task and describes streams to
 * find its sequence; the group exists, so it never needs logs:CreateLogGroup).
 */
export class CollectorAccess extends Construct {
  /** The statements added to the task role, as data (for tests and plan review). */
  readonly taskStatements: readonly PolicyStatement[];

  constructor(scope: Construct, id: string, props: CollectorAccessProps) {
    super(scope, id);
    this.taskStatements = [
      { Sid: "SendTraces", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: ["*"] },
      {
        Sid: "WriteEnvoyMetrics",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        Resource: [props.metricsLogGroupArn, `${props.metricsLogGroupArn}:log-stream:*`],
      },
    ];
    new IamRolePolicy(this, "policy", { name: "telemetry", role: props.taskRoleName, policy: policyJson(this.taskStatements) });
  }
}
