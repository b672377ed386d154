import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Agent, fetch as undiciFetch } from "undici";
import { startGatewayFixture, type GatewayFixture } from "../support/local-gateway";
import { LONG_TESTS } from "../support/long-tests";
import { motoSetup } from "../support/moto";

/**
 * SDK v3's presigner with its defaults hoists headers into the query string: a presigned
 * PutObject carries `x-amz-checksum-crc32` and `x-amz-sdk-checksum-algorithm`, and metadata and
 * storage class when set. The gateway judges them as the headers they stand for and forwards them,
 * signed, where the client put them.
 */

const moto = motoSetup();
if (!moto.ok) console.warn(`skipping the SDK v3 presign tests: ${moto.reason}`);
const describeWithMoto = LONG_TESTS && moto.ok ? describe : describe.skip;
if (!LONG_TESTS) console.warn("skipping the SDK v3 presigned-PUT suite: it runs under npm run test:long (RAJEE_LONG_TESTS=1) (CI's client matrix, npm run test:clients, runs the same clients)");

let fx: GatewayFixture;
let token: string;
let dispatcher: Agent;

describeWithMoto("SDK v3 presigned PutObject with default settings through the gateway", () => {
  beforeAll(async () => {
    fx = await startGatewayFixture(["data"]);
    token = await fx.mint(["*:data/team/", "read:data/shared/"], "sdk-presign");
    dispatcher = new Agent({ connect: { ca: fx.gateway.caCertificate } });
  });
  afterAll(async () => {
    await dispatcher?.close();
    await fx?.stop();
  });

  it("accepts the hoisted checksum, metadata and storage class, and S3 stores the body", async () => {
    const body = "presigned upload";
    const command = new PutObjectCommand({ Bucket: "data", Key: "team/up.txt", Body: body, Metadata: { owner: "etl" }, StorageClass: "STANDARD" });
    const url = await getSignedUrl(fx.client(token), command, { expiresIn: 300 });
    const query = new URL(url).searchParams;
    expect([...query.keys()]).toEqual(expect.arrayContaining(["x-amz-checksum-crc32", "x-amz-sdk-checksum-algorithm", "x-amz-meta-owner", "x-amz-storage-class"]));
    const response = await undiciFetch(url, { method: "PUT", body, dispatcher });
    expect(response.status).toBe(200);
    const stored = await fx.client(token).send(new GetObjectCommand({ Bucket: "data", Key: "team/up.txt" }));
    expect(await stored.Body!.transformToString()).toBe(body);
    const upload = fx.gateway.standIn.records.find((r) => r.method === "PUT" && r.target.startsWith("/data/team/up.txt?"));
    expect(upload?.verdict).toBe("verified");
    expect(upload?.target).toContain("x-amz-checksum-crc32=");
    expect(upload?.target).not.toContain("X-Amz-Signature");
  });

  it("refuses a presigned URL whose hoisted header is also sent as a header", async () => {
    const url = await getSignedUrl(fx.client(token), new PutObjectCommand({ Bucket: "data", Key: "team/twice.txt", Body: "x", StorageClass: "STANDARD" }), { expiresIn: 300 });
    const response = await undiciFetch(url, { method: "PUT", body: "x", headers: { "x-amz-storage-class": "GLACIER" }, dispatcher });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("<Code>InvalidRequest</Code>");
  });

  it("refuses a presigned PutObject with a hoisted public ACL, and one outside the grants", async () => {
    const before = fx.gateway.standIn.records.length;
    const acl = await getSignedUrl(fx.client(token), new PutObjectCommand({ Bucket: "data", Key: "team/acl.txt", Body: "x", ACL: "public-read" }), { expiresIn: 300 });
    expect(new URL(acl).searchParams.get("x-amz-acl")).toBe("public-read");
    expect((await undiciFetch(acl, { method: "PUT", body: "x", dispatcher })).status).toBe(403);
    const outside = await getSignedUrl(fx.client(token), new PutObjectCommand({ Bucket: "data", Key: "shared/x.txt", Body: "x" }), { expiresIn: 300 });
    expect((await undiciFetch(outside, { method: "PUT", body: "x", dispatcher })).status).toBe(403);
    expect(fx.gateway.standIn.records.length).toBe(before);
  });
});
