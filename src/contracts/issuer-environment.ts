import { ConfigError } from "../config-error";
import { issuancePolicyProblems, type IssuancePolicy } from "../issuance/policy";
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEFAULT_MAX_LIFETIME_SECONDS } from "../token/policy";
import { AUTHORIZER_VARIABLES } from "./authorizer-environment";
import { hasControlCharacter, parseSecretArn, SECRET_ARN_FORMAT } from "./aws-names";
import { DEFAULT_LOG_LEVEL, definedOnly, LOG_LEVELS, SHARED_VARIABLES, TOKEN_LIFETIME_SECONDS, type EnvironmentVariables, type LogLevel, type SecondsRange } from "./environment";
import { ROTATION_VARIABLES } from "./rotation-environment";

/**
 * The variables the token issuer Lambda reads (handlers/issuer/), keyed by the setting: the writer
 * {@link issuerEnvironment} (used by the infrastructure) and the parser {@link loadIssuerSettings}
 * (used by the Lambda) sit together so that they cannot drift. Pure.
 */
export const ISSUER_VARIABLES = Object.freeze({
  /** The secret the rotation Lambda writes: the private signing JWK (the issuer reads its AWSCURRENT version). */
  privateKeySecretArn: ROTATION_VARIABLES.privateKeySecretArn,
  /** The `iss` and `aud` of issued tokens: the same variables, and values, as the authorizer's. */
  issuer: AUTHORIZER_VARIABLES.issuer,
  audience: AUTHORIZER_VARIABLES.audience,
  /** The secret holding the authorizers' public binding key (one public JWK): every token issued is bound to it. */
  bindingPublicKeySecretArn: "RAJEE_BINDING_PUBLIC_KEY_SECRET_ARN",
  /** The issuance policy, as compact JSON. */
  policy: "RAJEE_ISSUANCE_POLICY",
  keyCacheSeconds: "RAJEE_KEY_CACHE_SECONDS",
  maxTokenLifetimeSeconds: SHARED_VARIABLES.maxTokenLifetimeSeconds,
  logLevel: SHARED_VARIABLES.logLevel,
} as const);

/** How long the issuer keeps the private key it read before reading it again. */
export const DEFAULT_KEY_CACHE_SECONDS = 60;
/** Key cache the configuration may set: at most five minutes, so a rotation reaches the issuer soon. */
export const KEY_CACHE_SECONDS: SecondsRange = Object.freeze({ min: 0, max: 300 });

/**
 * Lambda's limit on a function's environment variables, bytes, all names and values together
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html, "Function configuration").
 * The writer counts them as JSON (names, values, quotes and separators), which is at least their size.
 */
export const LAMBDA_ENVIRONMENT_MAX_BYTES = 4096;

/** What the infrastructure tells the issuer Lambda. */
export interface IssuerSettings {
  /** The private-key secret the rotation Lambda keeps. */
  readonly privateKeySecretArn: string;
  /** `iss` of issued tokens: the authorizers' required issuer. @default "rajee" */
  readonly issuer?: string;
  /** `aud` of issued tokens: the authorizers' required audience. @default "rajee" */
  readonly audience?: string;
  /** Who may get which grants. */
  readonly policy: IssuancePolicy;
  /** Longest token lifetime the authorizers accept, seconds; every rule's maximum is at most this. @default 43200 */
  readonly maxTokenLifetimeSeconds?: number;
  /** Seconds the private key is kept between reads. @default 60 */
  readonly keyCacheSeconds?: number;
  /** Log level. @default "info" */
  readonly logLevel?: LogLevel;
  /**
   * The public binding-key secret (never the private one): every token is bound to the key in it,
   * so the authorizers can check the client's signature. @default none: bearer tokens
   */
  readonly bindingPublicKeySecretArn?: string;
}

/** The issuer's settings as its parser returns them: every default applied, validated, frozen. */
export type LoadedIssuerSettings = Required<Omit<IssuerSettings, "bindingPublicKeySecretArn">> & { readonly bindingPublicKeySecretArn: string | undefined };

/**
 * The issuer Lambda's environment variables, in a stable order. Throws a ConfigError when the policy
 * is invalid or the whole set would pass Lambda's 4 KB limit.
 */
export function issuerEnvironment(s: IssuerSettings): EnvironmentVariables {
  const v = ISSUER_VARIABLES;
  const maxLifetimeSeconds = s.maxTokenLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS;
  const problems = issuancePolicyProblems(s.policy, { maxLifetimeSeconds });
  if (problems.length > 0) throw new ConfigError(`issuer.policy: ${problems.join("; ")}`);
  const policy = JSON.stringify(s.policy);
  const vars = definedOnly({
    [v.privateKeySecretArn]: s.privateKeySecretArn,
    [v.issuer]: s.issuer ?? DEFAULT_ISSUER,
    [v.audience]: s.audience ?? DEFAULT_AUDIENCE,
    [v.policy]: policy,
    [v.maxTokenLifetimeSeconds]: String(maxLifetimeSeconds),
    [v.keyCacheSeconds]: String(s.keyCacheSeconds ?? DEFAULT_KEY_CACHE_SECONDS),
    [v.logLevel]: s.logLevel ?? DEFAULT_LOG_LEVEL,
    [v.bindingPublicKeySecretArn]: s.bindingPublicKeySecretArn,
  });
  const size = Buffer.byteLength(JSON.stringify(vars), "utf8");
  if (size > LAMBDA_ENVIRONMENT_MAX_BYTES) {
    const policyBytes = Buffer.byteLength(policy, "utf8");
    throw new ConfigError(
      `issuer.policy: the issuer's environment would be ${size} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_MAX_BYTES}; the policy takes ${policyBytes} of them. ` +
        "Shorten it: merge rules with the same grants, name roles with '*' patterns, or grant a shared prefix instead of many keys",
    );
  }
  return vars;
}

type Env = Readonly<Record<string, string | undefined>>;

const set = (env: Env, name: string): string | undefined => (env[name] === undefined || env[name] === "" ? undefined : env[name]);

function text(env: Env, name: string, fallback: string): string {
  const value = set(env, name) ?? fallback;
  if (hasControlCharacter(value)) throw new ConfigError(`issuer: ${name} has a control character; set a plain string, e.g. ${fallback}`);
  return value;
}

function seconds(env: Env, name: string, fallback: number, { min, max }: SecondsRange): number {
  const value = set(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`issuer: ${name}=${JSON.stringify(value)} is not a whole number of seconds in ${min}-${max}; use e.g. ${fallback}`);
  }
  return Number(value);
}

function policyOf(env: Env, maxLifetimeSeconds: number): IssuancePolicy {
  const name = ISSUER_VARIABLES.policy;
  const value = set(env, name);
  if (value === undefined) throw new ConfigError(`issuer: ${name} is not set; set it to the issuance policy as JSON, {"rules": [...]} (docs/issuing.md)`);
  let policy: unknown;
  try {
    policy = JSON.parse(value);
  } catch {
    throw new ConfigError(`issuer: ${name} is not JSON; set it to the issuance policy as JSON, {"rules": [...]}`);
  }
  if (typeof policy !== "object" || policy === null || Array.isArray(policy)) throw new ConfigError(`issuer: ${name} is not a JSON object; write {"rules": [...]}`);
  const problems = issuancePolicyProblems(policy as IssuancePolicy, { maxLifetimeSeconds });
  if (problems.length > 0) throw new ConfigError(`issuer: ${name}: ${problems.join("; ")}`);
  return deepFreeze(policy as IssuancePolicy);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

/** Reads and validates the issuer's settings; throws one ConfigError naming the variable and the fix. */
export function loadIssuerSettings(env: Env): LoadedIssuerSettings {
  const v = ISSUER_VARIABLES;
  const arn = set(env, v.privateKeySecretArn);
  if (arn === undefined) throw new ConfigError(`issuer: ${v.privateKeySecretArn} is not set; set it to the private-key secret's ARN (${SECRET_ARN_FORMAT})`);
  if (!parseSecretArn(arn)) throw new ConfigError(`issuer: ${v.privateKeySecretArn}=${JSON.stringify(arn)} is not a secret ARN; use ${SECRET_ARN_FORMAT}`);
  const maxTokenLifetimeSeconds = seconds(env, v.maxTokenLifetimeSeconds, DEFAULT_MAX_LIFETIME_SECONDS, TOKEN_LIFETIME_SECONDS);
  const level = set(env, v.logLevel) ?? DEFAULT_LOG_LEVEL;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`issuer: ${v.logLevel}=${JSON.stringify(level)} is not a log level; use one of ${LOG_LEVELS.join(", ")}`);
  }
  const bindingArn = set(env, v.bindingPublicKeySecretArn);
  if (bindingArn !== undefined && !parseSecretArn(bindingArn)) {
    throw new ConfigError(`issuer: ${v.bindingPublicKeySecretArn}=${JSON.stringify(bindingArn)} is not a secret ARN; use ${SECRET_ARN_FORMAT}, or unset it to issue bearer tokens`);
  }
  return Object.freeze({
    privateKeySecretArn: arn,
    bindingPublicKeySecretArn: bindingArn,
    issuer: text(env, v.issuer, DEFAULT_ISSUER),
    audience: text(env, v.audience, DEFAULT_AUDIENCE),
    policy: policyOf(env, maxTokenLifetimeSeconds),
    maxTokenLifetimeSeconds,
    keyCacheSeconds: seconds(env, v.keyCacheSeconds, DEFAULT_KEY_CACHE_SECONDS, KEY_CACHE_SECONDS),
    logLevel: level as LogLevel,
  });
}
