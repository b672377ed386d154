import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Where the AWS provider comes from when there is no network: `TF_PLUGIN_MIRROR`, else /opt/tf-plugins. */
export const DEFAULT_PLUGIN_MIRROR = "/opt/tf-plugins";

/** A terraform CLI ready to run offline (or online where no mirror exists), or the reason it is not. */
export type TerraformSetup =
  | { readonly ok: true; readonly env: NodeJS.ProcessEnv; readonly mirror: string | undefined; readonly workDir: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Finds terraform and writes a CLI config that installs hashicorp/aws from the filesystem mirror
 * (when there is one) with a shared plugin cache, so several stacks init from one copy. Dummy
 * credentials and no metadata lookups, for plans of stacks synthesized with `offlinePlan`.
 */
export function terraformSetup(): TerraformSetup {
  const version = spawnSync("terraform", ["version", "-json"], { encoding: "utf8" });
  if (version.error || version.status !== 0) {
    return { ok: false, reason: "terraform is not on PATH; install terraform >= 1.10 to run the validate and plan tests" };
  }
  const mirror = process.env.TF_PLUGIN_MIRROR ?? (existsSync(DEFAULT_PLUGIN_MIRROR) ? DEFAULT_PLUGIN_MIRROR : undefined);
  if (mirror !== undefined && !existsSync(join(mirror, "registry.terraform.io", "hashicorp", "aws"))) {
    return { ok: false, reason: `TF_PLUGIN_MIRROR=${mirror} holds no registry.terraform.io/hashicorp/aws; mirror the provider or unset it` };
  }
  const workDir = mkdtempSync(join(tmpdir(), "rajee-terraform-"));
  const cache = join(workDir, "plugin-cache");
  mkdirSync(cache);
  const cliConfig = join(workDir, "terraform.rc");
  const installation =
    mirror === undefined
      ? ""
      : `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`;
  writeFileSync(cliConfig, `${installation}plugin_cache_dir = ${JSON.stringify(cache)}\n`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "offline-plan-dummy-secret",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  return { ok: true, env, mirror, workDir };
}

/** Runs terraform in `dir`; rejects with terraform's own output on failure. */
export async function terraform(setup: Extract<TerraformSetup, { ok: true }>, dir: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run("terraform", [...args], { cwd: dir, env: setup.env, maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`terraform ${args.join(" ")} failed in ${dir}:\n${err.stderr || err.stdout || err.message}`, { cause: e });
  }
}

/** `terraform init` (without the backend when `backend` is false) then `validate -json`. */
export async function initAndValidate(setup: Extract<TerraformSetup, { ok: true }>, dir: string, backend: boolean): Promise<{ valid: boolean; diagnostics: unknown[] }> {
  await terraform(setup, dir, ["init", "-no-color", "-input=false", ...(backend ? [] : ["-backend=false"])]);
  return JSON.parse(await terraform(setup, dir, ["validate", "-json", "-no-color"])) as { valid: boolean; diagnostics: unknown[] };
}

/** Plans `dir` (already initialised, local backend) and returns `terraform show -json` of the plan. */
export async function planJson(setup: Extract<TerraformSetup, { ok: true }>, dir: string): Promise<PlanJson> {
  await terraform(setup, dir, ["plan", "-no-color", "-input=false", "-lock=false", "-refresh=false", "-out=plan.bin"]);
  return JSON.parse(await terraform(setup, dir, ["show", "-json", "plan.bin"])) as PlanJson;
}

/** The parts of `terraform show -json` the tests read. */
export interface PlanJson {
  readonly resource_changes: ReadonlyArray<{
    readonly address: string;
    readonly type: string;
    readonly change: { readonly actions: string[]; readonly after: Record<string, unknown> };
  }>;
  readonly configuration: { readonly provider_config: Record<string, { readonly expressions: Record<string, unknown> }> };
}

/** Prints why a suite skipped, so a green run never hides that nothing ran. */
export function explainSkip(reason: string): void {
  console.warn(`SKIPPED terraform tests: ${reason}`);
}
