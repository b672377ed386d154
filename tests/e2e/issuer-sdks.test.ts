import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { fromProcess } from "@aws-sdk/credential-providers";
import { motoSetup } from "../support/moto";
import { OBJECTS, PROFILES, startIssuerFixture, type IssuerFixture } from "./issuer-fixture";

/**
 * boto3 and the JavaScript SDK v3 (its default chain under AWS_PROFILE, and fromProcess) with the same credential_process profiles
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

/** One JavaScript SDK v3 process, configured only by its environment (docs/issuing.md): the allowed reads and a read outside the grants. */
const SDK_SCRIPT = String.raw`
const { S3Client, ListObjectsV2Command, GetObjectCommand } = require("@aws-sdk/client-s3");
(async () => {
  const s3 = new S3Client({ forcePathStyle: true, maxAttempts: 1 });
  const out = {};
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: "users/alice/" }));
  out.list = (listed.Contents || []).map((o) => o.Key);
  out.get = await (await s3.send(new GetObjectCommand({ Bucket: "data", Key: "users/alice/a.txt" }))).Body.transformToString();
  try {
    await s3.send(new GetObjectCommand({ Bucket: "data", Key: "shared/s.txt" }));
    out.shared = "allowed";
  } catch (e) {
    out.shared = e.name;
  }
  s3.destroy();
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  process.stderr.write(String(e && e.stack || e));
  process.exit(1);
});
`;

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

  it("the SDK reads the granted prefix with the same profile, set as docs/issuing.md says (AWS_PROFILE, NODE_EXTRA_CA_CERTS), and fromProcess passes the issuer's refusal on", async () => {
    // A process of its own, because Node reads NODE_EXTRA_CA_CERTS only when it starts. The client is
    // given no endpoint, region or credentials: AWS_PROFILE selects the profile whose endpoint_url,
    // region and credential_process the SDK reads. AWS_CA_BUNDLE is left out: the JavaScript SDK ignores it.
    const { AWS_CA_BUNDLE: _ignored, ...env } = fx.env;
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", SDK_SCRIPT], {
      env: { ...env, AWS_PROFILE: PROFILES.alice, NODE_EXTRA_CA_CERTS: fx.caFile, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
      cwd: join(__dirname, "../.."),
      timeout: 60_000,
    });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out.list).toEqual(["users/alice/a.txt"]);
    expect(out.get).toBe(OBJECTS["users/alice/a.txt"]);
    expect(out.shared).toBe("AccessDenied");
    const files = { configFilepath: fx.env.AWS_CONFIG_FILE!, filepath: fx.env.AWS_SHARED_CREDENTIALS_FILE! };
    await expect(fromProcess({ profile: PROFILES.aliceWritesShared, ...files })()).rejects.toThrow(/the issuer refused \(403 AccessDenied\): .*write:data\/shared\//);
  });

  it("refuses a profile that would call the issuer with its own credential_process, instead of running itself without end", async () => {
    const files = { configFilepath: fx.env.AWS_CONFIG_FILE!, filepath: fx.env.AWS_SHARED_CREDENTIALS_FILE! };
    await expect(fromProcess({ profile: PROFILES.loop, ...files })()).rejects.toThrow(/--profile loop would sign the call to the issuer with credentials from its own credential_process, which is this command/);
  });
});
