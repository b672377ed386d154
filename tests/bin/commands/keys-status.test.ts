import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { formatAge } from "../../../bin/commands/keys-status";
import { motoEnvironment, motoRotationRig } from "../../handlers/rotation/moto-rig";
import { rajee } from "../../support/cli";
import { motoSetup, startMoto, type Moto } from "../../support/moto";
import { TempDirs } from "../../support/temp";

const moto = motoSetup();
const describeWithMoto = moto.ok ? describe : describe.skip;

const NOW = "2030-01-02T00:00:00Z";
const now = Date.parse(NOW) / 1000;
const jwk = (kid: string, extra: object) => ({ kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", kid, alg: "EdDSA", use: "sig", ...extra });

let dir: string;
const temp = new TempDirs();
afterAll(() => temp.removeAll());
beforeAll(async () => {
  dir = temp.make("keys-status");
});

async function jwksFile(name: string, document: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof document === "string" ? document : JSON.stringify(document));
  return path;
}

describe("rajee keys status --jwks", () => {
  it("prints kid, state, age, retirement and removal time, current key first", async () => {
    const file = await jwksFile("three.json", {
      keys: [
        jwk("old-key", { state: "previous", created_at: now - 40 * 86400, retired_at: now - 13 * 3600 }),
        jwk("current-key", { state: "current", created_at: now - 3 * 86400 - 7200 }),
        jwk("new-key", { state: "pending", created_at: now - 45 }),
      ],
    });
    const run = await rajee(["keys", "status", "--jwks", file, "--now", NOW]);
    expect(run).toEqual({
      code: 0,
      stderr: "",
      stdout:
        "KID          STATE     AGE     RETIRED_AT            REMOVABLE_AFTER\n" +
        "current-key  current   3d 2h   -                     -\n" +
        "new-key      pending   45s     -                     -\n" +
        "old-key      previous  40d 0h  2030-01-01T11:00:00Z  2030-01-01T23:00:30Z (due)\n",
    });
  });

  it("prints JSON with --json, using the lifetime and skew it is given", async () => {
    const file = await jwksFile("one.json", { keys: [jwk("k", { state: "previous", retired_at: now - 10 })] });
    const run = await rajee(["keys", "status", "--jwks", file, "--now", NOW, "--json", "--max-lifetime", "600", "--skew", "5"]);
    expect(JSON.parse(run.stdout)).toEqual({ now, overlapSeconds: 605, keys: [{ kid: "k", state: "previous", alg: "EdDSA", retiredAt: now - 10, removableAt: now + 595 }] });
    expect(run.stderr).toBe("warning: 0 keys are marked current; expected exactly 1. The next rotation's setSecret repairs the states (docs/operations.md)\n");
  });

  it("takes the overlap from RAJEE_MAX_TOKEN_LIFETIME_SECONDS and RAJEE_CLOCK_SKEW_SECONDS", async () => {
    const file = await jwksFile("env.json", { keys: [jwk("k", { state: "current" })] });
    const run = await rajee(["keys", "status", "--jwks", file, "--json"], { RAJEE_MAX_TOKEN_LIFETIME_SECONDS: "900", RAJEE_CLOCK_SKEW_SECONDS: "10" });
    expect(JSON.parse(run.stdout)).toMatchObject({ overlapSeconds: 910 });
  });

  it("says how the first key is made when none is published", async () => {
    const run = await rajee(["keys", "status", "--jwks", await jwksFile("empty.json", { keys: [] })]);
    expect(run).toEqual({ code: 0, stderr: "", stdout: 'no keys published yet: the first rotation creates the first key (docs/operations.md, "First key")\n' });
  });

  it("refuses a JWKS holding a private key, naming the file and not echoing the key", async () => {
    const file = await jwksFile("private.json", { keys: [jwk("k", { d: "c2VjcmV0LXByaXZhdGUtc2NhbGFy" })] });
    const run = await rajee(["keys", "status", "--jwks", file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`rajee keys status: --jwks ${file}: keys[0] (kid k) holds a private key ("d"); publish only public keys\n`);
  });

  it.each([
    [[], "pass exactly one of --secret ARN or --jwks FILE"],
    [["--jwks", "a", "--secret", "b"], "pass exactly one of --secret ARN or --jwks FILE"],
    [["--jwks", "a", "--now", "yesterday"], "--now yesterday is not an ISO 8601 time"],
    [["--jwks", "a", "--skew", "1.5"], "--skew 1.5 is not a whole number of seconds"],
  ])("refuses bad usage %j with exit 2", async (args, message) => {
    const run = await rajee(["keys", "status", ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});

describeWithMoto("rajee keys status --secret, against moto", () => {
  let aws: Moto;
  const saved = { ...process.env };
  beforeAll(async () => {
    aws = await startMoto();
  });
  afterAll(() => aws.stop());
  // The CLI's own SDK client finds moto through AWS_ENDPOINT_URL, as the aws cli does.
  beforeEach(() => Object.assign(process.env, motoEnvironment(aws.url)));
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it("reads the JWKS secret and shows the keys rotation published", async () => {
    const rig = await motoRotationRig(aws.url);
    const first = await rig.keyAt("AWSCURRENT");
    rig.advance(7200);
    await rig.rotate();
    const second = await rig.keyAt("AWSCURRENT");
    rig.advance(60);
    const run = await rajee(["keys", "status", "--secret", rig.jwksArn, "--now", rig.now.toISOString(), "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const retiredAt = Math.floor(rig.now.getTime() / 1000) - 60;
    expect(JSON.parse(run.stdout).keys).toEqual([
      { kid: second.kid, state: "current", alg: "EdDSA", createdAt: retiredAt, ageSeconds: 60 },
      { kid: first.kid, state: "previous", alg: "EdDSA", createdAt: retiredAt - 7200, ageSeconds: 7260, retiredAt, removableAt: retiredAt + 43230 },
    ]);
  });

  it("names the secret when it is not a JWKS, without echoing its value", async () => {
    const rig = await motoRotationRig(aws.url);
    const key = await rig.keyAt("AWSCURRENT");
    // A secret holding a private key (moto's GetSecretValue without a label returns the version RotateSecret made last, so not the rig's own private-key secret).
    const { ARN: wrong } = await rig.sm.send(new CreateSecretCommand({ Name: `rajee-test-${key.kid.slice(0, 8)}/private-key-copy`, SecretString: JSON.stringify(key) }));
    const run = await rajee(["keys", "status", "--secret", wrong as string]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`rajee keys status: JWKS secret ${wrong}: not a JWKS document (expected {"keys": [...]})\n`);
    expect(run.stderr).not.toContain(key.d);
  });

  it("explains a missing secret", async () => {
    const missing = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:nothing-here-AbCdEf";
    const run = await rajee(["keys", "status", "--secret", missing]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`rajee keys status: secret ${missing} does not exist, or these credentials cannot see it (Secrets Manager can't find the specified secret.)\n`);
  });
});

describe("formatAge", () => {
  it.each([
    [0, "0s"],
    [59, "59s"],
    [60, "1m"],
    [3599, "59m"],
    [3600, "1h 0m"],
    [86399, "23h 59m"],
    [86400, "1d 0h"],
    [90 * 86400 + 5 * 3600, "90d 5h"],
  ])("shows %i seconds as %s", (seconds, text) => {
    expect(formatAge(seconds)).toBe(text);
  });
});
