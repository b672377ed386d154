import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startS3StandIn, type S3StandIn } from "../../../bin/dev/s3-standin";
import { computeSignature } from "../../../bin/dev/sigv4-verify";
import { motoSetup } from "../../support/moto";

const describeWithMoto = motoSetup().ok ? describe : describe.skip;

const CREDENTIALS = { accessKeyId: "AKIDSTANDINTEST", secretAccessKey: "stand-in-secret" };
const REGION = "eu-west-1";
const HOST = "s3.eu-west-1.amazonaws.com";
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const md5 = (data: string | Buffer) => createHash("md5").update(data).digest("base64");

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Sends a request signed with SigV4 (every header signed) to the stand-in. */
function send(standIn: S3StandIn, method: string, target: string, options: { body?: string; headers?: Record<string, string>; chunked?: boolean; secret?: string } = {}): Promise<Answer> {
  const body = options.body ?? "";
  const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const headers: Record<string, string> = { host: HOST, "x-amz-content-sha256": sha256(body), "x-amz-date": amzDate, ...options.headers };
  if (!options.chunked && (method === "PUT" || method === "POST")) headers["content-length"] = String(Buffer.byteLength(body));
  const signedHeaders = Object.keys(headers).filter((h) => h !== "content-length").sort();
  const signature = computeSignature({
    method,
    target,
    headers,
    signedHeaders,
    payloadHash: headers["x-amz-content-sha256"]!,
    amzDate,
    region: REGION,
    service: "s3",
    secretAccessKey: options.secret ?? CREDENTIALS.secretAccessKey,
  });
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/${amzDate.slice(0, 8)}/${REGION}/s3/aws4_request, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
  const url = new URL(standIn.url);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, method, path: target, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    request.on("error", reject);
    if (options.chunked) request.setHeader("transfer-encoding", "chunked");
    request.end(body === "" ? undefined : body);
  });
}

const code = (answer: Answer) => /<Code>([^<]+)<\/Code>/.exec(answer.body)?.[1];

describeWithMoto("the S3 stand-in (moto behind the verifying layer)", () => {
  let standIn: S3StandIn;
  beforeAll(async () => {
    standIn = await startS3StandIn({ credentials: CREDENTIALS, region: REGION, buckets: ["bucket"] });
  });
  afterAll(async () => {
    await standIn?.close();
  });

  it("stores and returns an object for a request signed with the expected credentials, and records it verified", async () => {
    expect((await send(standIn, "PUT", "/bucket/a.txt", { body: "hello" })).status).toBe(200);
    const got = await send(standIn, "GET", "/bucket/a.txt");
    expect([got.status, got.body]).toEqual([200, "hello"]);
    expect(standIn.records.at(-1)).toMatchObject({ method: "GET", target: "/bucket/a.txt", verdict: "verified", status: 200 });
  });

  it("refuses a wrong signature before moto sees it", async () => {
    const answer = await send(standIn, "PUT", "/bucket/forged.txt", { body: "x", secret: "not-the-secret" });
    expect([answer.status, code(answer)]).toEqual([403, "SignatureDoesNotMatch"]);
    expect((await send(standIn, "GET", "/bucket/forged.txt")).status).toBe(404);
  });

  it("refuses a PUT without Content-Length with MissingContentLength (411)", async () => {
    const answer = await send(standIn, "PUT", "/bucket/no-length.txt", { body: "streamed", chunked: true });
    expect([answer.status, code(answer)]).toEqual([411, "MissingContentLength"]);
    expect((await send(standIn, "GET", "/bucket/no-length.txt")).status).toBe(404);
  });

  it("refuses DeleteObjects without Content-MD5 or a checksum, and with a Content-MD5 that does not match", async () => {
    await send(standIn, "PUT", "/bucket/d1", { body: "1" });
    const xml = '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>d1</Key></Object></Delete>';
    const bare = await send(standIn, "POST", "/bucket?delete", { body: xml });
    expect([bare.status, code(bare), /<Message>([^<]+)</.exec(bare.body)?.[1]]).toEqual([400, "InvalidRequest", "Missing required header for this request: Content-MD5"]);
    const wrong = await send(standIn, "POST", "/bucket?delete", { body: xml, headers: { "content-md5": md5("something else") } });
    expect([wrong.status, code(wrong)]).toEqual([400, "BadDigest"]);
    expect((await send(standIn, "GET", "/bucket/d1")).status).toBe(200);
    const right = await send(standIn, "POST", "/bucket?delete", { body: xml, headers: { "content-md5": md5(xml) } });
    expect(right.status).toBe(200);
    expect((await send(standIn, "GET", "/bucket/d1")).status).toBe(404);
  });

  it("accepts DeleteObjects with an x-amz-checksum-sha256 instead of Content-MD5", async () => {
    await send(standIn, "PUT", "/bucket/d2", { body: "2" });
    const xml = '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>d2</Key></Object></Delete>';
    const answer = await send(standIn, "POST", "/bucket?delete", { body: xml, headers: { "x-amz-checksum-sha256": createHash("sha256").update(xml).digest("base64") } });
    expect(answer.status).toBe(200);
    expect((await send(standIn, "GET", "/bucket/d2")).status).toBe(404);
  });

  it("refuses a key over 1,024 bytes with KeyTooLongError", async () => {
    const answer = await send(standIn, "PUT", `/bucket/${"k".repeat(1025)}`, { body: "x" });
    expect([answer.status, code(answer)]).toEqual([400, "KeyTooLongError"]);
  });
});

describeWithMoto("the S3 stand-in with a snapshot folder", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rajee-standin-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps objects, their metadata and keys of any shape across a restart, and forgets deleted ones", async () => {
    const longKey = `deep/${"s".repeat(300)}//${"é".repeat(300)}`;
    const first = await startS3StandIn({ credentials: CREDENTIALS, region: REGION, buckets: ["bucket"], directory: dir });
    await send(first, "PUT", "/bucket/kept.txt", { body: "kept", headers: { "content-type": "text/plain", "x-amz-meta-owner": "team" } });
    await send(first, "PUT", `/bucket/${encodeURIComponent(longKey).replace(/%2F/g, "/")}`, { body: "long" });
    await send(first, "PUT", "/bucket/gone.txt", { body: "gone" });
    await first.close();

    const second = await startS3StandIn({ credentials: CREDENTIALS, region: REGION, buckets: ["bucket"], directory: dir });
    try {
      const kept = await send(second, "GET", "/bucket/kept.txt");
      expect([kept.status, kept.body, kept.headers["content-type"], kept.headers["x-amz-meta-owner"]]).toEqual([200, "kept", "text/plain", "team"]);
      expect((await send(second, "GET", `/bucket/${encodeURIComponent(longKey).replace(/%2F/g, "/")}`)).body).toBe("long");
      expect((await send(second, "DELETE", "/bucket/gone.txt")).status).toBe(204);
    } finally {
      await second.close();
    }

    const third = await startS3StandIn({ credentials: CREDENTIALS, region: REGION, buckets: ["bucket"], directory: dir });
    try {
      expect((await send(third, "GET", "/bucket/gone.txt")).status).toBe(404);
      expect((await send(third, "GET", "/bucket/kept.txt")).status).toBe(200);
    } finally {
      await third.close();
    }
    // Bodies are stored once each, by content: "kept" and "long".
    expect((await readdir(join(dir, "bodies"))).sort()).toEqual([sha256("kept"), sha256("long")].sort());
  });
});
