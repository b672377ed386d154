import { ConfigError } from "../src/config-error";
import { dev } from "./dev";
import type { EnvironmentConfig } from "./environment";
import { prod } from "./prod";
import { staging } from "./staging";
import { validateEnvironment } from "./validate";

export type { BackendConfig, BucketAccess, EnvironmentConfig, ScalingConfig, TokenSettings } from "./environment";
export { validateEnvironment } from "./validate";

/** Every environment, keyed by name. Add one: write `config/<name>.ts` and list it here. */
const ENVIRONMENTS: Readonly<Record<string, EnvironmentConfig>> = { dev, staging, prod };

/** Names of the known environments, in deploy order. */
export const environmentNames: string[] = Object.keys(ENVIRONMENTS);

/** The validated settings of environment `name`; throws a ConfigError listing the known names otherwise. */
export function getEnvironment(name: string): EnvironmentConfig {
  const config = Object.hasOwn(ENVIRONMENTS, name) ? ENVIRONMENTS[name] : undefined;
  if (!config) {
    throw new ConfigError(`environment "${name}" is unknown; use one of ${environmentNames.join(", ")} (or add config/${name}.ts)`);
  }
  if (config.name !== name) {
    throw new ConfigError(`config "${name}": name=${JSON.stringify(config.name)} differs from its key "${name}"; make them equal`);
  }
  return validateEnvironment(config);
}
