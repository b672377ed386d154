import { chmod, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { NESTED_RUN_VARIABLE, tokenCredentialProcessCommand } from "../../../bin/commands/token-credential-process";
import { cacheFileName } from "../../../bin/credential-cache";
import type { IssuerAnswer } from "../../../bin/issuer-client";
import type { IssuerDeps } from "../../../bin/issuer-call";
import { TempDirs } from "../../support/temp";

const URL_TEXT = "https://abc123def456.lambda-url.eu-central-1.on.aws/";
const START = new Date("2026-05-01T10:00:00Z");

/** An answer issued at `now` for `ttl` seconds, with a JWT-shaped token carrying its `exp` and ending in its serial number. */
function issuedAt(now: Date, ttl: number, serial: number): IssuerAnswer {
  const expiration = new Date(now.getTime() + ttl * 1000).toISOString();
  const payload = Buffer.from(JSON.stringify({ exp: Date.parse(expiration) / 1000 })).toString("base64url");
  return {
    status: 200,
    body: JSON.stringify({
      credentials: { AccessKeyId: `ASIAISSUED${String(serial).padStart(10, "0")}`, SecretAccessKey: `secret-${serial}`, SessionToken: `eyJhbGciOiJFUzI1NiJ9.${payload}.token-${serial}`, Expiration: expiration },
      grants: ["read:data/a/"],
      jti: `j-${serial}`,
      expiresAt: expiration,
    }),
  };
}

/** The issuer's lifetime when none is asked for (min(900, the policy's longest)). */
const ISSUER_DEFAULT_TTL = 900;

const temp = new TempDirs();
afterEach(() => temp.removeAll());

/** A command whose issuer answers with fresh credentials each call (or `refusal`), at a clock the test moves. */
function harness(refusal?: IssuerAnswer) {
  const cacheHome = temp.make("xdg-cache");
  const clock = { now: START };
  let calls = 0;
  let marked = 0;
  const deps: IssuerDeps = {
    credentials: async () => ({ accessKeyId: "AKIACALLER", secretAccessKey: "s" }),
    region: async () => undefined,
    send: async (request) => {
      calls += 1;
      return refusal ?? issuedAt(clock.now, (JSON.parse(request.body) as { ttlSeconds?: number }).ttlSeconds ?? ISSUER_DEFAULT_TTL, calls);
    },
    now: () => clock.now,
  };
  const command = tokenCredentialProcessCommand(deps, () => (marked += 1));
  const run = async (args: string[], env: Record<string, string> = {}) => {
    let stdout = "";
    let stderr = "";
    const code = await command.run(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { XDG_CACHE_HOME: cacheHome, HOME: "/nonexistent", ...env } });
    return { code, stdout, stderr };
  };
  return {
    run,
    clock,
    cacheDir: join(cacheHome, "rajee", "credentials"),
    calls: () => calls,
    marked: () => marked,
  };
}

const ARGS = ["--url", URL_TEXT, "--grant", "read:data/a/", "--ttl", "1h"];

describe("rajee token credential-process", () => {
  it("prints credential_process JSON, Version 1, with the issued credentials and their Expiration", async () => {
    const h = harness();
    const result = await h.run(ARGS);
    expect(result.code).toBe(0);
    expect(result.stdout.endsWith("\n")).toBe(true);
    expect(result.stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toEqual({
      Version: 1,
      AccessKeyId: "ASIAISSUED0000000001",
      SecretAccessKey: "secret-1",
      SessionToken: expect.stringMatching(/\.token-1$/),
      Expiration: "2026-05-01T11:00:00.000Z",
    });
    expect(h.marked()).toBe(1);
  });

  it("reuses the cached credentials until 15 minutes before they expire, then asks again", async () => {
    const h = harness();
    const first = (await h.run(ARGS)).stdout;
    h.clock.now = new Date(START.getTime() + 44 * 60_000);
    expect((await h.run(ARGS)).stdout).toBe(first);
    expect(h.calls()).toBe(1);
    h.clock.now = new Date(START.getTime() + 45 * 60_000);
    const renewed = JSON.parse((await h.run(ARGS)).stdout) as { SessionToken: string; Expiration: string };
    expect(h.calls()).toBe(2);
    expect(renewed.SessionToken).toMatch(/\.token-2$/);
    expect(renewed.Expiration).toBe("2026-05-01T11:45:00.000Z");
  });

  it("reuses credentials of the issuer's own lifetime, when --ttl is left out, for their first half", async () => {
    const h = harness();
    const args = ["--url", URL_TEXT, "--grant", "read:data/a/"];
    await h.run(args);
    h.clock.now = new Date(START.getTime() + 449_000);
    await h.run(args);
    expect(h.calls()).toBe(1);
    h.clock.now = new Date(START.getTime() + 450_000);
    await h.run(args);
    expect(h.calls()).toBe(2);
  });

  it("keeps one 0600 file per URL, grants, lifetime and profile in a 0700 directory", async () => {
    const h = harness();
    await h.run(ARGS);
    await h.run(["--url", URL_TEXT, "--grant", "read:data/b/", "--ttl", "1h"]);
    await h.run([...ARGS, "--profile", "sso"]);
    await h.run(ARGS, { AWS_PROFILE: "other" });
    expect(h.calls()).toBe(4);
    const files = await readdir(h.cacheDir);
    expect(files).toHaveLength(4);
    expect((await stat(h.cacheDir)).mode & 0o777).toBe(0o700);
    for (const file of files) expect((await stat(join(h.cacheDir, file))).mode & 0o777).toBe(0o600);
    expect(files).toContain(cacheFileName({ url: URL_TEXT, grants: ["read:data/a/"], ttlSeconds: 3600, profile: "sso" }));
  });

  it("asks the issuer again when the cache file is corrupt, and replaces it", async () => {
    const h = harness();
    await h.run(ARGS);
    const [file] = await readdir(h.cacheDir);
    await writeFile(join(h.cacheDir, file!), "{ not json", { mode: 0o600 });
    const again = await h.run(ARGS);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).SessionToken).toMatch(/\.token-2$/);
    expect(JSON.parse(await readFile(join(h.cacheDir, file!), "utf8")).credentials.SessionToken).toMatch(/\.token-2$/);
  });

  it("still prints the credentials when the cache cannot be written, with a warning", async () => {
    const h = harness();
    const blocked = temp.make("blocked");
    // A file where the cache directory's parent should be: mkdir fails for any user, root included.
    await writeFile(join(blocked, "rajee"), "");
    await chmod(join(blocked, "rajee"), 0o600);
    const result = await h.run(ARGS, { XDG_CACHE_HOME: blocked });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).SessionToken).toMatch(/\.token-1$/);
    expect(result.stderr).toMatch(/^warning: cannot cache the credentials in /);
  });

  it("refuses to run inside itself, naming the inherited AWS_PROFILE and the fix", async () => {
    const h = harness();
    await expect(h.run(ARGS, { [NESTED_RUN_VARIABLE]: "1", AWS_PROFILE: "data" })).rejects.toThrow(
      /running inside itself.*\(AWS_PROFILE=data is inherited from the aws command\).*Give --profile a profile holding your own AWS credentials/,
    );
    expect(h.calls()).toBe(0);
  });

  it("refuses a signing profile whose own credential_process is this command, before asking the SDK", async () => {
    const h = harness();
    const config = join(temp.make("aws"), "config");
    await writeFile(config, `[profile data]\ncredential_process = rajee token credential-process --url ${URL_TEXT} --grant read:data/a/\n[profile sso]\nsso_session = corp\n`);
    await expect(h.run([...ARGS, "--profile", "data"], { AWS_CONFIG_FILE: config })).rejects.toThrow(/^--profile data would sign the call to the issuer with credentials from its own credential_process/);
    await expect(h.run(ARGS, { AWS_CONFIG_FILE: config, AWS_PROFILE: "data" })).rejects.toThrow(/^AWS_PROFILE=data \(inherited from the aws command\) would sign/);
    expect(h.calls()).toBe(0);
    expect((await h.run([...ARGS, "--profile", "sso"], { AWS_CONFIG_FILE: config, AWS_PROFILE: "data" })).code).toBe(0);
    expect(h.calls()).toBe(1);
  });

  it("fails with the issuer's refusal and caches nothing", async () => {
    const h = harness({ status: 403, body: JSON.stringify({ error: { code: "AccessDenied", message: "grant write:data/x/ is not covered by any rule for arn:aws:iam::111111111111:user/u" } }) });
    await expect(h.run(["--url", URL_TEXT, "--grant", "write:data/x/"])).rejects.toThrow("the issuer refused (403 AccessDenied): grant write:data/x/ is not covered by any rule");
    await expect(readdir(h.cacheDir)).rejects.toThrow();
  });
});
