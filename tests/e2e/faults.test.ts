import { createHash, randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ServiceException } from "@aws-sdk/client-s3";
import { startGatewayEmulator, type GatewayEmulator } from "../../bin/dev/gateway-emulator";
import { LOCAL_REGION, LOCAL_S3_ENDPOINT, LOCAL_TASK_ROLE, startLocalGateway, type LocalGateway } from "../../bin/dev/local-gateway";
import { localCertificate } from "../../bin/dev/tls";
import { envoySettings } from "../../envoy-templates";
import { runAuthorizer } from "../../handlers/authorizer/main";
import { upstreamSigner } from "../../handlers/authorizer/upstream-signing";
import { generateSigningKeyPair, type GeneratedKeyPair } from "../../src/keys/generate";
import { mintToken } from "../../src/token/mint";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy";
import { LONG_TESTS } from "../support/long-tests";
import { motoSetup } from "../support/moto";

/** These tests run the local gateway, whose S3 is moto; without moto they skip and say why. */
const describeWithMoto = LONG_TESTS && motoSetup().ok ? describe : describe.skip;
if (!LONG_TESTS) console.warn("skipping the fault tests: it runs under npm run test:long (RAJEE_LONG_TESTS=1)");

/*
 * Faults injected between the gateway's parts, all on 127.0.0.1. The local gateway's authorizer and
 * S3 stand-in are real; a second emulator (Envoy) reaches each of them through a fault proxy, so a
 * test can kill, slow or cut either side while counting what the stand-in (S3) received.
 */

/** Concurrent requests per fault; the long run (`npm run test:long`) sends more. */
const CONCURRENCY = LONG_TESTS ? 40 : 6;
/** Envoy's settings, as rendered for the task (the same object the local gateway's emulator reads). */
const SETTINGS = envoySettings({ s3Region: LOCAL_REGION, s3Endpoint: LOCAL_S3_ENDPOINT });
const EXT_AUTHZ_TIMEOUT_MS = SETTINGS.extAuthz.timeoutMs;
/** The shortest key refresh and staleness limit the authorizer accepts, so an outage fits in a test. */
const KEY_REFRESH_SECONDS = 5;
const STALENESS_LIMIT_SECONDS = 6;

let dir: string;
let jwksFile: string;
let pair: GeneratedKeyPair;
let gateway: LocalGateway;
let authorizerProxy: FaultProxy;
let s3Proxy: FaultProxy;
let emulator: GatewayEmulator;
let tls: { key: string; cert: string };
let agent: https.Agent;
const logs: Record<string, unknown>[] = [];

const mint = (grants: string[]) => mintToken({ key: pair.privateKey, subject: "faults", grants, ttlSeconds: 900, issuer: "rajee", audience: "rajee" });
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function client(token: string, url = emulator.url, requestTimeout?: number): S3Client {
  return new S3Client({
    endpoint: url,
    forcePathStyle: true,
    region: LOCAL_REGION,
    maxAttempts: 1,
    credentials: { accessKeyId: "AKIDANYTHING", secretAccessKey: "anything", sessionToken: token },
    // The SDK only warns when requestTimeout passes unless throwOnRequestTimeout is set.
    requestHandler: { httpsAgent: agent, ...(requestTimeout ? { requestTimeout, throwOnRequestTimeout: true } : {}) },
  });
}

/** 200 for success, the HTTP status of an S3 error, or the error code/name when no answer came. */
async function outcome(request: Promise<unknown>): Promise<number | string> {
  try {
    await request;
    return 200;
  } catch (error) {
    const status = (error as S3ServiceException).$metadata?.httpStatusCode;
    return status ?? (error as NodeJS.ErrnoException).code ?? (error as Error).name;
  }
}

async function listKeys(prefix: string): Promise<Record<string, number>> {
  const s3 = client(await mint(["list:data/"]));
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: prefix }));
  return Object.fromEntries((listed.Contents ?? []).map((o) => [o.Key as string, o.Size as number]));
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await settle(50);
  }
}

const readyz = async (adminUrl: string) => (await fetch(`${adminUrl}/readyz`)).status;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rajee-faults-"));
  pair = await generateSigningKeyPair();
  jwksFile = join(dir, "jwks.json");
  await writeFile(jwksFile, JSON.stringify({ keys: [pair.publicKey] }));
  gateway = await startLocalGateway({
    buckets: ["data"],
    keys: jwksFile,
    env: { RAJEE_RATE_LIMIT_PER_SECOND: "0", RAJEE_KEY_REFRESH_SECONDS: String(KEY_REFRESH_SECONDS), RAJEE_STALENESS_LIMIT_SECONDS: String(STALENESS_LIMIT_SECONDS) },
    logDestination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  });
  authorizerProxy = await startFaultProxy(gateway.authorizerUrl);
  s3Proxy = await startFaultProxy(gateway.standIn.url);
  tls = await localCertificate();
  emulator = await startGatewayEmulator({ settings: SETTINGS, authorizerUrl: authorizerProxy.url, upstreamUrl: s3Proxy.url, tls });
  agent = new https.Agent({ ca: tls.cert, keepAlive: true });
});

afterEach(() => {
  authorizerProxy.set({ kind: "pass" });
  s3Proxy.set({ kind: "pass" });
});

afterAll(async () => {
  agent?.destroy();
  await emulator?.close();
  await authorizerProxy?.close();
  await s3Proxy?.close();
  await gateway?.stop();
  await rm(dir, { recursive: true, force: true });
});

describeWithMoto("the authorizer fails", () => {
  it("answers 503 to concurrent uploads while the authorizer is down, forwards none of them, and serves again once it is back", async () => {
    const s3 = client(await mint(["write:data/killed/"]));
    const before = gateway.standIn.records.length;
    const put = (i: number) => outcome(s3.send(new PutObjectCommand({ Bucket: "data", Key: `killed/${i}.txt`, Body: `upload ${i}` })));

    authorizerProxy.set({ kind: "reset" });
    expect(await Promise.all(range(CONCURRENCY).map(put))).toEqual(range(CONCURRENCY).map(() => 503));
    expect(gateway.standIn.records.length).toBe(before);

    authorizerProxy.set({ kind: "pass" });
    expect(await Promise.all(range(CONCURRENCY).map(put))).toEqual(range(CONCURRENCY).map(() => 200));
    expect(gateway.standIn.records.slice(before).map((r) => r.verdict)).toEqual(range(CONCURRENCY).map(() => "verified"));
    expect(Object.keys(await listKeys("killed/")).sort()).toEqual(range(CONCURRENCY).map((i) => `killed/${i}.txt`).sort());
  });

  it("forwards nothing when the authorizer allowed but died before its answer arrived", async () => {
    const s3 = client(await mint(["write:data/lost/"]));
    const before = gateway.standIn.records.length;
    const allowsBefore = logs.filter((l) => l.event === "decision" && l.decision === "allow").length;

    authorizerProxy.set({ kind: "reset-on-answer" });
    const statuses = await Promise.all(range(CONCURRENCY).map((i) => outcome(s3.send(new PutObjectCommand({ Bucket: "data", Key: `lost/${i}`, Body: "x" })))));

    expect(statuses).toEqual(range(CONCURRENCY).map(() => 503));
    // The authorizer did judge and allow each one: the 503 comes from the lost answer, not a denial.
    expect(logs.filter((l) => l.event === "decision" && l.decision === "allow").length - allowsBefore).toBe(CONCURRENCY);
    expect(gateway.standIn.records.length).toBe(before);
    authorizerProxy.set({ kind: "pass" });
    expect(await listKeys("lost/")).toEqual({});
  });

  it("answers 503 when the authorizer answers after the ext_authz timeout, and 200 when it answers inside it", async () => {
    const s3 = client(await mint(["read:data/slow/", "write:data/slow/"]));
    await s3.send(new PutObjectCommand({ Bucket: "data", Key: "slow/object", Body: "slow" }));
    const before = gateway.standIn.records.length;
    const get = () => outcome(s3.send(new GetObjectCommand({ Bucket: "data", Key: "slow/object" })));

    authorizerProxy.set({ kind: "delay", ms: EXT_AUTHZ_TIMEOUT_MS + 300 });
    expect(await Promise.all(range(CONCURRENCY).map(get))).toEqual(range(CONCURRENCY).map(() => 503));
    expect(gateway.standIn.records.length).toBe(before);
    // The late allows reach the proxy after the emulator gave up on them; they must not revive the requests.
    await settle(400);
    expect(gateway.standIn.records.length).toBe(before);

    authorizerProxy.set({ kind: "delay", ms: Math.floor(EXT_AUTHZ_TIMEOUT_MS / 10) });
    expect(await Promise.all(range(CONCURRENCY).map(get))).toEqual(range(CONCURRENCY).map(() => 200));
    expect(gateway.standIn.records.length).toBe(before + CONCURRENCY);
  });
});

describeWithMoto("the key source fails", () => {
  it("keeps serving on the last good keys, denies every check past the staleness limit, and recovers when the JWKS is back", async () => {
    const s3 = client(await mint(["read:data/keys/", "write:data/keys/"]));
    await s3.send(new PutObjectCommand({ Bucket: "data", Key: "keys/object", Body: "keys" }));
    const get = () => outcome(s3.send(new GetObjectCommand({ Bucket: "data", Key: "keys/object" })));
    const refreshErrors = () => logs.filter((l) => l.event === "refresh" && l.result === "error").length;
    const errorsBefore = refreshErrors();

    await rename(jwksFile, `${jwksFile}.away`);
    try {
      await waitFor("a failed key refresh", () => refreshErrors() > errorsBefore, (KEY_REFRESH_SECONDS + 2) * 1000);
      expect(await get()).toBe(200);

      await waitFor("/readyz to fail", async () => (await readyz(gateway.adminUrl)) === 503, (STALENESS_LIMIT_SECONDS + 2) * 1000);
      const before = gateway.standIn.records.length;
      const denied = await s3.send(new GetObjectCommand({ Bucket: "data", Key: "keys/object" })).catch((error: S3ServiceException) => error);
      expect(denied).toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
      expect((denied as Error).message).toContain("its keys are stale");
      expect(await Promise.all(range(CONCURRENCY).map(get))).toEqual(range(CONCURRENCY).map(() => 403));
      expect(gateway.standIn.records.length).toBe(before);
      expect(logs.filter((l) => l.event === "decision" && l.reason === "keys-stale").length).toBeGreaterThanOrEqual(CONCURRENCY + 1);
    } finally {
      await rename(`${jwksFile}.away`, jwksFile);
    }

    await waitFor("/readyz to pass again", async () => (await readyz(gateway.adminUrl)) === 200, (KEY_REFRESH_SECONDS + 2) * 1000);
    expect(await Promise.all(range(CONCURRENCY).map(get))).toEqual(range(CONCURRENCY).map(() => 200));
  });
});

describeWithMoto("S3 fails", () => {
  it("answers 503 while S3 refuses connections and stores nothing", async () => {
    const s3 = client(await mint(["read:data/down/", "write:data/down/"]));
    const before = gateway.standIn.records.length;

    s3Proxy.set({ kind: "reset" });
    const puts = await Promise.all(range(CONCURRENCY).map((i) => outcome(s3.send(new PutObjectCommand({ Bucket: "data", Key: `down/${i}`, Body: "x" })))));
    const get = await outcome(s3.send(new GetObjectCommand({ Bucket: "data", Key: "down/0" })));

    expect(puts).toEqual(range(CONCURRENCY).map(() => 503));
    expect(get).toBe(503);
    expect(gateway.standIn.records.length).toBe(before);
    s3Proxy.set({ kind: "pass" });
    expect(await listKeys("down/")).toEqual({});
  });

  it("leaves no partial object when S3 dies in the middle of an upload body", async () => {
    const s3 = client(await mint(["read:data/cut/", "write:data/cut/"]));
    const original = Buffer.from("the complete first version");
    await s3.send(new PutObjectCommand({ Bucket: "data", Key: "cut/existing", Body: original }));
    const big = randomBytes(1024 * 1024);

    s3Proxy.set({ kind: "cut", afterBytes: 64 * 1024 });
    const overwrite = await outcome(s3.send(new PutObjectCommand({ Bucket: "data", Key: "cut/existing", Body: big })));
    const fresh = await outcome(s3.send(new PutObjectCommand({ Bucket: "data", Key: "cut/new", Body: big })));
    s3Proxy.set({ kind: "pass" });

    // An error, never a success: usually the gateway's 503, or a reset when the client was still sending.
    expect(overwrite).not.toBe(200);
    expect(fresh).not.toBe(200);
    // S3 saw both requests end early and stored neither.
    const cutRecords = gateway.standIn.records.filter((r) => r.target.startsWith("/data/cut/") && r.bodySha256 !== sha256(original));
    expect(cutRecords.filter((r) => r.verdict === "verified")).toEqual([]);
    expect(await listKeys("cut/")).toEqual({ "cut/existing": original.length });
    const body = await (await s3.send(new GetObjectCommand({ Bucket: "data", Key: "cut/existing" }))).Body?.transformToByteArray();
    expect(sha256(Buffer.from(body ?? []))).toBe(sha256(original));
  });

  it("gives a client that stops waiting for a slow S3 a timeout, and S3 holds the whole object or none of it", async () => {
    const token = await mint(["read:data/slow-s3/", "write:data/slow-s3/"]);
    const impatient = client(token, emulator.url, 500);
    const body = randomBytes(256 * 1024);

    // S3 stores the object but answers late: the client gives up, the object is complete.
    s3Proxy.set({ kind: "delay", ms: 1500 });
    expect(await outcome(impatient.send(new PutObjectCommand({ Bucket: "data", Key: "slow-s3/late-answer", Body: body })))).toBe("ETIMEDOUT");
    // S3 accepts the connection and never reads: nothing is stored.
    s3Proxy.set({ kind: "hang" });
    expect(await outcome(impatient.send(new PutObjectCommand({ Bucket: "data", Key: "slow-s3/never-read", Body: body })))).toBe("ETIMEDOUT");

    s3Proxy.set({ kind: "pass" });
    await waitFor("the late upload to be stored", async () => "slow-s3/late-answer" in (await listKeys("slow-s3/")), 3000);
    expect(await listKeys("slow-s3/")).toEqual({ "slow-s3/late-answer": body.length });
    const stored = await (await client(token).send(new GetObjectCommand({ Bucket: "data", Key: "slow-s3/late-answer" }))).Body?.transformToByteArray();
    expect(sha256(Buffer.from(stored ?? []))).toBe(sha256(body));
  });
});

describeWithMoto("the client goes away", () => {
  /** Sends half of a PUT body, then drops the connection; resolves once the socket is gone. */
  async function abandonUpload(key: string): Promise<void> {
    const token = await mint(["write:data/abandoned/"]);
    const body = randomBytes(256 * 1024);
    const target = new URL(emulator.url);
    await new Promise<void>((resolve) => {
      const request = https.request({
        host: target.hostname,
        port: target.port,
        method: "PUT",
        path: `/data/${key}`,
        ca: tls.cert,
        agent: false,
        headers: { "x-amz-security-token": token, "x-amz-content-sha256": sha256(body), "content-length": body.length },
      });
      request.on("error", () => resolve());
      request.on("close", () => resolve());
      request.write(body.subarray(0, body.length / 2), () => setTimeout(() => request.destroy(), 200));
    });
  }

  it("leaves no partial object when the client disconnects in the middle of an upload body", async () => {
    await abandonUpload("abandoned/object");
    await settle(300);
    expect(gateway.standIn.records.filter((r) => r.target === "/data/abandoned/object" && r.verdict === "verified")).toEqual([]);
    expect(await listKeys("abandoned/")).toEqual({});
  });

  // Envoy resets the upstream stream when the downstream goes away; so does the emulator.
  it("closes the half-sent request to S3 when the client disconnects, as Envoy resets the upstream stream", async () => {
    await abandonUpload("abandoned/second");
    // A reset upstream request ends at the stand-in, which records it (refused, never stored).
    await waitFor("S3 to see the upload end", () => gateway.standIn.records.some((r) => r.target === "/data/abandoned/second"), 2000);
    expect(gateway.standIn.records.filter((r) => r.target === "/data/abandoned/second").map((r) => r.verdict)).not.toContain("verified");
  });
});

describeWithMoto("SIGTERM to the authorizer", () => {
  /** A PUT whose body is sent in two halves; the second only when `finish()` is called. */
  function slowUpload(url: string, token: string, key: string, body: Buffer) {
    const target = new URL(url);
    let finish!: () => void;
    const response = new Promise<number>((resolve, reject) => {
      const request = https.request(
        {
          host: target.hostname,
          port: target.port,
          method: "PUT",
          path: `/data/${key}`,
          ca: tls.cert,
          agent: false,
          headers: { "x-amz-security-token": token, "x-amz-content-sha256": sha256(body), "content-length": body.length },
        },
        (answer) => {
          answer.resume();
          answer.on("end", () => resolve(answer.statusCode ?? 0));
        },
      );
      request.on("error", reject);
      request.write(body.subarray(0, body.length / 2));
      finish = () => request.end(body.subarray(body.length / 2));
    });
    return { response, finish: () => finish() };
  }

  it("lets uploads already allowed finish, then refuses new ones with 503, and exits 0 after draining", async () => {
    const signals = new EventEmitter();
    const authorizerLogs: Record<string, unknown>[] = [];
    let ports: { checkPort: number; adminPort: number } | undefined;
    const exit = runAuthorizer(
      {
        RAJEE_LISTEN: "127.0.0.1:0",
        RAJEE_ADMIN_LISTEN: "127.0.0.1:0",
        RAJEE_JWKS_FILE: jwksFile,
        RAJEE_S3_REGION: LOCAL_REGION,
        RAJEE_S3_ENDPOINT: LOCAL_S3_ENDPOINT,
        RAJEE_RATE_LIMIT_PER_SECOND: "0",
        RAJEE_EMF_INTERVAL_SECONDS: "0",
        RAJEE_SHUTDOWN_TIMEOUT_SECONDS: "5",
      },
      {
        signals,
        destination: { write: (line: string) => void authorizerLogs.push(JSON.parse(line) as Record<string, unknown>) },
        onAllow: upstreamSigner({ host: LOCAL_S3_ENDPOINT, region: LOCAL_REGION }, async () => LOCAL_TASK_ROLE),
        onStarted: (_app, bound) => (ports = bound),
      },
    );
    await waitFor("the authorizer to listen", () => ports !== undefined, 5000);
    const task = await startGatewayEmulator({ settings: SETTINGS, authorizerUrl: `http://127.0.0.1:${ports?.checkPort}`, upstreamUrl: gateway.standIn.url, tls });
    try {
      const token = await mint(["read:data/sigterm/", "write:data/sigterm/"]);
      const bodies = range(CONCURRENCY).map(() => randomBytes(256 * 1024));
      const uploads = bodies.map((body, i) => slowUpload(task.url, token, `sigterm/${i}`, body));
      await waitFor("every upload to be allowed", () => authorizerLogs.filter((l) => l.event === "decision" && l.decision === "allow").length === CONCURRENCY, 5000);

      signals.emit("SIGTERM");
      expect(await exit).toBe(0);
      expect(authorizerLogs.at(-1)).toMatchObject({ event: "shutdown_finished", drained: true });
      const late = await outcome(client(token, task.url).send(new PutObjectCommand({ Bucket: "data", Key: "sigterm/late", Body: "late" })));
      expect(late).toBe(503);

      for (const upload of uploads) upload.finish();
      expect(await Promise.all(uploads.map((u) => u.response))).toEqual(range(CONCURRENCY).map(() => 200));
      const listed = await listKeys("sigterm/");
      expect(listed).toEqual(Object.fromEntries(bodies.map((body, i) => [`sigterm/${i}`, body.length])));
      for (const [i, body] of bodies.entries()) {
        const stored = gateway.standIn.records.filter((r) => r.target === `/data/sigterm/${i}` && r.verdict === "verified");
        expect(stored.map((r) => r.bodySha256)).toEqual([sha256(body)]);
      }
    } finally {
      signals.emit("SIGTERM");
      await exit;
      await task.close();
    }
  });
});
