import { parseArgs, type ParseArgsConfig } from "node:util";

/** Where a command writes and what it reads from its environment; tests pass their own. */
export interface CommandIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** One subcommand of `rajee`, e.g. `token mint`. */
export interface Command {
  /** Words that select it: `["token", "mint"]`. */
  readonly path: readonly string[];
  /** One line for the command list. */
  readonly summary: string;
  /** Full `--help` text. */
  readonly help: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: string[], io: CommandIO): Promise<number>;
}

/** Bad command-line usage: the CLI prints the message and the command's help hint, and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Strict option parsing: unknown flags and missing values are usage errors that name the flag. */
export function parseOptions<T extends Options>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A required string option, or a usage error naming it. */
export function requireOption(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`missing required option --${flag}`);
  return value;
}

/**
 * Runs a command entry point as the process: real stdout, stderr and environment; the resolved code
 * becomes the exit code, and an unexpected rejection is printed under `name` and exits `failureCode`.
 */
export function runAsProcess(name: string, run: (args: string[], io: CommandIO) => Promise<number>, failureCode: number): void {
  run(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${name}: ${String(error)}\n`);
      process.exitCode = failureCode;
    },
  );
}
