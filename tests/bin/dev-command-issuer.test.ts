import { readFileSync, statSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import { profileSetting } from "../../bin/aws-profile";
import { tokenRequestCommand } from "../../bin/commands/token-request";
import { postToIssuer } from "../../bin/issuer-client";
import devPrincipals from "../../config/dev-principals.json";
import { startDev, type DevProcess } from "../support/dev-process";
import { motoSetup } from "../support/moto";
import { TempDirs } from "../support/temp";

const moto = motoSetup();
const describeWithMoto = moto.ok ? describe : describe.skip;
const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

/** A HEAD of `path` at the gateway with `token` as the session token, trusting the banner's CA: the status. */
function head(url: string, ca: string, token: string, path: string): Promise<number> {
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    const request = https.request({ host: "127.0.0.1", port: target.port, method: "HEAD", path: target.pathname, ca, servername: "localhost", headers: { "x-amz-security-token": token } }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    request.on("error", reject);
    request.end();
  });
}

/** Asks the local issuer for `grants` with alice's dev keys, as `rajee token request` does: the printed token. */
async function requestAsAlice(issuerUrl: string, grants: string[]): Promise<string> {
  let stdout = "";
  const command = tokenRequestCommand({
    credentials: async () => ({ accessKeyId: devPrincipals.principals.alice.accessKeyId, secretAccessKey: devPrincipals.principals.alice.secretAccessKey }),
    region: async () => undefined,
    send: (request) => postToIssuer(request),
    now: () => new Date(),
  });
  await command.run(["--url", issuerUrl, "--region", "eu-west-1", ...grants.flatMap((g) => ["--grant", g])], { stdout: (t) => (stdout += t), stderr: () => undefined, env: {} });
  return stdout.trim();
}

describeWithMoto("rajee dev's token issuer", () => {
  let dev: DevProcess | undefined;
  afterEach(async () => {
    await dev?.stop();
    dev = undefined;
  });

  it("issues alice the dev policy's grants, prints a profile for them, and keeps its port across a restart", async () => {
    const dir = join(dirs.make("dev-issuer"), "state");
    dev = startDev(["--dir", dir]);
    const [, gatewayUrl] = await dev.waitFor(/rajee is running at (https:\/\/127\.0\.0\.1:\d+) /);
    const [, issuerUrl] = await dev.waitFor(/^Token issuer at (http:\/\/127\.0\.0\.1:\d+\/) \(sign for eu-west-1\)/m);
    await dev.waitFor(/Ctrl-C to stop/);
    expect(dev.stdout()).toContain("alice (arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_DataScientist_0123456789abcdef/alice) may get read:rajee-dev-data/users/alice/");

    const configFile = join(dir, "aws-issuer.config");
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
    const command = profileSetting(readFileSync(configFile, "utf8"), "rajee-dev-alice", "credential_process", "config");
    expect(command).toMatch(new RegExp(`token credential-process --url ${issuerUrl!.replace(/[.]/g, "\\.")} --region eu-west-1 --profile rajee-dev-alice-keys --ttl 3600 --grant read:rajee-dev-data/users/alice/`));
    expect(dev.stdout()).toContain(`[profile rajee-dev-alice]\n  credential_process = ${command}`);

    const token = await requestAsAlice(issuerUrl!, ["read:rajee-dev-data/users/alice/"]);
    await dev.waitFor(/^issuer 200 arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_DataScientist_0123456789abcdef\/alice$/m);
    const ca = readFileSync(join(dir, "gateway-ca.pem"), "utf8");
    // The dev policy's bucket exists, and the issued token reaches alice's prefix only.
    expect(await head(gatewayUrl!, ca, token, "/rajee-dev-data/users/alice/missing.txt")).toBe(404);
    expect(await head(gatewayUrl!, ca, token, "/rajee-dev-data/users/bob/b.txt")).toBe(403);
    await expect(requestAsAlice(issuerUrl!, ["read:rajee-dev-data/users/bob/"])).rejects.toThrow(/the issuer refused \(403 AccessDenied\)/);
    await dev.waitFor(/^issuer 403 arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_DataScientist_0123456789abcdef\/alice: grant "read:rajee-dev-data\/users\/bob\/" is not covered/m);

    await dev.stop();
    dev = startDev(["--dir", dir, "--quiet"]);
    await dev.waitFor(new RegExp(`^Token issuer at ${issuerUrl!.replace(/[.]/g, "\\.")} `, "m"));
  });
});
