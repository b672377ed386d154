import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { build, type AuthorizerApp } from "../../../handlers/authorizer/app";
import { parseConfig } from "../../../handlers/authorizer/config";
import { createLogger } from "../../../handlers/authorizer/logger";
import { secretSource } from "../../../handlers/authorizer/text-source";
import { denyListSecretName } from "../../../src/contracts/authorizer-environment";
import { EMPTY_DENY_LIST_DOCUMENT } from "../../../src/revocation/deny-list-document";
import { jwksText, keyPair, MemorySource, mint, parseErrorXml, send } from "../../handlers/authorizer/support";
import { motoEnvironment, motoSecretsClient, REGION } from "../../handlers/rotation/moto-rig";
import { rajee } from "../../support/cli";
import { motoSetup, startMoto, type Moto } from "../../support/moto";

/**
 * `rajee token revoke` and `rajee token revoked` against moto's Secrets Manager: the CLI's own SDK
 * client finds moto through AWS_ENDPOINT_URL, as the aws cli does, and a real authorizer (built
 * in-process, polling the same secret every POLL_SECONDS) refuses the revoked token within one poll.
 */

const moto = motoSetup();
const describeWithMoto = moto.ok ? describe : describe.skip;

/** A short poll: the deployed default is 60 s (RAJEE_KEY_REFRESH_SECONDS, at least 5 s there). */
const POLL_SECONDS = 0.5;

const saved = { ...process.env };
function restoreEnvironment(): void {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
}

/** Waits until `condition` holds, checking every 25 ms; throws after `ms`. */
async function within(ms: number, condition: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("rajee token revoke, without AWS", () => {
  it.each([
    [["--jti", "t-1"], "missing required option --secret"],
    [["--secret", "rajee-test/revocation/deny-list"], "give at least one --jti ID or --sub SUBJECT"],
    [["--secret", "arn:aws:secretsmanager:eu-west-1:111111111111:secret", "--jti", "t-1"], "is not a secret ARN"],
    [["--secret", "arn:aws:secretsmanager:eu-west-1:111111111111:secret:x-AbCdEf", "--region", "us-east-1", "--jti", "t-1"], "--region us-east-1 differs from the ARN's region eu-west-1"],
    [["--secret", "rajee test", "--sub", "alice"], "is neither a secret ARN nor a secret name"],
    [["--secret", "x", "--region", "moon-1", "--sub", "alice"], "--region moon-1 is not an AWS region"],
  ])("refuses %j as usage (exit 2), before calling AWS", async (args, message) => {
    const run = await rajee(["token", "revoke", ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});

describe("rajee token revoke, when another revocation lands between its read and its write", () => {
  const sm = mockClient(SecretsManagerClient);
  afterEach(() => sm.reset());
  afterAll(() => sm.restore());
  const ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-test/revocation/deny-list-AbCdEf";

  it("merges the other version's entries and writes again, so neither revocation is lost", async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionStage: "AWSCURRENT" }).resolves({ ARN, VersionId: "v1", SecretString: '{"jtis": [], "subs": []}' });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: "v2" }).resolves({ ARN, VersionId: "v2", SecretString: '{"jtis": ["theirs"], "subs": []}' });
    sm.on(PutSecretValueCommand).resolvesOnce({ VersionId: "v3" }).resolvesOnce({ VersionId: "v4" });
    sm.on(DescribeSecretCommand)
      .resolvesOnce({ VersionIdsToStages: { v1: [], v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"] } })
      .resolvesOnce({ VersionIdsToStages: { v2: [], v3: ["AWSPREVIOUS"], v4: ["AWSCURRENT"] } });
    const run = await rajee(["token", "revoke", "--secret", ARN, "--jti", "ours"]);
    expect(run.stderr).toBe("version v2 was written while this command ran; merging its entries and writing again\n");
    expect(run.code).toBe(0);
    const writes = sm.commandCalls(PutSecretValueCommand).map((c) => JSON.parse(c.args[0].input.SecretString as string) as unknown);
    expect(writes).toEqual([
      { jtis: ["ours"], subs: [] },
      { jtis: ["ours", "theirs"], subs: [] },
    ]);
    expect(run.stdout).toContain(`wrote ${ARN} version v4 (2 jtis, 0 subs)`);
  });
});

describeWithMoto("rajee token revoke, against moto and a running authorizer", () => {
  let aws: Moto;
  let client: SecretsManagerClient;
  let app: AuthorizerApp;
  let checkPort: number;
  let arn: string;
  let pair: Awaited<ReturnType<typeof keyPair>>;

  beforeAll(async () => {
    aws = await startMoto();
    client = motoSecretsClient(aws.url);
    // As modules/deny-list creates it: the empty list as the first version.
    const created = await client.send(new CreateSecretCommand({ Name: denyListSecretName("rajee-test"), SecretString: EMPTY_DENY_LIST_DOCUMENT }));
    arn = created.ARN!;
    pair = await keyPair();
    const config = parseConfig({ RAJEE_JWKS_FILE: "/unused/jwks.json", RAJEE_LISTEN: "127.0.0.1:0", RAJEE_ADMIN_LISTEN: "127.0.0.1:0", RAJEE_LOG_LEVEL: "warn", RAJEE_EMF_INTERVAL_SECONDS: "0" });
    app = build({
      config: { ...config, refreshIntervalSeconds: POLL_SECONDS },
      keySource: new MemorySource(jwksText(pair.publicKey)),
      denyListSource: secretSource(arn, client),
      logger: createLogger("warn", { write: () => {} }),
      emfWrite: () => {},
    });
    ({ checkPort } = await app.start());
  }, 30_000);
  afterAll(async () => {
    await app?.shutdown(1000);
    await aws?.stop();
  });
  beforeEach(() => Object.assign(process.env, motoEnvironment(aws.url)));
  afterEach(restoreEnvironment);

  const status = async (token: string) => (await send(checkPort, { path: "/data/a", headers: { "x-amz-security-token": token } })).status;

  it("revokes a jti: the running authorizer refuses that token with 400 InvalidToken within one poll, and other tokens still pass", async () => {
    const revoked = await mint(pair, ["read:data/"], { jti: "token-to-revoke" });
    const other = await mint(pair, ["read:data/"], { jti: "token-kept" });
    expect(await status(revoked)).toBe(200);

    const run = await rajee(["token", "revoke", "--secret", arn, "--jti", "token-to-revoke"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const version = (await client.send(new GetSecretValueCommand({ SecretId: arn }))).VersionId!;
    expect(run.stdout).toBe(
      "revoked: jti token-to-revoke\n" +
        `wrote ${arn} version ${version} (1 jtis, 0 subs)\n` +
        "the authorizers apply it within one poll interval (RAJEE_KEY_REFRESH_SECONDS, 60 s by default)\n",
    );
    // One poll, plus a second of slack for a loaded machine: within() fails the test past it.
    await within(POLL_SECONDS * 1000 + 1000, async () => (await status(revoked)) === 400);
    const refused = await send(checkPort, { path: "/data/a", headers: { "x-amz-security-token": revoked } });
    expect(parseErrorXml(refused.body)).toMatchObject({ code: "InvalidToken", message: "token has been revoked; ask for a new one" });
    expect(await status(other)).toBe(200);
  });

  it("changes nothing when run again, lists the entries, and undoes by subject so the subject's tokens work again", async () => {
    const before = (await client.send(new GetSecretValueCommand({ SecretId: arn }))).VersionId;
    const again = await rajee(["token", "revoke", "--secret", denyListSecretName("rajee-test"), "--region", REGION, "--jti", "token-to-revoke"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`already revoked: jti token-to-revoke\nnothing to write: ${arn} version ${before} stays current\n`);
    expect((await client.send(new GetSecretValueCommand({ SecretId: arn }))).VersionId).toBe(before);

    const bob = await mint(pair, ["read:data/"], { subject: "bob" });
    expect((await rajee(["token", "revoke", "--secret", arn, "--sub", "bob"])).code).toBe(0);
    await within(POLL_SECONDS * 1000 + 1000, async () => (await status(bob)) === 400);

    const listed = await rajee(["token", "revoked", "--secret", arn]);
    expect(listed.stdout).toBe("jti token-to-revoke\nsub bob\n");
    expect(listed.stderr).toMatch(/: 1 jtis, 1 subs\n$/);
    expect(JSON.parse((await rajee(["token", "revoked", "--secret", arn, "--json"])).stdout)).toEqual({ jtis: ["token-to-revoke"], subs: ["bob"] });

    const undo = await rajee(["token", "revoke", "--secret", arn, "--sub", "bob", "--undo"]);
    expect(undo.stdout.split("\n")[0]).toBe("no longer revoked: sub bob");
    await within(POLL_SECONDS * 1000 + 1000, async () => (await status(bob)) === 200);
  });

  it("refuses to write over a list the authorizer would refuse, and leaves it as it was", async () => {
    await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: '{"jtis": "token-to-revoke"}' }));
    const broken = (await client.send(new GetSecretValueCommand({ SecretId: arn }))).VersionId;
    const run = await rajee(["token", "revoke", "--secret", arn, "--jti", "t-2"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`secret ${arn}: "jtis" must be an array of non-empty strings`);
    expect((await client.send(new GetSecretValueCommand({ SecretId: arn }))).VersionId).toBe(broken);
    expect((await rajee(["token", "revoked", "--secret", arn])).code).toBe(1);
  });
});
