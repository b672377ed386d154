import { Aspects, LocalBackend, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { deployLocal, PHASES, type DeployLocalResult, type LocalStackFactory } from "../../bin/deploy-local/run";
import { LogGroups } from "../../modules/observability/log-groups";
import { SigningKeys } from "../../modules/signing-keys/signing-keys";
import { logGroupNames } from "../../stacks/environment-stack";
import { IgnoreLocalApiGaps, localProviderSettings } from "../../stacks/local-api";
import { LONG_TESTS } from "../support/long-tests";
import { TempDirs } from "../support/temp";

/**
 * `npm run deploy:local`'s code path against a real moto_server: apply, a second plan that must
 * show no changes, destroy. `npm test` deploys two modules (log groups and signing keys: KMS,
 * Secrets Manager, IAM, Lambda, CloudWatch Logs, ~50 s); `npm run test:long` deploys the whole dev
 * stack (~2.5 min). Skips, saying why, without moto_server or terraform and the provider mirror.
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

describe("deployLocal against moto", () => {
  let result: DeployLocalResult;
  beforeAll(async () => {
    result = await run(LONG_TESTS ? undefined : signingKeysOnly);
    if (!result.ran) console.warn(`SKIPPED deploy-local tests: ${result.reason}`);
  }, 300_000);

  const ran = () => {
    if (!result.ran) return undefined;
    return result;
  };

  it("runs every phase in order, each passing, and reports each phase's time", () => {
    const r = ran();
    if (!r) return;
    expect({ phases: r.phases.map((p) => [p.phase, p.ok]), ok: r.ok, log: r.ok ? "" : r.phases.map((p) => p.detail).join("\n") }).toEqual({
      phases: PHASES.map((p) => [p, true]),
      ok: true,
      log: "",
    });
    for (const p of r.phases) expect(p.ms).toBeGreaterThanOrEqual(0);
    expect(progress.filter((line) => / ok in \d+\.\d s/.test(line))).toHaveLength(PHASES.length);
  });

  it("creates every resource of the stack, then plans no change and destroys them all", () => {
    const r = ran();
    if (!r) return;
    // Log groups: 4 groups, key, alias. Signing keys: key, alias, 2 secrets, version, role, policy, function, permission.
    expect(r.appliedResources).toBe(LONG_TESTS ? 88 : 15);
    expect(r.replanChanges).toEqual([]);
    expect(r.remainingResources).toBe(0);
  });
});
