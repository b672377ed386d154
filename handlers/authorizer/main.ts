import type { EventEmitter } from "node:events";
import type { DestinationStream, Logger } from "pino";
import { ConfigError } from "../../src/config-error";
import { build, type AuthorizerApp } from "./app";
import { parseConfig, type AuthorizerConfig } from "./config";
import { createLogger, stdoutDestination } from "./logger";
import type { AllowHook } from "./service";
import { sourceFor } from "./text-source";
import { CREDENTIAL_RETRY_MS, defaultCredentialSource, upstreamSigner } from "./upstream-signing";

/** The production signer: task-role credentials from the SDK chain, for the configured S3 endpoint. */
async function defaultSigner(config: AuthorizerConfig, logger: Logger): Promise<AllowHook | undefined> {
  if (config.s3Region === undefined || config.s3Endpoint === undefined) return undefined;
  return upstreamSigner({ host: config.s3Endpoint, region: config.s3Region }, await defaultCredentialSource(), {
    onRefreshError: (error, heldUntil) =>
      logger.warn(
        { event: "credentials_refresh_failed", error: error.message, held_until: heldUntil?.toISOString() ?? null },
        heldUntil === undefined
          ? `task role credentials could not be fetched; allowed checks are denied until a fetch succeeds (retried at most every ${CREDENTIAL_RETRY_MS / 1000} s)`
          : "task role credentials refresh failed; the held credentials serve until a minute before held_until",
      ),
  });
}

/** Exit codes of the authorizer process. */
export const EXIT = { ok: 0, failed: 1, config: 2 } as const;

export interface RunOptions {
  /** Emits SIGTERM / SIGINT (the process, or a test's emitter). */
  readonly signals: EventEmitter;
  /** Where JSON log lines and EMF lines go. @default stdout in batches (`stdoutDestination`), flushed at exit */
  readonly destination?: DestinationStream & { flushSync?: () => void };
  /** Where a configuration error is printed. @default stderr */
  readonly stderr?: (text: string) => void;
  /** Called once both ports listen. */
  readonly onStarted?: (app: AuthorizerApp, ports: { checkPort: number; adminPort: number }) => void;
  /**
   * What signs allowed requests for S3. @default the upstream signer with the AWS SDK's default
   * credential chain when RAJEE_S3_REGION is set; none (a warning at start) otherwise
   */
  readonly onAllow?: AllowHook;
}

/**
 * Runs the authorizer from `RAJEE_*` variables until SIGTERM or SIGINT, then drains. Resolves to the
 * exit code: 0 after a clean drain, 1 when start-up failed or the drain timed out, 2 for bad config.
 */
export async function runAuthorizer(env: Readonly<Record<string, string | undefined>>, options: RunOptions): Promise<number> {
  const stderr = options.stderr ?? ((text: string) => process.stderr.write(text));
  let config: AuthorizerConfig;
  try {
    config = parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      stderr(`${error.message}\n`);
      return EXIT.config;
    }
    throw error;
  }
  const destination = options.destination ?? stdoutDestination();
  const logger = createLogger(config.logLevel, destination);
  const onAllow = options.onAllow ?? (await defaultSigner(config, logger));
  if (!onAllow) {
    logger.warn({ event: "signing_disabled" }, "RAJEE_S3_REGION is not set: allowed requests are not signed, and S3 will refuse them");
  }
  const app = build({
    config,
    keySource: sourceFor(config.keySource),
    ...(config.denyListSource ? { denyListSource: sourceFor(config.denyListSource) } : {}),
    logger,
    ...(config.emfIntervalSeconds > 0 ? { emfWrite: (line: string) => destination.write(`${line}\n`) } : {}),
    ...(onAllow ? { onAllow } : {}),
    defaultMetrics: true,
  });

  let stopSignal: (signal: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    stopSignal = resolve;
  });
  const onSignal = (signal: string) => () => stopSignal(signal);
  const handlers = { SIGTERM: onSignal("SIGTERM"), SIGINT: onSignal("SIGINT") };
  for (const [signal, handler] of Object.entries(handlers)) options.signals.on(signal, handler);
  try {
    try {
      const ports = await app.start();
      options.onStarted?.(app, ports);
    } catch (error) {
      logger.fatal({ event: "start_failed", error: (error as Error).message }, "authorizer could not start");
      await app.shutdown(0);
      return EXIT.failed;
    }
    const signal = await stopped;
    logger.info({ event: "signal", signal }, `${signal} received`);
    const { drained } = await app.shutdown(config.shutdownTimeoutSeconds * 1000);
    return drained ? EXIT.ok : EXIT.failed;
  } finally {
    for (const [signal, handler] of Object.entries(handlers)) options.signals.off(signal, handler);
    try {
      destination.flushSync?.();
    } catch {
      // Nothing buffered, or the stream is already closed.
    }
  }
}

if (require.main === module) {
  runAuthorizer(process.env, { signals: process }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`rajee authorizer: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(EXIT.failed);
    },
  );
}
