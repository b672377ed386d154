import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/** A moto_server this process started, and how to stop it. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`: every AWS service moto implements, on one port. */
  readonly endpoint: string;
  readonly pid: number;
  /** Stops the server (SIGTERM to its process group, SIGKILL after `graceMs`); resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
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
  /** Environment to start from. @default process.env */
  readonly baseEnv?: NodeJS.ProcessEnv;
}

/** The moto executable (moto 5: `pip install "moto[server]"`). */
const MOTO_SERVER = "moto_server";
const DEFAULT_START_TIMEOUT_MS = 20_000;
const DEFAULT_STOP_GRACE_MS = 5_000;

/** Why moto cannot run here, or undefined when `moto_server` is on PATH. */
export function motoMissing(baseEnv: NodeJS.ProcessEnv = process.env): string | undefined {
  const paths = (baseEnv.PATH ?? "").split(":").filter(Boolean);
  return paths.some((dir) => existsSync(join(dir, MOTO_SERVER)))
    ? undefined
    : 'moto_server is not on PATH; install it with pip install "moto[server]" (moto >= 5)';
}

/** A TCP port free on 127.0.0.1 right now (the kernel's pick). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port assigned"))));
    });
  });
}

/**
 * Starts `moto_server` on 127.0.0.1 and a free port, in its own process group, and waits until it
 * answers. On any failure to come up the server is stopped before the error is thrown.
 */
export async function startMoto(options: MotoOptions): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const log = createWriteStream(options.logFile, { flags: "a" });
  const child = spawn(MOTO_SERVER, ["-H", "127.0.0.1", "-p", String(port)], {
    env: {
      ...(options.baseEnv ?? process.env),
      MOTO_ACCOUNT_ID: options.accountId,
      MOTO_ECS_SERVICE_RUNNING: String(options.ecsRunningTasks),
    },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once("spawn", () => resolve(undefined));
    child.once("error", (e) => resolve(e));
  });
  if (spawned || child.pid === undefined) {
    log.end();
    throw new Error(`moto_server did not start: ${spawned?.message ?? "no pid"}`);
  }
  const server: MotoServer = { endpoint, pid: child.pid, stop: (graceMs = DEFAULT_STOP_GRACE_MS) => stopGroup(child, exited, graceMs).finally(() => log.end()) };
  try {
    await waitUntilAnswering(endpoint, exited, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, options.logFile);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

async function waitUntilAnswering(endpoint: string, exited: Promise<void>, timeoutMs: number, logFile: string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`moto_server exited while starting; see ${logFile}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms; see ${logFile}`);
}

/** SIGTERM to the group led by `child` (moto_server may run through a shim), then SIGKILL if it lingers. */
async function stopGroup(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // Already gone.
    }
  };
  signal("SIGTERM");
  const timer = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), graceMs).unref());
  if ((await Promise.race([exited, timer])) === "late") {
    signal("SIGKILL");
    await exited;
  }
}
