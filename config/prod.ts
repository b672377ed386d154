import type { EnvironmentConfig } from "./environment";

/** Production: three zones, NAT per AZ, at least three tasks. Replace the example ids. */
export const prod: EnvironmentConfig = {
  name: "prod",
  accountId: "333333333333",
  region: "eu-west-1",
  assumeRoleArn: "arn:aws:iam::333333333333:role/rajee-deploy",
  availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
  vpcCidr: "10.30.0.0/16",
  natGateways: "per-az",
  buckets: {
    "rajee-prod-data": { prefixes: ["shared/", "partners/"] },
    "rajee-prod-reports": { prefixes: ["published/"] },
  },
  // Pinned by digest (a tag can be re-pushed): replace with the digest `docker push` printed.
  authorizerImage: "333333333333.dkr.ecr.eu-west-1.amazonaws.com/rajee-authorizer:0.1.0@sha256:0000000000000000000000000000000000000000000000000000000000000003",
  task: {
    cpu: 1024,
    memoryMiB: 2048,
    envoy: { cpu: 512, memoryMiB: 1024, memoryReservationMiB: 512 },
    authorizer: { cpu: 512, memoryMiB: 1024, memoryReservationMiB: 512 },
  },
  scaling: { desiredTasks: 3, minTasks: 3, maxTasks: 12, cpuTargetPercent: 50, requestsPerTarget: 6000 },
  certificateArn: "arn:aws:acm:eu-west-1:333333333333:certificate/00000000-0000-4000-8000-000000000003",
  domain: "s3.rajee.example.com",
  ingressCidrs: ["0.0.0.0/0"],
  token: { issuer: "https://issuer.rajee.example.com", audience: "rajee", maxLifetimeSeconds: 43200, clockSkewSeconds: 30 },
  rotationDays: 30,
  logRetentionDays: 90,
  accessLogRetentionDays: 30,
  alarmEmail: "rajee-prod-alarms@example.com",
  wafRateLimit: 2000,
  slowStartSeconds: 30,
  backend: { kind: "s3", bucket: "rajee-terraform-state-333333333333", key: "rajee/prod.tfstate" },
  tags: { CostCenter: "platform" },
};
