import { join } from "node:path";
import { bundleIssuerLambda } from "./handlers/issuer/bundle";
import { bundleRotationLambda } from "./handlers/rotation/bundle";
import { ConfigError } from "./src/config-error";
import { buildApp, flag, selectEnvironments, synthSummary, terraformRoleOf } from "./stacks/app";

/**
 * The CDKTF app: one stack per environment in config/. `npm run synth` writes them all to
 * cdktf.out/; `npm run synth -- --env dev` (or RAJEE_ENV=dev) only one. RAJEE_OFFLINE_PLAN=1 and
 * RAJEE_LOCAL_BACKEND=1 synthesize for an offline `terraform plan` (docs/infrastructure.md); never
 * deploy what they produce.
 */
try {
  const environments = selectEnvironments(process.argv.slice(2), process.env);
  const rotationBundle = bundleRotationLambda(join(process.cwd(), ".build", "rotation-lambda"));
  const issuerBundle = bundleIssuerLambda(join(process.cwd(), ".build", "issuer-lambda"));
  const { app, stacks } = buildApp({
    environments,
    rotationBundle,
    issuerBundle,
    offlinePlan: flag(process.env.RAJEE_OFFLINE_PLAN),
    localBackend: flag(process.env.RAJEE_LOCAL_BACKEND),
    terraformRole: terraformRoleOf(process.env.RAJEE_TERRAFORM_ROLE),
  });
  app.synth();
  // stdout, not stderr: stderr stays empty on success (tests/main.test.ts), and cdktf-cli shows the app's stdout.
  process.stdout.write(synthSummary(app.outdir, stacks.map((s) => s.node.id), process.cwd()));
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(e.message);
  process.exitCode = 1;
}
