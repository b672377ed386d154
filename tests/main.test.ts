import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** `npm run synth` is `tsx main.ts`: run it as operators do, into a temporary CDKTF_OUTDIR. */
function synth(args: string[], env: Record<string, string> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), "rajee-main-"));
  const root = join(__dirname, "..");
  const result = spawnSync(process.execPath, [join(root, "node_modules", "tsx", "dist", "cli.mjs"), "main.ts", ...args], {
    cwd: root,
    env: { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1", ...env },
    encoding: "utf8",
  });
  const stacks = existsSync(join(outdir, "stacks")) ? readdirSync(join(outdir, "stacks")).sort() : [];
  return { result, stacks, outdir };
}

describe("main.ts", () => {
  const cleanup: string[] = [];
  afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("synthesizes every environment, each with its rotation Lambda asset, well under 10 s", () => {
    const started = Date.now();
    const { result, stacks, outdir } = synth([]);
    cleanup.push(outdir);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stacks).toEqual(["rajee-dev", "rajee-prod", "rajee-staging"]);
    // It says where each stack went: a path (from the checkout) to the file it wrote.
    expect(result.stdout).toMatch(/^synthesized 3 stacks:\n/);
    const shown = [...result.stdout.matchAll(/^ {2}(rajee-\S+) +(\S+)$/gm)].map(([, name, path]) => [name, resolve(join(__dirname, ".."), path!)]);
    expect(shown).toEqual(["rajee-dev", "rajee-staging", "rajee-prod"].map((name) => [name, join(outdir, "stacks", name, "cdk.tf.json")]));
    for (const stack of stacks) {
      const assets = join(outdir, "stacks", stack, "assets");
      const zips = readdirSync(assets, { recursive: true }).map(String).filter((f) => f.endsWith("rotation.zip"));
      expect(zips).toHaveLength(1);
    }
    const dev = JSON.parse(readFileSync(join(outdir, "stacks", "rajee-dev", "cdk.tf.json"), "utf8")) as { terraform: { backend: object } };
    expect(Object.keys(dev.terraform.backend)).toEqual(["s3"]);
  }, 30_000);

  it("synthesizes one environment with --env, and RAJEE_OFFLINE_PLAN/RAJEE_LOCAL_BACKEND for offline plans", () => {
    const { result, stacks, outdir } = synth(["--env", "dev"], { RAJEE_OFFLINE_PLAN: "1", RAJEE_LOCAL_BACKEND: "1" });
    cleanup.push(outdir);
    expect(result.status).toBe(0);
    expect(stacks).toEqual(["rajee-dev"]);
    const dev = JSON.parse(readFileSync(join(outdir, "stacks", "rajee-dev", "cdk.tf.json"), "utf8")) as { terraform: { backend: object }; provider: { aws: Array<Record<string, unknown>> } };
    expect(dev.terraform.backend).toEqual({ local: { path: "terraform.dev.tfstate" } });
    expect(dev.provider.aws[0]!.skip_credentials_validation).toBe(true);
  }, 30_000);

  it("exits 1 with one clear line for an unknown environment", () => {
    const { result, stacks, outdir } = synth([], { RAJEE_ENV: "qa" });
    cleanup.push(outdir);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('synth: environment "qa" is unknown; use one of dev, staging, prod (or add config/qa.ts)\n');
    expect(stacks).toEqual([]);
  }, 30_000);
});
