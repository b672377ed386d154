import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { App, TerraformStack } from "cdktf";
import { getEnvironment } from "../../config";
import type { EnvironmentConfig } from "../../config/environment";
import { bundleRotationLambda } from "../../handlers/rotation/bundle";
import { terraformSetup } from "../../review/terraform";
import type { LambdaBundle } from "../../modules/signing-keys/signing-keys";
import { EnvironmentStack, stackName } from "../../stacks/environment-stack";
import { motoMissing, startMoto, type MotoServer } from "./moto";
import { runTerraform } from "./terraform-run";
import { planChanges, type ResourceChange } from "./plan-changes";

/** The phases of a local deploy, in order. */
export const PHASES = ["moto", "synth", "init", "apply", "plan", "destroy"] as const;
export type Phase = (typeof PHASES)[number];

/** What one phase did. */
export interface PhaseResult {
  readonly phase: Phase;
  readonly ok: boolean;
  readonly ms: number;
  /** One line: what it did, or why it failed. */
  readonly detail: string;
}

export type DeployLocalResult =
  | { readonly ran: false; readonly reason: string }
  | {
      readonly ran: true;
      readonly ok: boolean;
      readonly phases: readonly PhaseResult[];
      /** Resources in the state after the apply. */
      readonly appliedResources: number;
      /** What the second plan wanted to change (empty when the stack round-trips cleanly). */
      readonly replanChanges: readonly ResourceChange[];
      /** Resources left in the state after the destroy. */
      readonly remainingResources: number;
    };

/** Builds the stack to deploy into `app`, pointed at the local API. */
export type LocalStackFactory = (app: App, args: { config: EnvironmentConfig; endpoint: string; rotationBundle: LambdaBundle }) => TerraformStack;

export interface DeployLocalOptions {
  /** Environment whose configuration is deployed (its local variant). @default "dev" */
  readonly environment?: string;
  /** Folder for the synthesized stack, state, logs and the rotation bundle; emptied first. Must be git-ignored. */
  readonly workDir: string;
  /** Progress lines. @default no output */
  readonly log?: (line: string) => void;
  /** Aborting stops the running terraform cleanly, then moto. */
  readonly signal?: AbortSignal;
  /** Longest any one terraform command may run. @default 240000 */
  readonly phaseTimeoutMs?: number;
  /** The stack to deploy. @default the environment's EnvironmentStack with `localEndpoint` */
  readonly stack?: LocalStackFactory;
  /** Environment to start from (PATH for terraform and moto_server, TF_PLUGIN_MIRROR). @default process.env */
  readonly baseEnv?: NodeJS.ProcessEnv;
}

export const DEFAULT_PHASE_TIMEOUT_MS = 240_000;

/** Why a local deploy cannot run here (moto_server, terraform or the provider mirror missing), or undefined. */
export function deployLocalMissing(baseEnv: NodeJS.ProcessEnv = process.env): string | undefined {
  const moto = motoMissing(baseEnv);
  if (moto) return moto;
  const setup = terraformSetup({ offline: true, baseEnv });
  if (!setup.ok) return setup.reason;
  rmSync(setup.workDir, { recursive: true, force: true });
  return undefined;
}

const environmentStack: LocalStackFactory = (app, { config, endpoint, rotationBundle }) =>
  new EnvironmentStack(app, stackName(config.name), { config, rotationBundle, localEndpoint: endpoint });

/**
 * Applies an environment's local variant to moto, plans again (which must show no changes), and
 * destroys it: moto on a free 127.0.0.1 port, started and stopped here; terraform with the provider
 * mirror. Returns `ran: false` with a reason when moto or terraform is missing.
 */
export async function deployLocal(options: DeployLocalOptions): Promise<DeployLocalResult> {
  const log = options.log ?? (() => undefined);
  const baseEnv = options.baseEnv ?? process.env;
  const config = getEnvironment(options.environment ?? "dev");
  const missing = motoMissing(baseEnv);
  if (missing) return { ran: false, reason: missing };
  const setup = terraformSetup({ offline: true, baseEnv });
  if (!setup.ok) return { ran: false, reason: setup.reason };

  const timeoutMs = options.phaseTimeoutMs ?? DEFAULT_PHASE_TIMEOUT_MS;
  const factory = options.stack ?? environmentStack;
  rmSync(options.workDir, { recursive: true, force: true });
  mkdirSync(options.workDir, { recursive: true });
  const logFile = join(options.workDir, "terraform.log");
  writeFileSync(logFile, "");

  const phases: PhaseResult[] = [];
  const outcome = { appliedResources: 0, replanChanges: [] as ResourceChange[], remainingResources: 0 };
  let moto: MotoServer | undefined;
  let dir = "";
  const phase = async (name: Phase, body: () => Promise<string>): Promise<boolean> => {
    const started = Date.now();
    log(`${name}: ...`);
    try {
      if (options.signal?.aborted) throw new Error("interrupted");
      const detail = await body();
      phases.push({ phase: name, ok: true, ms: Date.now() - started, detail });
    } catch (e) {
      phases.push({ phase: name, ok: false, ms: Date.now() - started, detail: (e as Error).message });
    }
    const last = phases[phases.length - 1]!;
    log(`${name}: ${last.ok ? "ok" : "FAILED"} in ${(last.ms / 1000).toFixed(1)} s: ${last.detail}`);
    return last.ok;
  };
  const tf = async (args: string[], allowed: readonly number[] = [0]) => {
    const run = await runTerraform(setup, dir, args, { logFile, signal: options.signal, timeoutMs });
    if (!allowed.includes(run.exitCode)) throw new Error(`terraform ${args[0]} exited ${run.exitCode}; see ${logFile}\n${run.tail}`);
    return run;
  };
  const stateCount = async () => (await tf(["state", "list"])).stdout.split("\n").filter(Boolean).length;

  try {
    const ok =
      (await phase("moto", async () => {
        moto = await startMoto({
          accountId: config.accountId,
          ecsRunningTasks: config.scaling.desiredTasks,
          logFile: join(options.workDir, "moto.log"),
          baseEnv,
        });
        return `moto_server pid ${moto.pid} on ${moto.endpoint}, account ${config.accountId}`;
      })) &&
      (await phase("synth", async () => {
        const outdir = join(options.workDir, "cdktf.out");
        const rotationBundle = bundleRotationLambda(join(options.workDir, "rotation-lambda"));
        const app = new App({ outdir });
        const stack = factory(app, { config, endpoint: moto!.endpoint, rotationBundle });
        app.synth();
        dir = join(outdir, "stacks", stack.node.id);
        return `stack ${stack.node.id} in ${dir}`;
      })) &&
      (await phase("init", async () => {
        await tf(["init", "-no-color", "-input=false"]);
        return setup.mirror ? `provider from ${setup.mirror}` : "provider from the registry";
      })) &&
      (await phase("apply", async () => {
        await tf(["apply", "-no-color", "-input=false", "-auto-approve"]);
        outcome.appliedResources = await stateCount();
        return `${outcome.appliedResources} resources created`;
      }));
    if (ok) {
      await phase("plan", async () => {
        const run = await tf(["plan", "-no-color", "-input=false", "-detailed-exitcode", "-out=replan.bin"], [0, 2]);
        if (run.exitCode === 0) return "no changes";
        const planJson = (await tf(["show", "-json", "replan.bin"])).stdout;
        writeFileSync(join(options.workDir, "replan.json"), planJson);
        outcome.replanChanges = planChanges(JSON.parse(planJson) as Parameters<typeof planChanges>[0]);
        throw new Error(`the second plan wants ${outcome.replanChanges.length} change(s) (plan in ${join(options.workDir, "replan.json")}):\n${outcome.replanChanges.map(describeChange).join("\n")}`);
      });
      await phase("destroy", async () => {
        await tf(["destroy", "-no-color", "-input=false", "-auto-approve"]);
        outcome.remainingResources = await stateCount();
        if (outcome.remainingResources > 0) throw new Error(`${outcome.remainingResources} resources remain in the state`);
        return "every resource destroyed";
      });
    }
  } finally {
    if (moto) await moto.stop();
    rmSync(setup.workDir, { recursive: true, force: true });
  }
  return { ran: true, ok: phases.length === PHASES.length && phases.every((p) => p.ok), phases, ...outcome };
}

/** `aws_x.y: update (a, b)` */
export function describeChange(change: ResourceChange): string {
  return `  ${change.address}: ${change.actions.join("+")}${change.attributes.length > 0 ? ` (${change.attributes.join(", ")})` : ""}`;
}
