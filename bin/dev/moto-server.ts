import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import http from "node:http";
import net from "node:net";

/** How users get moto when it is missing (it is a Python package, not an npm one). */
export const MOTO_INSTALL_HINT = 'pip install "moto[server]"';

/** The moto executable in `env`: `moto_server`, or the one named by RAJEE_MOTO_SERVER. */
export function motoCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.RAJEE_MOTO_SERVER || "moto_server";
}

/** The moto executable of this process: `moto_server`, or the one named by RAJEE_MOTO_SERVER. */
export const MOTO_COMMAND = motoCommand();

export interface MotoServerOptions {
  /** Port to listen on. @default a free port chosen at start */
  readonly port?: number;
  /** Extra environment for the moto process (e.g. `MOTO_S3_...` settings). @default none */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for moto to answer, ms. @default 30000 */
  readonly startTimeoutMs?: number;
  /** The moto executable. @default MOTO_COMMAND */
  readonly command?: string;
  /** Environment the moto process starts from (before `env`). @default process.env */
  readonly baseEnv?: NodeJS.ProcessEnv;
  /** Also append moto's output to this file. @default none (only a tail is kept, for errors) */
  readonly logFile?: string;
}

export interface MotoServer {
  /** `http://127.0.0.1:<port>`: every moto service answers here. */
  readonly url: string;
  readonly port: number;
  /** PID of the moto process, the only process `stop()` signals. */
  readonly pid: number;
  /** Stops moto (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** moto is missing or did not come up; the message names the fix. */
export class MotoUnavailableError extends Error {
  override readonly name = "MotoUnavailableError";
}

const DEFAULT_START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;
const STDERR_TAIL_BYTES = 4096;

/**
 * Whether moto can be run with `env` (its PATH and RAJEE_MOTO_SERVER), or why not (with the fix).
 * Runs `moto_server --help` once, so a shim without moto behind it counts as missing.
 */
export function motoAvailability(env: NodeJS.ProcessEnv = process.env): { ok: true } | { ok: false; reason: string } {
  const command = motoCommand(env);
  const result = spawnSync(command, ["--help"], { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 });
  if (result.error) return { ok: false, reason: `${command} cannot be run (${result.error.message}); install moto with ${MOTO_INSTALL_HINT}` };
  if (result.status !== 0) {
    return { ok: false, reason: `${command} --help exited ${result.status}: ${result.stderr.trim().slice(0, 300)}; install moto with ${MOTO_INSTALL_HINT}` };
  }
  return { ok: true };
}

/** A port nothing listens on right now (the OS picks it; moto binds it a moment later). */
export function freePort(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(port, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(`${url}/moto-api/data.json`, { timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on("error", () => resolve(false));
    request.on("timeout", () => request.destroy());
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Starts `moto_server -H 127.0.0.1 -p <port>` as a child process and resolves once it answers.
 * Rejects with MotoUnavailableError, naming `pip install "moto[server]"`, when moto is missing or
 * exits before answering.
 */
export async function startMotoServer(options: MotoServerOptions = {}): Promise<MotoServer> {
  const command = options.command ?? MOTO_COMMAND;
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  // A port someone else answers on would pass the readiness check below: refuse it up front.
  const port = await freePort(options.port ?? 0).catch((error: Error) => {
    throw new MotoUnavailableError(`moto: port ${options.port} cannot be bound on 127.0.0.1 (${error.message}); choose a free port or leave it unset`);
  });
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(command, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", options.logFile ? "pipe" : "ignore", "pipe"],
    // Its own process group: a Ctrl-C in the terminal reaches only the parent, which saves what
    // it needs from moto first and then stops it (stop(), or the exit hook below).
    detached: true,
    env: { ...(options.baseEnv ?? process.env), ...options.env },
  });
  const log = options.logFile ? createWriteStream(options.logFile, { flags: "a" }) : undefined;
  if (log) {
    child.stdout!.pipe(log, { end: false });
    child.once("exit", () => log.end());
  }
  // moto logs every request on stderr: keep draining it (a full pipe would stall moto), keep the tail.
  let stderrTail = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    log?.write(chunk);
  });
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await exited(child);
    clearTimeout(timer);
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) {
      await stop();
      throw new MotoUnavailableError(`${command} cannot be run (${spawnError.message}); install moto with ${MOTO_INSTALL_HINT}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      process.removeListener("exit", killOnExit);
      throw new MotoUnavailableError(
        `${command} exited (${child.exitCode ?? child.signalCode}) before answering on ${url}: ${stderrTail.trim().slice(-500)}; install moto with ${MOTO_INSTALL_HINT}`,
      );
    }
    if (await answers(url)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new MotoUnavailableError(`${command} did not answer on ${url} within ${timeoutMs} ms: ${stderrTail.trim().slice(-500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, port, pid: child.pid!, stop };
}
