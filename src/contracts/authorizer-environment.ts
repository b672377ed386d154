import { DEFAULT_LOG_LEVEL, definedOnly, SHARED_VARIABLES, type EnvironmentVariables, type LogLevel } from "./environment";
import { ConfigError } from "../config-error";
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
  clientSignatures: "RAJEE_CLIENT_SIGNATURES",
  bindingKeysFile: "RAJEE_BINDING_KEYS_FILE",
  bindingKeysSecretArn: "RAJEE_BINDING_KEYS_SECRET_ARN",
  emfIntervalSeconds: "RAJEE_EMF_INTERVAL_SECONDS",
  runtimeParameter: "RAJEE_RUNTIME_PARAMETER",
  tracingEndpoint: "RAJEE_TRACING_ENDPOINT",
  tracingSamplingRatio: "RAJEE_TRACING_SAMPLING_RATIO",
} as const);

/** Where the authorizer sends its spans (OTLP/HTTP) and which share of new traces it records. */
export interface AuthorizerTracing {
  /** OTLP/HTTP traces URL, e.g. `http://127.0.0.1:4318/v1/traces` (the collector in the task). */
  readonly endpoint: string;
  /** 0-1; Envoy's decision, carried by `traceparent`, takes precedence. */
  readonly samplingRatio: number;
}

/** The runtime-settings parameter of an environment (docs/observability.md): one JSON document operators may change. */
export function runtimeParameterName(environment: string): string {
  return `/rajee/${environment}/runtime`;
}

/**
 * The deny-list secret of a stack whose names start with `namePrefix` (`rajee-<env>`): the revoked
 * `jti` and `sub` values the authorizers poll (RAJEE_DENY_LIST_SECRET_ARN), beside the signing and
 * binding secrets (`<namePrefix>/signing/...`, `<namePrefix>/binding/...`).
 */
export function denyListSecretName(namePrefix: string): string {
  return `${namePrefix}/revocation/deny-list`;
}

/**
 * Whether the authorizer verifies the client's own SigV4 signature (docs/security.md, "Proof of
 * possession"): `required` refuses bearer tokens (no `cnf`) and verifies every request;
 * `when-bound` verifies requests whose token is bound and lets bearer tokens through; `off`
 * verifies nothing (a bound token then works as a bearer token).
 */
export const CLIENT_SIGNATURE_MODES = ["required", "when-bound", "off"] as const;
export type ClientSignatureMode = (typeof CLIENT_SIGNATURE_MODES)[number];

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
  /** Client-signature verification; "required" needs bindingKeysSecretArn. @default "required" when bindingKeysSecretArn is set, else "when-bound" */
  readonly clientSignatures?: ClientSignatureMode;
  /** Secret holding the private binding keys (`{"keys": [...]}`); required unless clientSignatures is "off". @default none */
  readonly bindingKeysSecretArn?: string;
  /** Secret holding the deny list (`{"jtis": [...], "subs": [...]}`), polled like the keys. @default none: no token can be revoked (every stack sets it) */
  readonly denyListSecretArn?: string;
  /** SSM parameter of the runtime settings (`runtimeParameterName(env)`), polled like the keys. @default none (the environment's values only) */
  readonly runtimeParameterName?: string;
  /** Spans of checks. @default none (log lines still carry the incoming trace id) */
  readonly tracing?: AuthorizerTracing;
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
  const clientSignatures = s.clientSignatures ?? (s.bindingKeysSecretArn === undefined ? "when-bound" : "required");
  if (clientSignatures === "required" && s.bindingKeysSecretArn === undefined) {
    throw new ConfigError(`authorizer: clientSignatures="required" needs bindingKeysSecretArn (the secret holding the private binding keys); pass it, or use "when-bound"`);
  }
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
    [v.clientSignatures]: clientSignatures,
    [v.bindingKeysSecretArn]: s.bindingKeysSecretArn,
    [v.denyListSecretArn]: s.denyListSecretArn,
    [v.runtimeParameter]: s.runtimeParameterName,
    [v.tracingEndpoint]: s.tracing?.endpoint,
    [v.tracingSamplingRatio]: s.tracing === undefined ? undefined : String(s.tracing.samplingRatio),
  });
}
