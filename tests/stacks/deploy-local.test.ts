import { Aspects, LocalBackend, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { deployLocal, deployLocalMissing, PHASES, type DeployLocalResult, type LocalStackFactory } from "../../bin/deploy-local/run";
import { LogGroups } from "../../modules/observability/log-groups";
import { SigningKeys } from "../../modules/signing-keys/signing-keys";
import { logGroupNames } from "../../stacks/environment-stack";
import { IgnoreLocalApiGaps, localProviderSettings } from "../../stacks/local-api";
import { LONG_TESTS } from "../support/long-tests";
import { TempDirs } from "../support/temp";

/**
 * `npm run deploy:local`'s code path against a real moto_server: apply, a second plan that must
 * show no changes, destroy. Runs only under `npm run test:long` (RAJEE_LONG_TESTS=1), which deploys
 * two modules (log groups and signing keys: KMS, Secrets Manager, IAM, Lambda, CloudWatch Logs,
 * ~50 s) and then the whole dev stack (~2.5 min): too slow for `npm test`'s budget. Skips, saying
 * why, without moto_server or terraform and the provider mirror.
 */

/** Log groups and signing keys in the local variant: the services most of the stack's resources use. */
const signingKeysOnly: LocalStackFactory = (app, { config, endpoint, rotationBundle }) => {
  const stack = new TerraformStack(app, "rajee-local-signing-keys");
  new AwsProvider(stack, "aws", { region: config.region, allowedAccountIds: [config.accountId], ...localProviderSettings(endpoint) });
  new LocalBackend(stack, { path: "terraform.tfstate" });
  const groups = logGroupNames(config.name);
  const logs = new LogGroups(stack, "log-groups", { namePrefix: `rajee-${config.name}`, accountId: config.accountId, region: config.region, groups });
  new SigningKeys(stack, "signing-keys", {
    namePrefix: `rajee-${config.name}`,
    accountId: config.accountId,
    region: config.region,
    rotationBundle,
    rotationLogGroupName: logs.names.rotation as string,
    rotationLogGroupArn: logs.arns.rotation as string,
    rotationSchedule: false,
  });
  Aspects.of(stack).add(new IgnoreLocalApiGaps());
  return stack;
};

const dirs = new TempDirs();
const progress: string[] = [];

async function run(stack?: LocalStackFactory): Promise<DeployLocalResult> {
  return deployLocal({ environment: "dev", workDir: dirs.make("deploy-local"), stack, log: (line) => progress.push(line) });
}

afterAll(() => dirs.removeAll());

const missing = LONG_TESTS ? deployLocalMissing() : "it applies to moto for about a minute, so it runs only under npm run test:long";
if (missing) console.warn(`SKIPPED deploy-local tests: ${missing}`);

(missing ? describe.skip : describe).each([["log groups and signing keys", signingKeysOnly] as const, ["the whole dev stack", undefined] as const])("deployLocal against moto (%s)", (_what, stack) => {
  let result: Extract<DeployLocalResult, { ran: true }>;
  beforeAll(async () => {
    const r = await run(stack);
    if (!r.ran) throw new Error(`deployLocal did not run: ${r.reason}`);
    result = r;
  }, 300_000);

  it("runs every phase in order, each passing, and reports each phase's time", () => {
    expect({ phases: result.phases.map((p) => [p.phase, p.ok]), failures: result.phases.filter((p) => !p.ok).map((p) => p.detail) }).toEqual({
      phases: PHASES.map((p) => [p, true]),
      failures: [],
    });
    expect(result.ok).toBe(true);
    for (const p of result.phases) expect(p.ms).toBeGreaterThanOrEqual(0);
    expect(progress.filter((line) => / ok in \d+\.\d s/.test(line)).length).toBeGreaterThanOrEqual(PHASES.length);
  });

  it("creates every resource of the stack, then plans no change and destroys them all", () => {
    // Log groups: 6 groups, key, alias. Signing keys: 2 keys, 2 aliases, 2 secrets, secret policy, version, role, policy, function, permission.
    // The whole stack includes the issuer: log group, role, policy, function, URL, one URL permission, the CloudFormation grant, 3 alarms;
    // the runtime parameter and the task role's read of it; the binding keys: key, alias, 2 secrets, secret policy, the authorizers' read,
    // and their rotation function: role, policy, function, permission (no schedule: moto cannot invoke it);
    // tracing in dev: the collector's 2 log groups, 2 alarms and the task role's telemetry policy;
    // the deny list: secret, its empty first version, the task role's read.
    expect(result.appliedResources).toBe(stack === undefined ? 125 : 20);
    expect(result.replanChanges).toEqual([]);
    expect(result.remainingResources).toBe(0);
  });
});
