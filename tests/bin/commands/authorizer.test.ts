import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../../../bin/cli";
import { SETTINGS } from "../../../handlers/authorizer/config";
import { jwksText, keyPair, mint, send } from "../../handlers/authorizer/support";
import { TempDirs } from "../../support/temp";

async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

describe("rajee authorizer", () => {
  const temp = new TempDirs();
  afterAll(() => temp.removeAll());

  it("lists a flag for every RAJEE_ variable in --help", async () => {
    const { code, stdout } = await cli(["authorizer", "--help"]);
    expect(code).toBe(0);
    for (const s of SETTINGS) expect(stdout).toContain(`--${s.flag} V`);
  });

  it("exits 2 naming the variable when a flag's value is bad, and a flag wins over its variable", async () => {
    const { code, stderr } = await cli(["authorizer", "--listen", "10.0.0.1:9000"], { RAJEE_JWKS_FILE: "/k.json", RAJEE_LISTEN: "127.0.0.1:9000" });
    expect(code).toBe(2);
    expect(stderr).toBe('authorizer: RAJEE_LISTEN="10.0.0.1:9000" is not a loopback address; bind 127.0.0.1 (only Envoy in the same task may call the authorizer)\n');
  });

  it("exits 2 on an unknown flag", async () => {
    const { code, stderr } = await cli(["authorizer", "--jwks", "x"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^rajee authorizer: Unknown option '--jwks'/);
  });

  it("serves checks from `npm run rajee -- authorizer` and exits 0 on SIGTERM", async () => {
    const dir = temp.make("cli");
    const pair = await keyPair();
    writeFileSync(join(dir, "jwks.json"), jwksText(pair.publicKey));
    const args = ["tsx", "bin/rajee.ts", "authorizer", "--jwks-file", join(dir, "jwks.json"), "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--emf-interval-seconds", "0"];
    const child = spawn(join("node_modules", ".bin", "tsx"), args.slice(1), { cwd: join(__dirname, "..", "..", ".."), stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "" } });
    const exit = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    try {
      const checkPort = await new Promise<number>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          const match = /"event":"listening","check":"127\.0\.0\.1:(\d+)"/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        void exit.then((c) => reject(new Error(`exited ${c}: ${out}`)));
      });
      const response = await send(checkPort, { path: "/data/a", headers: { "x-amz-security-token": await mint(pair, ["read:data/"]) } });
      expect(response.status).toBe(200);
      child.kill("SIGTERM");
      expect(await exit).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
