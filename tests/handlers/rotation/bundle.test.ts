import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import { readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { bundleRotationLambda, type RotationBundle } from "../../../handlers/rotation/bundle";
import { parseJwksText } from "../../../src/keys/jwks";
import { MODEL_REGION, SecretsManagerModel } from "./secrets-manager-model";
import { TempDirs } from "../../support/temp";
import { readZip } from "../lambda/read-zip";

describe("bundleRotationLambda", () => {
  let dir: string;
  let bundle: RotationBundle;
  let script: string;
  const temp = new TempDirs();
  afterAll(() => temp.removeAll());

  beforeAll(async () => {
    dir = temp.make("rotation-bundle");
    bundle = bundleRotationLambda(join(dir, "out"));
    const [entry] = readZip(await readFile(bundle.zipPath));
    script = join(dir, "index.js");
    await writeFile(script, entry?.data ?? "");
  });

  it("writes one index.js in a small zip whose hash and size it reports", async () => {
    const zip = await readFile(bundle.zipPath);
    expect(bundle.zipPath).toBe(join(dir, "out", "rotation.zip"));
    expect(bundle.bytes).toBe(zip.length);
    expect(bundle.sha256Base64).toBe(createHash("sha256").update(zip).digest("base64"));
    expect(readZip(zip).map((e) => e.name)).toEqual(["index.js"]);
    expect(bundle.bytes).toBeLessThan(400_000);
  });

  it("is deterministic: bundling again gives the same bytes", () => {
    expect(bundleRotationLambda(join(dir, "again"))).toEqual({ ...bundle, zipPath: join(dir, "again", "rotation.zip") });
  });

  /** Runs the bundled handler in a fresh node process, once per event, and returns its stdout lines. */
  function runBundle(env: Record<string, string>, events: unknown[]): Promise<{ code: number; lines: Record<string, unknown>[]; stderr: string }> {
    const program = `
      const { handler } = require(${JSON.stringify(script)});
      (async () => {
        for (const event of JSON.parse(process.argv[1])) {
          try { await handler(event); } catch (e) { process.stderr.write("step failed: " + e.message + "\\n"); process.exitCode = 1; return; }
        }
      })();`;
    return new Promise((resolve) => {
      execFile(process.execPath, ["-e", program, JSON.stringify(events)], { env: { PATH: process.env.PATH ?? "", NODE_NO_WARNINGS: "1", ...env } }, (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, lines: stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>), stderr });
      });
    });
  }

  it("reports a bad configuration as rotation_failed with the failure metric", async () => {
    const run = await runBundle({}, [{ Step: "createSecret" }]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("step failed: rotation: RAJEE_PRIVATE_KEY_SECRET_ARN is not set");
    expect(run.lines[0]).toMatchObject({ level: "error", event: "rotation_failed", code: "config", service: "rajee-rotation" });
    expect(run.lines[1]).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: "rajee", Dimensions: [[]], Metrics: [{ Name: "RotationFailures", Unit: "Count" }] }] }, RotationFailures: 1 });
  });

  describe("against Secrets Manager's HTTP API", () => {
    let server: Server;
    let model: SecretsManagerModel;
    let endpoint: string;

    beforeAll(async () => {
      model = new SecretsManagerModel();
      // The JSON 1.1 protocol: X-Amz-Target names the operation, errors carry __type.
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        req.on("end", () => {
          const operation = String(req.headers["x-amz-target"]).replace("secretsmanager.", "");
          const methods: Record<string, (input: never) => object> = {
            DescribeSecret: (i) => model.describeSecret(i),
            GetSecretValue: (i) => model.getSecretValue(i),
            PutSecretValue: (i) => model.putSecretValue(i),
            UpdateSecretVersionStage: (i) => model.updateSecretVersionStage(i),
          };
          try {
            const method = methods[operation];
            if (!method) throw Object.assign(new Error(`operation ${operation} is not modelled`), { name: "InvalidRequestException" });
            const { $metadata: _m, ...output } = method(JSON.parse(body) as never) as Record<string, unknown>;
            const json = JSON.stringify(output, (_k, v: unknown) => (typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) / 1000 : v));
            res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end(json);
          } catch (error) {
            res.writeHead(400, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify({ __type: (error as Error).name, message: (error as Error).message }));
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("runs a whole rotation from the zip with the bundled SDK", async () => {
      const privateKeyArn = model.addSecret("rajee/e2e/signing-key", { rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:rotation" });
      const jwksArn = model.addSecret("rajee/e2e/jwks", { value: '{"keys":[]}' });
      const version = model.beginRotation({ SecretId: privateKeyArn }).token;
      const env = {
        AWS_REGION: MODEL_REGION,
        AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
        RAJEE_PRIVATE_KEY_SECRET_ARN: privateKeyArn,
        RAJEE_JWKS_SECRET_ARN: jwksArn,
      };
      const events = ["createSecret", "setSecret", "testSecret", "finishSecret"].map((Step) => ({ Step, SecretId: privateKeyArn, ClientRequestToken: version }));
      const run = await runBundle(env, events);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const kid = (JSON.parse(model.valueAt(privateKeyArn, "AWSCURRENT") ?? "{}") as { kid?: string }).kid;
      expect(model.versionWith(privateKeyArn, "AWSCURRENT")).toBe(version);
      expect(parseJwksText(model.valueAt(jwksArn, "AWSCURRENT") ?? "", "jwks").keys.map((k) => [k.kid, k.state])).toEqual([[kid, "current"]]);
      expect(run.lines.filter((l) => l.event === "rotation_step").map((l) => [l.step, l.result])).toEqual(events.map((e) => [e.Step, "done"]));
    });
  });
});
