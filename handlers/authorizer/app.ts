import type { Server } from "node:http";
import type { Logger } from "pino";
import { AUTHORIZER_SERVICE_NAME } from "./logger";
import { baselineSettings, parameterSource, RuntimeSettingsPoller } from "./runtime-settings";
import { buildAdminServer, buildCheckServer, listen } from "./server";
import { Authorizer, type AuthorizerOptions } from "./service";
import type { TextSource } from "./text-source";
import { CheckTracer } from "./tracing";

/** The authorizer with its two servers, built but not listening (tests drive it in-process). */
export interface AuthorizerApp {
  readonly authorizer: Authorizer;
  /** Check port server (`RAJEE_LISTEN`). */
  readonly checkServer: Server;
  /** Operations port server (`RAJEE_ADMIN_LISTEN`). */
  readonly adminServer: Server;
  /** The runtime settings poller, when a runtime parameter is configured. */
  readonly runtime: RuntimeSettingsPoller | undefined;
  /** Loads keys (first attempt), then listens on both ports; resolves to the bound ports. */
  start(): Promise<{ checkPort: number; adminPort: number }>;
  /**
   * Graceful stop: `/readyz` fails, the check port stops accepting, in-flight checks are answered,
   * then both servers close. Connections still busy after `timeoutMs` are cut (`drained: false`).
   */
  shutdown(timeoutMs: number): Promise<{ drained: boolean }>;
}


/** How often idle keep-alive connections are closed while draining (they become idle as checks finish). */
const DRAIN_SWEEP_MS = 25;

/** Where the runtime settings come from, and how often they are read. */
export interface RuntimeSettingsSource {
  readonly source: TextSource;
  /** @default the key refresh interval */
  readonly intervalMs?: number;
}

export interface BuildOptions extends AuthorizerOptions {
  /** @default the config's runtimeParameter read from SSM; none when it names none */
  readonly runtimeSettings?: RuntimeSettingsSource;
}

export function build(options: BuildOptions): AuthorizerApp {
  const logger: Logger = options.logger;
  const tracing = options.config.tracing;
  const tracer = options.tracer ?? (tracing === undefined ? undefined : new CheckTracer({ ...tracing, serviceName: AUTHORIZER_SERVICE_NAME }));
  const authorizer = new Authorizer({ ...options, ...(tracer ? { tracer } : {}) });
  const runtimeSource =
    options.runtimeSettings ?? (options.config.runtimeParameter === undefined ? undefined : { source: parameterSource(options.config.runtimeParameter) });
  const runtime =
    runtimeSource === undefined
      ? undefined
      : new RuntimeSettingsPoller({
          source: runtimeSource.source,
          baseline: baselineSettings(options.config),
          intervalMs: runtimeSource.intervalMs ?? options.config.refreshIntervalSeconds * 1000,
          logger,
          apply: (settings) => {
            logger.level = settings.logLevel;
            authorizer.applyRuntime(settings);
          },
        });
  const checkServer = buildCheckServer(authorizer, logger);
  const adminServer = buildAdminServer(authorizer, logger);
  let stopping: Promise<{ drained: boolean }> | undefined;

  async function start() {
    const adminPort = await listen(adminServer, options.config.adminListen);
    await Promise.all([authorizer.start(), runtime?.start()]);
    const checkPort = await listen(checkServer, options.config.listen);
    const ready = authorizer.ready();
    logger.info(
      { event: "listening", check: `${options.config.listen.host}:${checkPort}`, admin: `${options.config.adminListen.host}:${adminPort}`, ready: ready.ready, problems: ready.problems },
      "authorizer listening",
    );
    return { checkPort, adminPort };
  }

  async function drain(timeoutMs: number): Promise<{ drained: boolean }> {
    authorizer.startDraining();
    logger.info({ event: "shutdown_started", in_flight: authorizer.inFlight, timeout_ms: timeoutMs }, "draining: no new connections, answering in-flight checks");
    const closed = new Promise<boolean>((resolve) => {
      if (!checkServer.listening) return resolve(true);
      checkServer.close(() => resolve(true));
    });
    checkServer.closeIdleConnections();
    const sweep = setInterval(() => checkServer.closeIdleConnections(), DRAIN_SWEEP_MS);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = await Promise.race([closed, timedOut]);
    clearInterval(sweep);
    clearTimeout(timer);
    if (!drained) checkServer.closeAllConnections();
    authorizer.stop();
    runtime?.stop();
    await tracer?.shutdown().catch((error: unknown) => logger.warn({ event: "tracing_flush_failed", error: (error as Error).message }, "spans not sent at shutdown"));
    await new Promise<void>((resolve) => {
      if (!adminServer.listening) return resolve();
      adminServer.close(() => resolve());
      adminServer.closeAllConnections();
    });
    logger.info({ event: "shutdown_finished", drained }, drained ? "all checks answered; stopped" : "shutdown timeout: cut the remaining connections");
    return { drained };
  }

  return {
    authorizer,
    checkServer,
    adminServer,
    runtime,
    start,
    shutdown(timeoutMs) {
      stopping ??= drain(timeoutMs);
      return stopping;
    },
  };
}
