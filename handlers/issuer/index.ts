import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import pino from "pino";
import { DEFAULT_LOG_LEVEL } from "../../src/contracts/environment";
import { loadIssuerSettings } from "../../src/contracts/issuer-environment";
import { secretsManagerStore } from "../rotation/store";
import type { FunctionUrlEvent, FunctionUrlResult } from "./event";
import { createIssuerHandler, internalErrorAnswer } from "./issuer-handler";
import { createLogger, metricLine } from "./log";
import { cachedPrivateKey, currentPrivateKeyReader } from "./private-key";

/**
 * Lambda entry point (`index.handler` in the bundle), behind a Function URL with AuthType AWS_IAM.
 * Settings are read on the first invocation, so a bad variable is logged like any other failure (an
 * `issuer_error` line and the Errors metric) and answered 500, not left as an opaque init error.
 */
const destination = pino.destination({ fd: 1, sync: true });
const emitMetric = (line: string) => destination.write(`${line}\n`);
let run: ((event: FunctionUrlEvent) => Promise<FunctionUrlResult>) | undefined;

export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  if (!run) {
    try {
      const settings = loadIssuerSettings(process.env);
      const now = () => new Date();
      run = createIssuerHandler({
        readPrivateKey: cachedPrivateKey(currentPrivateKeyReader(secretsManagerStore(new SecretsManagerClient({})), settings.privateKeySecretArn), settings.keyCacheSeconds, now),
        policy: settings.policy,
        issuer: settings.issuer,
        audience: settings.audience,
        now,
        log: createLogger(settings.logLevel, destination),
        metrics: (name) => emitMetric(metricLine(name, now())),
      });
    } catch (error) {
      const { name, message } = error as Error;
      createLogger(DEFAULT_LOG_LEVEL, destination).error({ event: "issuer_error", decision: "error", status: 500, error: { name, message } }, `issuer cannot start: ${message}`);
      emitMetric(metricLine("Errors", new Date()));
      return internalErrorAnswer();
    }
  }
  return run(event);
}
