import fc from "fast-check";
import type { Construct } from "constructs";
import { ConfigError } from "../../src/config-error";
import { AccessPolicy, type AccessPolicyProps } from "../../modules/access-policy/access-policy";
import type { PolicyStatement } from "../../modules/shared/policy";
import { resourceNamed, statementsOf, synth } from "./synth";

const OBJECT_ACTIONS = [
  "s3:GetObject",
  "s3:GetObjectVersion",
  "s3:GetObjectAttributes",
  "s3:GetObjectVersionAttributes",
  "s3:GetObjectTagging",
  "s3:GetObjectVersionTagging",
  "s3:PutObject",
  "s3:PutObjectTagging",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
];

function props(overrides: Partial<AccessPolicyProps> = {}): AccessPolicyProps {
  return {
    namePrefix: "rajee-test",
    accountId: "111111111111",
    region: "eu-west-1",
    buckets: { "team-data": { prefixes: ["reports/", "shared/x"] }, "open-bucket": { prefixes: [""] } },
    jwksSecretArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee/jwks-AbCdEf",
    jwksKmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/1234",
    logGroupArns: ["arn:aws:logs:eu-west-1:111111111111:log-group:/rajee/test/envoy"],
    ecrRepositoryArns: ["arn:aws:ecr:eu-west-1:111111111111:repository/rajee-authorizer"],
    ...overrides,
  };
}

function policies(p: AccessPolicyProps): { task: PolicyStatement[]; execution: PolicyStatement[]; trust: PolicyStatement[] } {
  const s = synth((scope: Construct) => new AccessPolicy(scope, "access", p));
  return {
    task: statementsOf(resourceNamed(s, "aws_iam_role_policy", "task-policy").policy),
    execution: statementsOf(resourceNamed(s, "aws_iam_role_policy", "execution-policy").policy),
    trust: statementsOf(resourceNamed(s, "aws_iam_role", "task-role").assume_role_policy),
  };
}

describe("AccessPolicy", () => {
  it("grants the task role exactly the mapped S3 actions on the configured prefixes", () => {
    const { task } = policies(props());
    expect(task).toEqual([
      { Sid: "Bucket0Objects", Effect: "Allow", Action: OBJECT_ACTIONS, Resource: ["arn:aws:s3:::open-bucket/*"] },
      { Sid: "Bucket0List", Effect: "Allow", Action: ["s3:ListBucket", "s3:ListBucketVersions"], Resource: ["arn:aws:s3:::open-bucket"] },
      { Sid: "Bucket0Bucket", Effect: "Allow", Action: ["s3:ListBucketMultipartUploads", "s3:GetBucketLocation"], Resource: ["arn:aws:s3:::open-bucket"] },
      {
        Sid: "Bucket1Objects",
        Effect: "Allow",
        Action: OBJECT_ACTIONS,
        Resource: ["arn:aws:s3:::team-data/reports/*", "arn:aws:s3:::team-data/shared/x*"],
      },
      {
        Sid: "Bucket1List",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:ListBucketVersions"],
        Resource: ["arn:aws:s3:::team-data"],
        Condition: { StringLike: { "s3:prefix": ["reports/*", "shared/x*"] } },
      },
      { Sid: "Bucket1Bucket", Effect: "Allow", Action: ["s3:ListBucketMultipartUploads", "s3:GetBucketLocation"], Resource: ["arn:aws:s3:::team-data"] },
      { Sid: "ReadJwks", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [props().jwksSecretArn] },
      {
        Sid: "DecryptJwksThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [props().jwksKmsKeyArn],
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
      },
    ]);
  });

  it("never grants ACL, object-lock or bucket-configuration actions, nor tagging beyond reading tags and tagging new objects", () => {
    const actions = policies(props()).task.flatMap((s) => s.Action);
    for (const forbidden of ["s3:PutObjectAcl", "s3:GetObjectAcl", "s3:PutObjectVersionTagging", "s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging", "s3:PutObjectRetention", "s3:PutObjectLegalHold", "s3:BypassGovernanceRetention", "s3:PutBucketPolicy", "s3:RestoreObject"]) {
      expect(actions).not.toContain(forbidden);
    }
  });

  it("limits the execution role to its log groups and repositories, with GetAuthorizationToken the only * resource", () => {
    const { execution } = policies(props());
    expect(execution).toEqual([
      {
        Sid: "WriteContainerLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [
          "arn:aws:logs:eu-west-1:111111111111:log-group:/rajee/test/envoy",
          "arn:aws:logs:eu-west-1:111111111111:log-group:/rajee/test/envoy:log-stream:*",
        ],
      },
      { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
      {
        Sid: "PullImages",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Resource: ["arn:aws:ecr:eu-west-1:111111111111:repository/rajee-authorizer"],
      },
    ]);
  });

  it("lets the execution role import upstream images into the mirror's repositories only", () => {
    const pattern = "arn:aws:ecr:eu-west-1:111111111111:repository/rajee-test/*";
    const { execution } = policies(props({ pullThroughRepositoryArns: [pattern] }));
    expect(execution.find((s) => s.Sid === "ImportMirroredImages")).toEqual({
      Sid: "ImportMirroredImages",
      Effect: "Allow",
      Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
      Resource: [pattern],
    });
    expect(policies(props()).execution.map((s) => s.Sid)).not.toContain("ImportMirroredImages");
  });

  it("grants no ECR or secret access when no image comes from ECR and no secret is injected", () => {
    const { execution } = policies(props({ ecrRepositoryArns: [] }));
    expect(execution.map((s) => s.Sid)).toEqual(["WriteContainerLogs"]);
  });

  it("lets only ECS tasks of its own account assume the roles", () => {
    expect(policies(props()).trust).toEqual([
      {
        Sid: "AssumedByService",
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: ["sts:AssumeRole"],
        Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
      },
    ]);
  });

  it("rejects a wildcard prefix, naming the bucket, value and fix", () => {
    expect(() => policies(props({ buckets: { data: { prefixes: ["a/*"] } } }))).toThrow(
      new ConfigError('access-policy: buckets.data.prefixes[0]="a/*" contains a wildcard; list literal prefixes (each is already a prefix)'),
    );
  });

  it("rejects an empty bucket map", () => {
    expect(() => policies(props({ buckets: {} }))).toThrow(new ConfigError("access-policy: buckets={} is empty; list the buckets the gateway may serve"));
  });

  it("scopes every allowed S3 statement to a configured bucket and prefix, for any prefixes (property)", () => {
    const segment = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
    const prefix = fc.oneof(fc.constant(""), fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => `${s.join("/")}/`));
    fc.assert(
      fc.property(fc.uniqueArray(prefix, { minLength: 1, maxLength: 4 }), (prefixes) => {
        const { task } = policies(props({ buckets: { "prop-bucket": { prefixes } } }));
        for (const st of task) {
          expect(st.Effect).toBe("Allow");
          for (const action of st.Action) expect(action).not.toMatch(/\*/);
          for (const resource of st.Resource ?? []) expect(resource).not.toBe("*");
        }
        const objects = task.find((s) => s.Sid === "Bucket0Objects")!;
        const whole = prefixes.includes("");
        for (const resource of objects.Resource!) {
          const granted = resource.replace(/^arn:aws:s3:::prop-bucket\//, "").replace(/\*$/, "");
          expect(whole ? granted === "" : prefixes.includes(granted)).toBe(true);
        }
        const list = task.find((s) => s.Sid === "Bucket0List")!;
        expect(list.Condition === undefined).toBe(whole);
      }),
      { numRuns: 25 },
    );
  });
});
