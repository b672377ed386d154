import { motoAvailability, motoCommand, startMotoServer, type MotoServer as LocalMoto } from "../dev/moto-server";

/** A moto_server this process started for a local apply, and how to stop it. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`: every AWS service moto implements, on one port. */
  readonly endpoint: string;
  readonly pid: number;
  /** Stops the server (SIGTERM, SIGKILL after a grace period); resolves once it has exited. */
  stop(): Promise<void>;
}

export interface MotoOptions {
  /** Account id moto answers with (STS GetCallerIdentity, every ARN): the environment's, so ARNs match the config. */
  readonly accountId: string;
  /** Running tasks moto reports for every ECS service, so `wait_for_steady_state` completes. */
  readonly ecsRunningTasks: number;
  /** File that receives moto's own output. */
  readonly logFile: string;
  /** How long to wait for the server to answer. @default 20000 */
  readonly startTimeoutMs?: number;
  /** Environment to start from (its PATH and RAJEE_MOTO_SERVER choose the executable). @default process.env */
  readonly baseEnv?: NodeJS.ProcessEnv;
}

const DEFAULT_START_TIMEOUT_MS = 20_000;

/** Why moto cannot run with `baseEnv`, or undefined when it can (the same check `rajee dev` makes). */
export function motoMissing(baseEnv: NodeJS.ProcessEnv = process.env): string | undefined {
  const availability = motoAvailability(baseEnv);
  return availability.ok ? undefined : availability.reason;
}

/**
 * Starts moto on 127.0.0.1 and a free port with the settings a local apply needs, through the
 * launcher `rajee dev` uses (bin/dev/moto-server.ts), and waits until it answers.
 */
export async function startMoto(options: MotoOptions): Promise<MotoServer> {
  const baseEnv = options.baseEnv ?? process.env;
  const server: LocalMoto = await startMotoServer({
    command: motoCommand(baseEnv),
    baseEnv,
    env: { MOTO_ACCOUNT_ID: options.accountId, MOTO_ECS_SERVICE_RUNNING: String(options.ecsRunningTasks) },
    logFile: options.logFile,
    startTimeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
  });
  return { endpoint: server.url, pid: server.pid, stop: server.stop };
}
