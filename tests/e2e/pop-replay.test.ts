import { createHash } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { checksumBase64 } from "../../bin/dev/checksums";
import type { IssuedCredentials } from "../../src/token/credentials";
import { motoSetup } from "../support/moto";
import { fetchUrl, startPopFixture, type PopFixture } from "./pop-fixture";

/**
 * What a captured header-signed request with bound credentials is still good for (docs/security.md,
 * "Known limits"): replayed as it was within S3's 15 minutes, and with another body when the
 * signature does not cover a hash of the body. S3 behaves the same way; these tests pin the gateway
 * (and the local S3 stand-in, which checks payload hashes as S3 does) to it.
 */
const describeWithMoto = motoSetup().ok ? describe : describe.skip;

let fx: PopFixture;
let credentials: IssuedCredentials;

/** A PUT of `body` to `/data/team/<key>`, header-signed the way SDK v3 signs (@smithy/signature-v4), with `payloadHash` as x-amz-content-sha256. */
async function signedPut(key: string, body: string, payloadHash: string, signingDate = new Date(), extra: Record<string, string> = {}): Promise<{ url: string; headers: Record<string, string> }> {
  const url = new URL(`${fx.gateway.url}/data/team/${key}`);
  const signer = new SignatureV4({ credentials, region: "eu-west-1", service: "s3", sha256: Hash.bind(null, "sha256"), uriEscapePath: false });
  const toSign = { host: url.host, "x-amz-content-sha256": payloadHash, "content-length": String(Buffer.byteLength(body)), ...extra };
  const signed = await signer.sign({ method: "PUT", protocol: "https:", hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers: toSign }, { signingDate });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  return { url: url.toString(), headers };
}

/** `data` in aws-chunked framing with a trailing CRC32, as aws cli v2, boto3 and SDK v3 stream uploads by default. */
const chunked = (data: string) => `${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n0\r\nx-amz-checksum-crc32:${checksumBase64("crc32", Buffer.from(data))}\r\n\r\n`;
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const put = (request: { url: string; headers: Record<string, string> }, body: string) => fetchUrl(request.url, fx.gateway.caCertificate, { method: "PUT", headers: request.headers, body });
const read = async (key: string) => {
  const signer = new SignatureV4({ credentials, region: "eu-west-1", service: "s3", sha256: Hash.bind(null, "sha256"), uriEscapePath: false });
  const url = new URL(`${fx.gateway.url}/data/team/${key}`);
  const signed = await signer.sign({ method: "GET", protocol: "https:", hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers: { host: url.host, "x-amz-content-sha256": sha256("") } });
  return fetchUrl(url.toString(), fx.gateway.caCertificate, { headers: signed.headers as Record<string, string> });
};

describeWithMoto("replaying a captured header-signed request with bound credentials", () => {
  beforeAll(async () => {
    fx = await startPopFixture(["data"]);
    credentials = await fx.issue(["*:data/team/"], "replay");
  });
  afterAll(() => fx?.stop());

  it("accepts the request replayed unchanged within 15 minutes of its x-amz-date", async () => {
    const request = await signedPut("same.txt", "first", sha256("first"));
    expect((await put(request, "first")).status).toBe(200);
    expect((await put(request, "first")).status).toBe(200);
  });

  it("accepts an UNSIGNED-PAYLOAD request replayed with another body of the signed length", async () => {
    const request = await signedPut("unsigned.txt", "original", "UNSIGNED-PAYLOAD");
    expect((await put(request, "original")).status).toBe(200);
    expect((await put(request, "replaced")).status).toBe(200);
    expect(await read("unsigned.txt")).toEqual({ status: 200, body: "replaced" });
  });

  it("accepts a STREAMING-UNSIGNED-PAYLOAD-TRAILER upload (aws cli v2, boto3 and SDK v3 streams by default) replayed with another body and its own trailer", async () => {
    const headers = { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": "8", "x-amz-trailer": "x-amz-checksum-crc32" };
    const request = await signedPut("streamed.txt", chunked("original"), "STREAMING-UNSIGNED-PAYLOAD-TRAILER", new Date(), headers);
    expect((await put(request, chunked("original"))).status).toBe(200);
    expect((await put(request, chunked("replaced"))).status).toBe(200);
    expect(await read("streamed.txt")).toEqual({ status: 200, body: "replaced" });
  });

  it("refuses a request whose signed SHA-256 payload hash is replayed with another body", async () => {
    const request = await signedPut("hashed.txt", "original", sha256("original"));
    expect((await put(request, "original")).status).toBe(200);
    const replayed = await put(request, "replaced");
    expect([replayed.status, /<Code>([^<]+)</.exec(replayed.body)?.[1]]).toEqual([400, "XAmzContentSHA256Mismatch"]);
    expect(await read("hashed.txt")).toEqual({ status: 200, body: "original" });
  });

  it("refuses the request once its x-amz-date is more than 15 minutes old", async () => {
    const request = await signedPut("late.txt", "late", sha256("late"), new Date(Date.now() - 16 * 60 * 1000));
    const answer = await put(request, "late");
    expect([answer.status, /<Code>([^<]+)</.exec(answer.body)?.[1]]).toEqual([403, "RequestTimeTooSkewed"]);
  });
});
