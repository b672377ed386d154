import { ConfigError } from "../../src/config-error";
import { dev } from "../../config/dev";
import { prod } from "../../config/prod";
import { staging } from "../../config/staging";
import type { EnvironmentConfig } from "../../config/environment";
import fc from "fast-check";
import { environmentNames, getEnvironment, validateEnvironment } from "../../config";
import { placeholderDigestProblem } from "../../config/validate";

/** A digest as `docker push` prints one (the SHA-256 of a manifest): no long run of one character. */
const REAL_DIGEST = "b2f3ae1c54d8e9f07a6c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a";

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
      "task.envoy.cpu + authorizer.cpu + collector.cpu=832 exceeds the task cpu=512; lower the containers or raise the task size",
    ],
    [
      "containers above the task memory",
      { task: { ...task, authorizer: { ...task.authorizer, memoryMiB: 768 } } },
      "task.envoy.memoryMiB + authorizer.memoryMiB + collector.memoryMiB=1408 exceeds the task memoryMiB=1024; lower the containers or raise the task size",
    ],
    [
      "reservation not below the limit",
      { task: { ...task, envoy: { ...task.envoy, memoryReservationMiB: 384 } } },
      "task.envoy.memoryReservationMiB=384 must be a positive integer below envoy.memoryMiB=384",
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
    ["unknown client-signature mode", { clientSignatures: "sometimes" as never }, 'clientSignatures="sometimes" is not a mode; use one of required, when-bound, off or omit it'],
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
      envoyImage: `111111111111.dkr.ecr.eu-west-1.amazonaws.com/envoy:v1.34.1@sha256:${REAL_DIGEST}`,
    });
    expect(problemsOf(config)).toEqual([]);
  });

  it("accepts a local backend", () => {
    expect(problemsOf(devWith({ backend: { kind: "local" } }))).toEqual([]);
  });

  const issuer = dev.issuer;
  const issuerCases: Array<[string, Partial<EnvironmentConfig["issuer"]>, string[]]> = [
    [
      "a wildcard invoker",
      { invokers: ["arn:aws:iam::111111111111:role/*"] },
      [`issuer.invokers[0]="arn:aws:iam::111111111111:role/*" contains '*'; list account ids or role ARNs exactly (a wildcard would let anyone matching call the issuer)`],
    ],
    ["no invoker", { invokers: [] }, ["issuer.invokers=[] is empty, so nobody could call the issuer; list the account ids or role ARNs that may"]],
    ["a repeated invoker", { invokers: ["111111111111", "111111111111"] }, ['issuer.invokers[1]="111111111111" is listed twice; list each invoker once']],
    [
      "an invoker that is a user",
      { invokers: ["arn:aws:iam::111111111111:user/bob"] },
      ['issuer.invokers[0]="arn:aws:iam::111111111111:user/bob" is neither a 12-digit account id nor an IAM role ARN; use e.g. 123456789012 or arn:aws:iam::123456789012:role/analyst'],
    ],
    ["zero reserved concurrency", { reservedConcurrency: 0 }, ["issuer.reservedConcurrency=0 must be a whole number 1-100; use e.g. 5"]],
    ["too much reserved concurrency", { reservedConcurrency: 101 }, ["issuer.reservedConcurrency=101 must be a whole number 1-100; use e.g. 5"]],
    ["an empty policy", { policy: { rules: [] } }, [expect.stringMatching(/^config "dev": issuer\.policy\.rules is empty, so no caller could get a token;/) as unknown as string]],
    [
      "a rule longer than the tokens live",
      { policy: { rules: [{ principals: ["111111111111"], grants: ["read:rajee-dev-data/x/"], maxLifetimeSeconds: 86400 }] } },
      [expect.stringMatching(/^config "dev": issuer\.policy\.rules\[0\]\.maxLifetimeSeconds=86400 is not a whole number of seconds in 60-43200/) as unknown as string],
    ],
    [
      "a grant of a bucket the gateway does not serve",
      { policy: { rules: [{ principals: ["111111111111"], grants: ["read:other-bucket/x/"], maxLifetimeSeconds: 60 }] } },
      ['issuer.policy.rules[0].grants[0]="read:other-bucket/x/" names bucket other-bucket, which the gateway does not serve; use one of rajee-dev-data or add it to buckets'],
    ],
  ];

  it.each(issuerCases)("rejects an issuer with %s, naming the setting", (_label, patch, messages) => {
    expect(problemsOf(devWith({ issuer: { ...structuredClone(issuer), ...patch } }))).toEqual(messages.map((m) => (typeof m === "string" ? `config "dev": ${m}` : m)));
  });

  it("rejects a missing issuer: every environment has one", () => {
    expect(problemsOf(devWith({ issuer: undefined }))).toEqual(['config "dev": issuer=undefined is missing; every environment has an issuer: set issuer.policy and issuer.invokers']);
  });

  it("rejects a grant reaching outside the prefixes the gateway serves, judging only the part before a variable", () => {
    const rule = (grants: string[]) => ({ principals: ["222222222222"], grants, maxLifetimeSeconds: 60 });
    const withGrants = (grants: string[]) => ({ ...structuredClone(staging), issuer: { ...staging.issuer, policy: { rules: [rule(grants)] } } });
    expect(problemsOf(withGrants(["read:rajee-staging-data/shared/a/", "write:rajee-staging-data/partners/${aws:accountId}/"]))).toEqual([]);
    expect(problemsOf(withGrants(["read:rajee-staging-data/", "read:rajee-staging-data/${aws:sessionName}/", "read:rajee-staging-data/share"]))).toEqual(
      ["read:rajee-staging-data/", "read:rajee-staging-data/${aws:sessionName}/", "read:rajee-staging-data/share"].map(
        (g, i) =>
          `config "staging": issuer.policy.rules[0].grants[${i}]=${JSON.stringify(g)} reaches outside the prefixes the gateway serves in rajee-staging-data ("shared/", "partners/"); narrow the grant or add the prefix`,
      ),
    );
  });

  it("gives every environment an issuer whose invokers and rules pass, and prod no whole account as invoker", () => {
    for (const name of environmentNames) expect(getEnvironment(name).issuer.invokers.length).toBeGreaterThan(0);
    expect(prod.issuer.invokers.filter((i) => /^\d{12}$/.test(i))).toEqual([]);
  });

  it("gives every environment but dev a plan role for pull-request plans", () => {
    for (const name of environmentNames.filter((n) => n !== "dev")) {
      expect(getEnvironment(name).planRole?.githubRepository).toMatch(/^[\w.-]+\/[\w.-]+$/);
    }
  });

  it("refuses placeholder digests unless the file says it holds example values", () => {
    for (const config of [staging, prod]) {
      expect(config.example).toBe(true);
      expect(problemsOf({ ...config, example: undefined })).toEqual([
        `config "${config.name}": authorizerImage=${JSON.stringify(config.authorizerImage)} is pinned by a placeholder digest (a run of one repeated character no real image has); replace it with the digest \`docker push\` printed`,
      ]);
      const real = config.authorizerImage.replace(/@sha256:[0-9a-f]{64}$/, `@sha256:${REAL_DIGEST}`);
      expect(problemsOf({ ...config, example: undefined, authorizerImage: real })).toEqual([]);
    }
    const mirrored = `111111111111.dkr.ecr.eu-west-1.amazonaws.com/envoy:v1.34.1@sha256:${"0".repeat(64)}`;
    expect(problemsOf(devWith({ envoyImage: mirrored }))).toEqual([
      `config "dev": envoyImage=${JSON.stringify(mirrored)} is pinned by a placeholder digest (a run of one repeated character no real image has); replace it with the digest \`docker push\` printed`,
    ]);
  });

  it("judges a digest a placeholder exactly when it has a run of 16 or more of one character", () => {
    const hex = fc.constantFrom(..."0123456789abcdef".split(""));
    fc.assert(
      fc.property(fc.array(hex, { minLength: 64, maxLength: 64 }), fc.nat(48), fc.integer({ min: 16, max: 64 }), hex, (chars, at, run, c) => {
        const random = chars.join("");
        const image = (d: string) => `111111111111.dkr.ecr.eu-west-1.amazonaws.com/a:1@sha256:${d}`;
        const longest = Math.max(...(random.match(/(.)\1*/g) ?? []).map((m) => m.length));
        expect(placeholderDigestProblem(image(random)) === undefined).toBe(longest < 16);
        const start = Math.min(at, 64 - run);
        const planted = random.slice(0, start) + c.repeat(run) + random.slice(start + run);
        expect(placeholderDigestProblem(image(planted))).toBeDefined();
      }),
      { numRuns: 200 },
    );
  });
});
