import { readFileSync, statSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import { profileSetting } from "../../bin/aws-profile";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { callIssuer, issuerCall } from "../../bin/issuer-call";
import { postToIssuer } from "../../bin/issuer-client";
import devPrincipals from "../../config/dev-principals.json";
import { startDev, type DevProcess } from "../support/dev-process";
import { motoSetup } from "../support/moto";
import { TempDirs } from "../support/temp";

const moto = motoSetup();
const describeWithMoto = moto.ok ? describe : describe.skip;
const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

/** A HeadObject at the gateway signed with `credentials` (SigV4, as every S3 client signs), trusting the banner's CA: the status. */
async function head(url: string, ca: string, credentials: Credentials, bucket: string, key: string): Promise<number> {
  const client = new S3Client({
    endpoint: url,
    region: "eu-west-1",
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
    requestHandler: { httpsAgent: new https.Agent({ ca }) },
  });
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return 200;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  } finally {
    client.destroy();
  }
}

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** Asks the local issuer for `grants` with alice's dev keys, as `rajee token request` does: the credentials it answers. */
async function requestAsAlice(issuerUrl: string, grants: string[]): Promise<Credentials> {
  const issued = await callIssuer(issuerCall({ url: issuerUrl, region: "eu-west-1", grant: grants }), {
    credentials: async () => ({ accessKeyId: devPrincipals.principals.alice.accessKeyId, secretAccessKey: devPrincipals.principals.alice.secretAccessKey }),
    region: async () => undefined,
    send: (request) => postToIssuer(request),
    now: () => new Date(),
  });
  return { accessKeyId: issued.credentials.AccessKeyId, secretAccessKey: issued.credentials.SecretAccessKey, sessionToken: issued.credentials.SessionToken };
}

describeWithMoto("rajee dev's token issuer", () => {
  let dev: DevProcess | undefined;
  afterEach(async () => {
    await dev?.stop();
    dev = undefined;
  });

  it("issues alice bound credentials for the dev policy's grants, prints a profile for them, and keeps its port and binding key across a restart", async () => {
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

    const credentials = await requestAsAlice(issuerUrl!, ["read:rajee-dev-data/users/alice/"]);
    // Bound to the gateway's binding key (kept in the state folder, 0600): the secret it was issued with signs.
    const claims = JSON.parse(Buffer.from(credentials.sessionToken.split(".")[1]!, "base64url").toString("utf8")) as { cnf?: { jwe?: string } };
    expect(typeof claims.cnf?.jwe).toBe("string");
    expect(statSync(join(dir, "binding-keys.json")).mode & 0o777).toBe(0o600);
    await dev.waitFor(/^issuer 200 arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_DataScientist_0123456789abcdef\/alice$/m);
    const ca = readFileSync(join(dir, "gateway-ca.pem"), "utf8");
    // The dev policy's bucket exists, and the issued credentials reach alice's prefix only, signed with their own secret.
    expect(await head(gatewayUrl!, ca, credentials, "rajee-dev-data", "users/alice/missing.txt")).toBe(404);
    expect(await head(gatewayUrl!, ca, credentials, "rajee-dev-data", "users/bob/b.txt")).toBe(403);
    expect(await head(gatewayUrl!, ca, { ...credentials, secretAccessKey: "not-the-issued-secret" }, "rajee-dev-data", "users/alice/missing.txt")).toBe(403);
    await expect(requestAsAlice(issuerUrl!, ["read:rajee-dev-data/users/bob/"])).rejects.toThrow(/the issuer refused \(403 AccessDenied\)/);
    await dev.waitFor(/^issuer 403 arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_DataScientist_0123456789abcdef\/alice: grant "read:rajee-dev-data\/users\/bob\/" is not covered/m);

    await dev.stop();
    dev = startDev(["--dir", dir, "--quiet"]);
    await dev.waitFor(new RegExp(`^Token issuer at ${issuerUrl!.replace(/[.]/g, "\\.")} `, "m"));
    await dev.waitFor(/Ctrl-C to stop/);
    // The binding key was kept: credentials issued before the restart still work.
    expect(await head(gatewayUrl!, ca, credentials, "rajee-dev-data", "users/alice/missing.txt")).toBe(404);
  });
});
