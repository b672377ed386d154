import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCopyCommand,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { findAwsCliV2 } from "../support/aws-cli";
import type { GatewayFixture } from "../support/local-gateway";
import { startGatewayFixture } from "../support/local-gateway";
import { motoSetup } from "../support/moto";

/**
 * S3 operations the old stand-in (s3rver) could not serve, through the whole local gateway
 * (emulator, authorizer, verifying layer) to moto. Every operation here is in the operation table
 * of docs/design.md, so each is allowed inside the token's grants.
 */
const describeWithMoto = motoSetup().ok ? describe : describe.skip;
const cli = findAwsCliV2();
if (cli.path === undefined) console.warn(`skipping the aws cli listing test: ${cli.reason}`);
const itWithCli = cli.path ? it : it.skip;

const MANY = 1005;
const MIB = 1024 * 1024;
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

let fx: GatewayFixture;
let s3: S3Client;
/** moto itself, behind no gateway: for setting up state the grants do not cover (seeding, versioning). */
let moto: S3Client;

async function failure(promise: Promise<unknown>): Promise<{ code: string; status: number | undefined }> {
  try {
    await promise;
    return { code: "allowed", status: 200 };
  } catch (error) {
    const e = error as S3ServiceException;
    return { code: e.name, status: e.$metadata?.httpStatusCode };
  }
}

describeWithMoto("S3 operations through the local gateway to moto", () => {
  beforeAll(async () => {
    fx = await startGatewayFixture(["data", "versions"]);
    s3 = fx.client(await fx.mint(["*:data/team/", "*:versions/team/"]));
    moto = new S3Client({ endpoint: fx.gateway.standIn.motoUrl, region: "eu-west-1", forcePathStyle: true, credentials: { accessKeyId: "setup", secretAccessKey: "setup" } });
    // Seeded behind the gateway (1,005 PUTs through it would only slow the suite); listed through it.
    const keys = Array.from({ length: MANY }, (_, i) => `team/many/${String(i).padStart(4, "0")}`);
    for (let i = 0; i < keys.length; i += 25) {
      await Promise.all(keys.slice(i, i + 25).map((Key) => moto.send(new PutObjectCommand({ Bucket: "data", Key, Body: Key }))));
    }
  }, 120_000);
  afterAll(async () => {
    moto?.destroy();
    await fx?.stop();
  });

  it("pages a listing of 1,005 keys with continuation tokens (SDK v3)", async () => {
    const keys: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 400 }, { Bucket: "data", Prefix: "team/many/" })) {
      pages += 1;
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    }
    expect(pages).toBe(3);
    expect(keys).toHaveLength(MANY);
    expect(new Set(keys).size).toBe(MANY);
    expect(keys).toEqual([...keys].sort());
  });

  itWithCli("pages a listing of 1,005 keys with continuation tokens (aws cli v2)", async () => {
    const env = await fx.awsEnvironment(await fx.mint(["list:data/team/"], "aws-cli-user"));
    const before = fx.gateway.standIn.records.length;
    const { stdout } = await promisify(execFile)(
      cli.path!,
      ["--endpoint-url", fx.gateway.url, "s3api", "list-objects-v2", "--bucket", "data", "--prefix", "team/many/", "--page-size", "400", "--query", "Contents[].Key", "--output", "json"],
      { env, cwd: fx.dir, timeout: 60_000 },
    );
    const keys = JSON.parse(stdout) as string[];
    expect(keys).toHaveLength(MANY);
    expect(new Set(keys).size).toBe(MANY);
    const listings = fx.gateway.standIn.records.slice(before).filter((r) => r.method === "GET" && r.target.includes("list-type=2"));
    expect(listings.map((r) => [r.verdict, r.status])).toEqual([["verified", 200], ["verified", 200], ["verified", 200]]);
    expect(listings.filter((r) => r.target.includes("continuation-token="))).toHaveLength(2);
  });

  it("copies an object in parts (UploadPartCopy), lists the parts and the upload, and completes it", async () => {
    const source = randomBytes(6 * MIB);
    await s3.send(new PutObjectCommand({ Bucket: "data", Key: "team/copy/source.bin", Body: source }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "data", Key: "team/copy/target.bin" }));
    const ranges = [`bytes=0-${5 * MIB - 1}`, `bytes=${5 * MIB}-${source.length - 1}`];
    const parts = [];
    for (const [index, range] of ranges.entries()) {
      const copied = await s3.send(
        new UploadPartCopyCommand({ Bucket: "data", Key: "team/copy/target.bin", UploadId, PartNumber: index + 1, CopySource: "data/team/copy/source.bin", CopySourceRange: range }),
      );
      parts.push({ PartNumber: index + 1, ETag: copied.CopyPartResult!.ETag! });
    }

    const listed = await s3.send(new ListPartsCommand({ Bucket: "data", Key: "team/copy/target.bin", UploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, 5 * MIB, parts[0]!.ETag],
      [2, MIB, parts[1]!.ETag],
    ]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: "data", Prefix: "team/copy/" }));
    expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([["team/copy/target.bin", UploadId]]);

    await s3.send(new CompleteMultipartUploadCommand({ Bucket: "data", Key: "team/copy/target.bin", UploadId, MultipartUpload: { Parts: parts } }));
    const got = await s3.send(new GetObjectCommand({ Bucket: "data", Key: "team/copy/target.bin" }));
    expect(sha256(await got.Body!.transformToByteArray())).toBe(sha256(source));
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: "data", Prefix: "team/copy/" }))).Uploads ?? []).toEqual([]);
  });

  it("lists the versions of an object in a versioned bucket (ListObjectVersions)", async () => {
    await moto.send(new PutBucketVersioningCommand({ Bucket: "versions", VersioningConfiguration: { Status: "Enabled" } }));
    const first = await s3.send(new PutObjectCommand({ Bucket: "versions", Key: "team/doc.txt", Body: "one" }));
    const second = await s3.send(new PutObjectCommand({ Bucket: "versions", Key: "team/doc.txt", Body: "two" }));
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: "versions", Prefix: "team/" }));
    expect(listed.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([
      ["team/doc.txt", second.VersionId, true],
      ["team/doc.txt", first.VersionId, false],
    ]);
    const old = await s3.send(new GetObjectCommand({ Bucket: "versions", Key: "team/doc.txt", VersionId: first.VersionId }));
    expect(await old.Body!.transformToString()).toBe("one");
  });

  it("answers GetObjectAttributes with the attributes, not the body", async () => {
    const body = randomBytes(1234);
    const put = await s3.send(new PutObjectCommand({ Bucket: "data", Key: "team/attributes.bin", Body: body }));
    const attributes = await s3.send(new GetObjectAttributesCommand({ Bucket: "data", Key: "team/attributes.bin", ObjectAttributes: ["ETag", "ObjectSize", "StorageClass"] }));
    expect(attributes.ObjectSize).toBe(1234);
    expect(`"${attributes.ETag}"`).toBe(put.ETag);
    expect(attributes.StorageClass).toBe("STANDARD");
  });

  // moto ignores response-* overrides; the verifying layer applies them as S3 does (bin/dev/moto-deviations.ts).
  it("applies response-* overrides on GetObject", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "data", Key: "team/report", Body: "a,b\n1,2\n", ContentType: "application/octet-stream" }));
    const got = await s3.send(
      new GetObjectCommand({
        Bucket: "data",
        Key: "team/report",
        ResponseContentType: "text/csv",
        ResponseContentDisposition: 'attachment; filename="report.csv"',
        ResponseCacheControl: "no-store",
        ResponseContentLanguage: "en",
      }),
    );
    expect([got.ContentType, got.ContentDisposition, got.CacheControl, got.ContentLanguage]).toEqual(["text/csv", 'attachment; filename="report.csv"', "no-store", "en"]);
    expect(await got.Body!.transformToString()).toBe("a,b\n1,2\n");
  });

  it("stores, reads and lists keys with empty path segments (//)", async () => {
    const keys = ["team//lead", "team/a//b//c.txt", "team/trailing//"];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: "data", Key, Body: Key }));
    for (const Key of keys) expect(await (await s3.send(new GetObjectCommand({ Bucket: "data", Key }))).Body!.transformToString()).toBe(Key);
    const listed = [];
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: "data", Prefix: "team/" })) listed.push(...(page.Contents ?? []).map((o) => o.Key!));
    expect(listed).toEqual(expect.arrayContaining(keys));
  });

  it("stores, reads and lists a key of 1,000 bytes with a 300-byte path segment", async () => {
    const key = `team/${"x".repeat(300)}/${"é".repeat(347)}`;
    expect(Buffer.byteLength(key)).toBe(1000);
    const body = randomBytes(100);
    await s3.send(new PutObjectCommand({ Bucket: "data", Key: key, Body: body }));
    const got = await s3.send(new GetObjectCommand({ Bucket: "data", Key: key }));
    expect(sha256(await got.Body!.transformToByteArray())).toBe(sha256(body));
    const attributes = await s3.send(new GetObjectAttributesCommand({ Bucket: "data", Key: key, ObjectAttributes: ["ObjectSize"] }));
    expect(attributes.ObjectSize).toBe(100);
    const page = await s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: `team/${"x".repeat(300)}/` }));
    expect(page.Contents?.map((o) => o.Key)).toEqual([key]);
  });

  it("refuses a key over 1,024 bytes with S3's KeyTooLongError, at the authorizer, before S3", async () => {
    const key = `team/${"k".repeat(1020)}`;
    const before = fx.gateway.standIn.records.length;
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: "data", Key: key, Body: "x" })))).toEqual({ code: "KeyTooLongError", status: 400 });
    expect(fx.gateway.standIn.records.length).toBe(before);
  });

  it("refuses user metadata over 2 KB with S3's MetadataTooLarge, and accepts exactly 2 KB", async () => {
    const exactly = { note: "m".repeat(2048 - "note".length) };
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: "data", Key: "team/meta-ok", Body: "x", Metadata: exactly })))).toEqual({ code: "allowed", status: 200 });
    const over = { note: "m".repeat(2049 - "note".length) };
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: "data", Key: "team/meta-big", Body: "x", Metadata: over })))).toEqual({ code: "MetadataTooLarge", status: 400 });
    expect(fx.gateway.standIn.records.at(-1)).toMatchObject({ target: "/data/team/meta-big?x-id=PutObject", verdict: "MetadataTooLarge" });
  });
});
