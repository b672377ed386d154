import { App } from "cdktf";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { environmentNames, getEnvironment } from "../config";
import { ConfigError } from "../src/config-error";
import type { LambdaBundle } from "../modules/signing-keys/signing-keys";
import { EnvironmentStack, stackName, type TerraformRole } from "./environment-stack";

export interface AppOptions {
  /** Environments to synthesize, in order. */
  readonly environments: readonly string[];
  /** The rotation Lambda bundle, shared by every stack. */
  readonly rotationBundle: LambdaBundle;
  /** The issuer Lambda bundle, shared by every stack. @default defaultIssuerBundle() */
  readonly issuerBundle?: LambdaBundle;
  /** Where to write (`cdktf.out` unless CDKTF_OUTDIR says otherwise). @default cdktf's default */
  readonly outdir?: string;
  /** Synthesize for an offline `terraform plan` (see EnvironmentStackProps.offlinePlan). @default false */
  readonly offlinePlan?: boolean;
  /** Local state instead of each environment's backend. @default false */
  readonly localBackend?: boolean;
  /** Synthesize for applying (assume the deploy role) or for a plan (assume none). @default "apply" */
  readonly terraformRole?: TerraformRole;
}

/** The CDKTF app with one stack per selected environment (not yet synthesized). */
export function buildApp(options: AppOptions): { app: App; stacks: EnvironmentStack[] } {
  const app = new App(options.outdir === undefined ? {} : { outdir: options.outdir });
  const stacks = options.environments.map(
    (name) =>
      new EnvironmentStack(app, stackName(name), {
        config: getEnvironment(name),
        rotationBundle: options.rotationBundle,
        ...(options.issuerBundle === undefined ? {} : { issuerBundle: options.issuerBundle }),
        offlinePlan: options.offlinePlan ?? false,
        localBackend: options.localBackend ?? false,
        terraformRole: options.terraformRole ?? "apply",
      }),
  );
  return { app, stacks };
}

/**
 * Which environments to synthesize: `--env <name>` (repeatable, or comma-separated) on the command
 * line, else `RAJEE_ENV`, else all. Unknown names throw a ConfigError listing the known ones.
 */
export function selectEnvironments(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  let values: string[] | undefined;
  try {
    values = parseArgs({ args: [...argv], options: { env: { type: "string", multiple: true } }, strict: true, allowPositionals: false }).values.env;
  } catch (e) {
    throw new ConfigError(`synth: ${(e as Error).message}; the only option is --env <name> (${environmentNames.join(", ")})`);
  }
  const requested = (values ?? (env.RAJEE_ENV ? [env.RAJEE_ENV] : [...environmentNames])).flatMap((v) => v.split(",")).map((v) => v.trim());
  for (const name of requested) {
    if (!environmentNames.includes(name)) {
      throw new ConfigError(`synth: environment "${name}" is unknown; use one of ${environmentNames.join(", ")} (or add config/${name}.ts)`);
    }
  }
  return [...new Set(requested)];
}

/** True when an environment variable flag is set to 1/true. */
export function flag(value: string | undefined): boolean {
  return value === "1" || value === "true";
}

/**
 * What `npm run synth` prints after writing: each stack and the folder it went to, relative to
 * `cwd` when inside it (`cdktf.out/stacks/rajee-dev`), so the next step (`terraform -chdir=...`) is plain.
 */
export function synthSummary(outdir: string, stackNames: readonly string[], cwd: string): string {
  const where = (name: string) => {
    const path = join(outdir, "stacks", name);
    const inside = relative(cwd, path);
    return inside.startsWith("..") || inside === "" ? path : inside;
  };
  const width = Math.max(0, ...stackNames.map((n) => n.length));
  return `synthesized ${stackNames.length} stack${stackNames.length === 1 ? "" : "s"}:\n${stackNames.map((n) => `  ${n.padEnd(width)}  ${where(n)}/cdk.tf.json\n`).join("")}`;
}

/** `RAJEE_TERRAFORM_ROLE`: `plan` for pull-request plans, `apply` (or unset) otherwise; anything else is a ConfigError. */
export function terraformRoleOf(value: string | undefined): TerraformRole {
  if (value === undefined || value === "" || value === "apply") return "apply";
  if (value === "plan") return "plan";
  throw new ConfigError(`synth: RAJEE_TERRAFORM_ROLE=${JSON.stringify(value)} is neither plan nor apply; use plan for pull-request plans, apply (or unset) to deploy`);
}
