import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { CreateSecretCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { startOtlpReceiver, type OtlpReceiver } from "../../../bin/dev/otlp-receiver";
import { bundleAuthorizer } from "../../../handlers/authorizer/bundle";
import { AUTHORIZER_SERVICE_NAME } from "../../../handlers/authorizer/logger";
import { CHECK_SPAN_NAME } from "../../../handlers/authorizer/tracing";
import { AUTHORIZER_VARIABLES, authorizerEnvironment, runtimeParameterName } from "../../../src/contracts/authorizer-environment";
import { AUTHORIZER_READY_PATH, ERROR_CODE_HEADER } from "../../../src/contracts/gateway";
import type { GeneratedKeyPair } from "../../../src/keys/generate";
import { motoSetup, startMoto, type Moto } from "../../support/moto";
import { LONG_TESTS } from "../../support/long-tests";
import { TempDirs } from "../../support/temp";
import { motoEnvironment, motoSecretsClient, REGION } from "../rotation/moto-rig";
import { jwksText, keyPair, mint, send } from "./support";

/**
 * The container's bundle (`node main.js`, built by handlers/authorizer/bundle.ts from the packages'
 * ES module builds) reading what production gives it: the JWKS and the deny list from Secrets
 * Manager, the runtime settings from an SSM parameter (moto stands in for both), and exporting spans
 * over OTLP/HTTP (bin/dev/otlp-receiver.ts stands in for the collector). The file-based entry is
 * tested in shutdown.test.ts.
 */

const PARAMETER = runtimeParameterName("bundle");
/** The shortest poll interval the authorizer accepts (RAJEE_KEY_REFRESH_SECONDS, 5-3600): the runtime parameter is polled as often. */
const REFRESH_SECONDS = 5;
const REVOKED_SUBJECT = "mallory";

/** Waits until `condition` holds, checking every 50 ms, for at most `ms`; the error says what was awaited. */
async function within(ms: number, what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Bytes that are not HTTP: the check server's `clientError` handler answers 400 and logs at debug. */
function sendGarbage(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end("NOT HTTP\r\n\r\n"));
    socket.on("error", reject);
    socket.on("close", () => resolve());
    socket.resume();
  });
}

const moto = motoSetup();
const describeWithMoto = moto.ok ? describe : describe.skip;

describeWithMoto("the bundled authorizer (node main.js) with moto's Secrets Manager and SSM and an OTLP receiver", () => {
  const temp = new TempDirs();
  let aws: Moto | undefined;
  let receiver: OtlpReceiver | undefined;
  let child: ChildProcess | undefined;
  let ssm: SSMClient;
  let secrets: SecretsManagerClient;
  let pair: GeneratedKeyPair;
  let checkPort: number;
  let adminPort: number;
  let exit: Promise<number | null>;
  let stderr = "";
  const lines: Record<string, unknown>[] = [];
  const events = (name: string) => lines.filter((l) => l.event === name);
  const putSettings = (settings: object) => ssm.send(new PutParameterCommand({ Name: PARAMETER, Type: "String", Overwrite: true, Value: JSON.stringify(settings) }));
  const createSecret = async (name: string, value: string) => (await secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }))).ARN as string;

  beforeAll(async () => {
    const dir = temp.make("authorizer-bundle");
    const main = bundleAuthorizer(dir).files.main.path;
    aws = await startMoto();
    receiver = await startOtlpReceiver();
    secrets = motoSecretsClient(aws.url);
    ssm = new SSMClient({ region: REGION, endpoint: aws.url, credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
    pair = await keyPair();
    // As modules/signing-keys names and fills them: the public JWKS as the secret's string.
    const jwksSecretArn = await createSecret("rajee-bundle/signing/jwks", jwksText(pair.publicKey));
    const denyListSecretArn = await createSecret("rajee-bundle/deny-list", JSON.stringify({ subs: [REVOKED_SUBJECT] }));
    await putSettings({ logLevel: "info" });

    const env = {
      PATH: process.env.PATH ?? "",
      // What the task definition gives the container (modules/proxy-service/containers.ts)...
      ...authorizerEnvironment(
        { region: REGION, checkPort: 0, adminPort: 0 },
        {
          jwksSecretArn,
          issuer: "rajee",
          audience: "rajee",
          maxTokenLifetimeSeconds: 3600,
          clockSkewSeconds: 30,
          s3Region: REGION,
          s3Endpoint: `s3.${REGION}.amazonaws.com`,
          logLevel: "info",
          runtimeParameterName: PARAMETER,
          tracing: { endpoint: receiver.tracesUrl, samplingRatio: 1 },
        },
      ),
      // ...plus the deny list (which the task definition does not set), a short poll interval, no EMF lines,
      [AUTHORIZER_VARIABLES.denyListSecretArn]: denyListSecretArn,
      [AUTHORIZER_VARIABLES.keyRefreshSeconds]: String(REFRESH_SECONDS),
      [AUTHORIZER_VARIABLES.emfIntervalSeconds]: "0",
      // ...and the SDK pointed at moto (AWS_ENDPOINT_URL, dummy credentials) in place of AWS and the task role.
      ...motoEnvironment(aws.url),
    };
    const proc = spawn(process.execPath, [main], { env, stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    exit = new Promise((resolve) => proc.on("exit", (code) => resolve(code)));
    proc.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
    let buffered = "";
    proc.stdout?.on("data", (c: Buffer) => {
      buffered += c.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const line of parts) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const poll = setInterval(() => {
        const line = events("listening")[0];
        if (line) {
          clearInterval(poll);
          resolve(line);
        }
      }, 25);
      void exit.then((code) => {
        clearInterval(poll);
        reject(new Error(`main.js exited ${code} before listening: ${stderr}`));
      });
    });
    const port = (address: unknown) => Number(String(address).split(":").pop());
    checkPort = port(listening.check);
    adminPort = port(listening.admin);
  }, 30_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exit;
    }
    await receiver?.close();
    await aws?.stop();
    temp.removeAll();
  });

  it("starts ready with the keys and the deny list it read from Secrets Manager", async () => {
    // The SDK's Node.js support notice is the only thing on stderr; no module failed to load.
    expect(stderr).not.toMatch(/Error|Cannot find|is not a (function|constructor)/);
    expect(events("listening")[0]).toMatchObject({ ready: true });
    expect((await send(adminPort, { path: AUTHORIZER_READY_PATH })).status).toBe(200);
    expect(events("refresh").map((l) => [l.document, l.result])).toEqual(expect.arrayContaining([["keys", "ok"], ["deny-list", "ok"]]));
    expect(events("refresh").filter((l) => l.result !== "ok")).toEqual([]);
    expect(events("runtime_settings")).toEqual([expect.objectContaining({ trigger: "start", log_level: "info" })]);
  });

  it("allows a request inside the token's grants and denies one outside, or one from a revoked subject, with the S3 error code", async () => {
    const token = await mint(pair, ["read:data/reports/"]);
    const inside = await send(checkPort, { path: "/data/reports/q1.csv", headers: { "x-amz-security-token": token } });
    expect(inside.status).toBe(200);
    // Signed for S3 with the credentials the SDK's default chain found.
    expect(inside.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${motoEnvironment(aws!.url).AWS_ACCESS_KEY_ID}/\\d{8}/${REGION}/s3/aws4_request, `));

    const outside = await send(checkPort, { path: "/data/private/salaries.csv", headers: { "x-amz-security-token": token } });
    expect(outside.status).toBe(403);
    expect(outside.headers[ERROR_CODE_HEADER]).toBe("AccessDenied");

    const revoked = await mint(pair, ["read:data/reports/"], { subject: REVOKED_SUBJECT });
    const fromRevoked = await send(checkPort, { path: "/data/reports/q1.csv", headers: { "x-amz-security-token": revoked } });
    expect(fromRevoked.status).toBe(400);
    expect(fromRevoked.headers[ERROR_CODE_HEADER]).toBe("InvalidToken");
    await within(1000, "three decision lines", () => events("decision").length === 3);
    expect(events("decision").map((l) => [l.decision, l.reason])).toEqual([
      ["allow", expect.any(String)],
      ["deny", expect.any(String)],
      ["deny", "revoked"],
    ]);
  });

  // A poll interval (5 s at least) of waiting: under `npm run test:long`. The bundle's SSM client is
  // exercised in every run by the start-up read above; runtime-settings.test.ts follows changes in-process.
  (LONG_TESTS ? it : it.skip)("follows the SSM parameter: logLevel debug is logged as a change and debug lines appear within a poll interval", async () => {
    await sendGarbage(checkPort);
    await putSettings({ logLevel: "debug" });
    await within(REFRESH_SECONDS * 1000 + 2000, "the runtime_settings change", () => events("runtime_settings").some((l) => l.changed === true));
    // Lines reach stdout in order, so a debug line from before the change would be here by now.
    expect(events("client_error")).toEqual([]);
    expect(events("runtime_settings").at(-1)).toMatchObject({ changed: true, log_level: "debug" });
    await sendGarbage(checkPort);
    await within(1000, "a debug line", () => events("client_error").length > 0);
    expect(events("client_error")[0]).toMatchObject({ level: "debug", service: AUTHORIZER_SERVICE_NAME });
  });

  it("exports a span of each check over OTLP/HTTP under the authorizer's service name", async () => {
    await within(3000, "check spans at the receiver", () => receiver!.spans.filter((s) => s.name === CHECK_SPAN_NAME).length >= 3);
    const spans = receiver!.spans.filter((s) => s.name === CHECK_SPAN_NAME);
    expect(new Set(spans.map((s) => s.serviceName))).toEqual(new Set([AUTHORIZER_SERVICE_NAME]));
    expect(spans.map((s) => s.attributes["rajee.decision"])).toEqual(["allow", "deny", "deny"]);
  });

  it("exits 0 on SIGTERM", async () => {
    child!.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(events("shutdown_finished").at(-1)).toMatchObject({ drained: true });
  });
});
