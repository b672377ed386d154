import { execFile } from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { findAwsCliV2 } from "../support/aws-cli";
import { motoSetup } from "../support/moto";
import { OBJECTS, PROFILES, startIssuerFixture, type IssuerFixture } from "./issuer-fixture";

/**
 * aws cli v2 with a credential_process profile: `rajee token credential-process` calls the local
 * issuer with a dev principal's keys, and the cli sends the issued token to the local gateway.
 */

const cli = findAwsCliV2();
if (cli.path === undefined) console.warn(`skipping the issuer's aws cli test: ${cli.reason}`);
// The local gateway's S3 is moto: without it these tests skip too (motoSetup says why).
const describeWithCli = cli.path && motoSetup().ok ? describe : describe.skip;

let fx: IssuerFixture;
const ALICE = "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_DataScientist_0123456789abcdef/alice";

async function aws(profile: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // --endpoint-url rather than the profile's endpoint_url, which aws cli v2 reads only from 2.13.
    const { stdout, stderr } = await promisify(execFile)(cli.path!, ["--profile", profile, "--endpoint-url", fx.gateway.url, ...args], { env: fx.env, cwd: fx.dir, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describeWithCli("aws cli v2 with credentials from the issuer (credential_process)", () => {
  beforeAll(async () => {
    fx = await startIssuerFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it("lists and reads the granted prefix, calling the issuer once and caching the credentials 0600", async () => {
    const listed = await aws(PROFILES.alice, "s3", "ls", "s3://data/users/alice/");
    expect(listed).toMatchObject({ code: 0 });
    expect(listed.stdout).toContain("a.txt");
    const read = await aws(PROFILES.alice, "s3", "cp", "s3://data/users/alice/a.txt", "-");
    expect(read).toMatchObject({ code: 0, stdout: OBJECTS["users/alice/a.txt"] });
    // The second command reused the cached credentials: the issuer answered once.
    expect(fx.issuerRequests).toEqual([{ caller: ALICE, status: 200 }]);
    const files = await readdir(fx.cacheDir);
    expect(files).toHaveLength(1);
    expect((await stat(join(fx.cacheDir, files[0]!))).mode & 0o777).toBe(0o600);
  });

  it("gets AccessDenied from the gateway outside the issued grants, even where the policy would allow", async () => {
    const shared = await aws(PROFILES.alice, "s3api", "get-object", "--bucket", "data", "--key", "shared/s.txt", "shared.txt");
    expect(shared.code).not.toBe(0);
    expect(shared.stderr).toContain("AccessDenied");
  });

  it("fails at credential_process with the issuer's message when the policy does not cover the grant", async () => {
    const before = fx.issuerRequests.length;
    const refused = await aws(PROFILES.aliceWritesShared, "s3", "ls", "s3://data/shared/");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("Error when retrieving credentials from custom-process");
    expect(refused.stderr).toMatch(/the issuer refused \(403 AccessDenied\): .*write:data\/shared\//);
    expect(fx.issuerRequests.slice(before)).toEqual([{ caller: ALICE, status: 403, reason: expect.stringContaining('grant "write:data/shared/" is not covered') }]);
  });

  it("refuses the issued SessionToken with SignatureDoesNotMatch when the request is signed with another secret", async () => {
    const files = await readdir(fx.cacheDir);
    const { credentials } = JSON.parse(await readFile(join(fx.cacheDir, files[0]!), "utf8")) as { credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } };
    // The token is bound: its cnf holds the secret sealed to the gateway's binding key.
    const payload = JSON.parse(Buffer.from(credentials.SessionToken.split(".")[1]!, "base64url").toString("utf8")) as { cnf?: { jwe?: unknown } };
    expect(typeof payload.cnf?.jwe).toBe("string");
    const env = { ...fx.env, AWS_ACCESS_KEY_ID: credentials.AccessKeyId, AWS_SESSION_TOKEN: credentials.SessionToken, AWS_DEFAULT_REGION: "eu-west-1", AWS_CONFIG_FILE: "/dev/null" };
    const run = async (secret: string) => {
      try {
        const { stdout } = await promisify(execFile)(cli.path!, ["--endpoint-url", fx.gateway.url, "s3api", "get-object", "--bucket", "data", "--key", "users/alice/a.txt", "own.txt"], { env: { ...env, AWS_SECRET_ACCESS_KEY: secret }, cwd: fx.dir, timeout: 60_000 });
        return { code: 0, stdout, stderr: "" };
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string };
        return { code: 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
      }
    };
    const stolen = await run(`${credentials.SecretAccessKey.slice(0, -1)}${credentials.SecretAccessKey.endsWith("A") ? "B" : "A"}`);
    expect(stolen.code).toBe(1);
    expect(stolen.stderr).toContain("SignatureDoesNotMatch");
    // The same token with its own secret still reads: only the secret differed.
    expect(await run(credentials.SecretAccessKey)).toMatchObject({ code: 0 });
    expect(await readFile(join(fx.dir, "own.txt"), "utf8")).toBe(OBJECTS["users/alice/a.txt"]);
  });

  it("only ever reached S3 with signatures the stand-in verified", () => {
    expect(fx.gateway.standIn.records.length).toBeGreaterThan(0);
    expect(fx.gateway.standIn.records.filter((r) => r.verdict !== "verified")).toEqual([]);
  });
});
