import { execFile } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { rajee } from "../support/cli";
import { TempDirs } from "../support/temp";

let dir: string;
const temp = new TempDirs();
afterAll(() => temp.removeAll());
let jwks: string;
let key: string;

async function mint(...grants: string[]): Promise<string> {
  const run = await rajee(["token", "mint", "--key", key, "--sub", "alice", ...grants.flatMap((g) => ["--grant", g])]);
  expect(run).toMatchObject({ code: 0 });
  return run.stdout.trim();
}

async function simulate(args: string[], env: Record<string, string> = {}) {
  const run = await rajee(["simulate", "--jwks", jwks, ...args], env);
  expect(run.code).toBe(0);
  return run.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  dir = temp.make("cli");
  expect((await rajee(["keys", "generate", "--out", dir])).code).toBe(0);
  jwks = join(dir, "jwks.json");
  key = join(dir, "private.jwk.json");
});

describe("rajee keys generate", () => {
  it("writes a private key readable only by its owner and a public JWKS", async () => {
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    const published = JSON.parse(await readFile(jwks, "utf8"));
    const secret = JSON.parse(await readFile(key, "utf8"));
    expect(published.keys[0]).toMatchObject({ kid: secret.kid, alg: "EdDSA", crv: "Ed25519" });
    expect(published.keys[0].d).toBeUndefined();
  });

  it("refuses to overwrite keys without --force and writes nothing", async () => {
    const before = await readFile(key, "utf8");
    const run = await rajee(["keys", "generate", "--out", dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/already exist.*--force/);
    expect(await readFile(key, "utf8")).toBe(before);
  });
});

describe("rajee token", () => {
  it("mints a token that inspect shows as unverified with its fingerprint", async () => {
    const token = await mint("read:data/reports/");
    const run = await rajee(["token", "inspect", token]);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ verified: false, claims: { sub: "alice", iss: "rajee", aud: "rajee", grants: ["read:data/reports/"] }, header: { alg: "EdDSA" } });
    expect(report.fingerprint).toMatch(/^[0-9a-f]{12}$/);
  });

  it("refuses to mint a bad grant, naming it", async () => {
    const run = await rajee(["token", "mint", "--key", key, "--sub", "a", "--grant", "read:data/a*b"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('"read:data/a*b"');
    expect(run.stdout).toBe("");
  });

  it.each([
    [["token", "mint", "--key", "k", "--sub", "a"], /at least one --grant/],
    [["token", "mint", "--sub", "a", "--grant", "read:d/"], /--key/],
    [["token", "mint", "--key", "k", "--sub", "a", "--grant", "read:data/", "--ttl", "soon"], /--ttl soon/],
    [["token", "inspect"], /exactly one token/],
    [["simulate", "--jwks", "x", "--bogus"], /Unknown option '--bogus'/],
    [["simulate", "--jwks", "x", "--url", "/data/k"], /--method/],
    [["simulate", "--jwks", "x", "--method", "GET", "--url", "data/k"], /must start with/],
    [["simulate", "--jwks", "x", "--method", "GET", "--url", "/d/k", "-H", "nocolon"], /not 'name: value'/],
    [["frobnicate"], /unknown command/],
  ])("exits 2 on bad usage %j", async (args, message) => {
    const run = await rajee(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it("prints help for every command", async () => {
    for (const args of [["keys", "generate"], ["token", "mint"], ["token", "inspect"], ["simulate"]]) {
      const run = await rajee([...args, "--help"]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: rajee ${args.join(" ")}`);
    }
  });
});

describe("rajee simulate", () => {
  it("allows a request inside the grants and denies one outside, exiting 0 both times", async () => {
    const token = await mint("read:data/reports/");
    const [allowed] = await simulate(["--method", "GET", "--url", "https://gw.example.com/data/reports/a.csv", "-H", `x-amz-security-token: ${token}`]);
    expect(allowed).toEqual({
      allow: true,
      status: 200,
      code: "OK",
      operation: "GetObject",
      message: expect.stringContaining("s3://data/reports/a.csv"),
      upstream: {
        method: "GET",
        path: "/data/reports/a.csv",
        headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-amz-date": expect.stringMatching(/^\d{8}T\d{6}Z$/) },
        sessionToken: true,
        signedHeaders: ["host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"],
        clientCredentialsDropped: ["x-amz-security-token"],
      },
    });
    const [denied] = await simulate(["--method", "GET", "--url", "https://gw.example.com/data/secret.csv", "-H", `x-amz-security-token: ${token}`]);
    expect(denied).toEqual({ allow: false, status: 403, code: "AccessDenied", operation: "GetObject", message: expect.stringContaining("read on s3://data/secret.csv") });
  });

  it("shows the upstream request S3 will execute: rebuilt path and copy source, signing time, never a secret", async () => {
    const token = await mint("read:data/reports/", "write:data/inbox/");
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000);
    const [copy] = await simulate([
      "--method", "PUT",
      "--url", "https://gw.example.com/data/inbox/a+b.csv?x-id=CopyObject",
      "-H", `x-amz-security-token: ${token}`,
      "-H", `x-amz-copy-source: ${encodeURIComponent("data/reports/q 1+2.csv")}?versionId=v%2B1`,
      "-H", "x-amz-meta-owner: etl",
      "-H", "authorization: AWS4-HMAC-SHA256 Credential=AKIDCLIENT/20300102/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=00",
      "--now", at.toISOString(),
    ]);
    expect(copy).toMatchObject({ allow: true, operation: "CopyObject" });
    const upstream = copy!.upstream as Record<string, unknown>;
    expect(upstream).toMatchObject({
      method: "PUT",
      path: "/data/inbox/a%2Bb.csv?x-id=CopyObject",
      headers: {
        "x-amz-copy-source": "/data/reports/q%201%2B2.csv?versionId=v%2B1",
        "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
        "x-amz-date": at.toISOString().replace(/[-:]/g, "").replace(".000", ""),
      },
      sessionToken: true,
      clientCredentialsDropped: ["authorization", "x-amz-security-token"],
    });
    expect(upstream.signedHeaders).toEqual(["host", "x-amz-content-sha256", "x-amz-copy-source", "x-amz-date", "x-amz-meta-owner", "x-amz-security-token"]);
    const line = JSON.stringify(copy);
    expect(line).not.toContain(token);
    expect(line).not.toContain("AKIDCLIENT");
    const [dated] = await simulate(["--method", "GET", "--url", "/data/reports/a", "-H", `x-amz-security-token: ${token}`, "--now", "2030-01-02T03:04:05Z"]);
    // The token is judged as of --now too: minted now, it is not valid in 2030.
    expect(dated).toMatchObject({ allow: false, code: "ExpiredToken" });
    expect(dated!.upstream).toBeUndefined();
  });

  it("answers every 400/403 code of the design", async () => {
    const token = await mint("*:data/");
    const expired = (await rajee(["token", "mint", "--key", key, "--sub", "a", "--grant", "read:data/", "--ttl", "60"])).stdout.trim();
    const body = join(dir, "bad-delete.xml");
    await writeFile(body, "<Delete><Object><Key>a</Key>");
    const h = ["-H", `x-amz-security-token: ${token}`];
    const cases: [string[], string, number][] = [
      [["--method", "GET", "--url", "/data/k"], "AccessDenied", 403],
      [["--method", "GET", "--url", "/data/k?acl", ...h], "AccessDenied", 403],
      [["--method", "GET", "--url", "/data/k", "-H", "x-amz-security-token: not-a-jwt"], "InvalidToken", 400],
      [["--method", "GET", "--url", "/data/k", "-H", `x-amz-security-token: ${expired}`, "--now", new Date(Date.now() + 3600_000).toISOString()], "ExpiredToken", 400],
      [["--method", "GET", "--url", "/data/a%00b", ...h], "InvalidURI", 400],
      [["--method", "GET", "--url", `/data/${"k".repeat(1025)}`, ...h], "KeyTooLongError", 400],
      [["--method", "POST", "--url", "/data?delete", "--body", body, ...h], "MalformedXML", 400],
      [["--method", "PUT", "--url", "/data/k", "-H", "x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD", ...h], "InvalidRequest", 400],
    ];
    for (const [args, code, status] of cases) {
      const [result] = await simulate(args);
      expect({ args: args.join(" "), code: result!.code, status: result!.status }).toEqual({ args: args.join(" "), code, status });
      expect(result!.message).not.toContain(token);
    }
  });

  it("takes issuer and audience from the environment", async () => {
    const token = await mint("read:data/");
    const [result] = await simulate(["--method", "GET", "--url", "/data/k", "-H", `authorization: Bearer ${token}`], { RAJEE_AUDIENCE: "other" });
    expect(result).toMatchObject({ allow: false, code: "InvalidToken", message: expect.stringContaining("audience") });
  });

  it("decides virtual-hosted requests with --domain", async () => {
    const token = await mint("read:data/");
    const [result] = await simulate(["--method", "GET", "--url", "https://data.s3.example.com/k", "-H", `x-amz-security-token: ${token}`, "--domain", "s3.example.com"]);
    expect(result).toMatchObject({ allow: true, operation: "GetObject" });
  });

  it("answers a batch file line by line, in order", async () => {
    const token = await mint("read:data/in/", "delete:data/in/");
    const batch = join(dir, "batch.jsonl");
    const lines = [
      { method: "GET", url: "/data/in/a", headers: { "x-amz-security-token": token } },
      { method: "GET", url: "/data/out/a", headers: { "x-amz-security-token": token } },
      { method: "POST", url: "/data?delete", headers: { "x-amz-security-token": token }, body: "<Delete><Object><Key>in/a</Key></Object></Delete>" },
      { method: "DELETE", url: "/data/in/a" },
    ];
    await writeFile(batch, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n\n`);
    const results = await simulate(["--batch", batch]);
    expect(results.map((r) => [r.allow, r.code, r.operation])).toEqual([
      [true, "OK", "GetObject"],
      [false, "AccessDenied", "GetObject"],
      [true, "OK", "DeleteObjects"],
      [false, "AccessDenied", "DeleteObject"],
    ]);
    expect(results.map((r) => (r.upstream as { path?: string } | undefined)?.path)).toEqual(["/data/in/a", undefined, "/data?delete", undefined]);
  });

  it("refuses a repeated token, host or copy-source header as the authorizer does, and joins other repeats", async () => {
    const token = await mint("read:data/", "write:data/in/");
    const h = (name: string, value: string) => ["-H", `${name}: ${value}`];
    const [twoTokens] = await simulate(["--method", "GET", "--url", "/data/k", ...h("x-amz-security-token", token), ...h("X-Amz-Security-Token", token)]);
    expect(twoTokens).toEqual({ allow: false, status: 400, code: "InvalidToken", operation: "Unknown", message: "header 'x-amz-security-token' sent more than once; send the token exactly once" });
    const [twoSources] = await simulate(["--method", "PUT", "--url", "/data/in/b", ...h("x-amz-security-token", token), ...h("x-amz-copy-source", "/data/a"), ...h("x-amz-copy-source", "/secret/a")]);
    expect(twoSources).toMatchObject({ allow: false, status: 400, code: "InvalidRequest", message: "header 'x-amz-copy-source' sent more than once; send it once" });
    const [joined] = await simulate(["--method", "PUT", "--url", "/data/in/b", ...h("x-amz-security-token", token), ...h("x-amz-meta-tag", "a"), ...h("x-amz-meta-tag", "b")]);
    expect(joined).toMatchObject({ allow: true, operation: "PutObject", upstream: { signedHeaders: expect.arrayContaining(["x-amz-meta-tag"]) } });
    const batch = join(dir, "repeats.jsonl");
    await writeFile(batch, `${JSON.stringify({ method: "GET", url: "/data/k", headers: { host: ["a.example.com", "b.example.com"], "x-amz-security-token": token } })}\n`);
    expect(await simulate(["--batch", batch])).toEqual([expect.objectContaining({ allow: false, code: "InvalidRequest", message: "header 'host' sent more than once; send it once" })]);
  });

  it("refuses a bad batch line by number before deciding anything", async () => {
    const batch = join(dir, "bad.jsonl");
    await writeFile(batch, '{"method":"GET","url":"/data/a"}\n{"method":"GET"}\n');
    const run = await rajee(["simulate", "--jwks", jwks, "--batch", batch]);
    expect(run).toMatchObject({ code: 2, stdout: "" });
    expect(run.stderr).toContain("line 2");
  });

  it("names a missing or invalid JWKS file", async () => {
    const missing = await rajee(["simulate", "--jwks", join(dir, "nope.json"), "--method", "GET", "--url", "/d/k"]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining("nope.json: no such file") });
    const invalid = await rajee(["simulate", "--jwks", key, "--method", "GET", "--url", "/d/k"]);
    expect(invalid).toMatchObject({ code: 1, stderr: expect.stringContaining("private.jwk.json: not a JWKS document") });
  });

  it("runs as a real process through the bin entry", async () => {
    const token = await mint("list:data/");
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, "../../bin/rajee.js"), "simulate", "--jwks", jwks, "--method", "GET", "--url", "/data?list-type=2", "-H", `x-amz-security-token: ${token}`]);
    expect(JSON.parse(stdout)).toMatchObject({ allow: true, operation: "ListObjectsV2" });
  });
});
