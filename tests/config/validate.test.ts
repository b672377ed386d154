import { ConfigError } from "../../src/config-error";
import { dev } from "../../config/dev";
import { prod } from "../../config/prod";
import { staging } from "../../config/staging";
import type { EnvironmentConfig } from "../../config/environment";
import { environmentNames, getEnvironment, validateEnvironment } from "../../config";

/** Dev with `patch` applied on top (one level deep for nested objects). */
function devWith(patch: Partial<Record<keyof EnvironmentConfig, unknown>>): EnvironmentConfig {
  return { ...structuredClone(dev), ...patch } as EnvironmentConfig;
}

function problemsOf(config: EnvironmentConfig): string[] {
  try {
    validateEnvironment(config);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message.split("\n");
  }
  return [];
}

describe("environment config", () => {
  it.each(environmentNames)("accepts the shipped %s environment", (name) => {
    expect(getEnvironment(name).name).toBe(name);
  });

  it("lists dev, staging and prod", () => {
    expect(environmentNames).toEqual(["dev", "staging", "prod"]);
  });

  it("rejects an unknown environment naming the known ones", () => {
    expect(() => getEnvironment("qa")).toThrow(
      new ConfigError('environment "qa" is unknown; use one of dev, staging, prod (or add config/qa.ts)'),
    );
  });

  it("returns a frozen config", () => {
    const env = getEnvironment("dev");
    expect(Object.isFrozen(env)).toBe(true);
    expect(Object.isFrozen(env.task.envoy)).toBe(true);
  });

  const task = dev.task;
  const cases: Array<[string, Partial<Record<keyof EnvironmentConfig, unknown>>, string]> = [
    ["accountId", { accountId: "12345" }, 'accountId="12345" is not 12 digits; use the AWS account id of the environment'],
    ["region", { region: "europe" }, 'region="europe" is not an AWS region name; use e.g. eu-west-1'],
    [
      "assumeRoleArn in another account",
      { assumeRoleArn: "arn:aws:iam::999999999999:role/deploy" },
      'assumeRoleArn="arn:aws:iam::999999999999:role/deploy" is in account 999999999999, not accountId=111111111111; use a role in the environment\'s account',
    ],
    [
      "a single AZ",
      { availabilityZones: ["eu-west-1a"] },
      'availabilityZones=["eu-west-1a"] lists fewer than 2 zones; list at least two, e.g. eu-west-1a and eu-west-1b',
    ],
    [
      "an AZ of another region",
      { availabilityZones: ["eu-west-1a", "us-east-1b"] },
      'availabilityZones[1]="us-east-1b" is not a zone of eu-west-1; use eu-west-1 followed by one letter',
    ],
    ["vpcCidr with host bits", { vpcCidr: "10.0.0.1/16" }, 'vpcCidr="10.0.0.1/16" has host bits set (the network address is 10.0.0.0/16); use e.g. 10.20.0.0/16'],
    ["vpcCidr too small", { vpcCidr: "10.0.0.0/24" }, 'vpcCidr="10.0.0.0/24" must be /16 to /22 (room for public and private subnets in each AZ)'],
    ["empty buckets", { buckets: {} }, "buckets={} is empty; list the buckets the gateway may serve"],
    [
      "bad bucket name",
      { buckets: { Data_Bucket: { prefixes: [""] } } },
      "buckets.Data_Bucket=\"Data_Bucket\" is not a valid bucket name: it may hold only a-z, 0-9, '.' and '-', and must start and end with a letter or digit",
    ],
    [
      "wildcard prefix",
      { buckets: { data: { prefixes: ["reports/*"] } } },
      'buckets.data.prefixes[0]="reports/*" contains a wildcard; list literal prefixes (each is already a prefix)',
    ],
    [
      "leading slash prefix",
      { buckets: { data: { prefixes: ["/reports/"] } } },
      "buckets.data.prefixes[0]=\"/reports/\" starts with '/'; S3 keys have no leading slash, drop it",
    ],
    [
      "dot-dot prefix",
      { buckets: { data: { prefixes: ["a/../b/"] } } },
      "buckets.data.prefixes[0]=\"a/../b/\" contains a '.' or '..' segment; the gateway rejects those keys",
    ],
    [
      "authorizer image from Docker Hub",
      { authorizerImage: "rajee/authorizer:1" },
      'authorizerImage="rajee/authorizer:1" is not an ECR image pinned by tag or digest; use <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>@sha256:<digest>',
    ],
    [
      "authorizer image on latest",
      { authorizerImage: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/rajee-authorizer:latest" },
      "authorizerImage=\"111111111111.dkr.ecr.eu-west-1.amazonaws.com/rajee-authorizer:latest\" uses the moving tag 'latest'; pin a version tag and a digest",
    ],
    [
      "Envoy image from Docker Hub (the tasks reach only ECR)",
      { envoyImage: "envoyproxy/envoy:v1.34.1" },
      'envoyImage="envoyproxy/envoy:v1.34.1" is not an ECR image pinned by tag or digest; use <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>@sha256:<digest>; or omit it to pull the default through the ECR mirror',
    ],
    [
      "authorizer image pinned by tag alone where digests are required",
      { imagePinning: "digest" },
      'authorizerImage="111111111111.dkr.ecr.eu-west-1.amazonaws.com/rajee-authorizer:0.1.0" is pinned by tag only, which can be re-pushed; append @sha256:<digest> (imagePinning: "tag" allows tags in development)',
    ],
    ["slow start outside the ALB range", { slowStartSeconds: 10 }, "slowStartSeconds=10 is outside the ALB range; use 30-900, or 0 for off"],
    [
      "non-Fargate cpu",
      { task: { ...task, cpu: 300 } },
      "task.cpu=300 is not a Fargate task size; use one of 256, 512, 1024, 2048, 4096, 8192, 16384",
    ],
    [
      "memory not paired with cpu",
      { task: { ...task, memoryMiB: 512 } },
      "task.memoryMiB=512 is not a Fargate memory size for cpu=512; use one of 1024, 2048, 3072, 4096",
    ],
    [
      "containers above the task cpu",
      { task: { ...task, envoy: { ...task.envoy, cpu: 512 } } },
      "task.envoy.cpu + authorizer.cpu=768 exceeds the task cpu=512; lower the containers or raise the task size",
    ],
    [
      "containers above the task memory",
      { task: { ...task, authorizer: { ...task.authorizer, memoryMiB: 768 } } },
      "task.envoy.memoryMiB + authorizer.memoryMiB=1280 exceeds the task memoryMiB=1024; lower the containers or raise the task size",
    ],
    [
      "reservation not below the limit",
      { task: { ...task, envoy: { ...task.envoy, memoryReservationMiB: 512 } } },
      "task.envoy.memoryReservationMiB=512 must be a positive integer below envoy.memoryMiB=512",
    ],
    [
      "desired outside min-max",
      { scaling: { ...dev.scaling, desiredTasks: 5 } },
      "scaling.desiredTasks=5 is outside minTasks-maxTasks (1-2); pick a value in that range",
    ],
    ["zero min tasks", { scaling: { ...dev.scaling, minTasks: 0 } }, "scaling.minTasks=0 must be 1-1000 (0 would stop the gateway)"],
    [
      "certificate in another region",
      { certificateArn: "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-4000-8000-000000000001" },
      'certificateArn="arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-4000-8000-000000000001" must be in region eu-west-1 and account 111111111111 (the load balancer\'s); request or import it there',
    ],
    ["upper-case domain", { domain: "S3.Example.com" }, 'domain="S3.Example.com" is not a lower-case DNS name; use e.g. s3.example.com'],
    ["bad ingress CIDR", { ingressCidrs: ["10.0.0.0/33"] }, 'ingressCidrs[0]="10.0.0.0/33" has a prefix length above 32; use e.g. 203.0.113.0/24'],
    [
      "token lifetime too long",
      { token: { ...dev.token, maxLifetimeSeconds: 90000 } },
      "token.maxLifetimeSeconds=90000 must be 60-86400 seconds (tokens are short-lived; 43200 is the default)",
    ],
    ["rotation of zero days", { rotationDays: 0 }, "rotationDays=0 must be a whole number of days, 1-365"],
    [
      "log retention CloudWatch does not offer",
      { logRetentionDays: 10 },
      "logRetentionDays=10 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
    ],
    ["bad alarm email", { alarmEmail: "oncall" }, 'alarmEmail="oncall" is not an email address; use e.g. oncall@example.com'],
    ["WAF limit below 10", { wafRateLimit: 5 }, "wafRateLimit=5 must be a whole number of requests per 5 minutes, 10-2000000000 (WAF limits)"],
    [
      "state key with a leading slash",
      { backend: { kind: "s3", bucket: "rajee-state", key: "/dev.tfstate" } },
      "backend.key=\"/dev.tfstate\" must be a non-empty key without a leading '/'; use e.g. rajee/dev.tfstate",
    ],
  ];

  it.each(cases)("rejects %s with an error naming the environment, field, value and fix", (_label, patch, message) => {
    expect(problemsOf(devWith(patch))).toEqual([`config "dev": ${message}`]);
  });

  it("reports every problem at once, one per line", () => {
    expect(problemsOf(devWith({ accountId: "1", alarmEmail: "x" }))).toEqual([
      'config "dev": accountId="1" is not 12 digits; use the AWS account id of the environment',
      'config "dev": alarmEmail="x" is not an email address; use e.g. oncall@example.com',
    ]);
  });

  it("requires digests in staging and prod and lets dev pin by tag", () => {
    expect([staging.imagePinning, prod.imagePinning, dev.imagePinning]).toEqual([undefined, undefined, "tag"]);
    for (const config of [staging, prod]) {
      expect(problemsOf({ ...config, authorizerImage: config.authorizerImage.replace(/@sha256:[0-9a-f]{64}$/, "") })).toEqual([
        expect.stringMatching(/authorizerImage=.* is pinned by tag only, which can be re-pushed; append @sha256:<digest>/),
      ]);
    }
  });

  it("accepts no NAT at all: every image comes through ECR", () => {
    expect(problemsOf(devWith({ natGateways: "none" }))).toEqual([]);
  });

  it("accepts an ECR-mirrored Envoy image without NAT", () => {
    const config = devWith({
      natGateways: "none",
      envoyImage: `111111111111.dkr.ecr.eu-west-1.amazonaws.com/envoy:v1.34.1@sha256:${"a".repeat(64)}`,
    });
    expect(problemsOf(config)).toEqual([]);
  });

  it("accepts a local backend", () => {
    expect(problemsOf(devWith({ backend: { kind: "local" } }))).toEqual([]);
  });
});
