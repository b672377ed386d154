import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { findAwsCliV2 } from "../support/aws-cli";
import { LONG_TESTS } from "../support/long-tests";
import { motoSetup } from "../support/moto";
import { fetchUrl, run, startPopFixture, type PopFixture } from "./pop-fixture";

/**
 * aws cli v2 and v1 with bound credentials through a gateway that requires client signatures:
 * header-signed uploads and downloads, SigV4 presigned URLs, and what must stay refused. About 30 s
 * of cli start-ups, so under `npm run test:long` (tests/e2e/pop-sdk.test.ts runs every time).
 */
const v2 = findAwsCliV2();
if (v2.path === undefined) console.warn(`skipping the aws cli v2 proof-of-possession tests: ${v2.reason}`);
const v1 = [process.env.AWS_CLI_V1, "/root/.pyenv/shims/aws", "aws"].filter((c): c is string => !!c).find((c) => {
  try {
    return execFileSync(c, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).startsWith("aws-cli/1.");
  } catch {
    return false;
  }
});
if (v1 === undefined) console.warn("skipping the aws cli v1 proof-of-possession tests: no aws cli v1 found (pip install awscli, or set AWS_CLI_V1)");
if (!LONG_TESTS) console.warn("skipping the aws cli proof-of-possession tests: they run under npm run test:long (RAJEE_LONG_TESTS=1)");
const describeWithMoto = LONG_TESTS && motoSetup().ok ? describe : describe.skip;
const itV2 = v2.path !== undefined ? it : it.skip;
const itV1 = v1 !== undefined ? it : it.skip;

let fx: PopFixture;
let env: Record<string, string>;
const aws = (cli: string, ...args: string[]) => run(cli, ["--endpoint-url", fx.gateway.url, ...args], { env, cwd: fx.dir });

describeWithMoto("aws cli with bound credentials, client signatures required", () => {
  beforeAll(async () => {
    fx = await startPopFixture(["data"]);
    env = await fx.awsEnvironment(await fx.issue(["*:data/team/"], "aws-cli"), "  signature_version = s3v4\n");
    await writeFile(join(fx.dir, "a.txt"), "bound upload");
  });
  afterAll(async () => {
    await fx?.stop();
  });

  itV2("uploads, lists and downloads with aws cli v2, header-signed", async () => {
    expect(await aws(v2.path!, "s3", "cp", "a.txt", "s3://data/team/v2.txt")).toMatchObject({ code: 0 });
    expect((await aws(v2.path!, "s3", "ls", "s3://data/team/")).stdout).toContain("v2.txt");
    expect(await aws(v2.path!, "s3api", "get-object", "--bucket", "data", "--key", "team/v2.txt", "--range", "bytes=0-4", "v2.part")).toMatchObject({ code: 0 });
    expect(await readFile(join(fx.dir, "v2.part"), "utf8")).toBe("bound");
  });

  itV2("presigns a SigV4 URL with aws cli v2 that works until it expires, and not without its expiry", async () => {
    const presigned = await aws(v2.path!, "s3", "presign", "s3://data/team/v2.txt", "--expires-in", "300");
    expect(presigned.code).toBe(0);
    const url = presigned.stdout.trim();
    expect(url).toContain("X-Amz-Signature=");
    expect(await fetchUrl(url, fx.gateway.caCertificate)).toEqual({ status: 200, body: "bound upload" });
    const stripped = url.replace(/&X-Amz-Date=[^&]*/, "").replace(/&X-Amz-Expires=[^&]*/, "");
    expect((await fetchUrl(stripped, fx.gateway.caCertificate)).status).toBe(400);
    const token = new URL(url).searchParams.get("X-Amz-Security-Token") as string;
    const replay = await fetchUrl(`${fx.gateway.url}/data/team/v2.txt`, fx.gateway.caCertificate, { headers: { "x-amz-security-token": token } });
    expect(replay.status).toBe(403);
    expect(replay.body).toContain("not signed");
  });

  itV1("uploads and downloads with aws cli v1, and presigns with signature_version s3v4", async () => {
    expect(await aws(v1!, "s3", "cp", "a.txt", "s3://data/team/v1.txt")).toMatchObject({ code: 0 });
    expect(await aws(v1!, "s3", "cp", "s3://data/team/v1.txt", "v1.down")).toMatchObject({ code: 0 });
    expect(await readFile(join(fx.dir, "v1.down"), "utf8")).toBe("bound upload");
    const presigned = await aws(v1!, "s3", "presign", "s3://data/team/v1.txt");
    expect(presigned.stdout).toContain("X-Amz-Signature=");
    expect(await fetchUrl(presigned.stdout.trim(), fx.gateway.caCertificate)).toEqual({ status: 200, body: "bound upload" });
  });

  itV2("refuses a request signed with a secret that is not the token's", async () => {
    const wrong = { ...env, AWS_SECRET_ACCESS_KEY: "x".repeat(40) };
    const denied = await run(v2.path!, ["--endpoint-url", fx.gateway.url, "s3", "ls", "s3://data/team/"], { env: wrong, cwd: fx.dir });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain("SignatureDoesNotMatch");
  });

  itV2("refuses a bearer token, naming where to get credentials", async () => {
    const bearer = { ...env, AWS_SESSION_TOKEN: await fx.bearer(["*:data/team/"]) };
    const denied = await run(v2.path!, ["--endpoint-url", fx.gateway.url, "s3", "ls", "s3://data/team/"], { env: bearer, cwd: fx.dir });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain("AccessDenied");
  });

  it("only ever reached S3 with signatures the stand-in verified", () => {
    expect(fx.gateway.standIn.records.filter((r) => r.verdict !== "verified")).toEqual([]);
  });
});
