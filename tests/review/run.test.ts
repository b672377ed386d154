import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { environmentNames, getEnvironment } from "../../config";
import { EXIT, HELP, reviewOptionsFor, runReview } from "../../review/run";
import { hasAwsCredentials } from "../../review/terraform";
import type { Suppression } from "../../review/core";

/** The command's arguments, files and exit codes, on small plan files (no terraform needed). */
const dir = mkdtempSync(join(tmpdir(), "rajee-review-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
};

async function run(args: string[], suppressions?: readonly Suppression[]) {
  const out = { stdout: "", stderr: "" };
  const io = { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), env: {} };
  const code = suppressions ? await runReview(args, io, suppressions) : await runReview(args, io);
  return { code, ...out };
}

const EMPTY_PLAN = { format_version: "1.2", terraform_version: "1.11.4", resource_changes: [], configuration: { root_module: {} } };
const PLAIN_SECRET_PLAN = {
  ...EMPTY_PLAN,
  resource_changes: [{ address: "aws_secretsmanager_secret.s", mode: "managed", type: "aws_secretsmanager_secret", change: { actions: ["create"], before: null, after: { name: "s" }, after_unknown: {} } }],
};

describe("npm run review", () => {
  it("prints its help and exits 0", async () => {
    expect(await run(["--help"])).toEqual({ code: EXIT.passed, stdout: HELP, stderr: "" });
  });

  it("reviews a plan file: exit 0 when the rules pass, 1 with the report when one fails", async () => {
    const ok = await run(["--env", "dev", "--plan", write("empty.json", EMPTY_PLAN)]);
    expect([ok.code, ok.stdout.split("\n")[1], ok.stderr]).toEqual([EXIT.passed, "## Plan review: `dev` · ✅ policy rules pass", ""]);
    const bad = await run(["--env", "dev", "--plan", write("secret.json", PLAIN_SECRET_PLAN), "--format", "json", "--output", join(dir, "out.json")]);
    expect([bad.code, bad.stdout, bad.stderr]).toEqual([EXIT.violations, "", "review: policy rules failed for dev; see the report's violations\n"]);
    expect(JSON.parse(readFileSync(join(dir, "out.json"), "utf8")).violations).toEqual([
      { rule: "unencrypted-secret", address: "aws_secretsmanager_secret.s", message: "secret s has no kms_key_id: it is encrypted only with the AWS managed key, which every principal with secretsmanager access in the account can use" },
    ]);
  });

  it("with --base reports only the difference and still fails on the head plan's violations", async () => {
    const r = await run(["--env", "dev", "--plan", write("head.json", PLAIN_SECRET_PLAN), "--base", write("base.json", EMPTY_PLAN)]);
    expect(r.code).toBe(EXIT.violations);
    expect(r.stdout).toContain("| `aws_secretsmanager_secret.s` | absent | create | - |");
  });

  it.each([
    [[], "review: missing required option --env (one of dev, staging, prod)\n(run 'npm run review -- --help' for usage)\n"],
    [["--env", "dev", "--format", "html"], "review: --format html is not md or json\n(run 'npm run review -- --help' for usage)\n"],
    [["--env", "qa"], 'review: environment "qa" is unknown; use one of dev, staging, prod (or add config/qa.ts)\n'],
  ])("exits 2 on bad usage %j", async (args, stderr) => {
    expect(await run(args)).toEqual({ code: EXIT.usage, stdout: "", stderr });
  });

  it("exits 2 naming an unknown option", async () => {
    const r = await run(["--env", "dev", "--colour"]);
    expect([r.code, r.stdout]).toEqual([EXIT.usage, ""]);
    expect(r.stderr).toMatch(/^review: Unknown option '--colour'.*\n\(run 'npm run review -- --help' for usage\)\n$/);
  });

  it("exits 2 when a suppression has no reason", async () => {
    const r = await run(["--env", "dev", "--plan", write("empty2.json", EMPTY_PLAN)], [{ rule: "public-ingress", address: "aws_x.y", reason: " " }]);
    expect(r).toEqual({ code: EXIT.usage, stdout: "", stderr: 'review: review suppressions[0] (public-ingress on aws_x.y): reason=" " is missing or too short; say in a sentence why the exception is safe\n' });
  });

  it("exits 3 naming the file when a plan is missing, not JSON, or not a plan", async () => {
    const missing = join(dir, "missing.json");
    expect(await run(["--env", "dev", "--plan", missing])).toEqual({ code: EXIT.failed, stdout: "", stderr: `review: --plan ${missing}: cannot read it (ENOENT); write it with \`terraform show -json plan.bin > ${missing}\`\n` });
    const text = write("text.txt", "Terraform will perform the following actions:");
    expect((await run(["--env", "dev", "--plan", text])).stderr).toMatch(new RegExp(`^review: --plan ${text}: not JSON \\(.*\\); write it with \`terraform show -json plan.bin > ${text}\`, not \`terraform plan\`\\n$`));
    const state = write("state.json", { format_version: "1.0", values: { root_module: {} } });
    expect(await run(["--env", "dev", "--plan", state])).toEqual({
      code: EXIT.failed,
      stdout: "",
      stderr: `review: --plan ${state}: neither resource_changes nor planned_values; this looks like state, not a plan; pass the output of \`terraform show -json <planfile>\`\n`,
    });
  });
});

describe("reviewOptionsFor", () => {
  it.each(environmentNames)("reads %s's policy from its config: digests by imagePinning, deletion protection always, the issuer's invokers", (name) => {
    const config = getEnvironment(name);
    const o = reviewOptionsFor(name);
    expect([o.requireImageDigests, o.requireDeletionProtection, o.accountId]).toEqual([(config.imagePinning ?? "digest") === "digest", true, config.accountId]);
    expect(o.issuerInvokers).toEqual(config.issuer.invokers);
  });
});

describe("hasAwsCredentials", () => {
  it.each([
    [{}, false],
    [{ AWS_ACCESS_KEY_ID: "AKIA" }, false],
    [{ AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s" }, true],
    [{ AWS_PROFILE: "deploy" }, true],
    [{ AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/token" }, true],
    [{ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials" }, true],
  ])("%j -> %s", (env, expected) => expect(hasAwsCredentials(env)).toBe(expected));
});
