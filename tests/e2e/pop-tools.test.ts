import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { IssuedCredentials } from "../../src/token/credentials";
import { LONG_TESTS } from "../support/long-tests";
import { motoSetup } from "../support/moto";
import { fetchUrl, run, startPopFixture, type PopFixture } from "./pop-fixture";

/**
 * boto3, rclone and s3cmd with bound credentials through a gateway that requires client
 * signatures: header-signed uploads and downloads (rclone and s3cmd sign content-length, which
 * Envoy's check request replaces), boto3's SigV4 presigned URLs, and SigV2 refused with the fix.
 * Process start-ups make it slow, so it runs under `npm run test:long`.
 */
function probe(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    return undefined;
  }
}
const boto3 = probe("python3", ["-c", "import boto3; print(boto3.__version__)"]);
const rclone = probe("rclone", ["version"])?.split("\n")[0];
const s3cmd = probe("s3cmd", ["--version"]);
for (const [name, version, fix] of [["boto3", boto3, "pip install boto3"], ["rclone", rclone, "apt-get install rclone"], ["s3cmd", s3cmd, "apt-get install s3cmd"]] as const) {
  if (version === undefined) console.warn(`skipping the ${name} proof-of-possession tests: ${name} is not installed (${fix})`);
}
if (!LONG_TESTS) console.warn("skipping the boto3, rclone and s3cmd proof-of-possession tests: they run under npm run test:long (RAJEE_LONG_TESTS=1)");
const describeLong = LONG_TESTS && motoSetup().ok ? describe : describe.skip;
const itIf = (present: string | undefined) => (present !== undefined ? it : it.skip);

let fx: PopFixture;
let credentials: IssuedCredentials;

const BOTO3 = String.raw`
import json, os, ssl, urllib.request
import boto3
from botocore.config import Config
endpoint, ca = os.environ["GATEWAY_URL"], os.environ["AWS_CA_BUNDLE"]
def client(version=None):
    extra = {"signature_version": version} if version else {}
    return boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-1", config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, **extra))
context = ssl.create_default_context(cafile=ca)
def fetch(url):
    try:
        with urllib.request.urlopen(url, context=context) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
out = {}
s3 = client()
s3.put_object(Bucket="data", Key="team/boto.txt", Body=b"bound by boto3", Metadata={"origin": "boto3"})
out["get"] = s3.get_object(Bucket="data", Key="team/boto.txt", Range="bytes=0-4")["Body"].read().decode()
out["v4"] = fetch(client("s3v4").generate_presigned_url("get_object", Params={"Bucket": "data", "Key": "team/boto.txt"}, ExpiresIn=300))
out["v2"] = fetch(client("s3").generate_presigned_url("get_object", Params={"Bucket": "data", "Key": "team/boto.txt"}, ExpiresIn=300))
print(json.dumps(out))
`;

describeLong("boto3, rclone and s3cmd with bound credentials, client signatures required", () => {
  beforeAll(async () => {
    fx = await startPopFixture(["data"]);
    credentials = await fx.issue(["*:data/team/"], "tools");
    await writeFile(join(fx.dir, "a.txt"), "bound upload");
  });
  afterAll(async () => {
    await fx?.stop();
  });

  itIf(boto3)("boto3: puts and gets header-signed, serves its SigV4 presigned URL, refuses its SigV2 one with the fix", async () => {
    const env = { ...(await fx.awsEnvironment(credentials)), GATEWAY_URL: fx.gateway.url };
    const result = await run("python3", ["-c", BOTO3], { env, cwd: fx.dir });
    expect(result).toMatchObject({ code: 0 });
    const out = JSON.parse(result.stdout) as { get: string; v4: [number, string]; v2: [number, string] };
    expect(out.get).toBe("bound");
    expect(out.v4).toEqual([200, "bound by boto3"]);
    expect(out.v2[0]).toBe(403);
    expect(out.v2[1]).toContain("SigV2");
  });

  itIf(rclone)("rclone: uploads (content-length signed) and reads back", async () => {
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: fx.dir,
      RCLONE_CONFIG: join(fx.dir, "rclone.conf"),
      RCLONE_CONFIG_GW_TYPE: "s3",
      RCLONE_CONFIG_GW_PROVIDER: "Other",
      RCLONE_CONFIG_GW_ENDPOINT: fx.gateway.url,
      RCLONE_CONFIG_GW_REGION: "eu-west-1",
      RCLONE_CONFIG_GW_FORCE_PATH_STYLE: "true",
      RCLONE_CONFIG_GW_ACCESS_KEY_ID: credentials.accessKeyId,
      RCLONE_CONFIG_GW_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      RCLONE_CONFIG_GW_SESSION_TOKEN: credentials.sessionToken,
    };
    await writeFile(env.RCLONE_CONFIG, "");
    const rcloneRun = (...args: string[]) => run("rclone", ["--ca-cert", fx.caFile, "--retries", "1", "--low-level-retries", "1", ...args], { env, cwd: fx.dir });
    expect(await rcloneRun("copyto", "a.txt", "gw:data/team/rclone.txt")).toMatchObject({ code: 0 });
    const cat = await rcloneRun("cat", "gw:data/team/rclone.txt");
    expect(cat.stderr).toBe("");
    expect(cat).toMatchObject({ code: 0, stdout: "bound upload" });
  });

  itIf(s3cmd)("s3cmd: puts (content-length signed) and gets", async () => {
    const host = new URL(fx.gateway.url).host;
    const config = join(fx.dir, "s3cfg");
    await writeFile(
      config,
      [
        "[default]",
        `access_key = ${credentials.accessKeyId}`,
        `secret_key = ${credentials.secretAccessKey}`,
        `access_token = ${credentials.sessionToken}`,
        `host_base = ${host}`,
        `host_bucket = ${host}`,
        "bucket_location = eu-west-1",
        "use_https = True",
        `ca_certs_file = ${fx.caFile}`,
        "check_ssl_certificate = True",
        "",
      ].join("\n"),
    );
    const s3cmdRun = (...args: string[]) => run("s3cmd", ["-c", config, ...args], { cwd: fx.dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: fx.dir } });
    expect(await s3cmdRun("put", "a.txt", "s3://data/team/s3cmd.txt")).toMatchObject({ code: 0 });
    expect(await s3cmdRun("get", "s3://data/team/s3cmd.txt", "s3cmd.down")).toMatchObject({ code: 0 });
    expect(await readFile(join(fx.dir, "s3cmd.down"), "utf8")).toBe("bound upload");
  });

  it("refuses a URL's token replayed without its signature", async () => {
    const replay = await fetchUrl(`${fx.gateway.url}/data/team/a.txt`, fx.gateway.caCertificate, { headers: { authorization: `Bearer ${credentials.sessionToken}` } });
    expect(replay.status).toBe(403);
  });

  it("only ever reached S3 with signatures the stand-in verified", () => {
    expect(fx.gateway.standIn.records.filter((r) => r.verdict !== "verified")).toEqual([]);
  });
});
