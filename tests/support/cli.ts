import { runCli } from "../../bin/cli";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the rajee CLI in-process, capturing its output. */
export async function rajee(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}
