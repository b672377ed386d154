import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing, type App } from "cdktf";

/**
 * Scratch directories for tests. Each is `rajee-<name>-XXXXXX` in the system temp folder, which a
 * test run points at `.build/tmp/run-*` (tests/support/temp-run-setup.ts); the run fails when one is
 * still there at the end (tests/support/temp-run-teardown.ts). Remove what you make in the
 * `afterAll`/`afterEach` that owns it, after whatever still writes there has stopped.
 */
export const SCRATCH_PREFIX = "rajee-";

/** Makes `rajee-<name>-XXXXXX` in the system temp folder. */
export function makeTempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `${SCRATCH_PREFIX}${name}-`));
}

/** Removes a scratch directory and everything in it; a missing one is fine. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Scratch directories made through it, removed together by `removeAll` (from the hook that owns them). */
export class TempDirs {
  private readonly dirs: string[] = [];

  make(name: string): string {
    const dir = makeTempDir(name);
    this.dirs.push(dir);
    return dir;
  }

  removeAll(): void {
    for (const dir of this.dirs.splice(0)) removeTempDir(dir);
  }
}

/**
 * Runs `build` with a cdktf test app (`Testing.app`) whose outdir is a scratch directory, removed
 * before returning. Without an outdir `Testing.app` makes `cdktf.outdir.XXXXXX` and never removes
 * it; `Testing.synth` works in memory, so nothing needs the directory after `build`.
 */
export function withTestApp<T>(build: (app: App) => T): T {
  const outdir = makeTempDir("cdktf-app");
  try {
    return build(Testing.app({ outdir }));
  } finally {
    removeTempDir(outdir);
  }
}
