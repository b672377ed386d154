import { DEFAULT_LOG_LEVEL, definedOnly, SHARED_VARIABLES, type EnvironmentVariables, type LogLevel } from "./environment";
import { LOOPBACK } from "./gateway";

/**
 * The variables the authorizer reads (handlers/authorizer/config.ts parses them), keyed by the
 * setting. The infrastructure writes them only through {@link authorizerEnvironment}.
 */
export const AUTHORIZER_VARIABLES = Object.freeze({
  listen: "RAJEE_LISTEN",
  adminListen: "RAJEE_ADMIN_LISTEN",
  jwksFile: "RAJEE_JWKS_FILE",
  jwksSecretArn: SHARED_VARIABLES.jwksSecretArn,
  issuer: "RAJEE_ISSUER",
  audience: "RAJEE_AUDIENCE",
  algorithms: "RAJEE_ALGORITHMS",
  clockSkewSeconds: SHARED_VARIABLES.clockSkewSeconds,
  maxTokenLifetimeSeconds: SHARED_VARIABLES.maxTokenLifetimeSeconds,
  keyRefreshSeconds: "RAJEE_KEY_REFRESH_SECONDS",
  stalenessLimitSeconds: "RAJEE_STALENESS_LIMIT_SECONDS",
  breakGlassIntervalSeconds: "RAJEE_BREAK_GLASS_INTERVAL_SECONDS",
  tokenCacheSize: "RAJEE_TOKEN_CACHE_SIZE",
  denyListFile: "RAJEE_DENY_LIST_FILE",
  denyListSecretArn: "RAJEE_DENY_LIST_SECRET_ARN",
  rateLimitPerSecond: "RAJEE_RATE_LIMIT_PER_SECOND",
  rateLimitBurst: "RAJEE_RATE_LIMIT_BURST",
  virtualHostDomain: "RAJEE_VIRTUAL_HOST_DOMAIN",
  logLevel: SHARED_VARIABLES.logLevel,
  s3Region: "RAJEE_S3_REGION",
  s3Endpoint: "RAJEE_S3_ENDPOINT",
  shutdownTimeoutSeconds: "RAJEE_SHUTDOWN_TIMEOUT_SECONDS",
  emfIntervalSeconds: "RAJEE_EMF_INTERVAL_SECONDS",
} as const);

/** The region variable of the AWS SDK (not the authorizer's own): Secrets Manager and STS calls go there. */
export const AWS_REGION_VARIABLE = "AWS_REGION";

/** What the infrastructure tells the authorizer container. */
export interface AuthorizerSettings {
  /** Secret holding the JWKS. */
  readonly jwksSecretArn: string;
  /** Required `iss`. */
  readonly issuer: string;
  /** Required `aud`. */
  readonly audience: string;
  /** Longest accepted `exp - iat`, seconds (within TOKEN_LIFETIME_SECONDS). */
  readonly maxTokenLifetimeSeconds: number;
  /** Tolerated clock skew, seconds (within CLOCK_SKEW_SECONDS). */
  readonly clockSkewSeconds: number;
  /** Region of the buckets. */
  readonly s3Region: string;
  /** S3 host the authorizer signs for (Envoy forwards there). */
  readonly s3Endpoint: string;
  /** Domain of virtual-hosted-style requests (`<bucket>.<domain>`). @default none (path-style only) */
  readonly virtualHostDomain?: string;
  /** Log level. @default "info" */
  readonly logLevel?: LogLevel;
}

/** Where the task runs and which loopback ports the authorizer binds. */
export interface AuthorizerPlacement {
  /** Region of the task: the SDK's region. */
  readonly region: string;
  /** Check port on the loopback address. */
  readonly checkPort: number;
  /** Operations port on the loopback address. */
  readonly adminPort: number;
}

/** The authorizer container's environment, in a stable order. Pure; the authorizer's parser reads it back. */
export function authorizerEnvironment(placement: AuthorizerPlacement, s: AuthorizerSettings): EnvironmentVariables {
  const v = AUTHORIZER_VARIABLES;
  return definedOnly({
    [AWS_REGION_VARIABLE]: placement.region,
    [v.listen]: `${LOOPBACK}:${placement.checkPort}`,
    [v.adminListen]: `${LOOPBACK}:${placement.adminPort}`,
    [v.jwksSecretArn]: s.jwksSecretArn,
    [v.issuer]: s.issuer,
    [v.audience]: s.audience,
    [v.maxTokenLifetimeSeconds]: String(s.maxTokenLifetimeSeconds),
    [v.clockSkewSeconds]: String(s.clockSkewSeconds),
    [v.s3Region]: s.s3Region,
    [v.s3Endpoint]: s.s3Endpoint,
    [v.virtualHostDomain]: s.virtualHostDomain,
    [v.logLevel]: s.logLevel ?? DEFAULT_LOG_LEVEL,
  });
}
