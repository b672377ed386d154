import type { EnvironmentConfig } from "./environment";

/** Development: one NAT gateway, smallest task, local-friendly retention. Replace the example ids. */
export const dev: EnvironmentConfig = {
  name: "dev",
  accountId: "111111111111",
  region: "eu-west-1",
  availabilityZones: ["eu-west-1a", "eu-west-1b"],
  vpcCidr: "10.10.0.0/16",
  natGateways: "single",
  buckets: {
    "rajee-dev-data": { prefixes: [""] },
  },
  authorizerImage: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/rajee-authorizer:0.1.0",
  // Development may pin by tag alone; staging and prod require digests.
  imagePinning: "tag",
  // Spot tasks may be stopped with two minutes' notice: fine for development, not for production.
  capacityProviders: { FARGATE_SPOT: { weight: 1 } },
  task: {
    cpu: 512,
    memoryMiB: 1024,
    envoy: { cpu: 192, memoryMiB: 384, memoryReservationMiB: 192 },
    authorizer: { cpu: 192, memoryMiB: 384, memoryReservationMiB: 192 },
    // The OpenTelemetry collector (traces to X-Ray, Envoy's statistics to CloudWatch): docs/observability.md.
    collector: { cpu: 128, memoryMiB: 256, memoryReservationMiB: 128 },
  },
  tracing: { samplingRatio: 0.1 },
  scaling: { desiredTasks: 1, minTasks: 1, maxTasks: 2, cpuTargetPercent: 60, requestsPerTarget: 6000 },
  certificateArn: "arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-4000-8000-000000000001",
  domain: "s3.dev.rajee.example.com",
  ingressCidrs: ["0.0.0.0/0"],
  token: { issuer: "https://issuer.dev.rajee.example.com", audience: "rajee-dev", maxLifetimeSeconds: 43200, clockSkewSeconds: 30 },
  // Bound credentials are verified; bearer tokens (rajee token mint without --binding-key) still work in dev.
  clientSignatures: "when-bound",
  issuer: {
    // Any principal of the account may call the URL (its own IAM policy must allow it too); the rules decide what it gets.
    invokers: ["111111111111"],
    policy: {
      rules: [
        {
          // IAM Identity Center's role for the DataScientist permission set, by its exact name (with the suffix IAM Identity Center
          // generated): a session ARN carries no role path, so a "*" in the name would also match a role anyone made.
          // Each data scientist reads and writes under their own folder, named by their session (their SSO user name).
          principals: ["arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_0123456789abcdef"],
          grants: ["read:rajee-dev-data/users/${aws:sessionName}/", "list:rajee-dev-data/users/${aws:sessionName}/", "write:rajee-dev-data/users/${aws:sessionName}/"],
          maxLifetimeSeconds: 28800,
        },
        {
          // The CI role uploads build artefacts.
          principals: ["arn:aws:iam::111111111111:role/rajee-dev-ci"],
          grants: ["write:rajee-dev-data/ci/"],
          maxLifetimeSeconds: 3600,
        },
      ],
    },
  },
  rotationDays: 7,
  logRetentionDays: 14,
  accessLogRetentionDays: 7,
  alarmEmail: "rajee-dev-alarms@example.com",
  wafRateLimit: 2000,
  backend: { kind: "s3", bucket: "rajee-terraform-state-111111111111", key: "rajee/dev.tfstate" },
  tags: { CostCenter: "platform" },
};
