import { AUTHORIZER_VARIABLES } from "./authorizer-environment";
import { DEFAULT_LOG_LEVEL, definedOnly, SHARED_VARIABLES, type EnvironmentVariables, type LogLevel } from "./environment";
import { ISSUER_VARIABLES } from "./issuer-environment";

/**
 * The variables of the binding-key rotation function (the rotation Lambda's code, configured for the
 * binding keys; handlers/rotation/binding-config.ts parses them). The secret variables are the
 * authorizers' and the issuer's own names for the same two secrets.
 */
export const BINDING_ROTATION_VARIABLES = Object.freeze({
  privateSecretArn: AUTHORIZER_VARIABLES.bindingKeysSecretArn,
  publicSecretArn: ISSUER_VARIABLES.bindingPublicKeySecretArn,
  publishAfterSeconds: "RAJEE_BINDING_PUBLISH_AFTER_SECONDS",
  maxTokenLifetimeSeconds: SHARED_VARIABLES.maxTokenLifetimeSeconds,
  clockSkewSeconds: SHARED_VARIABLES.clockSkewSeconds,
  logLevel: SHARED_VARIABLES.logLevel,
} as const);

/** The authorizers poll at most every 3600 s (RAJEE_KEY_REFRESH_SECONDS): a key waits two of those in the private document before the issuer binds to it. */
export const DEFAULT_PUBLISH_AFTER_SECONDS = 7200;
export const PUBLISH_AFTER_SECONDS = Object.freeze({ min: 0, max: 86400 });

/** What the infrastructure tells the binding-key rotation function. */
export interface BindingRotationSettings {
  /** The secret the function rotates: the private binding keys (`{"keys": [...]}`). */
  readonly privateSecretArn: string;
  /** The secret holding the one public key the issuer binds to. */
  readonly publicSecretArn: string;
  /** How long a new key sits in the private document before it is published. @default 7200 */
  readonly publishAfterSeconds?: number;
  /** Longest token lifetime, seconds: a replaced key stays in the private document this long (plus the skew). */
  readonly maxTokenLifetimeSeconds: number;
  /** Clock skew the verifiers tolerate, seconds. */
  readonly clockSkewSeconds: number;
  /** Log level. @default "info" */
  readonly logLevel?: LogLevel;
}

/** The binding-key rotation function's environment variables, in a stable order. Pure; its parser reads them back. */
export function bindingRotationEnvironment(s: BindingRotationSettings): EnvironmentVariables {
  const v = BINDING_ROTATION_VARIABLES;
  return definedOnly({
    [v.privateSecretArn]: s.privateSecretArn,
    [v.publicSecretArn]: s.publicSecretArn,
    [v.publishAfterSeconds]: String(s.publishAfterSeconds ?? DEFAULT_PUBLISH_AFTER_SECONDS),
    [v.maxTokenLifetimeSeconds]: String(s.maxTokenLifetimeSeconds),
    [v.clockSkewSeconds]: String(s.clockSkewSeconds),
    [v.logLevel]: s.logLevel ?? DEFAULT_LOG_LEVEL,
  });
}
