import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bundleIssuerLambda, type IssuerBundle } from "../../../handlers/issuer/bundle";
import { issuerEnvironment } from "../../../src/contracts/issuer-environment";
import { parseIssueTokenResponse } from "../../../src/contracts/issuer-api";
import { generateSigningKeyPair } from "../../../src/keys/generate";
import { motoSetup, startMoto, type Moto } from "../../support/moto";
import { TempDirs } from "../../support/temp";
import { readZip } from "../lambda/read-zip";
import { motoEnvironment, motoSecretsClient } from "../rotation/moto-rig";
import { tokenRequestEvent } from "./function-url-event";

describe("bundleIssuerLambda", () => {
  const temp = new TempDirs();
  let dir: string;
  let bundle: IssuerBundle;
  let script: string;
  afterAll(() => temp.removeAll());

  beforeAll(async () => {
    dir = temp.make("issuer-bundle");
    bundle = bundleIssuerLambda(join(dir, "out"));
    const [entry] = readZip(await readFile(bundle.zipPath));
    script = join(dir, "index.js");
    await writeFile(script, entry?.data ?? "");
  }, 30_000);

  it("writes one index.js in a small zip whose hash and size it reports, the same bytes every time", async () => {
    const zip = await readFile(bundle.zipPath);
    expect(bundle.zipPath).toBe(join(dir, "out", "issuer.zip"));
    expect(bundle.bytes).toBe(zip.length);
    expect(bundle.sha256Base64).toBe(createHash("sha256").update(zip).digest("base64"));
    expect(readZip(zip).map((e) => e.name)).toEqual(["index.js"]);
    expect(bundle.bytes).toBeLessThan(600_000);
    expect(bundleIssuerLambda(join(dir, "again"))).toEqual({ ...bundle, zipPath: join(dir, "again", "issuer.zip") });
  });

  /** Calls the bundle's `index.handler` in a fresh node process, once per event; returns the answers and the stdout lines. */
  function runBundle(env: Record<string, string>, events: unknown[]): Promise<{ results: { statusCode: number; body: string }[]; lines: Record<string, unknown>[]; stderr: string }> {
    const program = `
      const { handler } = require(${JSON.stringify(script)});
      (async () => {
        const results = [];
        for (const event of JSON.parse(process.argv[1])) results.push(await handler(event));
        process.stderr.write("RESULTS " + JSON.stringify(results) + "\\n");
      })();`;
    return new Promise((resolve) => {
      execFile(process.execPath, ["-e", program, JSON.stringify(events)], { env: { PATH: process.env.PATH ?? "", NODE_NO_WARNINGS: "1", ...env } }, (_error, stdout, stderr) => {
        const marker = stderr.split("\n").find((l) => l.startsWith("RESULTS "));
        resolve({
          results: marker ? (JSON.parse(marker.slice("RESULTS ".length)) as { statusCode: number; body: string }[]) : [],
          lines: stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
          stderr,
        });
      });
    });
  }

  it("exports index.handler, which answers 500 to a bad configuration and logs why", async () => {
    const run = await runBundle({}, [tokenRequestEvent({ grants: ["read:data/reports/"] })]);
    expect(run.results).toEqual([{ statusCode: 500, headers: { "content-type": "application/json", "cache-control": "no-store" }, body: expect.stringContaining("InternalError") }]);
    expect(run.lines[0]).toMatchObject({ level: "error", service: "rajee-issuer", event: "issuer_error", error: { name: "ConfigError", message: expect.stringContaining("RAJEE_PRIVATE_KEY_SECRET_ARN is not set") } });
    expect(run.lines[1]).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: "rajee", Dimensions: [[]], Metrics: [{ Name: "Errors", Unit: "Count" }] }] }, Errors: 1 });
  });

  const moto = motoSetup();
  const itWithMoto = moto.ok ? it : it.skip;
  let aws: Moto | undefined;
  afterAll(() => aws?.stop());

  itWithMoto("issues a token from the zip, with the bundled SDK reading the key from Secrets Manager", async () => {
    aws = await startMoto();
    const sm = motoSecretsClient(aws.url);
    const pair = await generateSigningKeyPair();
    const created = await sm.send(new CreateSecretCommand({ Name: "rajee/bundle/signing/private-key", SecretString: JSON.stringify(pair.privateKey) }));
    sm.destroy();
    const env = {
      ...motoEnvironment(aws.url),
      ...issuerEnvironment({
        privateKeySecretArn: created.ARN ?? "",
        policy: { rules: [{ principals: ["arn:aws:iam::111122223333:role/analyst"], grants: ["read:data/reports/"], maxLifetimeSeconds: 900 }] },
      }),
    };
    const run = await runBundle(env, [tokenRequestEvent({ grants: ["read:data/reports/q1.csv"] }), tokenRequestEvent({ grants: ["read:data/"] })]);
    expect(run.results.map((r) => r.statusCode)).toEqual([200, 403]);
    const issued = parseIssueTokenResponse(JSON.parse(run.results[0]?.body ?? "null"));
    expect(issued).toMatchObject({ ok: true, value: { grants: ["read:data/reports/q1.csv"] } });
    expect(run.lines.filter((l) => typeof l.event === "string").map((l) => l.event)).toEqual(["token_issued", "token_denied"]);
    expect(run.lines.filter((l) => l._aws !== undefined).map((l) => Object.keys(l).find((k) => k !== "_aws"))).toEqual(["Issued", "Denied"]);
  }, 30_000);
});
