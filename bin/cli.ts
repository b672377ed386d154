import { UsageError, type Command, type CommandIO } from "./command";
import { commands } from "./commands";

const USAGE_EXIT = 2;

function commandList(): string {
  const width = Math.max(...commands.map((c) => c.path.join(" ").length));
  return commands.map((c) => `  ${c.path.join(" ").padEnd(width)}  ${c.summary}`).join("\n");
}

function topHelp(): string {
  return `rajee: tokens, keys and request simulation for the rajee S3 gateway

Usage: rajee <command> [options]    (rajee <command> --help for details)

Commands:
${commandList()}
`;
}

function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  const matches = commands.filter((c) => c.path.every((word, i) => argv[i] === word));
  const longest = matches.sort((a, b) => b.path.length - a.path.length)[0];
  return longest ? { command: longest, rest: argv.slice(longest.path.length) } : undefined;
}

/** Runs `rajee` with the given arguments; resolves to the exit code. Never throws. */
export async function runCli(argv: string[], io: CommandIO): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    io.stdout(topHelp());
    return argv.length === 0 ? USAGE_EXIT : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    io.stderr(`rajee: unknown command '${argv.join(" ")}'\n\n${topHelp()}`);
    return USAGE_EXIT;
  }
  const { command, rest } = found;
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(command.help.endsWith("\n") ? command.help : `${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`rajee ${command.path.join(" ")}: ${error.message}\n(run 'rajee ${command.path.join(" ")} --help' for usage)\n`);
      return USAGE_EXIT;
    }
    io.stderr(`rajee ${command.path.join(" ")}: ${(error as Error).message}\n`);
    return 1;
  }
}
