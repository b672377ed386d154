import { ConfigError } from "../../src/config-error";
import { DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_MAX_LIFETIME_SECONDS } from "../../src/token/policy";
import { parseSecretArn, SECRET_ARN_FORMAT } from "./secret-arn";

/** The rotation Lambda's settings, read once from its environment. */
export interface RotationConfig {
  /** The secret this function rotates: the private signing JWK (`RAJEE_PRIVATE_KEY_SECRET_ARN`). */
  readonly privateKeySecretArn: string;
  /** The secret holding the public JWKS the authorizers read (`RAJEE_JWKS_SECRET_ARN`). */
  readonly jwksSecretArn: string;
  /** Longest token lifetime issuers may mint, seconds (`RAJEE_MAX_TOKEN_LIFETIME_SECONDS`). @default 43200 */
  readonly maxTokenLifetimeSeconds: number;
  /** Clock skew verifiers tolerate, seconds (`RAJEE_CLOCK_SKEW_SECONDS`). @default 30 */
  readonly clockSkewSeconds: number;
  /** pino level (`RAJEE_LOG_LEVEL`). @default "info" */
  readonly logLevel: LogLevel;
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_LOG_LEVEL: LogLevel = "info";
/** One week: a longer lifetime would keep retired keys published for longer than a rotation period. */
export const MAX_TOKEN_LIFETIME_LIMIT_SECONDS = 7 * 24 * 60 * 60;
export const MAX_CLOCK_SKEW_SECONDS = 300;

function secretArn(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = env[name];
  if (value === undefined || value === "") throw new ConfigError(`rotation: ${name} is not set; set it to the secret's ARN (${SECRET_ARN_FORMAT})`);
  if (!parseSecretArn(value)) throw new ConfigError(`rotation: ${name}=${JSON.stringify(value)} is not a secret ARN; use ${SECRET_ARN_FORMAT}`);
  return value;
}

function seconds(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number, min: number, max: number): number {
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`rotation: ${name}=${JSON.stringify(value)} is not a whole number of seconds in ${min}-${max}; use e.g. ${fallback}`);
  }
  return Number(value);
}

/** Reads and validates the rotation settings; throws one ConfigError naming the variable and the fix. */
export function loadRotationConfig(env: Readonly<Record<string, string | undefined>>): RotationConfig {
  const privateKeySecretArn = secretArn(env, "RAJEE_PRIVATE_KEY_SECRET_ARN");
  const jwksSecretArn = secretArn(env, "RAJEE_JWKS_SECRET_ARN");
  if (privateKeySecretArn === jwksSecretArn) {
    throw new ConfigError("rotation: RAJEE_PRIVATE_KEY_SECRET_ARN and RAJEE_JWKS_SECRET_ARN name the same secret; the public JWKS needs its own secret");
  }
  const maxTokenLifetimeSeconds = seconds(env, "RAJEE_MAX_TOKEN_LIFETIME_SECONDS", DEFAULT_MAX_LIFETIME_SECONDS, 1, MAX_TOKEN_LIFETIME_LIMIT_SECONDS);
  const clockSkewSeconds = seconds(env, "RAJEE_CLOCK_SKEW_SECONDS", DEFAULT_CLOCK_SKEW_SECONDS, 0, MAX_CLOCK_SKEW_SECONDS);
  const level = env.RAJEE_LOG_LEVEL === undefined || env.RAJEE_LOG_LEVEL === "" ? DEFAULT_LOG_LEVEL : env.RAJEE_LOG_LEVEL;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`rotation: RAJEE_LOG_LEVEL=${JSON.stringify(level)} is not a log level; use one of ${LOG_LEVELS.join(", ")}`);
  }
  return Object.freeze({ privateKeySecretArn, jwksSecretArn, maxTokenLifetimeSeconds, clockSkewSeconds, logLevel: level as LogLevel });
}

/** How long a retired key stays published: tokens it signed live at most this long after it stopped signing. */
export function overlapSeconds(config: Pick<RotationConfig, "maxTokenLifetimeSeconds" | "clockSkewSeconds">): number {
  return config.maxTokenLifetimeSeconds + config.clockSkewSeconds;
}
