import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { findAwsCliV2 } from "../support/aws-cli";
import { LONG_TESTS } from "../support/long-tests";
import { startGatewayFixture, type GatewayFixture } from "../support/local-gateway";
import { motoSetup } from "../support/moto";

/**
 * aws cli v2's default flows that the gateway used to refuse: `s3 cp`/`mv`/`sync` between S3
 * locations of an object of 8 MiB or more (GetObjectTagging, then the tags on
 * CreateMultipartUpload). Each aws cli run costs seconds, so `npm test` runs the copy and
 * `npm run test:long` also `mv`, `sync` and the refused twin. Metadata names with `_` are tested
 * with boto3 (clients-python.test.ts), which runs faster.
 */

const cli = findAwsCliV2();
if (cli.path === undefined) console.warn(`skipping the aws cli client-default tests: ${cli.reason}`);
const describeWithCli = LONG_TESTS && cli.path && motoSetup().ok ? describe : describe.skip;
if (!LONG_TESTS) console.warn("skipping the aws cli v2 default-flow suite: it runs under npm run test:long (RAJEE_LONG_TESTS=1) (CI's client matrix, npm run test:clients, runs the same clients)");
const itLong = LONG_TESTS ? it : it.skip;

let fx: GatewayFixture;
let env: Record<string, string>;
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

async function aws(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(cli.path!, ["--endpoint-url", fx.gateway.url, ...args], { env, cwd: fx.dir, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const tagsOf = async (key: string) => JSON.parse((await aws("s3api", "get-object-tagging", "--bucket", "data", "--key", key)).stdout || "{}").TagSet;

describeWithCli("aws cli v2 default flows through the gateway", () => {
  const big = randomBytes(9 * 1024 * 1024);

  beforeAll(async () => {
    fx = await startGatewayFixture(["data"]);
    const token = await fx.mint(["*:data/team/", "*:data/archive/", "read:data/shared/"], "aws-cli-defaults");
    env = await fx.awsEnvironment(token);
    await writeFile(join(fx.dir, "big.bin"), big);
    expect(await aws("s3api", "put-object", "--bucket", "data", "--key", "team/big.bin", "--body", "big.bin", "--tagging", "project=alpha&stage=raw")).toMatchObject({ code: 0 });
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it("copies a tagged 9 MiB object between prefixes with s3 cp, tags and bytes carried", async () => {
    const before = fx.gateway.standIn.records.length;
    const copied = await aws("s3", "cp", "s3://data/team/big.bin", "s3://data/archive/big.bin");
    expect(copied).toMatchObject({ code: 0 });
    const seen = fx.gateway.standIn.records.slice(before);
    expect(seen.some((r) => r.method === "GET" && r.target.endsWith("?tagging"))).toBe(true);
    expect(seen.some((r) => r.method === "PUT" && r.target.includes("uploadId=") && r.copySource !== undefined)).toBe(true);
    expect(await tagsOf("archive/big.bin")).toEqual(expect.arrayContaining([{ Key: "project", Value: "alpha" }, { Key: "stage", Value: "raw" }]));
    expect(await aws("s3", "cp", "s3://data/archive/big.bin", "big.down")).toMatchObject({ code: 0 });
    expect(sha256(await readFile(join(fx.dir, "big.down")))).toBe(sha256(big));
  });

  itLong("moves and syncs a multipart-sized object between prefixes", async () => {
    expect(await aws("s3", "cp", "s3://data/team/big.bin", "s3://data/team/move-me.bin")).toMatchObject({ code: 0 });
    expect(await aws("s3", "mv", "s3://data/team/move-me.bin", "s3://data/archive/moved.bin")).toMatchObject({ code: 0 });
    expect((await aws("s3", "ls", "s3://data/team/")).stdout).not.toContain("move-me.bin");
    expect(await aws("s3", "sync", "s3://data/team/", "s3://data/archive/synced/")).toMatchObject({ code: 0 });
    expect((await aws("s3", "ls", "s3://data/archive/synced/")).stdout).toContain("big.bin");
    expect(await tagsOf("archive/synced/big.bin")).toEqual(expect.arrayContaining([{ Key: "project", Value: "alpha" }]));
  });

  itLong("is still refused copying into a prefix the token may only read", async () => {
    const copied = await aws("s3", "cp", "s3://data/team/big.bin", "s3://data/shared/big.bin");
    expect(copied.code).not.toBe(0);
    expect(copied.stderr).toContain("AccessDenied");
  });

  it("only ever reached S3 with signatures the stand-in verified", () => {
    expect(fx.gateway.standIn.records.filter((r) => r.verdict !== "verified")).toEqual([]);
  });
});
