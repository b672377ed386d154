import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { processAlive } from "./processes";

/**
 * One test run's temp folder: `.build/tmp/run-<pid>-XXXXXX`, set as TMPDIR for the run (Jest's
 * workers and every child process inherit it), so concurrent runs and other programs writing to
 * /tmp never mix with it. At the end, scratch entries still in it are leaks.
 */
export const RUNS_DIR = join(__dirname, "../../.build/tmp");

/** Names the tests make (tests/support/temp.ts, cdktf's `Testing.app`); other entries are tool caches. */
const SCRATCH = /^(rajee-|cdktf\.outdir\.)/;

const RUN = /^run-(\d+)-/;


/** Removes the folders of runs whose process is gone (killed runs), then makes this run's. */
export function startRun(pid: number, root = RUNS_DIR): string {
  mkdirSync(root, { recursive: true });
  for (const name of readdirSync(root)) {
    const owner = RUN.exec(name)?.[1];
    if (owner !== undefined && Number(owner) !== pid && !processAlive(Number(owner))) rmSync(join(root, name), { recursive: true, force: true });
  }
  return mkdtempSync(join(root, `run-${pid}-`));
}

/** The scratch entries left in a run's folder, sorted; the folder is removed either way. */
export function finishRun(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const leftovers = readdirSync(dir).filter((name) => SCRATCH.test(name)).sort();
  rmSync(dir, { recursive: true, force: true });
  return leftovers;
}

/** The message a run with leftovers ends with. */
export function leftoverReport(leftovers: readonly string[]): string {
  return [
    `tests left ${leftovers.length} scratch ${leftovers.length === 1 ? "entry" : "entries"} in the temp folder:`,
    ...leftovers.map((name) => `  ${name}`),
    "remove each in the afterAll/afterEach that made it (tests/support/temp.ts: TempDirs, withTestApp)",
  ].join("\n");
}
