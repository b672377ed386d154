import { DEFAULT_LOG_LEVEL, definedOnly, SHARED_VARIABLES, type EnvironmentVariables, type LogLevel } from "./environment";

/**
 * The variables the rotation Lambda reads (handlers/rotation/config.ts parses them), keyed by the
 * setting. The infrastructure writes them only through {@link rotationEnvironment}.
 */
export const ROTATION_VARIABLES = Object.freeze({
  privateKeySecretArn: "RAJEE_PRIVATE_KEY_SECRET_ARN",
  jwksSecretArn: SHARED_VARIABLES.jwksSecretArn,
  maxTokenLifetimeSeconds: SHARED_VARIABLES.maxTokenLifetimeSeconds,
  clockSkewSeconds: SHARED_VARIABLES.clockSkewSeconds,
  logLevel: SHARED_VARIABLES.logLevel,
} as const);

/** What the infrastructure tells the rotation Lambda. */
export interface RotationSettings {
  /** The secret the function rotates: the private signing JWK. */
  readonly privateKeySecretArn: string;
  /** The secret holding the public JWKS the authorizers read. */
  readonly jwksSecretArn: string;
  /** Longest token lifetime, seconds: how long a retired key stays published (plus the skew). */
  readonly maxTokenLifetimeSeconds: number;
  /** Clock skew the verifiers tolerate, seconds. */
  readonly clockSkewSeconds: number;
  /** Log level. @default "info" */
  readonly logLevel?: LogLevel;
}

/** The rotation Lambda's environment variables, in a stable order. Pure; the Lambda's parser reads them back. */
export function rotationEnvironment(s: RotationSettings): EnvironmentVariables {
  const v = ROTATION_VARIABLES;
  return definedOnly({
    [v.privateKeySecretArn]: s.privateKeySecretArn,
    [v.jwksSecretArn]: s.jwksSecretArn,
    [v.maxTokenLifetimeSeconds]: String(s.maxTokenLifetimeSeconds),
    [v.clockSkewSeconds]: String(s.clockSkewSeconds),
    [v.logLevel]: s.logLevel ?? DEFAULT_LOG_LEVEL,
  });
}
