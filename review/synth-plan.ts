import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { init, planJson, terraformSetup } from "./terraform";

export interface SynthPlanOptions {
  /** Environment to synthesize and plan. */
  readonly environment: string;
  /** Plan without AWS (offline provider settings, local state, dummy credentials). */
  readonly offline: boolean;
  /** Environment variables terraform starts from. */
  readonly env: NodeJS.ProcessEnv;
  /** Progress lines (to stderr). */
  readonly log: (line: string) => void;
  /** Keep the synthesized stack and plan here instead of a temporary directory. @default a new temporary directory, removed afterwards */
  readonly outdir?: string;
}

/**
 * Synthesizes one environment's stack, runs `terraform init` and `plan`, and returns the parsed
 * `terraform show -json`. Offline, the stack is synthesized with `offlinePlan` and `localBackend`
 * (as the tests do); otherwise with its real backend and provider settings, using the caller's
 * credentials. The CDKTF app is loaded only here, so reading a plan file stays fast.
 */
export async function synthesizeAndPlan(options: SynthPlanOptions): Promise<unknown> {
  const setup = terraformSetup({ offline: options.offline, baseEnv: options.env });
  if (!setup.ok) throw new Error(`cannot plan: ${setup.reason}`);
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), "rajee-review-"));
  try {
    // Loaded lazily: the app pulls in cdktf, every provider class the stacks use, and esbuild.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { buildApp } = require("../stacks/app") as typeof import("../stacks/app");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { bundleRotationLambda } = require("../handlers/rotation/bundle") as typeof import("../handlers/rotation/bundle");
    const started = Date.now();
    const { app, stacks } = buildApp({
      environments: [options.environment],
      rotationBundle: bundleRotationLambda(join(outdir, "rotation-lambda")),
      outdir,
      offlinePlan: options.offline,
      localBackend: options.offline,
    });
    app.synth();
    const stackDir = join(outdir, "stacks", stacks[0]!.node.id);
    options.log(`synthesized ${stacks[0]!.node.id} in ${Date.now() - started} ms (${options.offline ? "offline: dummy credentials, local state" : "with the environment's backend and the caller's credentials"})`);
    const initStarted = Date.now();
    await init(setup, stackDir, true);
    options.log(`terraform init in ${Date.now() - initStarted} ms`);
    const planStarted = Date.now();
    const plan = await planJson(setup, stackDir);
    options.log(`terraform plan and show in ${Date.now() - planStarted} ms`);
    return plan;
  } finally {
    if (options.outdir === undefined) rmSync(outdir, { recursive: true, force: true });
    rmSync(setup.workDir, { recursive: true, force: true });
  }
}
