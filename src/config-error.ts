/**
 * A configuration value is wrong. The message names the setting, the bad value and the fix, e.g.
 * `load-balancer: healthCheckTimeoutSec=150 is above 120 (ALB maximum); use 2-120`.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}
