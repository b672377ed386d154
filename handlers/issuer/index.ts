import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import pino from "pino";
import { DEFAULT_LOG_LEVEL } from "../../src/contracts/environment";
import { loadIssuerSettings } from "../../src/contracts/issuer-environment";
import { secretsManagerStore } from "../rotation/store";
import type { FunctionUrlEvent, FunctionUrlResult } from "./event";
import { createIssuerHandler, internalErrorAnswer } from "./issuer-handler";
import { createLogger, metricLine } from "./log";
import { bindingIssuer, currentBindingKeyReader } from "./binding-key";
import { cachedPrivateKey, currentPrivateKeyReader } from "./private-key";

/**
 * Lambda entry point (`index.handler` in the bundle), behind a Function URL with AuthType AWS_IAM.
 * Settings are read on the first invocation, so a bad variable is logged like any other failure (an
 * `issuer_error` line and the Errors metric) and answered 500, not left as an opaque init error.
 */
const destination = pino.destination({ fd: 1, sync: true });
const emitMetric = (line: string) => destination.write(`${line}\n`);
type Run = (event: FunctionUrlEvent) => Promise<FunctionUrlResult>;
let run: Run | undefined;

export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  if (!run) {
    try {
      const settings = loadIssuerSettings(process.env);
      const now = () => new Date();
      const store = secretsManagerStore(new SecretsManagerClient({}));
      const base = {
        readPrivateKey: cachedPrivateKey(currentPrivateKeyReader(store, settings.privateKeySecretArn), settings.keyCacheSeconds, now),
        policy: settings.policy,
        issuer: settings.issuer,
        audience: settings.audience,
        now,
        log: createLogger(settings.logLevel, destination),
        metrics: (name: Parameters<typeof metricLine>[0]) => emitMetric(metricLine(name, now())),
      };
      const arn = settings.bindingPublicKeySecretArn;
      if (arn === undefined) {
        run = createIssuerHandler(base);
      } else {
        // The same cache as the signing key's (read at most every keyCacheSeconds): a new binding key reaches the issuer as soon.
        const readBinding = cachedPrivateKey(currentBindingKeyReader(store, arn), settings.keyCacheSeconds, now);
        run = bindingIssuer(
          readBinding,
          (binding) => createIssuerHandler({ ...base, binding }),
          ({ name, message }) => {
            base.log.error({ event: "issuer_error", decision: "error", status: 500, error: { name, message } }, `cannot read the binding key: ${message}`);
            base.metrics("Errors");
            return internalErrorAnswer();
          },
        );
      }
    } catch (error) {
      const { name, message } = error as Error;
      createLogger(DEFAULT_LOG_LEVEL, destination).error({ event: "issuer_error", decision: "error", status: 500, error: { name, message } }, `issuer cannot start: ${message}`);
      emitMetric(metricLine("Errors", new Date()));
      return internalErrorAnswer();
    }
  }
  return run(event);
}
