import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Agent, fetch as undiciFetch } from "undici";
import { mintToken } from "../../src/token/mint";
import type { GatewayFixture } from "../support/local-gateway";
import { startGatewayFixture } from "../support/local-gateway";
import { motoSetup } from "../support/moto";

/** These tests run the local gateway, whose S3 is moto; without moto they skip and say why. */
const describeWithMoto = motoSetup().ok ? describe : describe.skip;

let fx: GatewayFixture;
let token: string;
beforeAll(async () => {
  fx = await startGatewayFixture(["data", "other"]);
  token = await fx.mint(["*:data/team/", "read:data/shared/", "list:data/shared/"]);
});
afterAll(async () => {
  await fx.stop();
});

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

async function deniedCode(promise: Promise<unknown>): Promise<{ code: string; status: number | undefined }> {
  try {
    await promise;
    return { code: "allowed", status: 200 };
  } catch (error) {
    const e = error as S3ServiceException;
    return { code: e.name, status: e.$metadata?.httpStatusCode };
  }
}

describeWithMoto("AWS SDK v3 through the gateway (default checksum settings)", () => {
  it("puts a Buffer and a stream, and gets the same bytes back", async () => {
    const s3 = fx.client(token);
    const small = randomBytes(1000);
    await s3.send(new PutObjectCommand({ Bucket: "data", Key: "team/buffer.bin", Body: small }));
    const streamed = randomBytes(300_000);
    await s3.send(new PutObjectCommand({ Bucket: "data", Key: "team/stream.bin", Body: Readable.from([streamed.subarray(0, 100_000), streamed.subarray(100_000)]), ContentLength: streamed.length }));
    for (const [key, bytes] of [["team/buffer.bin", small], ["team/stream.bin", streamed]] as const) {
      const got = await s3.send(new GetObjectCommand({ Bucket: "data", Key: key }));
      expect(sha256(await got.Body!.transformToByteArray())).toBe(sha256(bytes));
    }
    const streamRecord = fx.gateway.standIn.records.find((r) => r.method === "PUT" && r.target.startsWith("/data/team/stream.bin"));
    expect(streamRecord).toMatchObject({ verdict: "verified", bodySha256: sha256(streamed), payloadHash: "STREAMING-UNSIGNED-PAYLOAD-TRAILER" });
  });

  it("heads, lists with a prefix, and copies inside the grants", async () => {
    const s3 = fx.client(token);
    await s3.send(new PutObjectCommand({ Bucket: "data", Key: "team/a b+c.txt", Body: "hello" }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: "data", Key: "team/a b+c.txt" }))).ContentLength).toBe(5);
    await s3.send(new CopyObjectCommand({ Bucket: "data", Key: "team/copy.txt", CopySource: "data/team/a%20b%2Bc.txt" }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: "team/" }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(expect.arrayContaining(["team/a b+c.txt", "team/copy.txt"]));
  });

  it("uploads a multipart object and reads it back intact", async () => {
    const s3 = fx.client(token);
    const body = randomBytes(11 * 1024 * 1024);
    await new Upload({ client: s3, params: { Bucket: "data", Key: "team/multipart.bin", Body: body }, partSize: 5 * 1024 * 1024, queueSize: 2 }).done();
    const got = await s3.send(new GetObjectCommand({ Bucket: "data", Key: "team/multipart.bin" }));
    expect(sha256(await got.Body!.transformToByteArray())).toBe(sha256(body));
  });

  it("deletes one object and many", async () => {
    const s3 = fx.client(token);
    for (const key of ["team/d1", "team/d2", "team/d3"]) await s3.send(new PutObjectCommand({ Bucket: "data", Key: key, Body: key }));
    await s3.send(new DeleteObjectCommand({ Bucket: "data", Key: "team/d1" }));
    const result = await s3.send(new DeleteObjectsCommand({ Bucket: "data", Delete: { Objects: [{ Key: "team/d2" }, { Key: "team/d3" }] } }));
    expect(result.Deleted?.map((d) => d.Key).sort()).toEqual(["team/d2", "team/d3"]);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: "team/d" }));
    expect(listed.Contents ?? []).toEqual([]);
  });

  it("serves a presigned GET URL fetched with fetch, without any other credential", async () => {
    await fx.client(token).send(new PutObjectCommand({ Bucket: "data", Key: "team/presigned.txt", Body: "presigned body" }));
    const url = await getSignedUrl(fx.client(token), new GetObjectCommand({ Bucket: "data", Key: "team/presigned.txt" }), { expiresIn: 300 });
    expect(url).toContain("X-Amz-Security-Token=");
    const response = await undiciFetch(url, { dispatcher: new Agent({ connect: { ca: fx.gateway.caCertificate } }) });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("presigned body");
  });

  describe("denied twins", () => {
    it.each([
      ["GetObject outside the prefix", (s3: ReturnType<GatewayFixture["client"]>) => s3.send(new GetObjectCommand({ Bucket: "data", Key: "secret/x" }))],
      ["PutObject on a read-only prefix", (s3: ReturnType<GatewayFixture["client"]>) => s3.send(new PutObjectCommand({ Bucket: "data", Key: "shared/x", Body: "x" }))],
      ["HeadObject in another bucket", (s3: ReturnType<GatewayFixture["client"]>) => s3.send(new HeadObjectCommand({ Bucket: "other", Key: "team/x" }))],
      ["ListObjectsV2 of the whole bucket", (s3: ReturnType<GatewayFixture["client"]>) => s3.send(new ListObjectsV2Command({ Bucket: "data" }))],
      ["CopyObject from outside the grants", (s3: ReturnType<GatewayFixture["client"]>) => s3.send(new CopyObjectCommand({ Bucket: "data", Key: "team/stolen", CopySource: "data/secret/x" }))],
      ["DeleteObject on a read-only prefix", (s3: ReturnType<GatewayFixture["client"]>) => s3.send(new DeleteObjectCommand({ Bucket: "data", Key: "shared/x" }))],
      ["DeleteObjects with one key outside", (s3: ReturnType<GatewayFixture["client"]>) => s3.send(new DeleteObjectsCommand({ Bucket: "data", Delete: { Objects: [{ Key: "team/x" }, { Key: "shared/x" }] } }))],
    ])("denies %s with 403 before S3 sees it", async (_name, call) => {
      const before = fx.gateway.standIn.records.length;
      expect(await deniedCode(call(fx.client(token)))).toMatchObject({ status: 403 });
      expect(fx.gateway.standIn.records.length).toBe(before);
    });

    it("denies a multipart upload outside the grants", async () => {
      const upload = new Upload({ client: fx.client(token), params: { Bucket: "data", Key: "shared/big.bin", Body: randomBytes(6 * 1024 * 1024) }, partSize: 5 * 1024 * 1024 });
      await expect(upload.done()).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    });

    it("refuses a presigned URL minted for a key outside the grants", async () => {
      const url = await getSignedUrl(fx.client(token), new GetObjectCommand({ Bucket: "data", Key: "secret/x" }), { expiresIn: 300 });
      const response = await undiciFetch(url, { dispatcher: new Agent({ connect: { ca: fx.gateway.caCertificate } }) });
      expect(response.status).toBe(403);
      const body = await response.text();
      expect(body).toContain("<Code>AccessDenied</Code>");
      expect(body).not.toContain(token);
    });

    it("refuses an expired token with ExpiredToken", async () => {
      const old = await mintToken({ key: fx.pair.privateKey, subject: "old", grants: ["read:data/team/"], ttlSeconds: 60, issuer: "rajee", audience: "rajee", now: new Date(Date.now() - 3600_000) });
      expect(await deniedCode(fx.client(old).send(new GetObjectCommand({ Bucket: "data", Key: "team/buffer.bin" })))).toEqual({ code: "ExpiredToken", status: 400 });
    });
  });

  it("forwarded only requests whose signature the stand-in verified", () => {
    expect(fx.gateway.standIn.records.length).toBeGreaterThan(10);
    expect(fx.gateway.standIn.records.filter((r) => r.verdict !== "verified")).toEqual([]);
  });
});
