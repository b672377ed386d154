import { execFile, execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { startGatewayFixture, type GatewayFixture } from "../support/local-gateway";
import { LONG_TESTS } from "../support/long-tests";
import { motoSetup } from "../support/moto";

/**
 * s3cmd `cp` and `mv` first GET the source's `?acl` and carry on only on 501 NotImplemented
 * (S3/S3.py `object_copy`); Envoy answers that read itself (src/s3/not-implemented.ts).
 */

function s3cmdVersion(): string | undefined {
  try {
    return execFileSync("s3cmd", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    return undefined;
  }
}
const version = s3cmdVersion();
if (version === undefined) console.warn("skipping the s3cmd tests: s3cmd is not installed (apt-get install s3cmd)");
const describeWithS3cmd = LONG_TESTS && version !== undefined && motoSetup().ok ? describe : describe.skip;
if (!LONG_TESTS) console.warn("skipping the s3cmd default-flow suite: it runs under npm run test:long (RAJEE_LONG_TESTS=1) (CI's client matrix, npm run test:clients, runs the same clients)");

let fx: GatewayFixture;
let config: string;

async function s3cmd(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)("s3cmd", ["-c", config, ...args], { cwd: fx.dir, timeout: 60_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: fx.dir } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describeWithS3cmd(`${version ?? "s3cmd"} defaults through the gateway`, () => {
  beforeAll(async () => {
    fx = await startGatewayFixture(["data"]);
    const token = await fx.mint(["*:data/team/", "read:data/shared/"], "s3cmd-defaults");
    const host = new URL(fx.gateway.url).host;
    config = join(fx.dir, "s3cfg");
    await writeFile(
      config,
      [
        "[default]",
        "access_key = AKIDANYTHING",
        "secret_key = anything",
        `access_token = ${token}`,
        `host_base = ${host}`,
        `host_bucket = ${host}`,
        "bucket_location = eu-west-1",
        "use_https = True",
        `ca_certs_file = ${fx.caFile}`,
        "check_ssl_certificate = True",
        "",
      ].join("\n"),
    );
    await writeFile(join(fx.dir, "a.txt"), "s3cmd upload");
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it("uploads, then copies and moves inside the grant after the ?acl read is answered 501", async () => {
    expect(await s3cmd("put", "a.txt", "s3://data/team/a.txt")).toMatchObject({ code: 0 });
    const copied = await s3cmd("cp", "s3://data/team/a.txt", "s3://data/team/b.txt");
    expect(copied).toMatchObject({ code: 0 });
    expect(await s3cmd("mv", "s3://data/team/b.txt", "s3://data/team/c.txt")).toMatchObject({ code: 0 });
    expect(await s3cmd("get", "s3://data/team/c.txt", "c.down")).toMatchObject({ code: 0 });
    expect(await readFile(join(fx.dir, "c.down"), "utf8")).toBe("s3cmd upload");
    // Envoy answered the ACL reads: none reached S3.
    expect(fx.gateway.standIn.records.filter((r) => r.target.includes("acl"))).toEqual([]);
  });

  it("is refused copying into a prefix the token may only read, and making an object public", async () => {
    const copied = await s3cmd("cp", "s3://data/team/a.txt", "s3://data/shared/a.txt");
    expect(copied.code).not.toBe(0);
    expect(copied.stderr).toContain("AccessDenied");
    // s3cmd reads the ACL before writing it: the 501 stops it, and no ACL write reaches S3.
    const acl = await s3cmd("setacl", "--acl-public", "s3://data/team/a.txt");
    expect(acl.code).not.toBe(0);
    expect(acl.stderr).toContain("501 (NotImplemented)");
    expect(fx.gateway.standIn.records.filter((r) => r.target.includes("acl"))).toEqual([]);
  });

  it("only ever reached S3 with signatures the stand-in verified", () => {
    expect(fx.gateway.standIn.records.filter((r) => r.verdict !== "verified")).toEqual([]);
  });
});
