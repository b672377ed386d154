import type { Server } from "node:http";
import type { Logger } from "pino";
import { buildAdminServer, buildCheckServer, listen } from "./server";
import { Authorizer, type AuthorizerOptions } from "./service";

/** The authorizer with its two servers, built but not listening (tests drive it in-process). */
export interface AuthorizerApp {
  readonly authorizer: Authorizer;
  /** Check port server (`RAJEE_LISTEN`). */
  readonly checkServer: Server;
  /** Operations port server (`RAJEE_ADMIN_LISTEN`). */
  readonly adminServer: Server;
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

export function build(options: AuthorizerOptions): AuthorizerApp {
  const logger: Logger = options.logger;
  const authorizer = new Authorizer(options);
  const checkServer = buildCheckServer(authorizer, logger);
  const adminServer = buildAdminServer(authorizer, logger);
  let stopping: Promise<{ drained: boolean }> | undefined;

  async function start() {
    const adminPort = await listen(adminServer, options.config.adminListen);
    await authorizer.start();
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
    start,
    shutdown(timeoutMs) {
      stopping ??= drain(timeoutMs);
      return stopping;
    },
  };
}
