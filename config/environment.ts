import type { CapacityProviderShare, FargateCapacityProvider } from "../modules/proxy-service/proxy-service";
import type { ServiceScaling } from "../modules/proxy-service/scaling";
import type { TaskSize } from "../modules/proxy-service/task-size";
import type { ClientSignatureMode } from "../src/contracts/authorizer-environment";
import type { IssuancePolicy } from "../src/issuance/policy";

/** Where Terraform keeps an environment's state. */
export type BackendConfig =
  | {
      /** Remote state in S3 with Terraform's native lock file (`use_lockfile`), no DynamoDB table. */
      readonly kind: "s3";
      /** State bucket (created outside this app, versioned and encrypted). */
      readonly bucket: string;
      /** Object key of the state file. */
      readonly key: string;
      /** Region of the state bucket. @default the environment's region */
      readonly region?: string;
    }
  | {
      /** Local state file, for throwaway environments and offline plans. */
      readonly kind: "local";
      /** Path of the state file, relative to the synthesized stack directory. @default terraform.<name>.tfstate */
      readonly path?: string;
    };

/** What the gateway may serve in one bucket: the task role is limited to exactly these prefixes. */
export interface BucketAccess {
  /** Key prefixes the gateway may touch; `""` means the whole bucket. */
  readonly prefixes: readonly string[];
}

/** How many tasks run and when to add more (shared with ProxyService). */
export type ScalingConfig = ServiceScaling;

/** What tokens the authorizers accept. */
export interface TokenSettings {
  /** Required `iss` claim. */
  readonly issuer: string;
  /** Required `aud` claim. */
  readonly audience: string;
  /** Longest accepted `exp - iat`, seconds; also how long a previous key stays published. */
  readonly maxLifetimeSeconds: number;
  /** Tolerated clock difference, seconds. */
  readonly clockSkewSeconds: number;
}

/** The token issuer: a Lambda behind a Function URL that only SigV4-signed callers listed in `invokers` reach. */
export interface IssuerConfig {
  /** Who may get which grants. */
  readonly policy: IssuancePolicy;
  /** Who may call the Function URL (lambda:InvokeFunctionUrl): 12-digit account ids or IAM role ARNs, cross-account allowed. */
  readonly invokers: readonly string[];
  /** Reserved concurrency of the issuer Lambda (bounds its rate). @default 5 */
  readonly reservedConcurrency?: number;
}

/** Everything that differs between environments. One file per environment: `config/<name>.ts`. */
export interface EnvironmentConfig {
  /** Environment name: stack `rajee-<name>`, resource name prefix, `Environment` tag. */
  readonly name: string;
  /** AWS account the environment lives in (12 digits); the provider refuses any other. */
  readonly accountId: string;
  /** AWS region of everything, including the buckets served (S3 is reached through a VPC endpoint). */
  readonly region: string;
  /**
   * Role Terraform (provider and state backend) assumes in `accountId` to apply (cross-account
   * deploys); omit to use the caller's credentials. Never assumed for a plan (`RAJEE_TERRAFORM_ROLE=plan`).
   */
  readonly assumeRoleArn?: string;
  /**
   * The read-only role pull-request plans run as, created by the stack (`<prefix>-plan`): assumable
   * only with GitHub's OIDC token for this repository's pull requests, unable to assume any role.
   * @default undefined (no plan role)
   */
  readonly planRole?: { readonly githubRepository: string };
  /** Availability zones, at least two, listed explicitly (no API lookups at plan time). */
  readonly availabilityZones: readonly string[];
  /** VPC CIDR, /16 to /22. */
  readonly vpcCidr: string;
  /** NAT gateways: `none` (every image in ECR), `single` (one, cheaper), `per-az` (survives an AZ loss). */
  readonly natGateways: "none" | "single" | "per-az";
  /** Buckets the gateway may serve, keyed by bucket name. */
  readonly buckets: Readonly<Record<string, BucketAccess>>;
  /** Authorizer image in ECR: `<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>@sha256:<digest>` (a tag alone only with `imagePinning: "tag"`). */
  readonly authorizerImage: string;
  /**
   * Envoy image, in ECR (the tasks reach no other registry). @default ENVOY_IMAGE from envoy-templates
   * pulled through the environment's ECR pull-through cache (`<account>.dkr.ecr.<region>.amazonaws.com/rajee-<name>/envoyproxy/envoy:...@sha256:...`)
   */
  readonly envoyImage?: string;
  /**
   * The file still holds the repository's example values (accounts, certificate, image digests), so
   * synth accepts image digests that are obvious placeholders (a long run of one character, e.g.
   * `sha256:000…0002`). Delete it before the first real deploy: synth then names every placeholder
   * digest left. @default false
   */
  readonly example?: boolean;
  /** Whether images must be pinned by digest (`digest`) or may be pinned by tag alone (`tag`, development only). @default "digest" */
  readonly imagePinning?: "digest" | "tag";
  /** Fargate capacity providers and their shares (Spot for non-production). @default undefined (on-demand Fargate) */
  readonly capacityProviders?: Readonly<Partial<Record<FargateCapacityProvider, CapacityProviderShare>>>;
  /** Seconds a new task's share of requests ramps up (30-900, 0 = off). @default 0 */
  readonly slowStartSeconds?: number;
  /** Fargate task size and the containers' shares. */
  readonly task: TaskSize;
  /**
   * Traces through Envoy and the authorizer to X-Ray, and Envoy's metrics to CloudWatch, through the
   * OpenTelemetry collector in the task (docs/observability.md); needs `task.collector`.
   * `samplingRatio` (0-1) is the share of new traces recorded. @default undefined (no collector, no traces)
   */
  readonly tracing?: { readonly samplingRatio: number };
  /** Task counts and autoscaling targets. */
  readonly scaling: ScalingConfig;
  /** ACM certificate for the HTTPS listener, in `region`. */
  readonly certificateArn: string;
  /** Domain clients use; also the virtual-hosted-style domain (`<bucket>.<domain>`). */
  readonly domain: string;
  /** CIDRs allowed to reach the load balancer. */
  readonly ingressCidrs: readonly string[];
  /** Token settings shared by authorizers and the rotation Lambda. */
  readonly token: TokenSettings;
  /**
   * Whether authorizers verify clients' own SigV4 signatures (proof of possession, docs/security.md):
   * "required" refuses bearer tokens, "when-bound" verifies bound tokens and serves bearer tokens,
   * "off" verifies nothing. "required" needs the environment's binding-key secret.
   * @default "required" when the environment has a binding-key secret, "when-bound" until then
   */
  readonly clientSignatures?: ClientSignatureMode;
  /** The token issuer: its issuance policy, who may call it, and its concurrency. */
  readonly issuer: IssuerConfig;
  /** Days between signing-key rotations (Secrets Manager rotation schedule). */
  readonly rotationDays: number;
  /** CloudWatch Logs retention, days (one of the values CloudWatch accepts). */
  readonly logRetentionDays: number;
  /** Days ALB access logs (which contain full URLs) are kept. */
  readonly accessLogRetentionDays: number;
  /** Address the alarm topic sends to (confirm the subscription after the first deploy). */
  readonly alarmEmail: string;
  /** WAF rate limit: requests per client IP per 5 minutes. */
  readonly wafRateLimit: number;
  /** Terraform state location. */
  readonly backend: BackendConfig;
  /** Extra tags on every resource (the provider's default_tags). */
  readonly tags?: Readonly<Record<string, string>>;
}
