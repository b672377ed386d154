import https from "node:https";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { IssuedCredentials } from "../../src/token/credentials";
import { motoSetup } from "../support/moto";
import { fetchUrl, startPopFixture, type PopFixture } from "./pop-fixture";

/**
 * SDK v3 with bound credentials through a gateway that requires client signatures: header-signed
 * requests (SDK v3 signs content-length, which Envoy's check request replaces), presigned GET and
 * PUT URLs, and the tampering and replay that must stay refused.
 */
const describeWithMoto = motoSetup().ok ? describe : describe.skip;

let fx: PopFixture;
let credentials: IssuedCredentials;
let agent: https.Agent;

function client(c: { accessKeyId: string; secretAccessKey: string; sessionToken: string }): S3Client {
  return new S3Client({ endpoint: fx.gateway.url, forcePathStyle: true, region: "eu-west-1", maxAttempts: 1, credentials: c, requestHandler: { httpsAgent: agent } });
}
const own = () => ({ accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken });
const failure = (promise: Promise<unknown>) => promise.then(() => "succeeded", (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => `${error.$metadata?.httpStatusCode} ${error.name}`);

describeWithMoto("SDK v3 with bound credentials, client signatures required", () => {
  beforeAll(async () => {
    fx = await startPopFixture(["data"]);
    credentials = await fx.issue(["*:data/team/"], "sdk");
    agent = new https.Agent({ ca: fx.gateway.caCertificate, keepAlive: true });
  });
  afterAll(async () => {
    agent?.destroy();
    await fx?.stop();
  });

  it("puts, lists and gets with header-signed requests", async () => {
    const s3 = client(own());
    await s3.send(new PutObjectCommand({ Bucket: "data", Key: "team/a.txt", Body: "bound by sdk", ContentType: "text/plain" }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: "team/" }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(["team/a.txt"]);
    const got = await s3.send(new GetObjectCommand({ Bucket: "data", Key: "team/a.txt", Range: "bytes=0-4" }));
    expect(await got.Body?.transformToString()).toBe("bound");
  });

  it("serves presigned GET and PUT URLs, and refuses them once tampered with", async () => {
    const s3 = client(own());
    const put = await getSignedUrl(s3, new PutObjectCommand({ Bucket: "data", Key: "team/presigned.txt" }), { expiresIn: 300 });
    expect((await fetchUrl(put, fx.gateway.caCertificate, { method: "PUT", body: "via url" })).status).toBe(200);
    const get = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "data", Key: "team/presigned.txt" }), { expiresIn: 300 });
    expect(await fetchUrl(get, fx.gateway.caCertificate)).toEqual({ status: 200, body: "via url" });
    expect((await fetchUrl(get.replace("presigned.txt", "a.txt"), fx.gateway.caCertificate)).status).toBe(403);
    expect((await fetchUrl(get, fx.gateway.caCertificate, { method: "DELETE" })).status).toBe(403);
    expect((await fetchUrl(get.replace("X-Amz-Expires=300", "X-Amz-Expires=604800"), fx.gateway.caCertificate)).status).toBe(403);
  });

  it("refuses another credential's secret or key id with this token, and this token alone", async () => {
    const other = await fx.issue(["*:data/team/"], "other");
    expect(await failure(client({ ...own(), secretAccessKey: other.secretAccessKey }).send(new ListObjectsV2Command({ Bucket: "data", Prefix: "team/" })))).toBe("403 SignatureDoesNotMatch");
    expect(await failure(client({ ...own(), accessKeyId: other.accessKeyId, secretAccessKey: other.secretAccessKey }).send(new ListObjectsV2Command({ Bucket: "data", Prefix: "team/" })))).toBe("403 InvalidAccessKeyId");
    const tokenOnly = await fetchUrl(`${fx.gateway.url}/data/team/a.txt`, fx.gateway.caCertificate, { headers: { "x-amz-security-token": credentials.sessionToken } });
    expect(tokenOnly.status).toBe(403);
    expect(tokenOnly.body).toContain("bound to credentials and it is not signed");
  });

  it("refuses a bearer token, naming where to get credentials", async () => {
    const bearer = await fx.bearer(["*:data/team/"]);
    const denied = await fetchUrl(`${fx.gateway.url}/data/team/a.txt`, fx.gateway.caCertificate, { headers: { "x-amz-security-token": bearer } });
    expect(denied.status).toBe(403);
    expect(denied.body).toContain("rajee token mint --binding-key");
  });

  it("only ever reached S3 with signatures the stand-in verified", () => {
    expect(fx.gateway.standIn.records.filter((r) => r.verdict !== "verified")).toEqual([]);
    expect(fx.gateway.standIn.records.length).toBeGreaterThan(0);
  });
});
