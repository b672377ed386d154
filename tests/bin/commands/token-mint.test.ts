import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { TOKEN_MAX_ENCODED_BYTES } from "../../../src/contracts/gateway";
import { generateSigningKeyPair } from "../../../src/keys/generate";
import { generateBindingKeyPair, importBindingKey, openSecret } from "../../../src/token/binding";
import { rajee } from "../../support/cli";
import { TempDirs } from "../../support/temp";

const temp = new TempDirs();
afterAll(() => temp.removeAll());
let key: string;
let bindingPublic: string;
let bindingPrivate: string;
let binding: Awaited<ReturnType<typeof generateBindingKeyPair>>;

beforeAll(async () => {
  const dir = temp.make("token-mint");
  key = join(dir, "private.jwk.json");
  bindingPublic = join(dir, "binding.public.jwk.json");
  bindingPrivate = join(dir, "binding.private.jwk.json");
  binding = await generateBindingKeyPair();
  await writeFile(key, JSON.stringify((await generateSigningKeyPair()).privateKey));
  await writeFile(bindingPublic, JSON.stringify(binding.publicKey));
  await writeFile(bindingPrivate, JSON.stringify(binding.privateKey));
});

const mintArgs = () => ["token", "mint", "--key", key, "--sub", "alice", "--grant", "read:data/"];

describe("rajee token mint --format", () => {
  it("prints the credential_process JSON whose token opens to its own secret and key id", async () => {
    const run = await rajee([...mintArgs(), "--binding-key", bindingPublic, "--format", "credentials"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const document = JSON.parse(run.stdout) as Record<string, string>;
    expect(document).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA[A-Z2-7]{16}$/) });
    const claims = decodeJwt(document.SessionToken as string);
    expect(document.Expiration).toBe(new Date((claims.exp as number) * 1000).toISOString());
    const opened = await openSecret((claims.cnf as { jwe: string }).jwe, await importBindingKey(binding.privateKey));
    expect(opened).toEqual({ accessKeyId: document.AccessKeyId, secretAccessKey: document.SecretAccessKey });
  });

  it("prints export lines a shell can source", async () => {
    const run = await rajee([...mintArgs(), "--binding-key", bindingPublic, "--format", "env"]);
    const lines = run.stdout.trim().split("\n");
    expect(lines.map((l) => l.split("=")[0])).toEqual(["export AWS_ACCESS_KEY_ID", "export AWS_SECRET_ACCESS_KEY", "export AWS_SESSION_TOKEN"]);
    expect(lines[0]).toMatch(/^export AWS_ACCESS_KEY_ID='ASIA[A-Z2-7]{16}'$/);
  });

  it("prints only the token by default, bound when a binding key is given", async () => {
    const run = await rajee([...mintArgs(), "--binding-key", bindingPublic]);
    expect(run.stdout.trim().split(".")).toHaveLength(3);
    expect(decodeJwt(run.stdout.trim()).cnf).toMatchObject({ jwe: expect.any(String) });
  });

  it("warns that credentials without a binding key are a bearer token", async () => {
    const run = await rajee([...mintArgs(), "--format", "credentials"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/without --binding-key.*bearer token/);
    expect(decodeJwt((JSON.parse(run.stdout) as { SessionToken: string }).SessionToken).cnf).toBeUndefined();
  });

  it("refuses a private binding key, so the authorizers' secret half is never handed to the minting side", async () => {
    const run = await rajee([...mintArgs(), "--binding-key", bindingPrivate]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/holds a private key/);
    expect(run.stdout).toBe("");
  });

  it("refuses a token over the size limit, naming its size, the limit and the fix, and prints nothing", async () => {
    const grants = Array.from({ length: 400 }, (_, i) => ["--grant", `read:data/teams/analytics/reports/${String(i).padStart(4, "0")}/`]).flat();
    const run = await rajee(["token", "mint", "--key", key, "--sub", "alice", ...grants]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`the token would be \\d+ bytes, over the ${TOKEN_MAX_ENCODED_BYTES}-byte limit.*400 grant\\(s\\).*fewer, wider grants`));
    expect(run.stdout).toBe("");
  });

  it("exits 2 on an unknown format", async () => {
    const run = await rajee([...mintArgs(), "--format", "yaml"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--format yaml: use one of token, credentials, env/);
  });
});
