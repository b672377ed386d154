import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

/** A `rajee dev` child process (`node --import tsx bin/rajee.ts dev ...`) and what it printed so far. */
export interface DevProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches `pattern`; rejects when the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves to the exit code (or signal name) once the process has exited. */
  exited(): Promise<number | string>;
  /** SIGTERM to this process's PID (the only one it signals), then its exit. */
  stop(): Promise<number | string>;
}

/** Starts `rajee dev` with `args` as operators run it, with extra environment `env`. */
export function startDev(args: string[], env: Record<string, string> = {}): DevProcess {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bin", "rajee.ts"), "dev", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
  const exit = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
  const dev: DevProcess = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: () => exit,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no ${pattern} within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
        const poll = setInterval(() => {
          const match = out.match(pattern);
          if (match) finish(undefined, match);
        }, 50);
        const onExit = () => finish(new Error(`exited before ${pattern}; stdout:\n${out}\nstderr:\n${err}`));
        child.once("exit", onExit);
        function finish(error?: Error, match?: RegExpMatchArray) {
          clearTimeout(timer);
          clearInterval(poll);
          child.removeListener("exit", onExit);
          if (error) reject(error);
          else resolve(match!);
        }
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exit;
    },
  };
  return dev;
}
