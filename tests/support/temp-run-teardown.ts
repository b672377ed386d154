import { finishRun, leftoverReport } from "./temp-run";

/**
 * Jest globalTeardown: removes this run's temp folder and fails the run (exit code 1, the list on
 * stderr) when tests left scratch directories in it. It does not throw: a throw here would stop
 * Jest before it writes `--outputFile`.
 */
export default function teardown(): void {
  const dir = process.env.RAJEE_TEST_RUN_TMPDIR;
  if (dir === undefined) return;
  const outer = process.env.RAJEE_TEST_OUTER_TMPDIR;
  if (outer) process.env.TMPDIR = outer;
  else delete process.env.TMPDIR;
  delete process.env.RAJEE_TEST_RUN_TMPDIR;
  delete process.env.RAJEE_TEST_OUTER_TMPDIR;
  const leftovers = finishRun(dir);
  if (leftovers.length === 0) return;
  process.stderr.write(`\n${leftoverReport(leftovers)}\n`);
  process.exitCode = 1;
}
