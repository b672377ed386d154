import { readFile, writeFile } from "node:fs/promises";
import { environmentNames, getEnvironment } from "../config";
import { reviewSuppressions } from "./accepted-suppressions";
import { envoySettingsForEnvironment, renderEnvoyBootstrap, S3_CLUSTER } from "../envoy-templates";
import { FILTER, S3_LISTENER } from "../envoy-templates/bootstrap";
import { ConfigError } from "../src/config-error";
import { diffPlans, parsePlan, PlanError, renderDiff, renderReport, reviewPlan, type ReviewOptions, type Suppression } from "./core";
import { parseOptions, UsageError, type CommandIO } from "../bin/command";
import { synthesizeAndPlan } from "./synth-plan";
import { hasAwsCredentials } from "./terraform";

/** Exit codes of `npm run review`. */
export const EXIT = {
  /** The plan breaks no policy rule. */
  passed: 0,
  /** At least one rule is broken; the report names each. */
  violations: 1,
  /** Bad command line or configuration (unknown environment, suppression without a reason). */
  usage: 2,
  /** No report: a plan file could not be read, or synth/init/plan failed. */
  failed: 3,
} as const;

export const HELP = `Usage: npm run review -- --env NAME [--plan PLAN.json] [--base BASE.json] [--format md|json] [--output FILE] [--save-plan FILE] [--offline]

Reviews an environment's Terraform plan for security: changes by type with destructive ones first,
every IAM statement (wildcards flagged, known-benign forms explained), network exposure, encryption
at rest, the container table, the Envoy settings inside the task definition, who may invoke the
token issuer, and the policy rules of docs/plan-review.md. Exits 1 when a rule is broken (suppressions with a
reason live in review/accepted-suppressions.ts).

Options:
  --env NAME        environment in config/ (${environmentNames.join(", ")}); selects account, buckets, Envoy settings, image pinning, issuer invokers and suppressions
  --plan FILE       \`terraform show -json <planfile>\` output to review; without it the environment is
                    synthesized, initialised and planned here (offline when no AWS credentials are set)
  --base FILE       a second plan (e.g. of the target branch): report only what differs from it
  --format md|json  Markdown for a pull-request comment (default) or the report as JSON
  --output FILE     write the report to FILE instead of stdout
  --save-plan FILE  also write the reviewed plan (\`terraform show -json\`) to FILE, e.g. to use as a later --base
  --offline         plan without AWS even when credentials are set (dummy credentials, local state)

Exit codes: 0 rules pass, 1 rule violations, 2 usage or configuration error, 3 could not plan or read a plan.
`;

async function readPlanFile(path: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new PlanError(`${flag} ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); write it with \`terraform show -json plan.bin > ${path}\``);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PlanError(`${flag} ${path}: not JSON (${(e as Error).message}); write it with \`terraform show -json plan.bin > ${path}\`, not \`terraform plan\``);
  }
}

/** Review options for environment `name`: its account, buckets, ports, Envoy settings, policy and suppressions. */
export function reviewOptionsFor(name: string, suppressions: readonly Suppression[] = reviewSuppressions): ReviewOptions {
  const config = getEnvironment(name);
  const envoy = envoySettingsForEnvironment(config);
  // The stack keeps deletion protection on in every configured environment (only the local apply to moto turns it off).
  return {
    environment: name,
    buckets: config.buckets,
    suppressions,
    adminPorts: { [envoy.adminPort]: "Envoy admin", [envoy.authorizerPort]: "authorizer ext_authz", [envoy.authorizerAdminPort]: "authorizer admin" },
    accountId: config.accountId,
    envoy: { settings: envoy, filters: FILTER, s3Listener: S3_LISTENER, s3Cluster: S3_CLUSTER, rendered: renderEnvoyBootstrap(envoy) },
    requireDeletionProtection: true,
    requireImageDigests: (config.imagePinning ?? "digest") === "digest",
    issuerInvokers: config.issuer.invokers,
    region: config.region,
  };
}

/** The whole command; resolves to the exit code and never throws. */
export async function runReview(args: string[], io: CommandIO, suppressions: readonly Suppression[] = reviewSuppressions): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(HELP);
    return EXIT.passed;
  }
  try {
    const { values } = parseOptions(args, {
      env: { type: "string" },
      plan: { type: "string" },
      base: { type: "string" },
      format: { type: "string" },
      output: { type: "string" },
      "save-plan": { type: "string" },
      offline: { type: "boolean" },
    });
    if (!values.env) throw new UsageError(`missing required option --env (one of ${environmentNames.join(", ")})`);
    const format = values.format ?? "md";
    if (format !== "md" && format !== "json") throw new UsageError(`--format ${format} is not md or json`);
    const options = reviewOptionsFor(values.env, suppressions);

    const offline = values.offline === true || !hasAwsCredentials(io.env);
    const headJson = values.plan !== undefined
      ? await readPlanFile(values.plan, "--plan")
      : await synthesizeAndPlan({ environment: values.env, offline, env: { ...process.env, ...io.env }, log: (line) => io.stderr(`review: ${line}\n`) });
    if (values["save-plan"] !== undefined) await writeFile(values["save-plan"], `${JSON.stringify(headJson)}\n`);
    const head = parsePlan(headJson, values.plan ? `--plan ${values.plan}` : `plan of ${values.env}`);

    let text: string;
    let passed: boolean;
    if (values.base !== undefined) {
      const base = parsePlan(await readPlanFile(values.base, "--base"), `--base ${values.base}`);
      const diff = diffPlans(base, head, options);
      passed = diff.passed;
      text = format === "json" ? `${JSON.stringify(diff, null, 2)}\n` : renderDiff(diff);
    } else {
      const report = reviewPlan(head, options);
      passed = report.passed;
      text = format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report);
    }
    if (values.output !== undefined) await writeFile(values.output, text);
    else io.stdout(text);
    if (!passed) io.stderr(`review: policy rules failed for ${values.env}; see the report's violations\n`);
    return passed ? EXIT.passed : EXIT.violations;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`review: ${error.message}\n(run 'npm run review -- --help' for usage)\n`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.stderr(`review: ${error.message}\n`);
      return EXIT.usage;
    }
    io.stderr(`review: ${(error as Error).message}\n`);
    return EXIT.failed;
  }
}
