import { ConfigError } from "../../src/config-error";
import { parseSecretArn, SECRET_ARN_FORMAT } from "../../src/contracts/aws-names";
import { BINDING_ROTATION_VARIABLES as V, DEFAULT_PUBLISH_AFTER_SECONDS, PUBLISH_AFTER_SECONDS } from "../../src/contracts/binding-rotation-environment";
import { CLOCK_SKEW_SECONDS, DEFAULT_LOG_LEVEL, LOG_LEVELS, TOKEN_LIFETIME_SECONDS, type LogLevel, type SecondsRange } from "../../src/contracts/environment";
import { DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_MAX_LIFETIME_SECONDS } from "../../src/token/policy";

/** The rotation function's settings when it rotates the binding keys (src/contracts/binding-rotation-environment.ts). */
export interface BindingRotationConfig {
  /** The secret rotated: the private binding keys (`RAJEE_BINDING_KEYS_SECRET_ARN`). */
  readonly privateKeySecretArn: string;
  /** The secret of the one public key the issuer binds to (`RAJEE_BINDING_PUBLIC_KEY_SECRET_ARN`). */
  readonly publicKeySecretArn: string;
  /** How long a new key sits in the private document before it is published, seconds. @default 7200 */
  readonly publishAfterSeconds: number;
  /** Longest token lifetime, seconds. @default 43200 */
  readonly maxTokenLifetimeSeconds: number;
  /** Clock skew verifiers tolerate, seconds. @default 30 */
  readonly clockSkewSeconds: number;
  /** pino level. @default "info" */
  readonly logLevel: LogLevel;
}

type Env = Readonly<Record<string, string | undefined>>;

/** True when the environment configures the binding-key rotation (its private secret is set). */
export function isBindingRotation(env: Env): boolean {
  return (env[V.privateSecretArn] ?? "") !== "";
}

function secretArn(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value === "") throw new ConfigError(`binding rotation: ${name} is not set; set it to the secret's ARN (${SECRET_ARN_FORMAT})`);
  if (!parseSecretArn(value)) throw new ConfigError(`binding rotation: ${name}=${JSON.stringify(value)} is not a secret ARN; use ${SECRET_ARN_FORMAT}`);
  return value;
}

function seconds(env: Env, name: string, fallback: number, { min, max }: SecondsRange): number {
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`binding rotation: ${name}=${JSON.stringify(value)} is not a whole number of seconds in ${min}-${max}; use e.g. ${fallback}`);
  }
  return Number(value);
}

/** Reads and validates the binding rotation settings; throws one ConfigError naming the variable and the fix. */
export function loadBindingRotationConfig(env: Env): BindingRotationConfig {
  const privateKeySecretArn = secretArn(env, V.privateSecretArn);
  const publicKeySecretArn = secretArn(env, V.publicSecretArn);
  if (privateKeySecretArn === publicKeySecretArn) {
    throw new ConfigError(`binding rotation: ${V.privateSecretArn} and ${V.publicSecretArn} name the same secret; the issuer must never read the private keys, so the public key needs its own secret`);
  }
  const rawLevel = env[V.logLevel];
  const level = rawLevel === undefined || rawLevel === "" ? DEFAULT_LOG_LEVEL : rawLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`binding rotation: ${V.logLevel}=${JSON.stringify(level)} is not a log level; use one of ${LOG_LEVELS.join(", ")}`);
  }
  return Object.freeze({
    privateKeySecretArn,
    publicKeySecretArn,
    publishAfterSeconds: seconds(env, V.publishAfterSeconds, DEFAULT_PUBLISH_AFTER_SECONDS, PUBLISH_AFTER_SECONDS),
    maxTokenLifetimeSeconds: seconds(env, V.maxTokenLifetimeSeconds, DEFAULT_MAX_LIFETIME_SECONDS, TOKEN_LIFETIME_SECONDS),
    clockSkewSeconds: seconds(env, V.clockSkewSeconds, DEFAULT_CLOCK_SKEW_SECONDS, CLOCK_SKEW_SECONDS),
    logLevel: level as LogLevel,
  });
}
