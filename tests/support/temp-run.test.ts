import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { finishRun, leftoverReport, startRun } from "./temp-run";
import { TempDirs, withTestApp } from "./temp";

const temp = new TempDirs();
afterAll(() => temp.removeAll());

describe("a test run's temp folder", () => {
  it("reports the scratch directories tests left, not tool caches, and removes the folder either way", () => {
    const root = temp.make("runs");
    const run = startRun(process.pid, root);
    for (const name of ["rajee-src-a1", "cdktf.outdir.b2", "tsx-0", "jest_x"]) mkdirSync(join(run, name));
    writeFileSync(join(run, "rajee-note.txt"), "x");
    expect(finishRun(run)).toEqual(["cdktf.outdir.b2", "rajee-note.txt", "rajee-src-a1"]);
    expect(existsSync(run)).toBe(false);
  });

  it("passes a run that cleaned up after itself", () => {
    const run = startRun(process.pid, temp.make("runs"));
    mkdirSync(join(run, "tsx-0"));
    expect(finishRun(run)).toEqual([]);
  });

  it("removes the folders of runs whose process is gone, and keeps those of live runs", () => {
    const root = temp.make("runs");
    // PIDs above the kernel's pid_max (at most 2^22) cannot be running.
    mkdirSync(join(root, "run-99999999-abc"));
    mkdirSync(join(root, `run-${process.ppid}-def`));
    mkdirSync(join(root, "unrelated"));
    const run = startRun(process.pid, root);
    expect(readdirSync(root).sort()).toEqual([`run-${process.ppid}-def`, run.slice(root.length + 1), "unrelated"].sort());
  });

  it("names every leftover and where the helper lives", () => {
    expect(leftoverReport(["rajee-a-1"])).toBe(
      "tests left 1 scratch entry in the temp folder:\n  rajee-a-1\nremove each in the afterAll/afterEach that made it (tests/support/temp.ts: TempDirs, withTestApp)",
    );
  });
});

describe("the temp helpers", () => {
  it("make scratch directories in the temp folder and remove them together", () => {
    const dirs = new TempDirs();
    const a = dirs.make("one");
    const b = dirs.make("two");
    expect([a, b].every(existsSync)).toBe(true);
    dirs.removeAll();
    expect([a, b].some(existsSync)).toBe(false);
  });

  it("give cdktf a test app whose outdir is gone once the build returns", () => {
    const outdir = withTestApp((app) => app.outdir);
    expect(outdir).toContain("rajee-cdktf-app-");
    expect(existsSync(outdir)).toBe(false);
  });
});
