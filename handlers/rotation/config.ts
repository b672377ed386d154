import { ConfigError } from "../../src/config-error";
import { parseSecretArn, SECRET_ARN_FORMAT } from "../../src/contracts/aws-names";
import { CLOCK_SKEW_SECONDS, DEFAULT_LOG_LEVEL, LOG_LEVELS, TOKEN_LIFETIME_SECONDS, type LogLevel, type SecondsRange } from "../../src/contracts/environment";
import { ROTATION_VARIABLES as V } from "../../src/contracts/rotation-environment";
import { DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_MAX_LIFETIME_SECONDS } from "../../src/token/policy";

/**
 * The rotation Lambda's settings, read once from its environment. The variable names and bounds are
 * the contract's (src/contracts/rotation-environment.ts), whose writer the infrastructure uses.
 */
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

export { DEFAULT_LOG_LEVEL, type LogLevel };

function secretArn(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = env[name];
  if (value === undefined || value === "") throw new ConfigError(`rotation: ${name} is not set; set it to the secret's ARN (${SECRET_ARN_FORMAT})`);
  if (!parseSecretArn(value)) throw new ConfigError(`rotation: ${name}=${JSON.stringify(value)} is not a secret ARN; use ${SECRET_ARN_FORMAT}`);
  return value;
}

function seconds(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number, { min, max }: SecondsRange): number {
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`rotation: ${name}=${JSON.stringify(value)} is not a whole number of seconds in ${min}-${max}; use e.g. ${fallback}`);
  }
  return Number(value);
}

/** Reads and validates the rotation settings; throws one ConfigError naming the variable and the fix. */
export function loadRotationConfig(env: Readonly<Record<string, string | undefined>>): RotationConfig {
  const privateKeySecretArn = secretArn(env, V.privateKeySecretArn);
  const jwksSecretArn = secretArn(env, V.jwksSecretArn);
  if (privateKeySecretArn === jwksSecretArn) {
    throw new ConfigError(`rotation: ${V.privateKeySecretArn} and ${V.jwksSecretArn} name the same secret; the public JWKS needs its own secret`);
  }
  const maxTokenLifetimeSeconds = seconds(env, V.maxTokenLifetimeSeconds, DEFAULT_MAX_LIFETIME_SECONDS, TOKEN_LIFETIME_SECONDS);
  const clockSkewSeconds = seconds(env, V.clockSkewSeconds, DEFAULT_CLOCK_SKEW_SECONDS, CLOCK_SKEW_SECONDS);
  const rawLevel = env[V.logLevel];
  const level = rawLevel === undefined || rawLevel === "" ? DEFAULT_LOG_LEVEL : rawLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`rotation: ${V.logLevel}=${JSON.stringify(level)} is not a log level; use one of ${LOG_LEVELS.join(", ")}`);
  }
  return Object.freeze({ privateKeySecretArn, jwksSecretArn, maxTokenLifetimeSeconds, clockSkewSeconds, logLevel: level as LogLevel });
}
