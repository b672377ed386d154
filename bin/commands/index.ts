import type { Command } from "../command";

/** Every `rajee` subcommand. Add a command by adding its module here. */
export const commands: Command[] = [];
