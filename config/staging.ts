import type { EnvironmentConfig } from "./environment";

/**
 * Staging: production's shape (NAT per AZ, three zones) at a smaller scale.
 *
 * EXAMPLE VALUES. Before the first deploy, delete `example: true`, then replace what synth names and
 * everything marked "replace": the account ids (222222222222, and the partner's 444444444444), the
 * deploy role, the certificate, the authorizer image digest (a placeholder: `docker push` prints the
 * real one), the plan role's repository, the issuer's invokers and rules, and the alarm address.
 */
export const staging: EnvironmentConfig = {
  name: "staging",
  example: true,
  accountId: "222222222222",
  region: "eu-west-1",
  assumeRoleArn: "arn:aws:iam::222222222222:role/rajee-deploy",
  // Replace with the repository whose pull requests plan this environment (owner/name).
  planRole: { githubRepository: "example-org/rajee" },
  availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
  vpcCidr: "10.20.0.0/16",
  natGateways: "per-az",
  buckets: {
    "rajee-staging-data": { prefixes: ["shared/", "partners/"] },
  },
  // Pinned by digest (a tag can be re-pushed). Replace: this digest is a placeholder, which synth refuses once `example` is gone.
  authorizerImage: "222222222222.dkr.ecr.eu-west-1.amazonaws.com/rajee-authorizer:0.1.0@sha256:0000000000000000000000000000000000000000000000000000000000000002",
  task: {
    cpu: 1024,
    memoryMiB: 2048,
    envoy: { cpu: 448, memoryMiB: 896, memoryReservationMiB: 448 },
    authorizer: { cpu: 448, memoryMiB: 896, memoryReservationMiB: 448 },
    // The OpenTelemetry collector (traces to X-Ray, Envoy's statistics to CloudWatch): docs/observability.md.
    collector: { cpu: 128, memoryMiB: 256, memoryReservationMiB: 128 },
  },
  tracing: { samplingRatio: 0.1 },
  scaling: { desiredTasks: 2, minTasks: 2, maxTasks: 4, cpuTargetPercent: 60, requestsPerTarget: 6000 },
  certificateArn: "arn:aws:acm:eu-west-1:222222222222:certificate/00000000-0000-4000-8000-000000000002",
  domain: "s3.staging.rajee.example.com",
  ingressCidrs: ["0.0.0.0/0"],
  // Every request verified with the secret bound to its token: bearer tokens refused (docs/security.md, "Proof of possession").
  clientSignatures: "required",
  token: { issuer: "https://issuer.staging.rajee.example.com", audience: "rajee-staging", maxLifetimeSeconds: 43200, clockSkewSeconds: 30 },
  issuer: {
    // Only these roles may call the URL: the analysts' role here and a partner's ingest role in its own account.
    invokers: ["arn:aws:iam::222222222222:role/rajee-staging-analyst", "arn:aws:iam::444444444444:role/partner-ingest"],
    policy: {
      rules: [
        {
          principals: ["arn:aws:iam::222222222222:role/rajee-staging-analyst"],
          grants: ["read:rajee-staging-data/shared/", "list:rajee-staging-data/shared/"],
          maxLifetimeSeconds: 14400,
        },
        {
          // A partner writes only under its own account's folder.
          principals: ["arn:aws:iam::444444444444:role/partner-ingest"],
          grants: ["write:rajee-staging-data/partners/${aws:accountId}/"],
          maxLifetimeSeconds: 3600,
        },
      ],
    },
  },
  rotationDays: 7,
  logRetentionDays: 30,
  accessLogRetentionDays: 14,
  alarmEmail: "rajee-staging-alarms@example.com",
  wafRateLimit: 2000,
  slowStartSeconds: 30,
  backend: { kind: "s3", bucket: "rajee-terraform-state-222222222222", key: "rajee/staging.tfstate" },
  tags: { CostCenter: "platform" },
};
