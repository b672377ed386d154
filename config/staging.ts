import type { EnvironmentConfig } from "./environment";

/** Staging: production's shape (NAT per AZ, three zones) at a smaller scale. Replace the example ids. */
export const staging: EnvironmentConfig = {
  name: "staging",
  accountId: "222222222222",
  region: "eu-west-1",
  assumeRoleArn: "arn:aws:iam::222222222222:role/rajee-deploy",
  availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
  vpcCidr: "10.20.0.0/16",
  natGateways: "per-az",
  buckets: {
    "rajee-staging-data": { prefixes: ["shared/", "partners/"] },
  },
  // Pinned by digest (a tag can be re-pushed): replace with the digest `docker push` printed.
  authorizerImage: "222222222222.dkr.ecr.eu-west-1.amazonaws.com/rajee-authorizer:0.1.0@sha256:0000000000000000000000000000000000000000000000000000000000000002",
  task: {
    cpu: 1024,
    memoryMiB: 2048,
    envoy: { cpu: 512, memoryMiB: 1024, memoryReservationMiB: 512 },
    authorizer: { cpu: 512, memoryMiB: 1024, memoryReservationMiB: 512 },
  },
  scaling: { desiredTasks: 2, minTasks: 2, maxTasks: 4, cpuTargetPercent: 60, requestsPerTarget: 6000 },
  certificateArn: "arn:aws:acm:eu-west-1:222222222222:certificate/00000000-0000-4000-8000-000000000002",
  domain: "s3.staging.rajee.example.com",
  ingressCidrs: ["0.0.0.0/0"],
  token: { issuer: "https://issuer.staging.rajee.example.com", audience: "rajee-staging", maxLifetimeSeconds: 43200, clockSkewSeconds: 30 },
  rotationDays: 7,
  logRetentionDays: 30,
  accessLogRetentionDays: 14,
  alarmEmail: "rajee-staging-alarms@example.com",
  wafRateLimit: 2000,
  slowStartSeconds: 30,
  backend: { kind: "s3", bucket: "rajee-terraform-state-222222222222", key: "rajee/staging.tfstate" },
  tags: { CostCenter: "platform" },
};
