import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import pino from "pino";
import { ConfigError } from "../../src/config-error";
import { DEFAULT_LOG_LEVEL, loadRotationConfig } from "./config";
import { createLogger, metricLine } from "./log";
import { isBindingRotation, loadBindingRotationConfig } from "./binding-config";
import { createBindingRotationHandler, createRotationHandler } from "./rotation-handler";
import { secretsManagerStore } from "./store";

/**
 * Lambda entry point (`index.handler` in the bundle). Configuration is read on the first invocation
 * rather than at import, so a bad variable is reported like any other failure: a `rotation_failed`
 * line with code `config` and the RotationFailures metric, not an opaque init error.
 */
const destination = pino.destination({ fd: 1, sync: true });
const emitMetric = (line: string) => destination.write(`${line}\n`);
let run: ((event: unknown) => Promise<void>) | undefined;

export async function handler(event: unknown): Promise<void> {
  if (!run) {
    try {
      // One bundle, two functions: the binding keys' function is told their secrets, the signing keys' function its own.
      const store = secretsManagerStore(new SecretsManagerClient({}));
      if (isBindingRotation(process.env)) {
        const config = loadBindingRotationConfig(process.env);
        run = createBindingRotationHandler({ config, store, logger: createLogger(config.logLevel, destination), emitMetric });
      } else {
        const config = loadRotationConfig(process.env);
        run = createRotationHandler({ config, store, logger: createLogger(config.logLevel, destination), emitMetric });
      }
    } catch (error) {
      const logger = createLogger(DEFAULT_LOG_LEVEL, destination);
      const code = error instanceof ConfigError ? "config" : "init";
      logger.error({ event: "rotation_failed", code, error: { name: (error as Error).name, message: (error as Error).message } }, `rotation cannot start: ${(error as Error).message}`);
      emitMetric(metricLine("RotationFailures", new Date()));
      throw error;
    }
  }
  return run(event);
}
