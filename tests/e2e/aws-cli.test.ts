import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { findAwsCliV2 } from "../support/aws-cli";
import type { GatewayFixture } from "../support/local-gateway";
import { startGatewayFixture } from "../support/local-gateway";
import { LONG_TESTS } from "../support/long-tests";
import { motoSetup } from "../support/moto";

const cli = findAwsCliV2();
if (cli.path === undefined) console.warn(`skipping the aws cli tests: ${cli.reason}`);
// The local gateway's S3 is moto: without it these tests skip too (motoSetup says why).
const describeWithCli = LONG_TESTS && cli.path && motoSetup().ok ? describe : describe.skip;
if (!LONG_TESTS) console.warn("skipping the aws cli v2 suite: it runs under npm run test:long (RAJEE_LONG_TESTS=1) (CI's client matrix, npm run test:clients, runs the same clients)");

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

describeWithCli(`${cli.path ? cli.version.split(" ")[0] : "aws cli v2"} through the gateway over https`, () => {
  beforeAll(async () => {
    fx = await startGatewayFixture(["data"]);
    const token = await fx.mint(["*:data/team/", "read:data/shared/"], "aws-cli-user");
    env = await fx.awsEnvironment(token);
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it("copies a small file and a multipart-sized file up and down, bytes intact", async () => {
    const small = randomBytes(2048);
    const big = randomBytes(9 * 1024 * 1024);
    await writeFile(join(fx.dir, "small.bin"), small);
    await writeFile(join(fx.dir, "big.bin"), big);
    expect(await aws("s3", "cp", "small.bin", "s3://data/team/small.bin")).toMatchObject({ code: 0 });
    expect(await aws("s3", "cp", "big.bin", "s3://data/team/big.bin")).toMatchObject({ code: 0 });
    expect(fx.gateway.standIn.records.some((r) => r.target.includes("uploadId="))).toBe(true);
    expect(await aws("s3", "cp", "s3://data/team/big.bin", "big.down")).toMatchObject({ code: 0 });
    expect(await aws("s3", "cp", "s3://data/team/small.bin", "small.down")).toMatchObject({ code: 0 });
    expect(sha256(await readFile(join(fx.dir, "big.down")))).toBe(sha256(big));
    expect(sha256(await readFile(join(fx.dir, "small.down")))).toBe(sha256(small));
  });

  it("lists, syncs a tree and removes it recursively inside the grant", async () => {
    const tree = join(fx.dir, "tree");
    await mkdir(join(tree, "sub"), { recursive: true });
    for (const name of ["a.txt", "b.txt", "sub/c.txt"]) await writeFile(join(tree, name), name);
    expect(await aws("s3", "sync", "tree", "s3://data/team/tree/")).toMatchObject({ code: 0 });
    const listed = await aws("s3", "ls", "--recursive", "s3://data/team/tree/");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/team\/tree\/a\.txt[\s\S]*team\/tree\/b\.txt[\s\S]*team\/tree\/sub\/c\.txt/);
    expect((await aws("s3", "ls", "s3://data/team/")).stdout).toContain("PRE tree/");
    expect(await aws("s3", "rm", "--recursive", "s3://data/team/tree/")).toMatchObject({ code: 0 });
    expect((await aws("s3", "ls", "--recursive", "s3://data/team/tree/")).stdout).toBe("");
  });

  it("copies with s3api inside the grant", async () => {
    const copied = await aws("s3api", "copy-object", "--bucket", "data", "--key", "team/copy.bin", "--copy-source", "data/team/small.bin");
    expect(copied).toMatchObject({ code: 0 });
    expect(JSON.parse(copied.stdout).CopyObjectResult.ETag).toBeTruthy();
  });

  it("is denied listing and copying outside the grant", async () => {
    const listed = await aws("s3", "ls", "s3://data/secret/");
    expect(listed.code).not.toBe(0);
    expect(listed.stderr).toContain("AccessDenied");
    const copied = await aws("s3api", "copy-object", "--bucket", "data", "--key", "shared/x", "--copy-source", "data/team/small.bin");
    expect(copied.code).not.toBe(0);
    expect(copied.stderr).toContain("AccessDenied");
  });

  it("only ever reached S3 with signatures the stand-in verified", () => {
    expect(fx.gateway.standIn.records.length).toBeGreaterThan(8);
    expect(fx.gateway.standIn.records.filter((r) => r.verdict !== "verified")).toEqual([]);
  });
});
