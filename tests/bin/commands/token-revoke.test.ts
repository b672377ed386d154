import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { build, type AuthorizerApp } from "../../../handlers/authorizer/app";
import { parseConfig } from "../../../handlers/authorizer/config";
import { createLogger } from "../../../handlers/authorizer/logger";
import { secretSource } from "../../../handlers/authorizer/text-source";
import { denyListSecretName } from "../../../src/contracts/authorizer-environment";
import { AWSCURRENT } from "../../../handlers/rotation/event";
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

describe("rajee token revoke's compare-and-swap, on a stubbed Secrets Manager", () => {
  const sm = mockClient(SecretsManagerClient);
  afterEach(() => {
    sm.reset();
    jest.useRealTimers();
  });
  afterAll(() => sm.restore());
  const ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-test/revocation/deny-list-AbCdEf";
  const refused = (from: string) => new InvalidParameterException({ message: `Version stage AWSCURRENT not found in version ${from}`, $metadata: {} });
  const moves = () => sm.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input);
  const pendingLabelOf = () => sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input.VersionStages![0]!;

  it("writes under its own label, moves AWSCURRENT only from the version it read, and on a refusal retries on the new version", async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ ARN, VersionId: "v1", SecretString: '{"jtis": [], "subs": []}' })
      .resolves({ ARN, VersionId: "v2", SecretString: '{"jtis": ["theirs"], "subs": []}' });
    sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ["AWSCURRENT"] } });
    sm.on(PutSecretValueCommand).resolvesOnce({ VersionId: "v3" }).resolvesOnce({ VersionId: "v4" });
    sm.on(UpdateSecretVersionStageCommand, { VersionStage: "AWSCURRENT", RemoveFromVersionId: "v1" }).rejects(refused("v1"));
    sm.on(UpdateSecretVersionStageCommand, { VersionStage: "AWSCURRENT", RemoveFromVersionId: "v2" }).resolves({});
    const run = await rajee(["token", "revoke", "--secret", ARN, "--jti", "ours"]);
    expect(run.stderr).toBe("version v1 stopped being current while this command ran (another write); reading the list again and retrying (attempt 2 of 8)\n");
    expect(run.code).toBe(0);
    const label = pendingLabelOf();
    expect(label).toMatch(/^RAJEE-PENDING-\d+-[0-9a-f-]{36}$/);
    const puts = sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [JSON.parse(p.SecretString!), p.VersionStages])).toEqual([
      [{ jtis: ["ours"], subs: [] }, [label]],
      [{ jtis: ["ours", "theirs"], subs: [] }, [label]],
    ]);
    expect(moves()).toEqual([
      { SecretId: ARN, VersionStage: "AWSCURRENT", RemoveFromVersionId: "v1", MoveToVersionId: "v3" },
      { SecretId: ARN, VersionStage: "AWSCURRENT", RemoveFromVersionId: "v2", MoveToVersionId: "v4" },
      { SecretId: ARN, VersionStage: label, RemoveFromVersionId: "v4" },
    ]);
    expect(run.stdout).toContain(`wrote ${ARN} version v4 (2 jtis, 0 subs), replacing version v2\n`);
  });

  it("gives up after 8 refused moves, saying nothing was changed and claiming no revocation", async () => {
    jest.useFakeTimers();
    let version = 0;
    sm.on(GetSecretValueCommand).callsFake(async () => ({ ARN, VersionId: `read-${++version}`, SecretString: `{"jtis": ["other-${version}"]}` }));
    sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: {} });
    sm.on(PutSecretValueCommand).callsFake(async () => ({ VersionId: `staged-${version}` }));
    sm.on(UpdateSecretVersionStageCommand, { VersionStage: "AWSCURRENT" }).callsFake(async (input: { RemoveFromVersionId: string }) => {
      throw refused(input.RemoveFromVersionId);
    });
    let settled = false;
    const running = rajee(["token", "revoke", "--secret", ARN, "--jti", "ours"]).finally(() => (settled = true));
    while (!settled) await jest.advanceTimersByTimeAsync(500);
    const run = await running;
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.match(/retrying/g)).toHaveLength(7);
    expect(run.stderr).toContain(`rajee token revoke: secret ${ARN}: other writes moved AWSCURRENT between this command's read and its write 8 times in a row; nothing was changed (version read-9 is current). Run it again\n`);
    // The pending label does not outlive the run.
    expect(moves().at(-1)).toEqual({ SecretId: ARN, VersionStage: pendingLabelOf(), RemoveFromVersionId: "staged-8" });
  });

  it("names the missing permission when the move is denied, and says AWSCURRENT did not move", async () => {
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: "v1", SecretString: '{"jtis": []}' });
    sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: {} });
    sm.on(PutSecretValueCommand).resolves({ VersionId: "v2" });
    const denied = Object.assign(new Error("User is not authorized to perform secretsmanager:UpdateSecretVersionStage"), { name: "AccessDeniedException" });
    sm.on(UpdateSecretVersionStageCommand).rejects(denied);
    const run = await rajee(["token", "revoke", "--secret", ARN, "--jti", "ours"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(
      `moving AWSCURRENT to version v2 failed (AWS refused secretsmanager:UpdateSecretVersionStage on ${ARN} (User is not authorized to perform secretsmanager:UpdateSecretVersionStage); use credentials whose role allows it); nothing was changed, version v1 is still current\n`,
    );
  });
});

/**
 * moto 5.2.1 answers a GetSecretValue that names no stage from the version the last plain
 * PutSecretValue made current, not from the version UpdateSecretVersionStage moved AWSCURRENT to
 * (moto/secretsmanager/models.py, get_secret_value's default_version_id); AWS answers with the
 * AWSCURRENT version (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html).
 * The authorizer's reads (handlers/authorizer/text-source.ts names no stage) go through this client,
 * which names AWSCURRENT for them, so the authorizer here reads what it would read on AWS.
 */
function readingAwsCurrent(client: SecretsManagerClient): SecretsManagerClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { VersionId?: string; VersionStage?: string };
      if (context.commandName === "GetSecretValueCommand" && input.VersionId === undefined && input.VersionStage === undefined) input.VersionStage = AWSCURRENT;
      return next(args);
    },
    { step: "initialize", name: "readingAwsCurrent" },
  );
  return client;
}

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
      denyListSource: secretSource(arn, readingAwsCurrent(motoSecretsClient(aws.url))),
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
  /** The AWSCURRENT version, asked for by its stage (see readingAwsCurrent). */
  const current = async () => {
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: AWSCURRENT }));
    return { versionId: out.VersionId!, list: JSON.parse(out.SecretString!) as { jtis: string[]; subs: string[] } };
  };
  const listOf = async (versionId: string) => JSON.parse((await client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: versionId }))).SecretString!) as { jtis: string[]; subs: string[] };
  /** The labels on each version that has any. */
  const stages = async () => Object.fromEntries(Object.entries((await client.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages ?? {}).filter(([, labels]) => labels.length > 0));
  /** What one command says it wrote: `wrote ARN version Y (...), replacing version X`. */
  const wrote = (stdout: string) => {
    const match = / version (\S+) \(\d+ jtis, \d+ subs\), replacing version (\S+)\n/.exec(stdout);
    return match ? { version: match[1]!, replaced: match[2]! } : undefined;
  };
  const revoke = (...args: string[]) => rajee(["token", "revoke", "--secret", arn, ...args]);

  it("revokes a jti: the running authorizer refuses that token with 400 InvalidToken within one poll, and other tokens still pass", async () => {
    const revoked = await mint(pair, ["read:data/"], { jti: "token-to-revoke" });
    const other = await mint(pair, ["read:data/"], { jti: "token-kept" });
    expect(await status(revoked)).toBe(200);

    const before = (await current()).versionId;
    const run = await revoke("--jti", "token-to-revoke");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const version = (await current()).versionId;
    expect(run.stdout).toBe(
      "revoked: jti token-to-revoke\n" +
        `wrote ${arn} version ${version} (1 jtis, 0 subs), replacing version ${before}\n` +
        "the authorizers apply it within one poll interval (RAJEE_KEY_REFRESH_SECONDS, 60 s by default)\n",
    );
    // AWSPREVIOUS is the version replaced, and the command's pending label is gone.
    expect(await stages()).toEqual({ [before]: ["AWSPREVIOUS"], [version]: ["AWSCURRENT"] });
    // One poll, plus a second of slack for a loaded machine: within() fails the test past it.
    await within(POLL_SECONDS * 1000 + 1000, async () => (await status(revoked)) === 400);
    const refused = await send(checkPort, { path: "/data/a", headers: { "x-amz-security-token": revoked } });
    expect(parseErrorXml(refused.body)).toMatchObject({ code: "InvalidToken", message: "token has been revoked; ask for a new one" });
    expect(await status(other)).toBe(200);
  });

  it("changes nothing when run again, lists the entries, and undoes by subject so the subject's tokens work again", async () => {
    const before = (await current()).versionId;
    const again = await rajee(["token", "revoke", "--secret", denyListSecretName("rajee-test"), "--region", REGION, "--jti", "token-to-revoke"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`already revoked: jti token-to-revoke\nnothing to write: ${arn} version ${before} stays current\n`);
    expect((await current()).versionId).toBe(before);

    const bob = await mint(pair, ["read:data/"], { subject: "bob" });
    expect((await revoke("--sub", "bob")).code).toBe(0);
    await within(POLL_SECONDS * 1000 + 1000, async () => (await status(bob)) === 400);

    const listed = await rajee(["token", "revoked", "--secret", arn]);
    expect(listed.stdout).toBe("jti token-to-revoke\nsub bob\n");
    expect(listed.stderr).toMatch(/: 1 jtis, 1 subs\n$/);
    expect(JSON.parse((await rajee(["token", "revoked", "--secret", arn, "--json"])).stdout)).toEqual({ jtis: ["token-to-revoke"], subs: ["bob"] });

    const undo = await revoke("--sub", "bob", "--undo");
    expect(undo.stdout.split("\n")[0]).toBe("no longer revoked: sub bob");
    await within(POLL_SECONDS * 1000 + 1000, async () => (await status(bob)) === 200);
  });

  it("runs five revokes of different jtis at once: all five end in the list, each says so truthfully, and no write replaced another's", async () => {
    const start = await current();
    const ids = ["at-once-1", "at-once-2", "at-once-3", "at-once-4", "at-once-5"];
    // Each command's claim is checked against AWSCURRENT the moment it exits.
    const runs = await Promise.all(ids.map((id) => revoke("--jti", id).then(async (run) => ({ id, run, atExit: (await current()).list.jtis }))));
    for (const { id, run, atExit } of runs) {
      expect(run.code).toBe(0);
      expect(run.stdout.split("\n")[0]).toBe(`revoked: jti ${id}`);
      expect(atExit).toContain(id);
    }
    const end = await current();
    expect(end.list.jtis).toEqual(expect.arrayContaining([...start.list.jtis, ...ids]));
    // The five writes are one line of versions: each replaced the one before it and added exactly its jti.
    const writes = new Map(runs.map(({ id, run }) => [wrote(run.stdout)!.replaced, { id, version: wrote(run.stdout)!.version }]));
    let at = start.versionId;
    for (let i = 0; i < ids.length; i++) {
      const write = writes.get(at)!;
      expect(write).toBeDefined();
      expect((await listOf(write.version)).jtis.sort()).toEqual([...(await listOf(at)).jtis, write.id].sort());
      at = write.version;
    }
    expect(at).toBe(end.versionId);
    // The commands really raced (at least one move was refused and retried), and no pending label is left.
    expect(runs.some(({ run }) => run.stderr.includes("stopped being current while this command ran"))).toBe(true);
    expect(Object.values(await stages()).flat().sort()).toEqual(["AWSCURRENT", "AWSPREVIOUS"]);
  });

  it("runs a revoke and an undo of other entries at once: both take effect", async () => {
    for (const round of [1, 2, 3]) {
      expect((await revoke("--jti", `undone-${round}`)).code).toBe(0);
      const [added, removed] = await Promise.all([revoke("--jti", `added-${round}`), revoke("--jti", `undone-${round}`, "--undo")]);
      expect(added.stdout.split("\n")[0]).toBe(`revoked: jti added-${round}`);
      expect(removed.stdout.split("\n")[0]).toBe(`no longer revoked: jti undone-${round}`);
      const { jtis } = (await current()).list;
      expect(jtis).toContain(`added-${round}`);
      expect(jtis).not.toContain(`undone-${round}`);
    }
  });

  it("runs a revoke and an undo of the same jti at once: the list ends as the last write says, and each report is true of the version it replaced", async () => {
    for (const round of [1, 2, 3]) {
      const jti = `contested-${round}`;
      const [revoked, undone] = await Promise.all([revoke("--jti", jti), revoke("--jti", jti, "--undo")]);
      expect([revoked.code, undone.code]).toEqual([0, 0]);
      // The jti was not in the list, so the revoke always writes; the undo writes only if it came second.
      expect(revoked.stdout.split("\n")[0]).toBe(`revoked: jti ${jti}`);
      const revokeWrite = wrote(revoked.stdout)!;
      const undoWrite = wrote(undone.stdout);
      const end = await current();
      if (undoWrite === undefined) {
        expect(undone.stdout).toMatch(new RegExp(`^not revoked: jti ${jti}\nnothing to write: `));
        expect(end.versionId).toBe(revokeWrite.version);
        expect(end.list.jtis).toContain(jti);
      } else {
        expect(undone.stdout.split("\n")[0]).toBe(`no longer revoked: jti ${jti}`);
        expect(undoWrite.replaced).toBe(revokeWrite.version);
        expect(end.versionId).toBe(undoWrite.version);
        expect(end.list.jtis).not.toContain(jti);
      }
    }
  });

  it("refuses to write over a list the authorizer would refuse, and leaves it as it was", async () => {
    // Made current the way the command does it: moto keeps AWSCURRENT on two versions after a plain put follows a moved label.
    const { versionId: before } = await current();
    const { VersionId: broken } = await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: '{"jtis": "token-to-revoke"}', VersionStages: ["BROKEN"] }));
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: AWSCURRENT, RemoveFromVersionId: before, MoveToVersionId: broken }));
    const run = await revoke("--jti", "t-2");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`secret ${arn}: "jtis" must be an array of non-empty strings`);
    expect((await current()).versionId).toBe(broken);
    expect((await rajee(["token", "revoked", "--secret", arn])).code).toBe(1);
  });
});
