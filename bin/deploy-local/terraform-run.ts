import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import type { ReadyTerraform } from "../../review/terraform";

/** How a terraform run ended. */
export interface TerraformRun {
  readonly exitCode: number;
  /** The last part of what terraform printed (stdout and stderr interleaved), for error messages. */
  readonly tail: string;
  /** Everything terraform wrote to stdout. */
  readonly stdout: string;
}

export interface TerraformRunOptions {
  /** File every line of output is appended to. */
  readonly logFile: string;
  /** Stop terraform (SIGINT, then SIGKILL after 15 s) when this aborts. */
  readonly signal?: AbortSignal;
  /** Stop terraform the same way after this long. */
  readonly timeoutMs: number;
}

const TAIL_CHARS = 6000;
const KILL_AFTER_INTERRUPT_MS = 15_000;

/**
 * Runs terraform in `dir` in its own process group (so a Ctrl-C reaches it once, from us, and it
 * can stop cleanly), logging its output. Resolves with the exit code; a timeout or abort ends the
 * run with SIGINT and rejects.
 */
export function runTerraform(setup: ReadyTerraform, dir: string, args: readonly string[], options: TerraformRunOptions): Promise<TerraformRun> {
  return new Promise((resolve, reject) => {
    appendFileSync(options.logFile, `\n$ terraform ${args.join(" ")}\n`);
    const child = spawn("terraform", [...args], { cwd: dir, env: setup.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    let stdout = "";
    const keep = (chunk: Buffer, isStdout: boolean) => {
      const text = chunk.toString("utf8");
      appendFileSync(options.logFile, text);
      if (isStdout) stdout += text;
      tail = (tail + text).slice(-TAIL_CHARS);
    };
    child.stdout.on("data", (c: Buffer) => keep(c, true));
    child.stderr.on("data", (c: Buffer) => keep(c, false));
    let stopReason: string | undefined;
    const stop = (reason: string) => {
      if (stopReason !== undefined) return;
      stopReason = reason;
      child.kill("SIGINT");
      setTimeout(() => child.kill("SIGKILL"), KILL_AFTER_INTERRUPT_MS).unref();
    };
    const timer = setTimeout(() => stop(`timed out after ${Math.round(options.timeoutMs / 1000)} s`), options.timeoutMs);
    const onAbort = () => stop("interrupted");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`terraform ${args[0]} could not start: ${e.message}`));
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (stopReason !== undefined) reject(new Error(`terraform ${args[0]} ${stopReason}; see ${options.logFile}\n${tail}`));
      else resolve({ exitCode: code ?? 1, tail, stdout });
    });
  });
}
