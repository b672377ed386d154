import { execFile, execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { startGatewayFixture, type GatewayFixture } from "../support/local-gateway";
import { LONG_TESTS } from "../support/long-tests";
import { motoSetup } from "../support/moto";

/**
 * rclone sends `x-amz-acl: private` (S3's default ACL) on every upload and server-side copy. The
 * gateway accepts exactly that value on writes and strips it upstream.
 */

function rcloneVersion(): string | undefined {
  try {
    return execFileSync("rclone", ["version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).split("\n")[0];
  } catch {
    return undefined;
  }
}
const version = rcloneVersion();
if (version === undefined) console.warn("skipping the rclone tests: rclone is not installed (apt-get install rclone)");
const describeWithRclone = LONG_TESTS && version !== undefined && motoSetup().ok ? describe : describe.skip;
if (!LONG_TESTS) console.warn("skipping the rclone default-flow suite: it runs under npm run test:long (RAJEE_LONG_TESTS=1) (CI's client matrix, npm run test:clients, runs the same clients)");

let fx: GatewayFixture;
let env: Record<string, string>;

async function rclone(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)("rclone", ["--ca-cert", fx.caFile, "--retries", "1", "--low-level-retries", "1", ...args], { env, cwd: fx.dir, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describeWithRclone(`${version ?? "rclone"} defaults through the gateway`, () => {
  beforeAll(async () => {
    fx = await startGatewayFixture(["data"]);
    const token = await fx.mint(["*:data/team/", "read:data/shared/", "list:data/shared/"], "rclone-defaults");
    // A remote named gw from the environment, as rclone documents (RCLONE_CONFIG_<NAME>_<OPTION>).
    env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: fx.dir,
      RCLONE_CONFIG: join(fx.dir, "rclone.conf"),
      RCLONE_CONFIG_GW_TYPE: "s3",
      RCLONE_CONFIG_GW_PROVIDER: "Other",
      RCLONE_CONFIG_GW_ENDPOINT: fx.gateway.url,
      RCLONE_CONFIG_GW_REGION: "eu-west-1",
      RCLONE_CONFIG_GW_FORCE_PATH_STYLE: "true",
      RCLONE_CONFIG_GW_ACCESS_KEY_ID: "AKIDANYTHING",
      RCLONE_CONFIG_GW_SECRET_ACCESS_KEY: "anything",
      RCLONE_CONFIG_GW_SESSION_TOKEN: token,
      // rclone's default no_check_bucket = false: it first sends CreateBucket (PUT /data), which
      // the gateway answers 409 BucketAlreadyOwnedByYou without forwarding it (src/s3/create-bucket.ts).
    };
    await writeFile(env.RCLONE_CONFIG!, "");
    await writeFile(join(fx.dir, "a.txt"), "rclone upload");
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it("uploads, copies server-side and reads back inside the grant, sending x-amz-acl: private", async () => {
    const upload = await rclone("copyto", "a.txt", "gw:data/team/a.txt", "--dump", "headers");
    expect(upload).toMatchObject({ code: 0 });
    expect(upload.stderr).toMatch(/X-Amz-Acl: private/i);
    // Its CreateBucket was answered by the gateway, never forwarded.
    expect(fx.gateway.standIn.records.filter((r) => r.method === "PUT" && r.target.split("?")[0] === "/data")).toEqual([]);
    const copy = await rclone("copyto", "gw:data/team/a.txt", "gw:data/team/b.txt", "--dump", "headers");
    expect(copy).toMatchObject({ code: 0 });
    expect(copy.stderr).toMatch(/X-Amz-Copy-Source:/i);
    expect(copy.stderr).toMatch(/X-Amz-Acl: private/i);
    expect(await rclone("copyto", "gw:data/team/b.txt", "b.down")).toMatchObject({ code: 0 });
    expect(await readFile(join(fx.dir, "b.down"), "utf8")).toBe("rclone upload");
    expect(fx.gateway.standIn.records.some((r) => r.method === "PUT" && r.copySource !== undefined && r.verdict === "verified")).toBe(true);
  });

  it("is refused uploading with any other canned ACL, and outside the grants", async () => {
    const publicRead = await rclone("copyto", "a.txt", "gw:data/team/public.txt", "--s3-acl", "public-read");
    expect(publicRead.code).not.toBe(0);
    expect(publicRead.stderr).toContain("AccessDenied");
    const outside = await rclone("copyto", "a.txt", "gw:data/shared/a.txt");
    expect(outside.code).not.toBe(0);
    expect(outside.stderr).toContain("AccessDenied");
  });

  it("only ever reached S3 with signatures the stand-in verified", () => {
    expect(fx.gateway.standIn.records.filter((r) => r.verdict !== "verified")).toEqual([]);
  });
});
