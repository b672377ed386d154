import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../src/config-error";
import { deployLocal, PHASES } from "./deploy-local/run";

/**
 * `npm run deploy:local [-- --env <name>]`: applies the environment's local variant (default dev)
 * to a moto_server it starts on 127.0.0.1, plans again (must show no changes), destroys, and stops
 * moto. Everything lands in .build/deploy-local/. Exit 0 only when every phase passed; 2 when moto
 * or terraform is missing; 130 when interrupted.
 */
async function main(): Promise<number> {
  let environment: string;
  try {
    environment = parseArgs({ args: process.argv.slice(2), options: { env: { type: "string" } }, strict: true, allowPositionals: false }).values.env ?? "dev";
  } catch (e) {
    throw new ConfigError(`deploy:local: ${(e as Error).message}; the only option is --env <name>`);
  }
  const workDir = join(process.cwd(), ".build", "deploy-local");
  const controller = new AbortController();
  const interrupt = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    console.error(`\n${sig}: stopping terraform, then moto_server ...`);
    controller.abort();
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  const started = Date.now();
  const stamp = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s]`;
  console.log(`deploy:local: ${environment} against moto, in ${workDir}`);
  const result = await deployLocal({ environment, workDir, signal: controller.signal, log: (line) => console.log(`${stamp()} ${line}`) });
  if (!result.ran) {
    console.error(`deploy:local: cannot run: ${result.reason}`);
    return 2;
  }
  console.log("\nphase     time     result");
  for (const name of PHASES) {
    const p = result.phases.find((x) => x.phase === name);
    console.log(`${name.padEnd(9)} ${p ? `${(p.ms / 1000).toFixed(1).padStart(5)} s` : "    - "}  ${p ? (p.ok ? "ok" : "FAILED") : "not run"}`);
  }
  console.log(`total     ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${result.ok ? "ok" : "FAILED"}; logs in ${workDir}`);
  // 130: stopped by Ctrl-C, as a shell reports it.
  return result.ok ? 0 : controller.signal.aborted ? 130 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(e instanceof ConfigError ? e.message : e);
    process.exitCode = 1;
  },
);
