import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { profileSetting, runsCredentialProcess, selfRunningProcess } from "../../bin/aws-profile";
import { TempDirs } from "../support/temp";

const CONFIG = `# my config
[default]
region = eu-west-1
credential_process = /opt/other --x

[profile data]
region = eu-west-1
s3 =
  credential_process = nested, not a setting of the profile
credential_process = rajee token credential-process --url https://x.lambda-url.eu-west-1.on.aws/ --grant read:data/a/
; commented = yes

[profile   spaced]
Credential_Process = npx rajee token  credential-process --grant read:data/b/
[sso-session corp]
credential_process = not a profile
`;

const temp = new TempDirs();
afterEach(() => temp.removeAll());

describe("reading a profile's setting from the AWS files", () => {
  it("finds the setting in the profile's own section only, as the SDKs lay the files out", () => {
    expect(profileSetting(CONFIG, "data", "credential_process", "config")).toMatch(/^rajee token credential-process --url/);
    expect(profileSetting(CONFIG, "default", "credential_process", "config")).toBe("/opt/other --x");
    expect(profileSetting(CONFIG, "spaced", "credential_process", "config")).toBe("npx rajee token  credential-process --grant read:data/b/");
    expect(profileSetting(CONFIG, "corp", "credential_process", "config")).toBeUndefined();
    expect(profileSetting(CONFIG, "missing", "credential_process", "config")).toBeUndefined();
    // The credentials file names sections without "profile ".
    expect(profileSetting("[data]\ncredential_process = rajee token credential-process\n", "data", "credential_process", "credentials")).toBe("rajee token credential-process");
    expect(profileSetting("[data]\ncredential_process = x\n", "data", "credential_process", "config")).toBeUndefined();
  });

  it("recognises this command however rajee is reached", () => {
    expect(runsCredentialProcess("rajee token credential-process --url u")).toBe(true);
    expect(runsCredentialProcess("node /opt/rajee/bin/rajee.js token credential-process")).toBe(true);
    expect(runsCredentialProcess("aws-vault exec x --json")).toBe(false);
    expect(runsCredentialProcess("rajee token request")).toBe(false);
  });

  it("looks in AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, skipping missing ones", async () => {
    const dir = temp.make("aws-files");
    await writeFile(join(dir, "config"), CONFIG);
    await writeFile(join(dir, "credentials"), "[keys]\ncredential_process = rajee token credential-process\n");
    const env = { AWS_CONFIG_FILE: join(dir, "config"), AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials") };
    expect(await selfRunningProcess("data", env)).toContain("credential-process");
    expect(await selfRunningProcess("keys", env)).toContain("credential-process");
    expect(await selfRunningProcess("default", env)).toBeUndefined();
    expect(await selfRunningProcess("data", { HOME: join(dir, "nobody") })).toBeUndefined();
  });
});
