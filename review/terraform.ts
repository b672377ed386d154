import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Where the AWS provider comes from when there is no network: `TF_PLUGIN_MIRROR`, else /opt/tf-plugins. */
export const DEFAULT_PLUGIN_MIRROR = "/opt/tf-plugins";

/** A terraform CLI ready to run, or the reason it is not. */
export type TerraformSetup =
  | { readonly ok: true; readonly env: NodeJS.ProcessEnv; readonly mirror: string | undefined; readonly workDir: string; readonly offline: boolean }
  | { readonly ok: false; readonly reason: string };

/** A terraform CLI that is ready. */
export type ReadyTerraform = Extract<TerraformSetup, { ok: true }>;

export interface TerraformSetupOptions {
  /**
   * Plan without AWS: dummy credentials, no instance metadata, the caller's profile and session
   * dropped (for stacks synthesized with `offlinePlan`). Otherwise the caller's credentials are used.
   * @default true
   */
  readonly offline?: boolean;
  /** Environment to start from. @default process.env */
  readonly baseEnv?: NodeJS.ProcessEnv;
}

/**
 * Finds terraform and writes a CLI config that installs hashicorp/aws from the filesystem mirror
 * (when there is one) with a shared plugin cache, so several stacks init from one copy.
 */
export function terraformSetup(options: TerraformSetupOptions = {}): TerraformSetup {
  const offline = options.offline ?? true;
  const base = options.baseEnv ?? process.env;
  const version = spawnSync("terraform", ["version", "-json"], { encoding: "utf8", env: base });
  if (version.error || version.status !== 0) {
    return { ok: false, reason: "terraform is not on PATH; install terraform >= 1.10" };
  }
  const mirror = base.TF_PLUGIN_MIRROR ?? (existsSync(DEFAULT_PLUGIN_MIRROR) ? DEFAULT_PLUGIN_MIRROR : undefined);
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
  const env: NodeJS.ProcessEnv = { ...base, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: "1", TF_INPUT: "0", CHECKPOINT_DISABLE: "1" };
  if (offline) {
    Object.assign(env, { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "offline-plan-dummy-secret", AWS_EC2_METADATA_DISABLED: "true" });
    delete env.AWS_PROFILE;
    delete env.AWS_SESSION_TOKEN;
  }
  return { ok: true, env, mirror, workDir, offline };
}

/** True when the environment carries AWS credentials the provider would find (keys, profile, web identity, container). */
export function hasAwsCredentials(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(
    (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) ||
      env.AWS_PROFILE ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE ||
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ||
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
  );
}

/** Runs terraform in `dir`; rejects with terraform's own output on failure. */
export async function terraform(setup: ReadyTerraform, dir: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run("terraform", [...args], { cwd: dir, env: setup.env, maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`terraform ${args.join(" ")} failed in ${dir}:\n${err.stderr || err.stdout || err.message}`, { cause: e });
  }
}

/** `terraform init` (without the backend when `backend` is false) then `validate -json`. */
export async function initAndValidate(setup: ReadyTerraform, dir: string, backend: boolean): Promise<{ valid: boolean; diagnostics: unknown[] }> {
  await init(setup, dir, backend);
  return JSON.parse(await terraform(setup, dir, ["validate", "-json", "-no-color"])) as { valid: boolean; diagnostics: unknown[] };
}

/** `terraform init` (without the backend when `backend` is false). */
export async function init(setup: ReadyTerraform, dir: string, backend: boolean): Promise<void> {
  await terraform(setup, dir, ["init", "-no-color", "-input=false", ...(backend ? [] : ["-backend=false"])]);
}

/**
 * Plans `dir` (already initialised) without taking the state lock, and returns the parsed
 * `terraform show -json` of the plan. Offline setups also skip the refresh (there is nothing to read).
 */
export async function planJson(setup: ReadyTerraform, dir: string): Promise<PlanJson> {
  await terraform(setup, dir, ["plan", "-no-color", "-input=false", "-lock=false", ...(setup.offline ? ["-refresh=false"] : []), "-out=plan.bin"]);
  return JSON.parse(await terraform(setup, dir, ["show", "-json", "plan.bin"])) as PlanJson;
}

/** The parts of `terraform show -json` the infrastructure tests read (the review reads the whole document). */
export interface PlanJson {
  readonly resource_changes: ReadonlyArray<{
    readonly address: string;
    readonly type: string;
    readonly change: { readonly actions: string[]; readonly after: Record<string, unknown> };
  }>;
  readonly configuration: { readonly provider_config: Record<string, { readonly expressions: Record<string, unknown> }> };
}
