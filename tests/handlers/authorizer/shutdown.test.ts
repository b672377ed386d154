import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { request as httpRequest, type ClientRequest } from "node:http";
import { join } from "node:path";
import { bundleAuthorizer } from "../../../handlers/authorizer/bundle";
import type { GeneratedKeyPair } from "../../../src/keys/generate";
import { jwksText, keyPair, MemorySource, mint, send, startHarness, type RawResponse } from "./support";
import { TempDirs } from "../../support/temp";

/** Credentials the container finds through the SDK's default chain, as ECS would provide the task role's. */
const TASK_ROLE_ENV = { AWS_ACCESS_KEY_ID: "AKIDCONTAINER", AWS_SECRET_ACCESS_KEY: "container-secret", AWS_SESSION_TOKEN: "container-session" };

const BODY = "<Delete><Object><Key>tmp/a</Key></Object></Delete>";

/** A DeleteObjects check whose body is held back: in flight until `finish()`. */
function slowCheck(port: number, token: string): { finish(): void; response: Promise<RawResponse>; sent: Promise<void>; req: ClientRequest } {
  let req!: ClientRequest;
  const response = new Promise<RawResponse>((resolve, reject) => {
    req = httpRequest(
      { host: "127.0.0.1", port, method: "POST", path: "/data?delete", headers: { host: "gw.example.com", "x-amz-security-token": token, "content-length": Buffer.byteLength(BODY) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
  });
  const sent = new Promise<void>((resolve) => req.write(BODY.slice(0, 10), () => resolve()));
  return { finish: () => req.end(BODY.slice(10)), response, sent, req };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("graceful shutdown in-process", () => {
  let pair: GeneratedKeyPair;
  beforeAll(async () => {
    pair = await keyPair();
  });

  it("stops accepting, fails /readyz, answers every in-flight check, then reports drained", async () => {
    const harness = await startHarness({ keySource: new MemorySource(jwksText(pair.publicKey)) });
    const token = await mint(pair, ["delete:data/tmp/"]);
    const inFlight = Array.from({ length: 5 }, () => slowCheck(harness.checkPort, token));
    await Promise.all(inFlight.map((c) => c.sent));
    await settle(20);

    const stopping = harness.app.shutdown(5000);
    await settle(20);
    await expect(send(harness.checkPort, { path: "/data/tmp/a", headers: { "x-amz-security-token": token } })).rejects.toThrow(/ECONNREFUSED/);
    expect(await harness.admin("/readyz")).toMatchObject({ status: 503, body: "not ready: shutting down\n" });

    for (const check of inFlight) check.finish();
    expect((await Promise.all(inFlight.map((c) => c.response))).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await stopping).toEqual({ drained: true });
    expect(harness.logs.filter((l) => l.event === "decision").length).toBe(5);
  });

  it("cuts connections still busy at the timeout and says it did", async () => {
    const harness = await startHarness({ keySource: new MemorySource(jwksText(pair.publicKey)) });
    const stuck = slowCheck(harness.checkPort, await mint(pair, ["delete:data/tmp/"]));
    await stuck.sent;
    await settle(20);
    expect(await harness.app.shutdown(100)).toEqual({ drained: false });
    await expect(stuck.response).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(harness.logs.at(-1)).toMatchObject({ event: "shutdown_finished", drained: false });
  });
});

describe("the bundled container entry (node main.js, node healthcheck.js)", () => {
  let dir: string;
  let pair: GeneratedKeyPair;
  let child: ChildProcess | undefined;
  const temp = new TempDirs();
  afterAll(() => temp.removeAll());

  beforeAll(async () => {
    dir = temp.make("authorizer");
    bundleAuthorizer(join(dir, "app"));
    pair = await keyPair();
    writeFileSync(join(dir, "jwks.json"), jwksText(pair.publicKey));
  });

  afterEach(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  function start(env: Record<string, string>): Promise<{ checkPort: number; adminPort: number; lines: string[]; exit: Promise<number | null> }> {
    const proc = spawn(process.execPath, [join(dir, "app", "main.js")], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    const lines: string[] = [];
    let stderr = "";
    proc.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
    const exit = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
    return new Promise((resolve, reject) => {
      let buffered = "";
      proc.stdout?.on("data", (c: Buffer) => {
        buffered += c.toString();
        const parts = buffered.split("\n");
        buffered = parts.pop() ?? "";
        for (const line of parts) {
          lines.push(line);
          const parsed = JSON.parse(line) as { event?: string; check?: string; admin?: string };
          if (parsed.event === "listening") {
            const port = (address: string) => Number(address.split(":").pop());
            resolve({ checkPort: port(parsed.check as string), adminPort: port(parsed.admin as string), lines, exit });
          }
        }
      });
      void exit.then((code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
    });
  }

  const healthcheck = (adminPort: number) =>
    spawnSync(process.execPath, [join(dir, "app", "healthcheck.js")], { env: { RAJEE_ADMIN_LISTEN: `127.0.0.1:${adminPort}` }, encoding: "utf8" }).status;

  it("answers checks in flight at SIGTERM, exits 0, and the liveness health check passes until the process is gone", async () => {
    const env = {
      RAJEE_JWKS_FILE: join(dir, "jwks.json"),
      RAJEE_LISTEN: "127.0.0.1:0",
      RAJEE_ADMIN_LISTEN: "127.0.0.1:0",
      RAJEE_EMF_INTERVAL_SECONDS: "0",
      RAJEE_S3_REGION: "eu-west-1",
      ...TASK_ROLE_ENV,
    };
    const { checkPort, adminPort, lines, exit } = await start(env);
    expect(healthcheck(adminPort)).toBe(0);
    const token = await mint(pair, ["delete:data/tmp/"]);
    const inFlight = Array.from({ length: 3 }, () => slowCheck(checkPort, token));
    await Promise.all(inFlight.map((c) => c.sent));
    await settle(50);

    child?.kill("SIGTERM");
    await settle(100);
    for (const check of inFlight) check.finish();
    const answers = await Promise.all(inFlight.map((c) => c.response));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    // Signed upstream with the credentials from the SDK's default chain (here, the environment).
    for (const answer of answers) {
      expect(answer.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDCONTAINER\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
      expect(answer.headers["x-amz-security-token"]).toBe(TASK_ROLE_ENV.AWS_SESSION_TOKEN);
    }
    expect(await exit).toBe(0);
    expect(healthcheck(adminPort)).toBe(1);
    const events = lines.map((l) => (JSON.parse(l) as { event?: string }).event);
    expect(events.filter((e) => e === "decision").length).toBe(3);
    expect(events.filter((e) => e !== "refresh" && e !== "listening")).toEqual(["signal", "shutdown_started", "decision", "decision", "decision", "shutdown_finished"]);
    expect(lines.join("\n")).not.toContain(token.split(".")[2]);
  });

  it("warns at start when no region is set for the upstream signer", async () => {
    const { lines, exit } = await start({ RAJEE_JWKS_FILE: join(dir, "jwks.json"), RAJEE_LISTEN: "127.0.0.1:0", RAJEE_ADMIN_LISTEN: "127.0.0.1:0", RAJEE_EMF_INTERVAL_SECONDS: "0" });
    child?.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(lines.map((l) => JSON.parse(l) as { event?: string; level?: string })).toContainEqual(expect.objectContaining({ event: "signing_disabled", level: "warn" }));
  });

  it("exits 2 with a message naming the variable when the configuration is bad", () => {
    const result = spawnSync(process.execPath, [join(dir, "app", "main.js")], { env: { RAJEE_JWKS_FILE: "/x", RAJEE_LISTEN: "0.0.0.0:9000" }, encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('authorizer: RAJEE_LISTEN="0.0.0.0:9000" is not a loopback address; bind 127.0.0.1 (only Envoy in the same task may call the authorizer)\n');
  });
});
