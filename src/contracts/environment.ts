import { DEFAULT_MAX_LIFETIME_SECONDS } from "../token/policy";

/**
 * What every process the infrastructure configures through its environment shares: the token
 * settings both the authorizer and the rotation Lambda read (same variable names, same bounds as
 * the environment configuration in `config/`), and the log levels. Pure.
 */

/** Variables the environment writers produce: name to value, nothing unset. */
export type EnvironmentVariables = Readonly<Record<string, string>>;

/** Variables read by more than one process, so that they are spelled once. */
export const SHARED_VARIABLES = Object.freeze({
  /** The public JWKS secret: the rotation Lambda writes it, the authorizers read it. */
  jwksSecretArn: "RAJEE_JWKS_SECRET_ARN",
  /** Longest token lifetime: the authorizer rejects longer tokens, the rotation Lambda keeps retired keys this long. */
  maxTokenLifetimeSeconds: "RAJEE_MAX_TOKEN_LIFETIME_SECONDS",
  /** Clock skew the authorizer tolerates, added to how long retired keys stay published. */
  clockSkewSeconds: "RAJEE_CLOCK_SKEW_SECONDS",
  logLevel: "RAJEE_LOG_LEVEL",
} as const);

/** An inclusive range of whole seconds. */
export interface SecondsRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Token lifetime (`exp - iat`) the configuration may set and every process accepts: tokens are
 * short-lived (docs/design.md), so one day at most; at least a minute so a token outlives its round trip.
 */
export const TOKEN_LIFETIME_SECONDS: SecondsRange = Object.freeze({ min: 60, max: 86400 });
/** Clock skew the configuration may set and every process accepts. */
export const CLOCK_SKEW_SECONDS: SecondsRange = Object.freeze({ min: 0, max: 300 });

/** Why `seconds` is not a token lifetime every process accepts; undefined when it is. */
export function tokenLifetimeProblem(seconds: number): string | undefined {
  const { min, max } = TOKEN_LIFETIME_SECONDS;
  return Number.isInteger(seconds) && seconds >= min && seconds <= max ? undefined : `must be ${min}-${max} seconds (tokens are short-lived; ${DEFAULT_MAX_LIFETIME_SECONDS} is the default)`;
}

/** Why `seconds` is not a clock skew every process accepts; undefined when it is. */
export function clockSkewProblem(seconds: number): string | undefined {
  const { min, max } = CLOCK_SKEW_SECONDS;
  return Number.isInteger(seconds) && seconds >= min && seconds <= max ? undefined : `must be ${min}-${max} seconds`;
}

/** pino's levels, accepted by every process. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** Level of every process unless set. */
export const DEFAULT_LOG_LEVEL: LogLevel = "info";

/** Drops unset values: a writer's output has only the variables it sets. */
export function definedOnly(vars: Readonly<Record<string, string | undefined>>): EnvironmentVariables {
  return Object.freeze(Object.fromEntries(Object.entries(vars).filter((e): e is [string, string] => e[1] !== undefined)));
}
