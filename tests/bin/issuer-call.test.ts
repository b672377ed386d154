import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../../bin/command";
import { callIssuer, ISSUER_CALL_HELP, issuerCall, sdkIssuerDeps, type IssuerDeps } from "../../bin/issuer-call";
import { DEFAULT_TTL_SECONDS } from "../../src/issuance/evaluate";
import { TempDirs } from "../support/temp";

const temp = new TempDirs();
const saved = { ...process.env };
afterEach(() => {
  temp.removeAll();
  for (const name of ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

/** AWS files in a scratch folder, named by the environment variables the SDK reads. */
async function awsFiles(config: string, credentials: string): Promise<void> {
  const dir = temp.make("aws-files");
  await writeFile(join(dir, "config"), config);
  await writeFile(join(dir, "credentials"), credentials);
  process.env.AWS_CONFIG_FILE = join(dir, "config");
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, "credentials");
  for (const name of ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]) delete process.env[name];
}

describe("one call to the issuer", () => {
  it("checks every option before anything is signed", () => {
    expect(issuerCall({ url: "https://a.lambda-url.eu-west-1.on.aws/", grant: ["read:data/a/", "list:data/a/"], ttl: "2h", profile: "sso" })).toMatchObject({
      grants: ["read:data/a/", "list:data/a/"],
      ttlSeconds: 7200,
      profile: "sso",
      region: undefined,
    });
    expect(() => issuerCall({ url: "https://a.lambda-url.eu-west-1.on.aws/", grant: ["read:data"] })).toThrow(UsageError);
  });

  it("finds the region before asking for credentials, so a region error costs no SSO or IMDS round trip", async () => {
    const order: string[] = [];
    const deps: IssuerDeps = {
      credentials: async () => {
        order.push("credentials");
        return { accessKeyId: "a", secretAccessKey: "s" };
      },
      region: async () => {
        order.push("region");
        return undefined;
      },
      send: async () => ({ status: 500, body: "" }),
      now: () => new Date(),
    };
    await expect(callIssuer(issuerCall({ url: "https://issuer.example.com/", grant: ["read:data/a/"] }), deps)).rejects.toThrow(/pass --region/);
    expect(order).toEqual(["region"]);
  });
});

describe("the SDK's chains behind the commands", () => {
  it("takes the region from AWS_REGION, else from the profile", async () => {
    await awsFiles("[profile sso]\nregion = ap-southeast-2\n[default]\nregion = eu-north-1\n", "");
    expect(await sdkIssuerDeps.region("sso")).toBe("ap-southeast-2");
    expect(await sdkIssuerDeps.region(undefined)).toBe("eu-north-1");
    process.env.AWS_REGION = "us-west-2";
    expect(await sdkIssuerDeps.region("sso")).toBe("us-west-2");
  });

  it("honours AWS_DEFAULT_REGION after AWS_REGION and before the profile, as the aws cli does", async () => {
    await awsFiles("[profile sso]\nregion = ap-southeast-2\n", "");
    process.env.AWS_DEFAULT_REGION = "ca-central-1";
    expect(await sdkIssuerDeps.region("sso")).toBe("ca-central-1");
    process.env.AWS_REGION = "us-west-2";
    expect(await sdkIssuerDeps.region("sso")).toBe("us-west-2");
  });

  it("says a --profile that no file has does not exist, naming the files read", async () => {
    await awsFiles("[profile sso]\nregion = eu-west-1\n", "[other]\naws_access_key_id = AKIAOTHER00000000001\n");
    const error = await sdkIssuerDeps.credentials("nosuch").then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/^profile nosuch does not exist/);
    expect(error?.message).toContain(process.env.AWS_CONFIG_FILE as string);
    expect(error?.message).toContain(process.env.AWS_SHARED_CREDENTIALS_FILE as string);
  });

  it("does not print the SDK's NodeVersionSupportWarning on Node 20, this project's engine", () => {
    const dir = temp.make("aws-files");
    const config = join(dir, "config");
    writeFileSync(config, "[profile p]\nregion = eu-west-1\n");
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"), AWS_PROFILE: "p" };
    // No credentials: the region chain builds an SDK client (where the SDK warns), then the call fails.
    const run = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "../../bin/rajee.ts"), "token", "request", "--url", "http://127.0.0.1:9/", "--grant", "read:data/a/"], { env, encoding: "utf8", timeout: 30_000 });
    expect(run.stderr).toMatch(/no AWS credentials to sign the call/);
    expect(run.stderr).not.toMatch(/NodeVersionSupportWarning/);
  });

  it("gives the default lifetime in the --ttl help as the issuer applies it", () => {
    expect(ISSUER_CALL_HELP).toContain(`default: ${DEFAULT_TTL_SECONDS / 60} minutes`);
    expect(ISSUER_CALL_HELP).not.toMatch(/the longest its\s+policy allows the caller\)/);
  });

  it("takes the credentials of --profile, not the environment's", async () => {
    await awsFiles("", "[sso]\naws_access_key_id = AKIAFROMPROFILE00001\naws_secret_access_key = from-profile\n");
    process.env.AWS_ACCESS_KEY_ID = "AKIAFROMENVIRONMENT1";
    process.env.AWS_SECRET_ACCESS_KEY = "from-environment";
    expect(await sdkIssuerDeps.credentials("sso")).toMatchObject({ accessKeyId: "AKIAFROMPROFILE00001", secretAccessKey: "from-profile" });
    expect(await sdkIssuerDeps.credentials(undefined)).toMatchObject({ accessKeyId: "AKIAFROMENVIRONMENT1" });
  });
});
