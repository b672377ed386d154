import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { bucketNameProblem } from "../../src/s3/bucket-name";
import { checkNamePrefix, throwProblems } from "../shared/names";
import { partitionOf, policyJson, serviceTrustPolicy, type PolicyStatement } from "../shared/policy";
import { bucketStatements, prefixProblem } from "./s3-actions";

export interface AccessPolicyProps {
  /** Prefix of the role names, e.g. `rajee-dev`. */
  readonly namePrefix: string;
  /** Account the roles live in (trust conditions). */
  readonly accountId: string;
  /** Region of the tasks. */
  readonly region: string;
  /** Buckets the gateway may serve and the key prefixes in each (`""` = whole bucket). */
  readonly buckets: Readonly<Record<string, { readonly prefixes: readonly string[] }>>;
  /** Secret holding the JWKS the authorizer reads. */
  readonly jwksSecretArn: string;
  /** KMS key that encrypts the JWKS secret. */
  readonly jwksKmsKeyArn: string;
  /** Log groups the containers write to through the awslogs driver (execution role). */
  readonly logGroupArns: readonly string[];
  /** ECR repositories the task's images come from (execution role); Docker Hub images need none. */
  readonly ecrRepositoryArns: readonly string[];
  /**
   * ARN patterns of pull-through cache repositories (`ImageMirror.repositoryArnPattern`): the
   * execution role may import upstream images into them and create them on first pull. @default []
   */
  readonly pullThroughRepositoryArns?: readonly string[];
  /** Secrets injected through container `secrets` (execution role). @default [] */
  readonly executionSecretArns?: readonly string[];
}

export const DEFAULT_EXECUTION_SECRET_ARNS: readonly string[] = [];
export const DEFAULT_PULL_THROUGH_REPOSITORY_ARNS: readonly string[] = [];

/**
 * The two roles of the gateway task. The task role is the blast radius: only the S3 actions the
 * gateway maps, only on the configured buckets and prefixes, plus reading the JWKS. The execution
 * role (used by ECS to start the task) may only pull the listed repositories, write the listed log
 * groups and read the listed secrets.
 */
export class AccessPolicy extends Construct {
  readonly taskRoleArn: string;
  readonly taskRoleName: string;
  readonly executionRoleArn: string;
  readonly executionRoleName: string;
  /** The task role's policy statements, as data (for tests and plan review). */
  readonly taskStatements: readonly PolicyStatement[];
  /** The execution role's policy statements, as data. */
  readonly executionStatements: readonly PolicyStatement[];

  constructor(scope: Construct, id: string, props: AccessPolicyProps) {
    super(scope, id);
    const executionSecrets = props.executionSecretArns ?? DEFAULT_EXECUTION_SECRET_ARNS;
    const pullThrough = props.pullThroughRepositoryArns ?? DEFAULT_PULL_THROUGH_REPOSITORY_ARNS;
    validate(props);
    const partition = partitionOf(props.region);

    const bucketNames = Object.keys(props.buckets).sort();
    this.taskStatements = [
      ...bucketNames.flatMap((bucket, i) => bucketStatements(partition, bucket, props.buckets[bucket]!.prefixes, `Bucket${i}`)),
      { Sid: "ReadJwks", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [props.jwksSecretArn] },
      {
        Sid: "DecryptJwksThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [props.jwksKmsKeyArn],
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${props.region}.amazonaws.com` } },
      },
    ];

    const execution: PolicyStatement[] = [
      {
        Sid: "WriteContainerLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: props.logGroupArns.flatMap((arn) => [arn, `${arn}:log-stream:*`]),
      },
    ];
    if (props.ecrRepositoryArns.length > 0) {
      execution.push(
        {
          // ecr:GetAuthorizationToken has no resource type: IAM only accepts "*" for it.
          Sid: "EcrLogin",
          Effect: "Allow",
          Action: ["ecr:GetAuthorizationToken"],
          Resource: ["*"],
        },
        {
          Sid: "PullImages",
          Effect: "Allow",
          Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
          Resource: [...props.ecrRepositoryArns],
        },
      );
    }
    if (pullThrough.length > 0) {
      // Amazon ECR user guide, "IAM permissions required to sync an upstream registry": the first
      // pull of a mirrored image imports it and, if needed, creates its repository.
      execution.push({
        Sid: "ImportMirroredImages",
        Effect: "Allow",
        Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
        Resource: [...pullThrough],
      });
    }
    if (executionSecrets.length > 0) {
      execution.push({ Sid: "InjectSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [...executionSecrets] });
    }
    this.executionStatements = execution;

    const trust = serviceTrustPolicy("ecs-tasks.amazonaws.com", props.accountId);
    const task = new IamRole(this, "task-role", {
      name: `${props.namePrefix}-task`,
      description: "rajee gateway task: mapped S3 actions on the configured prefixes, JWKS read",
      assumeRolePolicy: trust,
      maxSessionDuration: 3600,
    });
    new IamRolePolicy(this, "task-policy", { name: "gateway", role: task.id, policy: policyJson(this.taskStatements) });
    const exec = new IamRole(this, "execution-role", {
      name: `${props.namePrefix}-execution`,
      description: "rajee gateway task start-up: image pull, log streams",
      assumeRolePolicy: trust,
      maxSessionDuration: 3600,
    });
    new IamRolePolicy(this, "execution-policy", { name: "start-task", role: exec.id, policy: policyJson(execution) });
    this.taskRoleArn = task.arn;
    this.taskRoleName = task.name;
    this.executionRoleArn = exec.arn;
    this.executionRoleName = exec.name;
  }
}

function validate(props: AccessPolicyProps): void {
  checkNamePrefix("access-policy", props.namePrefix);
  const problems: string[] = [];
  const names = Object.keys(props.buckets);
  if (names.length === 0) problems.push("buckets={} is empty; list the buckets the gateway may serve");
  for (const name of names) {
    const problem = bucketNameProblem(name);
    if (problem) problems.push(`buckets.${name} is not a valid bucket name: it ${problem}`);
    const prefixes = props.buckets[name]!.prefixes;
    if (prefixes.length === 0) problems.push(`buckets.${name}.prefixes=[] is empty; list key prefixes, or [""] for the whole bucket`);
    prefixes.forEach((prefix, i) => {
      const why = prefixProblem(prefix);
      if (why) problems.push(`buckets.${name}.prefixes[${i}]=${JSON.stringify(prefix)} ${why}`);
    });
  }
  if (props.logGroupArns.length === 0) problems.push("logGroupArns=[] is empty; the awslogs driver needs the containers' log groups");
  throwProblems("access-policy", problems);
}
