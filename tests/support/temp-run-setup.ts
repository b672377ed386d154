import { startRun } from "./temp-run";

/** Jest globalSetup: points TMPDIR at this run's own folder under .build/tmp (tests/support/temp-run.ts). */
export default function setup(): void {
  const dir = startRun(process.pid);
  process.env.RAJEE_TEST_RUN_TMPDIR = dir;
  process.env.RAJEE_TEST_OUTER_TMPDIR = process.env.TMPDIR ?? "";
  process.env.TMPDIR = dir;
}
