import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import https from "node:https";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { GatewayFixture } from "../support/local-gateway";
import { startGatewayFixture } from "../support/local-gateway";
import { motoSetup } from "../support/moto";

/** These tests run the local gateway, whose S3 is moto; without moto they skip and say why. */
const describeWithMoto = motoSetup().ok ? describe : describe.skip;

/**
 * The SDK v3 default request handler (no agent of ours) sends every body of 2 MiB or more with
 * `Expect: 100-continue` on a fresh connection it asks to close (`Connection: close`), so a default
 * `@aws-sdk/lib-storage` upload exercises Envoy's 100-continue and per-connection close handling.
 * That handler builds its own HTTPS agent for those requests, so the gateway's CA is trusted the
 * way a user's process would: NODE_EXTRA_CA_CERTS, in a child process.
 */
const run = promisify(execFile);
const ROOT = join(__dirname, "../..");
const KEY = "team/lib-storage-50mib.bin";
const SIZE = 50 * 1024 * 1024;

const UPLOAD_SCRIPT = `
const { S3Client } = require("@aws-sdk/client-s3");
const { Upload } = require("@aws-sdk/lib-storage");
const { createHash, randomBytes } = require("node:crypto");
(async () => {
  const s3 = new S3Client({
    endpoint: process.env.GATEWAY_URL,
    forcePathStyle: true,
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDANYTHING", secretAccessKey: "anything", sessionToken: process.env.GATEWAY_TOKEN },
  });
  const body = randomBytes(Number(process.env.UPLOAD_BYTES));
  await new Upload({ client: s3, params: { Bucket: "data", Key: process.env.UPLOAD_KEY, Body: body } }).done();
  process.stdout.write(createHash("sha256").update(body).digest("hex"));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

let fx: GatewayFixture;
let token: string;
beforeAll(async () => {
  fx = await startGatewayFixture(["data"]);
  token = await fx.mint(["*:data/team/"]);
});
afterAll(async () => {
  await fx.stop();
});

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

describeWithMoto("SDK v3 defaults through the local gateway", () => {
  it("uploads 50 MiB with a default lib-storage Upload and reads back the same SHA-256", async () => {
    const before = fx.gateway.standIn.records.length;
    const { stdout } = await run(process.execPath, ["-e", UPLOAD_SCRIPT], {
      cwd: ROOT,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: fx.caFile, GATEWAY_URL: fx.gateway.url, GATEWAY_TOKEN: token, UPLOAD_KEY: KEY, UPLOAD_BYTES: String(SIZE), NODE_NO_WARNINGS: "1" },
      timeout: 60_000,
      maxBuffer: 1024 * 1024,
    });
    const uploaded = stdout.trim();
    expect(uploaded).toMatch(/^[0-9a-f]{64}$/);
    const got = await fx.client(token).send(new GetObjectCommand({ Bucket: "data", Key: KEY }));
    const bytes = await got.Body!.transformToByteArray();
    expect(bytes.length).toBe(SIZE);
    expect(sha256(bytes)).toBe(uploaded);
    // Every part reached S3 once, signed as S3 verifies it: no refusal, no retry.
    const upload = fx.gateway.standIn.records.slice(before).filter((r) => r.target.startsWith(`/data/${KEY}`));
    expect(upload.filter((r) => r.method === "PUT")).toHaveLength(10);
    expect(upload.every((r) => r.verdict === "verified" && r.status === 200)).toBe(true);
  }, 60_000);

  it("serves a request on a new connection after a client closed its own with Connection: close", async () => {
    await fx.client(token).send(new PutObjectCommand({ Bucket: "data", Key: "team/close.txt", Body: "closed once" }));
    const url = await getSignedUrl(fx.client(token), new GetObjectCommand({ Bucket: "data", Key: "team/close.txt" }), { expiresIn: 300 });
    const get = (headers: Record<string, string>) =>
      new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
        // keepAlive false: a new connection per request.
        const request = https.get(url, { ca: fx.gateway.caCertificate, agent: new https.Agent({ keepAlive: false, ca: fx.gateway.caCertificate }), headers }, (response) => {
          let body = "";
          response.setEncoding("utf8");
          response.on("data", (c: string) => (body += c));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body }));
        });
        request.on("error", reject);
      });
    expect(await get({ connection: "close" })).toEqual({ status: 200, connection: "close", body: "closed once" });
    expect(await get({})).toMatchObject({ status: 200, body: "closed once" });
    const again = await fx.client(token).send(new GetObjectCommand({ Bucket: "data", Key: "team/close.txt" }));
    expect(await again.Body!.transformToString()).toBe("closed once");
  });
});
