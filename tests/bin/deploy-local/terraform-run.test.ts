import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runTerraform } from "../../../bin/deploy-local/terraform-run";
import type { ReadyTerraform } from "../../../review/terraform";
import { TempDirs } from "../../support/temp";
import { processAlive } from "../../support/processes";

/** A stand-in `terraform` on PATH: a shell script, so the runner's process handling is tested without the real one. */
const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

function fakeTerraform(script: string): { setup: ReadyTerraform; dir: string; log: string } {
  const dir = dirs.make("fake-terraform");
  const bin = join(dir, "terraform");
  writeFileSync(bin, `#!/bin/sh\n${script}\n`);
  chmodSync(bin, 0o755);
  const setup: ReadyTerraform = { ok: true, env: { PATH: `${dir}:/usr/bin:/bin` }, mirror: undefined, workDir: dir, offline: true };
  return { setup, dir, log: join(dir, "run.log") };
}


describe("runTerraform", () => {
  it("passes the exit code through and logs the command and its output", async () => {
    const { setup, dir, log } = fakeTerraform('echo "out $*"; echo "err" >&2; exit 2');
    writeFileSync(log, "");
    const run = await runTerraform(setup, dir, ["plan", "-detailed-exitcode"], { logFile: log, timeoutMs: 10_000 });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe("out plan -detailed-exitcode\n");
    expect(run.tail).toContain("err");
    expect(readFileSync(log, "utf8")).toContain("$ terraform plan -detailed-exitcode\n");
  });

  it("stops a run that outlives its timeout with SIGINT and says so", async () => {
    const { setup, dir, log } = fakeTerraform('echo $$ > pid; trap "echo stopping; exit 1" INT; while true; do sleep 0.1; done');
    writeFileSync(log, "");
    await expect(runTerraform(setup, dir, ["apply"], { logFile: log, timeoutMs: 500 })).rejects.toThrow(/terraform apply timed out after \d+ s/);
    expect(readFileSync(log, "utf8")).toContain("stopping");
    expect(processAlive(Number(readFileSync(join(dir, "pid"), "utf8")))).toBe(false);
  });

  it("stops a run when its signal aborts", async () => {
    const { setup, dir, log } = fakeTerraform('trap "exit 1" INT; while true; do sleep 0.1; done');
    writeFileSync(log, "");
    const controller = new AbortController();
    const running = runTerraform(setup, dir, ["destroy"], { logFile: log, timeoutMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(running).rejects.toThrow(/terraform destroy interrupted/);
  });
});
