import { ConfigError } from "../../src/config-error";
import { AUTHORIZER_VARIABLES as V, CLIENT_SIGNATURE_MODES, type ClientSignatureMode } from "../../src/contracts/authorizer-environment";
import { hasControlCharacter, isHostName, isRegion, parseSecretArn, REGION_EXAMPLE } from "../../src/contracts/aws-names";
import { CLOCK_SKEW_SECONDS, DEFAULT_LOG_LEVEL, LOG_LEVELS, TOKEN_LIFETIME_SECONDS, type LogLevel } from "../../src/contracts/environment";
import {
  AUTHORIZER_ADMIN_PORT,
  AUTHORIZER_LIVE_PATH,
  AUTHORIZER_METRICS_PATH,
  AUTHORIZER_PORT,
  AUTHORIZER_READY_PATH,
  ECS_MAX_STOP_TIMEOUT_SECONDS,
  LOOPBACK,
  STOP_TIMEOUT_MARGIN_SECONDS,
} from "../../src/contracts/gateway";
import { parseDurationSeconds } from "../../src/duration";
import { SUPPORTED_ALGORITHMS, type SigningAlgorithm } from "../../src/keys/jwks";
import {
  DEFAULT_ALGORITHMS,
  DEFAULT_AUDIENCE,
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_ISSUER,
  DEFAULT_MAX_LIFETIME_SECONDS,
} from "../../src/token/policy";

/** A loopback `host:port` the authorizer binds. */
export interface ListenAddress {
  readonly host: string;
  /** 0 asks the OS for a free port (tests). */
  readonly port: number;
}

/** Where a polled document (the JWKS, the deny list) comes from. */
export type SourceSpec = { readonly kind: "file"; readonly path: string } | { readonly kind: "secret"; readonly arn: string };

export { LOG_LEVELS, type LogLevel };

/**
 * The authorizer's settings, parsed once from `RAJEE_*` variables (or the matching CLI flags), then
 * frozen. The variable names and the bounds shared with the infrastructure come from the contract
 * (src/contracts/authorizer-environment.ts), whose writer produces what this parser reads.
 */
export interface AuthorizerConfig {
  /** Check port: every path on it is a client request to judge. */
  readonly listen: ListenAddress;
  /** Operations port: liveness, readiness and metrics (src/contracts/gateway.ts). */
  readonly adminListen: ListenAddress;
  /** The JWKS of trusted public keys. */
  readonly keySource: SourceSpec;
  /** Revoked `jti` and `sub` values; undefined means none are revoked. */
  readonly denyListSource: SourceSpec | undefined;
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: readonly SigningAlgorithm[];
  readonly clockSkewSeconds: number;
  readonly maxTokenLifetimeSeconds: number;
  /** Seconds between polls of the key source (and the deny list source). */
  readonly refreshIntervalSeconds: number;
  /** How long the last good keys (and deny list) are used after refreshes start failing. */
  readonly stalenessLimitSeconds: number;
  /** Least time between two refreshes triggered by an unknown `kid`. */
  readonly breakGlassIntervalSeconds: number;
  /** Verified tokens kept in the cache; 0 disables it. */
  readonly tokenCacheSize: number;
  /** Requests per second one subject may make; 0 disables the limit. */
  readonly rateLimitPerSecond: number;
  /** Requests one subject may make in a burst above the rate. */
  readonly rateLimitBurst: number;
  readonly virtualHostDomain: string | undefined;
  readonly logLevel: LogLevel;
  /** Region of the buckets, for the upstream signer. */
  readonly s3Region: string | undefined;
  /** S3 endpoint host the upstream signer signs for. */
  readonly s3Endpoint: string | undefined;
  /** Longest wait for in-flight checks after SIGTERM before connections are cut. */
  readonly shutdownTimeoutSeconds: number;
  /** Seconds between CloudWatch EMF lines; 0 disables them. */
  readonly emfIntervalSeconds: number;
  /** Whether the client's own SigV4 signature is verified (client-signature.ts). */
  readonly clientSignatures: ClientSignatureMode;
  /** The private binding keys that open `cnf.jwe`; undefined when none are configured. */
  readonly bindingKeySource: SourceSpec | undefined;
  /** SSM parameter of the runtime settings (runtime-settings.ts); undefined: the values above only. */
  readonly runtimeParameter: string | undefined;
  /** Where spans of checks go (tracing.ts); undefined: none are exported. */
  readonly tracing: { readonly endpoint: string; readonly samplingRatio: number } | undefined;
}

export const DEFAULT_LISTEN = `${LOOPBACK}:${AUTHORIZER_PORT}`;
export const DEFAULT_ADMIN_LISTEN = `${LOOPBACK}:${AUTHORIZER_ADMIN_PORT}`;
export const DEFAULT_REFRESH_INTERVAL_SECONDS = 60;
export const DEFAULT_STALENESS_LIMIT_SECONDS = 3600;
export const DEFAULT_BREAK_GLASS_INTERVAL_SECONDS = 10;
export const DEFAULT_TOKEN_CACHE_SIZE = 10_000;
export const DEFAULT_RATE_LIMIT_PER_SECOND = 1000;
export { DEFAULT_LOG_LEVEL };
export const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 20;
/** The wait after SIGTERM must end before ECS's SIGKILL, with the same margin Envoy's drain keeps. */
const MAX_SHUTDOWN_TIMEOUT_SECONDS = ECS_MAX_STOP_TIMEOUT_SECONDS - STOP_TIMEOUT_MARGIN_SECONDS;
export const DEFAULT_EMF_INTERVAL_SECONDS = 60;
export const DEFAULT_TRACING_SAMPLING_RATIO = 0.05;
/** Without the variable, bound tokens are verified and bearer tokens still served; deployments write "required" (src/contracts/authorizer-environment.ts). */
export const DEFAULT_CLIENT_SIGNATURES: ClientSignatureMode = "when-bound";

/** One setting: its variable, the matching CLI flag, default and allowed values (the docs table is this list). */
export interface Setting {
  readonly env: string;
  readonly flag: string;
  readonly default: string;
  readonly allowed: string;
  readonly meaning: string;
}

const setting = (env: string, defaultText: string, allowed: string, meaning: string): Setting => ({
  env,
  flag: env.replace(/^RAJEE_/, "").toLowerCase().replace(/_/g, "-"),
  default: defaultText,
  allowed,
  meaning,
});

const DURATION = "seconds, or a duration like 30s, 15m, 1h";

/** Every setting the authorizer reads. A `RAJEE_*` variable not in this list stops start-up (typo guard). */
export const SETTINGS: readonly Setting[] = [
  setting(V.listen, DEFAULT_LISTEN, "loopback host:port (127.x.x.x, [::1] or localhost)", "check port Envoy sends ext_authz requests to"),
  setting(V.adminListen, DEFAULT_ADMIN_LISTEN, "loopback host:port, not the check port", `operations port: ${AUTHORIZER_LIVE_PATH}, ${AUTHORIZER_READY_PATH}, ${AUTHORIZER_METRICS_PATH}`),
  setting(V.jwksFile, "(none)", "path to a JWKS JSON file", `key source for local use; exactly one of this and ${V.jwksSecretArn}`),
  setting(V.jwksSecretArn, "(none)", "Secrets Manager secret ARN", "key source in AWS: the JWKS secret the rotation Lambda writes"),
  setting(V.issuer, DEFAULT_ISSUER, "non-empty string", "required token `iss`"),
  setting(V.audience, DEFAULT_AUDIENCE, "non-empty string", "required token `aud`"),
  setting(V.algorithms, DEFAULT_ALGORITHMS.join(","), `comma-separated subset of ${SUPPORTED_ALGORITHMS.join(", ")}`, "token algorithms accepted"),
  setting(V.clockSkewSeconds, String(DEFAULT_CLOCK_SKEW_SECONDS), `${CLOCK_SKEW_SECONDS.min}-${CLOCK_SKEW_SECONDS.max} (${DURATION})`, "tolerated clock difference for exp, nbf, iat"),
  setting(V.maxTokenLifetimeSeconds, String(DEFAULT_MAX_LIFETIME_SECONDS), `${TOKEN_LIFETIME_SECONDS.min}-${TOKEN_LIFETIME_SECONDS.max} (${DURATION})`, "longest accepted exp - iat"),
  setting(V.keyRefreshSeconds, String(DEFAULT_REFRESH_INTERVAL_SECONDS), `5-3600 (${DURATION})`, "poll interval of the key and deny list sources"),
  setting(V.stalenessLimitSeconds, String(DEFAULT_STALENESS_LIMIT_SECONDS), `above the refresh interval, up to 86400 (${DURATION})`, "how long last good keys and deny list serve after refreshes fail"),
  setting(V.breakGlassIntervalSeconds, String(DEFAULT_BREAK_GLASS_INTERVAL_SECONDS), `1-3600 (${DURATION})`, "least time between refreshes triggered by an unknown kid"),
  setting(V.tokenCacheSize, String(DEFAULT_TOKEN_CACHE_SIZE), "0-1000000 (0 disables the cache)", "verified tokens kept in memory"),
  setting(V.denyListFile, "(none)", "path to a JSON file", `revoked jti/sub values; at most one of this and ${V.denyListSecretArn}`),
  setting(V.denyListSecretArn, "(none)", "Secrets Manager secret ARN", "revoked jti/sub values, polled like the keys"),
  setting(V.rateLimitPerSecond, String(DEFAULT_RATE_LIMIT_PER_SECOND), "0-1000000 (0 disables the limit)", "requests per second per token subject, per task"),
  setting(V.rateLimitBurst, "2 x the rate", "1-10000000", "requests a subject may make at once above the rate"),
  setting(V.virtualHostDomain, "(none: path-style only)", "DNS name", "virtual-hosted addressing: bucket.<domain>"),
  setting(V.logLevel, DEFAULT_LOG_LEVEL, LOG_LEVELS.join(", "), "allow lines log at info, deny lines at warn"),
  setting(V.s3Region, "(none)", `AWS region name, e.g. ${REGION_EXAMPLE}`, "region of the buckets, for the upstream signer"),
  setting(V.s3Endpoint, "s3.<region>.amazonaws.com", "DNS name", "S3 host the upstream signer signs for"),
  setting(V.shutdownTimeoutSeconds, String(DEFAULT_SHUTDOWN_TIMEOUT_SECONDS), `1-${MAX_SHUTDOWN_TIMEOUT_SECONDS} (${DURATION})`, "longest wait for in-flight checks after SIGTERM"),
  setting(V.emfIntervalSeconds, String(DEFAULT_EMF_INTERVAL_SECONDS), `0-3600 (${DURATION}; 0 disables)`, "interval of CloudWatch EMF metric lines on stdout"),
  setting(V.clientSignatures, DEFAULT_CLIENT_SIGNATURES, CLIENT_SIGNATURE_MODES.join(", "), "verify the client's SigV4 signature with the secret bound to its token: required (bearer tokens refused), when-bound, off"),
  setting(V.bindingKeysFile, "(none)", "path to a JSON file", `private binding keys ({"keys": [...]}) for local use; at most one of this and ${V.bindingKeysSecretArn}`),
  setting(V.bindingKeysSecretArn, "(none)", "Secrets Manager secret ARN", "private binding keys that open a bound token's cnf, polled like the signing keys"),
  setting(V.tracingEndpoint, "(none: no spans exported)", "http(s) URL of an OTLP/HTTP traces endpoint", "where spans of checks go, e.g. http://127.0.0.1:4318/v1/traces (docs/observability.md)"),
  setting(V.tracingSamplingRatio, String(DEFAULT_TRACING_SAMPLING_RATIO), "0-1", "share of traces without a sampling decision that are recorded; Envoy's traceparent decides the others"),
  setting(V.runtimeParameter, "(none)", "SSM parameter name, e.g. /rajee/dev/runtime", "runtime settings (log level, decision sampling, rate limit) polled like the keys (docs/observability.md)"),
];

/** A hierarchical SSM parameter name (Systems Manager user guide, "Requirements and constraints for parameter names"). */
const SSM_PARAMETER_NAME = /^\/[A-Za-z0-9_.\-/]{1,1010}$/;
const KNOWN = new Set(SETTINGS.map((s) => s.env));
const LOOPBACK_V4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

const bad = (name: string, value: string, fix: string): ConfigError =>
  new ConfigError(`authorizer: ${name}=${JSON.stringify(value)} ${fix}`);

/** Parses `host:port` and requires a loopback host: the authorizer is never reachable from outside the task. */
export function parseListenAddress(name: string, value: string): ListenAddress {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  if (!match) throw bad(name, value, `is not host:port; use e.g. ${DEFAULT_LISTEN}`);
  const rawHost = match[1] as string;
  const host = rawHost.startsWith("[") ? rawHost.slice(1, -1) : rawHost;
  const port = Number(match[2]);
  if (port > 65535) throw bad(name, value, "has a port above 65535; use 0-65535");
  const v4 = LOOPBACK_V4.exec(host);
  const loopback = host === "localhost" || host === "::1" || (v4 !== null && v4.slice(1).every((o) => Number(o) <= 255));
  if (!loopback) throw bad(name, value, `is not a loopback address; bind ${LOOPBACK} (only Envoy in the same task may call the authorizer)`);
  return { host, port };
}

function integer(name: string, value: string, min: number, max: number): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw bad(name, value, `is not a whole number in ${min}-${max}; use a value in that range`);
  }
  return Number(value);
}

function duration(name: string, value: string, min: number, max: number): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined || seconds < min || seconds > max) {
    throw bad(name, value, `is not a duration in ${min}-${max} seconds; use e.g. 30, 30s, 15m or 1h within that range`);
  }
  return seconds;
}

function nonEmpty(name: string, value: string): string {
  if (value.trim() !== value || hasControlCharacter(value)) throw bad(name, value, "has surrounding spaces or control characters; remove them");
  return value;
}

function secretArn(name: string, value: string): string {
  if (!parseSecretArn(value)) throw bad(name, value, "is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); pass the full ARN");
  return value;
}

function hostname(name: string, value: string): string {
  const lower = value.toLowerCase();
  if (!isHostName(lower)) throw bad(name, value, "is not a DNS name; use e.g. s3.example.com");
  return lower;
}

function source(fileVar: string, arnVar: string, env: Readonly<Record<string, string | undefined>>, required: boolean): SourceSpec | undefined {
  const file = env[fileVar];
  const arn = env[arnVar];
  if (file !== undefined && arn !== undefined) {
    throw new ConfigError(`authorizer: both ${fileVar} and ${arnVar} are set; set exactly one`);
  }
  if (file !== undefined) return { kind: "file", path: nonEmpty(fileVar, file) };
  if (arn !== undefined) return { kind: "secret", arn: secretArn(arnVar, arn) };
  if (required) throw new ConfigError(`authorizer: no key source; set ${arnVar} (in AWS) or ${fileVar} (local JWKS file)`);
  return undefined;
}

function algorithms(name: string, value: string): SigningAlgorithm[] {
  const list = value.split(",").map((a) => a.trim());
  for (const alg of list) {
    if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) {
      throw bad(name, value, `names ${JSON.stringify(alg)}; use a comma-separated subset of ${SUPPORTED_ALGORITHMS.join(", ")}`);
    }
  }
  if (new Set(list).size !== list.length) throw bad(name, value, "repeats an algorithm; name each once");
  return list as SigningAlgorithm[];
}

function tracing(env: Readonly<Record<string, string>>): AuthorizerConfig["tracing"] {
  const endpoint = env[V.tracingEndpoint];
  const ratioText = env[V.tracingSamplingRatio];
  let samplingRatio = DEFAULT_TRACING_SAMPLING_RATIO;
  if (ratioText !== undefined) {
    samplingRatio = Number(ratioText);
    if (!/^\d+(\.\d+)?$/.test(ratioText) || samplingRatio > 1) throw bad(V.tracingSamplingRatio, ratioText, "is not a number in 0-1; use e.g. 0.05");
  }
  if (endpoint === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw bad(V.tracingEndpoint, endpoint, "is not a URL; use e.g. http://127.0.0.1:4318/v1/traces");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw bad(V.tracingEndpoint, endpoint, "is not an http(s) URL; use e.g. http://127.0.0.1:4318/v1/traces");
  return Object.freeze({ endpoint, samplingRatio });
}

/**
 * Parses and validates the authorizer's settings from `RAJEE_*` variables. Empty values count as
 * unset. Throws one ConfigError naming the variable, the bad value and what is allowed.
 */
export function parseConfig(rawEnv: Readonly<Record<string, string | undefined>>): AuthorizerConfig {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(rawEnv)) {
    if (!name.startsWith("RAJEE_") || value === undefined || value === "") continue;
    if (!KNOWN.has(name)) {
      throw new ConfigError(`authorizer: unknown variable ${name}; known ones are ${[...KNOWN].join(", ")} (see docs/authorizer.md)`);
    }
    env[name] = value;
  }
  const get = (name: string): string | undefined => env[name];
  const or = <T>(name: string, parse: (name: string, value: string) => T, fallback: T): T => {
    const value = get(name);
    return value === undefined ? fallback : parse(name, value);
  };

  const listen = parseListenAddress(V.listen, get(V.listen) ?? DEFAULT_LISTEN);
  const adminListen = parseListenAddress(V.adminListen, get(V.adminListen) ?? DEFAULT_ADMIN_LISTEN);
  if (listen.port !== 0 && listen.port === adminListen.port) {
    throw new ConfigError(`authorizer: ${V.listen} and ${V.adminListen} both use port ${listen.port}; the check port has no other endpoints, so give the operations port its own`);
  }
  const refreshIntervalSeconds = or(V.keyRefreshSeconds, (n, v) => duration(n, v, 5, 3600), DEFAULT_REFRESH_INTERVAL_SECONDS);
  const stalenessLimitSeconds = or(V.stalenessLimitSeconds, (n, v) => duration(n, v, 1, 86400), DEFAULT_STALENESS_LIMIT_SECONDS);
  if (stalenessLimitSeconds <= refreshIntervalSeconds) {
    throw new ConfigError(
      `authorizer: ${V.stalenessLimitSeconds}=${stalenessLimitSeconds} is not above ${V.keyRefreshSeconds}=${refreshIntervalSeconds}; one failed poll would make the gateway deny everything, so use at least 2 x the refresh interval`,
    );
  }
  const rateLimitPerSecond = or(V.rateLimitPerSecond, (n, v) => integer(n, v, 0, 1_000_000), DEFAULT_RATE_LIMIT_PER_SECOND);
  const s3Region = or(V.s3Region, (n, v) => {
    if (!isRegion(v)) throw bad(n, v, `is not an AWS region name; use e.g. ${REGION_EXAMPLE}`);
    return v;
  }, undefined);
  const s3Endpoint = or(V.s3Endpoint, hostname, s3Region === undefined ? undefined : `s3.${s3Region}.amazonaws.com`);
  const clientSignatures = or(V.clientSignatures, (n, v) => {
    if (!(CLIENT_SIGNATURE_MODES as readonly string[]).includes(v)) throw bad(n, v, `is not a mode; use one of ${CLIENT_SIGNATURE_MODES.join(", ")}`);
    return v as ClientSignatureMode;
  }, DEFAULT_CLIENT_SIGNATURES);
  const bindingKeySource = source(V.bindingKeysFile, V.bindingKeysSecretArn, env, false);
  if (clientSignatures === "required" && bindingKeySource === undefined) {
    throw new ConfigError(
      `authorizer: ${V.clientSignatures}=required but no binding keys are configured, so no request could be verified; set ${V.bindingKeysSecretArn} (in AWS) or ${V.bindingKeysFile}, or use ${V.clientSignatures}=when-bound`,
    );
  }

  return Object.freeze({
    listen: Object.freeze(listen),
    adminListen: Object.freeze(adminListen),
    keySource: source(V.jwksFile, V.jwksSecretArn, env, true) as SourceSpec,
    denyListSource: source(V.denyListFile, V.denyListSecretArn, env, false),
    issuer: or(V.issuer, nonEmpty, DEFAULT_ISSUER),
    audience: or(V.audience, nonEmpty, DEFAULT_AUDIENCE),
    algorithms: Object.freeze(or(V.algorithms, algorithms, [...DEFAULT_ALGORITHMS])),
    clockSkewSeconds: or(V.clockSkewSeconds, (n, v) => duration(n, v, CLOCK_SKEW_SECONDS.min, CLOCK_SKEW_SECONDS.max), DEFAULT_CLOCK_SKEW_SECONDS),
    maxTokenLifetimeSeconds: or(V.maxTokenLifetimeSeconds, (n, v) => duration(n, v, TOKEN_LIFETIME_SECONDS.min, TOKEN_LIFETIME_SECONDS.max), DEFAULT_MAX_LIFETIME_SECONDS),
    refreshIntervalSeconds,
    stalenessLimitSeconds,
    breakGlassIntervalSeconds: or(V.breakGlassIntervalSeconds, (n, v) => duration(n, v, 1, 3600), DEFAULT_BREAK_GLASS_INTERVAL_SECONDS),
    tokenCacheSize: or(V.tokenCacheSize, (n, v) => integer(n, v, 0, 1_000_000), DEFAULT_TOKEN_CACHE_SIZE),
    rateLimitPerSecond,
    rateLimitBurst: or(V.rateLimitBurst, (n, v) => integer(n, v, 1, 10_000_000), Math.max(1, 2 * rateLimitPerSecond)),
    virtualHostDomain: or(V.virtualHostDomain, hostname, undefined),
    logLevel: or(V.logLevel, (n, v) => {
      if (!(LOG_LEVELS as readonly string[]).includes(v)) throw bad(n, v, `is not a log level; use one of ${LOG_LEVELS.join(", ")}`);
      return v as LogLevel;
    }, DEFAULT_LOG_LEVEL),
    s3Region,
    s3Endpoint,
    shutdownTimeoutSeconds: or(V.shutdownTimeoutSeconds, (n, v) => duration(n, v, 1, MAX_SHUTDOWN_TIMEOUT_SECONDS), DEFAULT_SHUTDOWN_TIMEOUT_SECONDS),
    emfIntervalSeconds: or(V.emfIntervalSeconds, (n, v) => duration(n, v, 0, 3600), DEFAULT_EMF_INTERVAL_SECONDS),
    clientSignatures,
    bindingKeySource,
    tracing: tracing(env),
    runtimeParameter: or(V.runtimeParameter, (n, v) => {
      if (!SSM_PARAMETER_NAME.test(v)) throw bad(n, v, "is not an SSM parameter name; use e.g. /rajee/dev/runtime");
      return v;
    }, undefined),
  });
}

/** The region a Secrets Manager ARN names (the client must call that region). */
export function secretRegion(arn: string): string {
  const parsed = parseSecretArn(arn);
  if (!parsed) throw new ConfigError(`authorizer: ${arn} is not a Secrets Manager secret ARN`);
  return parsed.region;
}
