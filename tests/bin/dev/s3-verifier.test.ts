import { createHash } from "node:crypto";
import http from "node:http";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { FORM_CARRIER_MEDIA_TYPE } from "../../../bin/dev/moto-deviations";
import { startS3Verifier, type S3Verifier } from "../../../bin/dev/s3-verifier";
import { startGatewayFixture, type GatewayFixture } from "../../support/local-gateway";
import { motoSetup, startMoto, type Moto } from "../../support/moto";

const moto = motoSetup();
const describeWithMoto = moto.ok ? describe : describe.skip;

const CREDENTIALS = { accessKeyId: "AKIDVERIFIERTEST", secretAccessKey: "verifier-secret" };
const REGION = "eu-west-1";
const URLENCODED = "application/x-www-form-urlencoded; charset=utf-8";
const MULTIPART = "multipart/form-data; boundary=----rajee";
const FORM_BODY = "a=1&b=2&key=not-the-key&file=not-the-body";
const MULTIPART_BODY = ['------rajee', 'Content-Disposition: form-data; name="file"; filename="f.bin"', "", "payload bytes", "------rajee--", ""].join("\r\n");

/** A request straight to moto (no verifying layer), signed only enough for moto to route it to S3. */
function motoRequest(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const target = new URL(url);
  const authorization = `AWS4-HMAC-SHA256 Credential=AKID/20260101/${REGION}/s3/aws4_request, SignedHeaders=host, Signature=0`;
  return new Promise((resolve, reject) => {
    const request = http.request({ host: target.hostname, port: target.port, method, path, headers: { authorization, ...headers, ...(body !== undefined ? { "content-length": String(Buffer.byteLength(body)) } : {}) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

const text = async (answer: { Body?: { transformToString(): Promise<string> } }) => answer.Body!.transformToString();

/** Sends `command` with `contentType` as its (signed) Content-Type, the way aws4 or curl would send a body. */
function asForm<C extends { middlewareStack: { add(middleware: unknown, options: { step: "build" }): void } }>(command: C, contentType = URLENCODED): C {
  command.middlewareStack.add(
    (next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
      (args.request as { headers: Record<string, string> }).headers["content-type"] = contentType;
      return next(args);
    },
    { step: "build" },
  );
  return command;
}

describeWithMoto("form Content-Types", () => {
  let aws: Moto;
  beforeAll(async () => {
    aws = await startMoto();
  });
  afterAll(() => aws?.stop());

  describe("moto on its own (the deviation the verifying layer works around)", () => {
    beforeAll(async () => {
      const created = await motoRequest(aws.url, "PUT", "/alone", {}, `<CreateBucketConfiguration><LocationConstraint>${REGION}</LocationConstraint></CreateBucketConfiguration>`);
      expect(created.status).toBe(200);
    });

    // When one of these fails, moto keeps form bodies: the carrier in moto-deviations.ts can go.
    it("answers 200 to a PUT with a urlencoded body and stores the form's file field, not the bytes", async () => {
      expect((await motoRequest(aws.url, "PUT", "/alone/u", { "content-type": URLENCODED }, FORM_BODY)).status).toBe(200);
      expect(await motoRequest(aws.url, "GET", "/alone/u")).toMatchObject({ status: 200, body: "not-the-body" });
    });

    it("answers 200 to a PUT with a urlencoded body without key or file fields and stores nothing", async () => {
      expect((await motoRequest(aws.url, "PUT", "/alone/e", { "content-type": URLENCODED }, "a=1&b=2")).status).toBe(200);
      expect(await motoRequest(aws.url, "GET", "/alone/e")).toMatchObject({ status: 200, body: "" });
    });

    it("answers 200 to a PUT with a multipart/form-data body and stores only the file part", async () => {
      expect((await motoRequest(aws.url, "PUT", "/alone/m", { "content-type": MULTIPART }, MULTIPART_BODY)).status).toBe(200);
      expect(await motoRequest(aws.url, "GET", "/alone/m")).toMatchObject({ status: 200, body: "payload bytes" });
    });

    it("answers 500 to DeleteObjects sent as a form", async () => {
      const xml = "<Delete><Object><Key>u</Key></Object></Delete>";
      expect((await motoRequest(aws.url, "POST", "/alone?delete", { "content-type": URLENCODED }, xml)).status).toBe(500);
    });

    it("stores the bytes of the same PUT with a Content-Type it does not parse", async () => {
      await motoRequest(aws.url, "PUT", "/alone/o", { "content-type": "application/octet-stream" }, FORM_BODY);
      expect((await motoRequest(aws.url, "GET", "/alone/o")).body).toBe(FORM_BODY);
    });
  });

  describe("the verifying layer in front of moto", () => {
    let verifier: S3Verifier;
    let s3: S3Client;
    beforeAll(async () => {
      verifier = await startS3Verifier({ credentials: CREDENTIALS, region: REGION, upstreamUrl: aws.url });
      s3 = new S3Client({ endpoint: verifier.url, region: REGION, forcePathStyle: true, credentials: CREDENTIALS, maxAttempts: 1 });
      await s3.send(new CreateBucketCommand({ Bucket: "forms", CreateBucketConfiguration: { LocationConstraint: REGION } }));
    });
    afterAll(async () => {
      s3?.destroy();
      await verifier?.close();
    });

    it.each([
      ["application/x-www-form-urlencoded", URLENCODED, FORM_BODY],
      ["multipart/form-data", MULTIPART, MULTIPART_BODY],
      ["a form type in capitals", "Application/X-WWW-Form-Urlencoded", FORM_BODY],
    ])("stores the bytes of a PutObject sent as %s, and gives its Content-Type back on GET and HEAD", async (_, contentType, body) => {
      const key = `put-${createHash("sha256").update(contentType).digest("hex").slice(0, 8)}`;
      await s3.send(new PutObjectCommand({ Bucket: "forms", Key: key, Body: Buffer.from(body), ContentType: contentType }));
      const got = await s3.send(new GetObjectCommand({ Bucket: "forms", Key: key }));
      expect([await text(got), got.ContentType, got.ContentLength]).toEqual([body, contentType, Buffer.byteLength(body)]);
      expect((await s3.send(new HeadObjectCommand({ Bucket: "forms", Key: key }))).ContentType).toBe(contentType);
      expect(verifier.records.at(-3)).toMatchObject({ method: "PUT", verdict: "verified", status: 200, bodySha256: createHash("sha256").update(body).digest("hex") });
    });

    it("hands moto the form Content-Type inside the carrier, which moto keeps", async () => {
      await s3.send(new PutObjectCommand({ Bucket: "forms", Key: "carried", Body: FORM_BODY, ContentType: URLENCODED }));
      const behind = await motoRequest(aws.url, "GET", "/forms/carried");
      expect([behind.body, behind.headers["content-type"]?.split(";")[0]]).toEqual([FORM_BODY, FORM_CARRIER_MEDIA_TYPE]);
    });

    it("gives a client's own carrier-looking Content-Type back as it was sent", async () => {
      const odd = `${FORM_CARRIER_MEDIA_TYPE}; original=text%2Fplain`;
      await s3.send(new PutObjectCommand({ Bucket: "forms", Key: "odd", Body: "x", ContentType: odd }));
      expect((await s3.send(new HeadObjectCommand({ Bucket: "forms", Key: "odd" }))).ContentType).toBe(odd);
    });

    it("keeps a form-typed object's Content-Type through CopyObject, and lets a REPLACE copy set a form type", async () => {
      await s3.send(new PutObjectCommand({ Bucket: "forms", Key: "source", Body: FORM_BODY, ContentType: URLENCODED }));
      await s3.send(new CopyObjectCommand({ Bucket: "forms", Key: "copied", CopySource: "forms/source" }));
      const copied = await s3.send(new GetObjectCommand({ Bucket: "forms", Key: "copied" }));
      expect([await text(copied), copied.ContentType]).toEqual([FORM_BODY, URLENCODED]);
      await s3.send(new CopyObjectCommand({ Bucket: "forms", Key: "replaced", CopySource: "forms/copied", MetadataDirective: "REPLACE", ContentType: MULTIPART }));
      const replaced = await s3.send(new GetObjectCommand({ Bucket: "forms", Key: "replaced" }));
      expect([await text(replaced), replaced.ContentType]).toEqual([FORM_BODY, MULTIPART]);
    });

    it("lets response-content-type override a restored form Content-Type", async () => {
      await s3.send(new PutObjectCommand({ Bucket: "forms", Key: "override", Body: FORM_BODY, ContentType: URLENCODED }));
      expect((await s3.send(new GetObjectCommand({ Bucket: "forms", Key: "override", ResponseContentType: "text/csv" }))).ContentType).toBe("text/csv");
    });

    it("completes a multipart upload whose create, parts and completion are sent as forms", async () => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "forms", Key: "multi", ContentType: URLENCODED }));
      const part = Buffer.alloc(5 * 1024 * 1024, "a=1&");
      const first = await s3.send(asForm(new UploadPartCommand({ Bucket: "forms", Key: "multi", UploadId, PartNumber: 1, Body: part })));
      const second = await s3.send(asForm(new UploadPartCommand({ Bucket: "forms", Key: "multi", UploadId, PartNumber: 2, Body: Buffer.from(FORM_BODY) }), MULTIPART));
      const parts = [{ PartNumber: 1, ETag: first.ETag }, { PartNumber: 2, ETag: second.ETag }];
      await s3.send(asForm(new CompleteMultipartUploadCommand({ Bucket: "forms", Key: "multi", UploadId, MultipartUpload: { Parts: parts } })));
      const got = await s3.send(new GetObjectCommand({ Bucket: "forms", Key: "multi" }));
      const bytes = Buffer.from(await got.Body!.transformToByteArray());
      expect([bytes.equals(Buffer.concat([part, Buffer.from(FORM_BODY)])), got.ContentType]).toEqual([true, URLENCODED]);
    });

    it("deletes with a DeleteObjects request sent as a form", async () => {
      await s3.send(new PutObjectCommand({ Bucket: "forms", Key: "doomed", Body: "x" }));
      const deleted = await s3.send(asForm(new DeleteObjectsCommand({ Bucket: "forms", Delete: { Objects: [{ Key: "doomed" }] } })));
      expect(deleted.Deleted?.map((d) => d.Key)).toEqual(["doomed"]);
      await expect(s3.send(new HeadObjectCommand({ Bucket: "forms", Key: "doomed" }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    });
  });
});

describeWithMoto("a form-typed upload through the local gateway (npm run dev)", () => {
  let fx: GatewayFixture;
  beforeAll(async () => {
    fx = await startGatewayFixture(["forms"]);
  });
  afterAll(() => fx?.stop());

  it("round-trips the bytes and the Content-Type of an SDK upload sent as a form", async () => {
    const s3 = fx.client(await fx.mint(["*:forms/"]));
    try {
      await s3.send(new PutObjectCommand({ Bucket: "forms", Key: "through-gateway", Body: Buffer.from(MULTIPART_BODY), ContentType: MULTIPART }));
      const got = await s3.send(new GetObjectCommand({ Bucket: "forms", Key: "through-gateway" }));
      expect([await text(got), got.ContentType]).toEqual([MULTIPART_BODY, MULTIPART]);
    } finally {
      s3.destroy();
    }
  });
});
