import { rajee } from "../../support/cli";
import { rotationRig, type RotationRig } from "../../handlers/rotation/harness";

let rig: RotationRig;
afterEach(() => rig.restore());

const FAST = ["--interval", "0.01"];

describe("rajee keys rotate", () => {
  it("starts a rotation and follows it until the new version is AWSCURRENT", async () => {
    rig = rotationRig();
    await rig.rotate();
    const old = rig.keyAt("AWSCURRENT");
    const oldVersion = rig.model.versionWith(rig.privateKeyArn, "AWSCURRENT");
    const callsBefore = rig.model.calls.length;
    const run = await rajee(["keys", "rotate", "--secret", rig.privateKeyArn, ...FAST]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const version = rig.model.versionWith(rig.privateKeyArn, "AWSCURRENT") as string;
    expect(version).not.toBe(oldVersion);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toBe(`rotation started: version ${version} of ${rig.privateKeyArn} is AWSPENDING`);
    expect(lines[1]).toMatch(new RegExp(`^  \\d+\\.\\ds  version ${version}: AWSCURRENT, AWSPENDING$`));
    expect(lines[2]).toBe(`rotation finished: version ${version} is AWSCURRENT; ${oldVersion} is AWSPREVIOUS and its key stays published until its tokens expire`);
    expect(rig.jwks().keys.find((k) => k.kid === old.kid)?.state).toBe("previous");
    expect(rig.model.calls.slice(callsBefore).filter((c) => c.operation === "RotateSecret")).toEqual([{ operation: "RotateSecret", secretId: rig.privateKeyArn }]);
  });

  it("returns at once with --no-wait, leaving the rotation to the function", async () => {
    rig = rotationRig();
    rig.model.rotationFunction = undefined;
    const run = await rajee(["keys", "rotate", "--secret", rig.privateKeyArn, "--no-wait"]);
    expect(run.code).toBe(0);
    const pending = rig.model.versionWith(rig.privateKeyArn, "AWSPENDING");
    expect(run.stdout).toBe(`rotation started: version ${pending} of ${rig.privateKeyArn} is AWSPENDING\nnot waiting; follow it with 'rajee keys status' or the rotation function's logs\n`);
  });

  it("refuses to start while another rotation is in progress, without calling RotateSecret", async () => {
    rig = rotationRig();
    await rig.rotate();
    const stuck = rig.start();
    const callsBefore = rig.model.calls.length;
    const run = await rajee(["keys", "rotate", "--secret", rig.privateKeyArn, ...FAST]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `rajee keys rotate: a rotation is already in progress: version ${stuck} is AWSPENDING. Secrets Manager retries it; if it keeps failing, see docs/operations.md, "A rotation is stuck"\n`,
    );
    expect(rig.model.calls.slice(callsBefore).map((c) => c.operation)).toEqual(["DescribeSecret"]);
  });

  it("refuses a secret without a rotation function", async () => {
    rig = rotationRig();
    const bare = rig.model.addSecret("rajee/test/unrotated");
    const run = await rajee(["keys", "rotate", "--secret", bare]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${bare} has no rotation function; deploy the signing-keys module`);
  });

  it("gives up after --timeout when a step keeps failing, pointing at the failure log", async () => {
    rig = rotationRig();
    await rig.rotate();
    rig.model.putSecretValue({ SecretId: rig.jwksArn, SecretString: "not json" });
    const run = await rajee(["keys", "rotate", "--secret", rig.privateKeyArn, "--timeout", "0.1", ...FAST]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/rotation did not finish within 0\.1 s: version \S+ is still AWSPENDING\. .*"event":"rotation_failed"/);
    expect(await rig.model.lastRotation).toMatchObject({ name: "RotationError", code: "bad-jwks" });
  });

  it("explains an access denial", async () => {
    rig = rotationRig();
    const denied = Object.assign(new Error("User: arn:aws:iam::123456789012:user/ops is not authorized to perform: secretsmanager:RotateSecret"), { name: "AccessDeniedException" });
    rig.model.faults.push({ operation: "RotateSecret", error: denied });
    const run = await rajee(["keys", "rotate", "--secret", rig.privateKeyArn]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`rajee keys rotate: AWS refused secretsmanager:RotateSecret on ${rig.privateKeyArn} (${denied.message}); use credentials whose role allows it\n`);
  });

  it.each([
    [[], "missing required option --secret"],
    [["--secret", "rajee/prod/signing-key"], "--secret rajee/prod/signing-key is not a secret ARN; use arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>"],
    [["--secret", "arn:aws:secretsmanager::123456789012:secret:x"], "is not a secret ARN"],
    [["--secret", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf", "--timeout", "soon"], "--timeout soon is not a positive number of seconds"],
  ])("refuses bad usage %j with exit 2", async (args, message) => {
    rig = rotationRig();
    const run = await rajee(["keys", "rotate", ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});

describe("rajee keys rotate without credentials", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it("says how to provide credentials instead of a stack trace", async () => {
    rig = rotationRig();
    rig.restore(); // the real SDK client, so the credential chain really runs
    for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) delete process.env[name];
    Object.assign(process.env, { AWS_EC2_METADATA_DISABLED: "true", AWS_CONFIG_FILE: "/nonexistent/config", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials" });
    const run = await rajee(["keys", "rotate", "--secret", rig.privateKeyArn]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "rajee keys rotate: no AWS credentials found: run 'aws sso login' and set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)\n",
    );
  });
});
