import { CLIENT_SIGNATURE_MODES } from "../src/contracts/authorizer-environment";
import { ConfigError } from "../src/config-error";
import { ACCOUNT_ID, ECR_IMAGE, isDomainName, isRegion, parseCertificateArn, parseRoleArn, REGION_EXAMPLE } from "../src/contracts/aws-names";
import { clockSkewProblem, tokenLifetimeProblem } from "../src/contracts/environment";
import { issuancePolicyProblems } from "../src/issuance/policy";
import { bucketNameProblem } from "../src/s3/bucket-name";
import { prefixProblem } from "../modules/access-policy/s3-actions";
import { accessLogRetentionProblem, wafRateLimitProblem } from "../modules/load-balancer/load-balancer";
import { cidrProblem, parseCidr } from "../modules/network/cidr";
import { invokersProblems, reservedConcurrencyProblem } from "../modules/issuer/issuer";
import { alarmEmailProblem } from "../modules/observability/alarms";
import { logRetentionProblem } from "../modules/observability/retention";
import { scalingProblems } from "../modules/proxy-service/scaling";
import { taskSizeProblems } from "../modules/proxy-service/task-size";
import { rotationIntervalProblem } from "../modules/signing-keys/signing-keys";
import type { EnvironmentConfig } from "./environment";

// Names, ARNs and bounds shared with the modules and the processes come from them (src/contracts,
// the modules' *Problem functions); what is left here is what only an environment file has.
const ENV_NAME = /^[a-z][a-z0-9-]{0,13}$/;
const TOKEN_VALUE = /^\S{1,256}$/;

/** Why `image` is not an ECR image pinned as `pinning` asks; undefined when it is. The plan review asks the same. */
export function imagePinProblem(image: string, pinning: "digest" | "tag"): string | undefined {
  const m = ECR_IMAGE.exec(image);
  if (!m) return "is not an ECR image pinned by tag or digest; use <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>@sha256:<digest>";
  if (m[4] === ":latest") return "uses the moving tag 'latest'; pin a version tag and a digest";
  if (pinning === "digest" && !m[4]!.includes("@sha256:")) return "is pinned by tag only, which can be re-pushed; append @sha256:<digest> (imagePinning: \"tag\" allows tags in development)";
  return undefined;
}

/**
 * Checks an environment and returns it frozen. Throws one ConfigError listing every problem, each
 * naming the environment, the field, the bad value and the fix:
 * `config "dev": accountId="12345" is not 12 digits; use the AWS account id of the environment`.
 */
export function validateEnvironment(config: EnvironmentConfig): EnvironmentConfig {
  const problems: string[] = [];
  const bad = (field: string, value: unknown, why: string) =>
    problems.push(`${field}=${JSON.stringify(value)} ${why}`);
  const c = config;

  if (!ENV_NAME.test(c.name)) bad("name", c.name, "must be 1-14 of a-z, 0-9 and '-', starting with a letter; use e.g. dev");
  if (!ACCOUNT_ID.test(c.accountId)) bad("accountId", c.accountId, "is not 12 digits; use the AWS account id of the environment");
  if (!isRegion(c.region)) bad("region", c.region, `is not an AWS region name; use e.g. ${REGION_EXAMPLE}`);
  if (c.assumeRoleArn !== undefined) {
    const role = parseRoleArn(c.assumeRoleArn);
    if (!role) bad("assumeRoleArn", c.assumeRoleArn, "is not an IAM role ARN; use arn:aws:iam::<account>:role/<name> or omit it");
    else if (role.account !== c.accountId) {
      bad("assumeRoleArn", c.assumeRoleArn, `is in account ${role.account}, not accountId=${c.accountId}; use a role in the environment's account`);
    }
  }

  if (c.clientSignatures !== undefined && !(CLIENT_SIGNATURE_MODES as readonly string[]).includes(c.clientSignatures)) {
    bad("clientSignatures", c.clientSignatures, `is not a mode; use one of ${CLIENT_SIGNATURE_MODES.join(", ")} or omit it`);
  }

  const regionOk = isRegion(c.region);
  const accountOk = ACCOUNT_ID.test(c.accountId);
  if (regionOk) checkZones(c, bad);
  const cidr = cidrProblem(c.vpcCidr);
  if (cidr) bad("vpcCidr", c.vpcCidr, `${cidr}; use e.g. 10.20.0.0/16`);
  else {
    const { prefixLength } = parseCidr(c.vpcCidr);
    if (prefixLength < 16 || prefixLength > 22) bad("vpcCidr", c.vpcCidr, "must be /16 to /22 (room for public and private subnets in each AZ)");
  }
  if (!["none", "single", "per-az"].includes(c.natGateways)) bad("natGateways", c.natGateways, "must be none, single or per-az");

  const beforeBuckets = problems.length;
  checkBuckets(c, bad);
  const bucketsOk = problems.length === beforeBuckets;

  const pinning = c.imagePinning ?? "digest";
  if (pinning !== "digest" && pinning !== "tag") bad("imagePinning", pinning, "must be digest or tag");
  const authorizerImage = imagePinProblem(c.authorizerImage, pinning === "tag" ? "tag" : "digest");
  if (authorizerImage) bad("authorizerImage", c.authorizerImage, authorizerImage);
  // The tasks reach only ECR (egress to the VPC endpoints), so Envoy must come from ECR too; the default mirrors it there.
  const envoyImage = c.envoyImage === undefined ? undefined : imagePinProblem(c.envoyImage, pinning === "tag" ? "tag" : "digest");
  if (envoyImage) bad("envoyImage", c.envoyImage, `${envoyImage}; or omit it to pull the default through the ECR mirror`);
  if (c.example !== undefined && typeof c.example !== "boolean") bad("example", c.example, "must be true (the file holds example values) or omitted");
  if (c.example !== true) {
    for (const [field, image] of [["authorizerImage", c.authorizerImage], ["envoyImage", c.envoyImage]] as const) {
      const placeholder = image === undefined ? undefined : placeholderDigestProblem(image);
      if (placeholder) bad(field, image, placeholder);
    }
  }
  if (c.slowStartSeconds !== undefined && (!Number.isInteger(c.slowStartSeconds) || (c.slowStartSeconds !== 0 && (c.slowStartSeconds < 30 || c.slowStartSeconds > 900)))) {
    bad("slowStartSeconds", c.slowStartSeconds, "is outside the ALB range; use 30-900, or 0 for off");
  }

  for (const p of taskSizeProblems(c.task)) problems.push(`task.${p}`);
  problems.push(...scalingProblems(c.scaling));

  const cert = parseCertificateArn(c.certificateArn);
  if (!cert) bad("certificateArn", c.certificateArn, "is not an ACM certificate ARN; use arn:aws:acm:<region>:<account>:certificate/<id>");
  else if (regionOk && accountOk && (cert.region !== c.region || cert.account !== c.accountId)) {
    bad("certificateArn", c.certificateArn, `must be in region ${c.region} and account ${c.accountId} (the load balancer's); request or import it there`);
  }
  if (!isDomainName(c.domain)) bad("domain", c.domain, "is not a lower-case DNS name; use e.g. s3.example.com");
  if (c.ingressCidrs.length === 0) bad("ingressCidrs", c.ingressCidrs, "is empty, so nobody could connect; list client CIDRs (0.0.0.0/0 for the internet)");
  c.ingressCidrs.forEach((cidrText, i) => {
    const p = cidrProblem(cidrText);
    if (p) bad(`ingressCidrs[${i}]`, cidrText, `${p}; use e.g. 203.0.113.0/24`);
  });

  checkToken(c, bad);
  checkIssuer(c, bad, problems, bucketsOk);
  if (!Number.isInteger(c.rotationDays) || c.rotationDays < 1 || c.rotationDays > 365) {
    bad("rotationDays", c.rotationDays, "must be a whole number of days, 1-365");
  } else {
    const tooOften = rotationIntervalProblem(c.rotationDays, c.token.maxLifetimeSeconds, c.token.clockSkewSeconds);
    if (tooOften) bad("rotationDays", c.rotationDays, tooOften);
  }
  const retention = logRetentionProblem(c.logRetentionDays);
  if (retention) bad("logRetentionDays", c.logRetentionDays, retention);
  const accessLogRetention = accessLogRetentionProblem(c.accessLogRetentionDays);
  if (accessLogRetention) bad("accessLogRetentionDays", c.accessLogRetentionDays, accessLogRetention);
  const email = alarmEmailProblem(c.alarmEmail);
  if (email) bad("alarmEmail", c.alarmEmail, email);
  const rate = wafRateLimitProblem(c.wafRateLimit);
  if (rate) bad("wafRateLimit", c.wafRateLimit, rate);
  checkBackend(c, bad);
  for (const [key, value] of Object.entries(c.tags ?? {})) {
    if (key.length < 1 || key.length > 128 || key.startsWith("aws:")) bad(`tags.${key}`, key, "must be a 1-128 character key not starting with aws:");
    if (value.length > 256) bad(`tags.${key}`, value, "is longer than 256 characters");
  }

  if (problems.length > 0) {
    throw new ConfigError(problems.map((p) => `config "${c.name}": ${p}`).join("\n"));
  }
  return deepFreeze(c);
}

type Bad = (field: string, value: unknown, why: string) => void;

function checkZones(c: EnvironmentConfig, bad: Bad): void {
  if (c.availabilityZones.length < 2) {
    bad("availabilityZones", c.availabilityZones, `lists fewer than 2 zones; list at least two, e.g. ${c.region}a and ${c.region}b`);
  }
  if (new Set(c.availabilityZones).size !== c.availabilityZones.length) bad("availabilityZones", c.availabilityZones, "repeats a zone; list each once");
  c.availabilityZones.forEach((zone, i) => {
    if (!zone.startsWith(c.region) || !/^[a-z]$/.test(zone.slice(c.region.length))) {
      bad(`availabilityZones[${i}]`, zone, `is not a zone of ${c.region}; use ${c.region} followed by one letter`);
    }
  });
}

function checkBuckets(c: EnvironmentConfig, bad: Bad): void {
  const names = Object.keys(c.buckets);
  if (names.length === 0) bad("buckets", c.buckets, "is empty; list the buckets the gateway may serve");
  for (const name of names) {
    const problem = bucketNameProblem(name);
    if (problem) bad(`buckets.${name}`, name, `is not a valid bucket name: it ${problem}`);
    const prefixes = c.buckets[name]?.prefixes ?? [];
    if (prefixes.length === 0) bad(`buckets.${name}.prefixes`, prefixes, 'is empty; list key prefixes, or [""] for the whole bucket');
    prefixes.forEach((prefix, i) => {
      const why = prefixProblem(prefix);
      if (why) bad(`buckets.${name}.prefixes[${i}]`, prefix, why);
    });
  }
}

function checkToken(c: EnvironmentConfig, bad: Bad): void {
  const t = c.token;
  if (!TOKEN_VALUE.test(t.issuer)) bad("token.issuer", t.issuer, "must be 1-256 characters without spaces; use e.g. https://issuer.example.com");
  if (!TOKEN_VALUE.test(t.audience)) bad("token.audience", t.audience, "must be 1-256 characters without spaces; use e.g. rajee");
  const lifetime = tokenLifetimeProblem(t.maxLifetimeSeconds);
  if (lifetime) bad("token.maxLifetimeSeconds", t.maxLifetimeSeconds, lifetime);
  const skew = clockSkewProblem(t.clockSkewSeconds);
  if (skew) bad("token.clockSkewSeconds", t.clockSkewSeconds, skew);
}

/** Longest run of one character a real SHA-256 digest plausibly has; a longer run is a placeholder (e.g. 000…0002). */
const PLACEHOLDER_RUN = /([0-9a-f])\1{15}/;

/** Why the digest `image` is pinned by is an obvious placeholder (all zeros, one repeated character); undefined otherwise. */
export function placeholderDigestProblem(image: string): string | undefined {
  const digest = /@sha256:([0-9a-f]{64})$/.exec(image)?.[1];
  if (digest === undefined || !PLACEHOLDER_RUN.test(digest)) return undefined;
  return "is pinned by a placeholder digest (a run of one repeated character no real image has); replace it with the digest `docker push` printed";
}

function checkIssuer(c: EnvironmentConfig, bad: Bad, problems: string[], bucketsOk: boolean): void {
  const issuer = c.issuer as EnvironmentConfig["issuer"] | undefined;
  if (issuer === undefined) {
    bad("issuer", issuer, "is missing; every environment has an issuer: set issuer.policy and issuer.invokers");
    return;
  }
  for (const p of issuancePolicyProblems(issuer.policy, { maxLifetimeSeconds: c.token.maxLifetimeSeconds })) problems.push(`issuer.policy.${p}`);
  for (const p of invokersProblems(issuer.invokers)) problems.push(`issuer.${p}`);
  if (issuer.reservedConcurrency !== undefined) {
    const why = reservedConcurrencyProblem(issuer.reservedConcurrency);
    if (why) bad("issuer.reservedConcurrency", issuer.reservedConcurrency, why);
  }
  // A grant outside what the gateway serves would issue tokens no request can use (judged once the buckets themselves are valid).
  if (!bucketsOk) return;
  const rules = Array.isArray(issuer.policy.rules) ? issuer.policy.rules : [];
  rules.forEach((rule, r) => {
    (Array.isArray(rule.grants) ? rule.grants : []).forEach((grant: unknown, g: number) => {
      const why = typeof grant === "string" ? grantOutsideBucketsProblem(grant, c.buckets) : undefined;
      if (why) bad(`issuer.policy.rules[${r}].grants[${g}]`, grant, why);
    });
  });
}

/** Why `grant` reaches outside the buckets and prefixes the gateway serves; undefined when inside (or unparseable: the policy check names that). */
export function grantOutsideBucketsProblem(grant: string, buckets: EnvironmentConfig["buckets"]): string | undefined {
  const m = /^[^:]*:([^/]+)\/(.*)$/.exec(grant);
  if (!m) return undefined;
  const [, bucket, path] = m as unknown as [string, string, string];
  const access = Object.hasOwn(buckets, bucket) ? buckets[bucket] : undefined;
  if (!access) return `names bucket ${bucket}, which the gateway does not serve; use one of ${Object.keys(buckets).join(", ")} or add it to buckets`;
  // Up to the first variable, the path is fixed: it must lie inside one served prefix.
  const fixed = path.split("${")[0]!;
  const inside = access.prefixes.some((prefix) => fixed.startsWith(prefix));
  return inside ? undefined : `reaches outside the prefixes the gateway serves in ${bucket} (${access.prefixes.map((p) => JSON.stringify(p)).join(", ")}); narrow the grant or add the prefix`;
}

function checkBackend(c: EnvironmentConfig, bad: Bad): void {
  const b = c.backend;
  if (b.kind === "s3") {
    const problem = bucketNameProblem(b.bucket);
    if (problem) bad("backend.bucket", b.bucket, `is not a valid bucket name: it ${problem}`);
    if (b.key.length === 0 || b.key.startsWith("/")) bad("backend.key", b.key, "must be a non-empty key without a leading '/'; use e.g. rajee/dev.tfstate");
    if (b.region !== undefined && !isRegion(b.region)) bad("backend.region", b.region, `is not an AWS region name; use e.g. ${REGION_EXAMPLE}`);
  } else if (b.kind !== "local") {
    bad("backend.kind", (b as { kind: unknown }).kind, "must be s3 or local");
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
