import type { EnvironmentConfig } from "./environment";

/**
 * Production: three zones, NAT per AZ, at least three tasks.
 *
 * EXAMPLE VALUES. Before the first deploy, delete `example: true`, then replace what synth names and
 * everything marked "replace": the account ids (333333333333, and the partner's 555555555555), the
 * deploy role, the certificate, the authorizer image digest (a placeholder: `docker push` prints the
 * real one), the plan role's repository, the issuer's invokers and rules, and the alarm address.
 */
export const prod: EnvironmentConfig = {
  name: "prod",
  example: true,
  accountId: "333333333333",
  region: "eu-west-1",
  assumeRoleArn: "arn:aws:iam::333333333333:role/rajee-deploy",
  // Replace with the repository whose pull requests plan this environment (owner/name).
  planRole: { githubRepository: "example-org/rajee" },
  availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
  vpcCidr: "10.30.0.0/16",
  natGateways: "per-az",
  buckets: {
    "rajee-prod-data": { prefixes: ["shared/", "partners/"] },
    "rajee-prod-reports": { prefixes: ["published/"] },
  },
  // Pinned by digest (a tag can be re-pushed). Replace: this digest is a placeholder, which synth refuses once `example` is gone.
  authorizerImage: "333333333333.dkr.ecr.eu-west-1.amazonaws.com/rajee-authorizer:0.1.0@sha256:0000000000000000000000000000000000000000000000000000000000000003",
  task: {
    cpu: 1024,
    memoryMiB: 2048,
    envoy: { cpu: 448, memoryMiB: 896, memoryReservationMiB: 448 },
    authorizer: { cpu: 448, memoryMiB: 896, memoryReservationMiB: 448 },
    // The OpenTelemetry collector (traces to X-Ray, Envoy's statistics to CloudWatch): docs/observability.md.
    collector: { cpu: 128, memoryMiB: 256, memoryReservationMiB: 128 },
  },
  tracing: { samplingRatio: 0.05 },
  scaling: { desiredTasks: 3, minTasks: 3, maxTasks: 12, cpuTargetPercent: 50, requestsPerTarget: 6000 },
  certificateArn: "arn:aws:acm:eu-west-1:333333333333:certificate/00000000-0000-4000-8000-000000000003",
  domain: "s3.rajee.example.com",
  ingressCidrs: ["0.0.0.0/0"],
  // Every request verified with the secret bound to its token: bearer tokens refused (docs/security.md, "Proof of possession").
  clientSignatures: "required",
  token: { issuer: "https://issuer.rajee.example.com", audience: "rajee", maxLifetimeSeconds: 43200, clockSkewSeconds: 30 },
  issuer: {
    // Named roles only, never a whole account: the reporting job here and a partner's ingest role in its own account.
    invokers: ["arn:aws:iam::333333333333:role/rajee-prod-reporting", "arn:aws:iam::555555555555:role/partner-ingest"],
    policy: {
      rules: [
        {
          principals: ["arn:aws:iam::333333333333:role/rajee-prod-reporting"],
          grants: ["read:rajee-prod-reports/published/", "list:rajee-prod-reports/published/"],
          maxLifetimeSeconds: 3600,
        },
        {
          principals: ["arn:aws:iam::555555555555:role/partner-ingest"],
          grants: ["write:rajee-prod-data/partners/${aws:accountId}/"],
          maxLifetimeSeconds: 900,
        },
      ],
    },
    reservedConcurrency: 10,
  },
  rotationDays: 30,
  logRetentionDays: 90,
  accessLogRetentionDays: 30,
  alarmEmail: "rajee-prod-alarms@example.com",
  wafRateLimit: 2000,
  slowStartSeconds: 30,
  backend: { kind: "s3", bucket: "rajee-terraform-state-333333333333", key: "rajee/prod.tfstate" },
  tags: { CostCenter: "platform" },
};
