import { execFile, execFileSync } from "node:child_process";
import https from "node:https";
import { promisify } from "node:util";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { fromIni, fromProcess } from "@aws-sdk/credential-providers";
import { LOCAL_REGION } from "../../bin/dev/local-gateway";
import { motoSetup } from "../support/moto";
import { OBJECTS, PROFILES, startIssuerFixture, type IssuerFixture } from "./issuer-fixture";

/**
 * boto3 and the JavaScript SDK v3 (fromIni, fromProcess) with the same credential_process profiles
 * as the aws cli: credentials from the local issuer, requests to the local gateway.
 */

function probe(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    return undefined;
  }
}
const boto3 = probe("python3", ["-c", "import boto3; print(boto3.__version__)"]);
if (boto3 === undefined) console.warn("skipping the issuer's boto3 test: python3 cannot import boto3 (pip install boto3)");
const motoReady = motoSetup().ok;
const describeWithMoto = motoReady ? describe : describe.skip;
const itWithBoto3 = boto3 !== undefined ? it : it.skip;

/** One boto3 process: the allowed reads, a read outside the issued grants, and the two refused profiles. It prints one JSON object. */
const SCRIPT = String.raw`
import json, os, sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
endpoint = os.environ["GATEWAY_URL"]
config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
def client(profile):
    return boto3.Session(profile_name=profile).client("s3", endpoint_url=endpoint, config=config)
out = {}
s3 = client(sys.argv[1])
out["list"] = [o["Key"] for o in s3.list_objects_v2(Bucket="data", Prefix="users/alice/").get("Contents", [])]
out["get"] = s3.get_object(Bucket="data", Key="users/alice/a.txt")["Body"].read().decode()
try:
    s3.get_object(Bucket="data", Key="shared/s.txt")
    out["shared"] = "allowed"
except ClientError as e:
    out["shared"] = e.response["Error"]["Code"]
for profile in sys.argv[2:]:
    try:
        client(profile).list_objects_v2(Bucket="data", Prefix="shared/")
        out[profile] = "allowed"
    except Exception as e:
        out[profile] = f"{type(e).__name__}: {e}"
print(json.dumps(out))
`;

let fx: IssuerFixture;

describeWithMoto("boto3 and the JavaScript SDK with credentials from the issuer (credential_process)", () => {
  beforeAll(async () => {
    fx = await startIssuerFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  itWithBoto3(`boto3 ${boto3 ?? ""} reads the granted prefix, is denied outside it, and fails at credential_process where the policy refuses`, async () => {
    const { stdout } = await promisify(execFile)("python3", ["-c", SCRIPT, PROFILES.alice, PROFILES.aliceWritesShared, PROFILES.outsider], { env: fx.env, cwd: fx.dir, timeout: 60_000 });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out.list).toEqual(["users/alice/a.txt"]);
    expect(out.get).toBe(OBJECTS["users/alice/a.txt"]);
    expect(out.shared).toBe("AccessDenied");
    expect(out[PROFILES.aliceWritesShared]).toMatch(/^CredentialRetrievalError: Error when retrieving credentials from custom-process: .*the issuer refused \(403 AccessDenied\): .*write:data\/shared\//s);
    expect(out[PROFILES.outsider]).toMatch(/the issuer refused \(403 AccessDenied\): .*arn:aws:iam::222222222222:user\/outsider/s);
  });

  it("the SDK's fromIni reads the granted prefix with the same profile, and fromProcess passes the issuer's refusal on", async () => {
    const files = { configFilepath: fx.env.AWS_CONFIG_FILE!, filepath: fx.env.AWS_SHARED_CREDENTIALS_FILE! };
    const agent = new https.Agent({ ca: fx.gateway.caCertificate });
    const s3 = new S3Client({
      endpoint: fx.gateway.url,
      forcePathStyle: true,
      region: LOCAL_REGION,
      maxAttempts: 1,
      credentials: fromIni({ profile: PROFILES.alice, ...files }),
      requestHandler: { httpsAgent: agent },
    });
    try {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: "users/alice/" }));
      expect(listed.Contents?.map((o) => o.Key)).toEqual(["users/alice/a.txt"]);
      const got = await s3.send(new GetObjectCommand({ Bucket: "data", Key: "users/alice/a.txt" }));
      expect(await got.Body?.transformToString()).toBe(OBJECTS["users/alice/a.txt"]);
      await expect(s3.send(new GetObjectCommand({ Bucket: "data", Key: "shared/s.txt" }))).rejects.toMatchObject({ name: "AccessDenied" });
    } finally {
      s3.destroy();
    }
    await expect(fromProcess({ profile: PROFILES.aliceWritesShared, ...files })()).rejects.toThrow(/the issuer refused \(403 AccessDenied\): .*write:data\/shared\//);
  });

  it("refuses a profile that would call the issuer with its own credential_process, instead of running itself without end", async () => {
    const files = { configFilepath: fx.env.AWS_CONFIG_FILE!, filepath: fx.env.AWS_SHARED_CREDENTIALS_FILE! };
    await expect(fromProcess({ profile: PROFILES.loop, ...files })()).rejects.toThrow(/--profile loop would sign the call to the issuer with credentials from its own credential_process, which is this command/);
  });
});
