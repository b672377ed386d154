import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { startMotoFront, type MotoFront } from "../../handlers/rotation/moto-front";
import { motoEnvironment, motoRotationRig } from "../../handlers/rotation/moto-rig";
import { rajee } from "../../support/cli";
import { motoSetup, startMoto, type Moto } from "../../support/moto";

/**
 * `rajee keys rotate` against moto: the CLI's own SDK client finds it through AWS_ENDPOINT_URL, as the
 * aws cli does, by way of moto-front.ts (which keeps the configured rotation function on RotateSecret,
 * as the service does). moto cannot run the function (no Docker), so `rig.serve()` plays Secrets
 * Manager's part: it invokes the real handler with the four steps for the AWSPENDING version.
 */

const moto = motoSetup();
const describeWithMoto = moto.ok ? describe : describe.skip;

const FAST = ["--interval", "0.01"];
const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rajee/test/signing/private-key-AbCdEf";

const saved = { ...process.env };
function restoreEnvironment(): void {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
}

describeWithMoto("rajee keys rotate, against moto", () => {
  let aws: Moto;
  let front: MotoFront;
  beforeAll(async () => {
    aws = await startMoto();
    front = await startMotoFront(aws.url);
  });
  afterAll(async () => {
    await front.close();
    await aws.stop();
  });
  beforeEach(() => Object.assign(process.env, motoEnvironment(front.url)));
  afterEach(restoreEnvironment);

  it("starts a rotation and follows it until the new version is AWSCURRENT", async () => {
    const rig = await motoRotationRig(aws.url);
    const old = await rig.keyAt("AWSCURRENT");
    const service = rig.serve(10);
    const run = await rajee(["keys", "rotate", "--secret", rig.privateKeyArn, ...FAST]);
    await service.stop();
    expect(service.errors).toEqual([]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const version = (await rig.versionWith("AWSCURRENT")) as string;
    expect(version).not.toBe(rig.firstVersion);
    expect(await rig.describe()).toEqual({ [rig.firstVersion]: ["AWSPREVIOUS"], [version]: ["AWSCURRENT", "AWSPENDING"] });
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toBe(`rotation started: version ${version} of ${rig.privateKeyArn} is AWSPENDING`);
    expect(lines[1]).toMatch(new RegExp(`^  \\d+\\.\\ds  version ${version}: AWSCURRENT, AWSPENDING$`));
    expect(lines[2]).toBe(`rotation finished: version ${version} is AWSCURRENT; ${rig.firstVersion} is AWSPREVIOUS and its key stays published until its tokens expire`);
    expect((await rig.jwks()).keys.find((k) => k.kid === old.kid)?.state).toBe("previous");
  });

  it("returns at once with --no-wait, leaving the rotation to the function", async () => {
    const rig = await motoRotationRig(aws.url);
    const run = await rajee(["keys", "rotate", "--secret", rig.privateKeyArn, "--no-wait"]);
    expect(run.code).toBe(0);
    const pending = await rig.versionWith("AWSPENDING");
    expect(await rig.describe()).toEqual({ [rig.firstVersion]: ["AWSCURRENT"], [pending as string]: ["AWSPENDING"] });
    expect(run.stdout).toBe(`rotation started: version ${pending} of ${rig.privateKeyArn} is AWSPENDING\nnot waiting; follow it with 'rajee keys status' or the rotation function's logs\n`);
  });

  it("refuses to start while another rotation is in progress, without calling RotateSecret", async () => {
    const rig = await motoRotationRig(aws.url);
    const stuck = await rig.start();
    const before = await rig.describe();
    const run = await rajee(["keys", "rotate", "--secret", rig.privateKeyArn, ...FAST]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `rajee keys rotate: a rotation is already in progress: version ${stuck} is AWSPENDING. Secrets Manager retries it; if it keeps failing, see docs/operations.md, "A rotation is stuck"\n`,
    );
    // A RotateSecret would have made a new version and moved AWSPENDING to it.
    expect(await rig.describe()).toEqual(before);
  });

  it("refuses a secret without a rotation function", async () => {
    const rig = await motoRotationRig(aws.url);
    const bare = (await rig.sm.send(new CreateSecretCommand({ Name: `${rig.privateKeyArn.split(":").at(-1)}-unrotated`, SecretString: "{}" }))).ARN as string;
    const run = await rajee(["keys", "rotate", "--secret", bare]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`rajee keys rotate: ${bare} has no rotation function; deploy the signing-keys module, which attaches the rotation Lambda, then run this again\n`);
  });

  it("gives up after --timeout when a step keeps failing, pointing at the failure log", async () => {
    const rig = await motoRotationRig(aws.url);
    await rig.putValue(rig.jwksArn, "not json");
    const service = rig.serve(10);
    const run = await rajee(["keys", "rotate", "--secret", rig.privateKeyArn, "--timeout", "0.3", ...FAST]);
    await service.stop();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/rotation did not finish within 0\.3 s: version \S+ is still AWSPENDING\. .*"event":"rotation_failed"/);
    expect(service.errors.length).toBeGreaterThan(0);
    expect(service.errors[0]).toMatchObject({ name: "RotationError", code: "bad-jwks" });
    expect(await rig.versionWith("AWSCURRENT")).toBe(rig.firstVersion);
  });

  it("explains an access denial", async () => {
    const rig = await motoRotationRig(aws.url);
    const message = "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: secretsmanager:RotateSecret";
    front.refuse = { operation: "RotateSecret", message };
    try {
      const run = await rajee(["keys", "rotate", "--secret", rig.privateKeyArn]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`rajee keys rotate: AWS refused secretsmanager:RotateSecret on ${rig.privateKeyArn} (${message}); use credentials whose role allows it\n`);
      expect(await rig.describe()).toEqual({ [rig.firstVersion]: ["AWSCURRENT"] });
    } finally {
      front.refuse = undefined;
    }
  });
});

describe("rajee keys rotate usage", () => {
  it.each([
    [[], "missing required option --secret"],
    [["--secret", "rajee/prod/signing-key"], "--secret rajee/prod/signing-key is not a secret ARN; use arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>"],
    [["--secret", "arn:aws:secretsmanager::123456789012:secret:x"], "is not a secret ARN"],
    [["--secret", ARN, "--timeout", "soon"], "--timeout soon is not a positive number of seconds"],
  ])("refuses bad usage %j with exit 2", async (args, message) => {
    const run = await rajee(["keys", "rotate", ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});

describe("rajee keys rotate without credentials", () => {
  afterEach(restoreEnvironment);

  it("says how to provide credentials instead of a stack trace", async () => {
    for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) delete process.env[name];
    Object.assign(process.env, { AWS_EC2_METADATA_DISABLED: "true", AWS_CONFIG_FILE: "/nonexistent/config", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials" });
    const run = await rajee(["keys", "rotate", "--secret", ARN]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "rajee keys rotate: no AWS credentials found: run 'aws sso login' and set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)\n",
    );
  });
});
