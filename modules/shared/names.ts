import { ConfigError } from "../../src/config-error";

/** Longest name prefix: ALB and target group names (32 characters) take the prefix plus a short suffix. */
export const MAX_NAME_PREFIX_LENGTH = 20;

const NAME_PREFIX = /^[a-z][a-z0-9-]*[a-z0-9]$/;

/** Throws a ConfigError unless `prefix` can start the name of every resource a module creates. */
export function checkNamePrefix(module: string, prefix: string): void {
  if (!NAME_PREFIX.test(prefix) || prefix.length > MAX_NAME_PREFIX_LENGTH) {
    throw new ConfigError(
      `${module}: namePrefix=${JSON.stringify(prefix)} must be 2-${MAX_NAME_PREFIX_LENGTH} of a-z, 0-9 and '-', starting with a letter; use e.g. rajee-dev`,
    );
  }
}

/** Throws a ConfigError naming the module when `problems` is not empty (one per line). */
export function throwProblems(module: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `${module}: ${p}`).join("\n"));
}
