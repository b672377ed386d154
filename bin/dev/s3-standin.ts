import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeAwsChunked } from "./aws-chunked";
import { checksumBase64 } from "./checksums";
import { readBounded } from "./read-bounded";
import { verifySigV4, type VerifyCredentials } from "./sigv4-verify";

// s3rver ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver") as new (options: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void> };

/** What the stand-in saw of one request: whether S3 would have accepted its signature and body. */
export interface StandInRecord {
  readonly method: string;
  readonly target: string;
  /** `verified`, or the S3 error code it was refused with. */
  readonly verdict: string;
  readonly status: number;
  /** SHA-256 of the object bytes as S3 would store them (after aws-chunked decoding). */
  readonly bodySha256: string;
  /** The x-amz-content-sha256 the request was signed with. */
  readonly payloadHash: string;
  /** The x-amz-copy-source as received (before this stand-in adapts it for s3rver), on copies. */
  readonly copySource?: string;
}

export interface S3StandInOptions {
  /** Credentials requests must be signed with (the "task role" of a local run). */
  readonly credentials: VerifyCredentials;
  readonly region: string;
  /** Buckets to create. */
  readonly buckets: readonly string[];
  /** Where s3rver keeps objects. @default a new temporary folder, removed on close */
  readonly directory?: string;
  /** Largest request body accepted, bytes. @default 256 MiB */
  readonly maxBodyBytes?: number;
}

export interface S3StandIn {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly records: StandInRecord[];
  close(): Promise<void>;
}

/** Headers that belong to the signed hop only; s3rver gets an anonymous, de-chunked request. */
const HOP_HEADERS = new Set(["authorization", "x-amz-security-token", "x-amz-date", "x-amz-content-sha256", "x-amz-decoded-content-length", "x-amz-trailer", "transfer-encoding", "content-length", "connection"]);

class S3Refusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

function errorBody(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message.replace(/[<&>]/g, "")}</Message></Error>`;
}

function checkChecksums(headers: http.IncomingHttpHeaders, body: Buffer, trailers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries({ ...headers, ...trailers })) {
    if (!name.startsWith("x-amz-checksum-") || name === "x-amz-checksum-type" || name === "x-amz-checksum-algorithm" || typeof value !== "string") continue;
    const expected = checksumBase64(name.slice("x-amz-checksum-".length), body);
    if (expected !== undefined && expected !== value) throw new S3Refusal(400, "BadDigest", `${name} ${value} does not match the body (${expected})`);
  }
}

/** The object bytes S3 would store, after checking the payload hash, aws-chunked framing and checksums. */
function payloadOf(headers: http.IncomingHttpHeaders, raw: Buffer): Buffer {
  const hash = headers["x-amz-content-sha256"] as string;
  const chunked = String(headers["content-encoding"] ?? "").split(",").some((e) => e.trim() === "aws-chunked");
  if (hash === "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
    if (!chunked) throw new S3Refusal(400, "InvalidRequest", "streaming payload without content-encoding aws-chunked");
    let decoded;
    try {
      decoded = decodeAwsChunked(raw);
    } catch (error) {
      throw new S3Refusal(400, "IncompleteBody", (error as Error).message);
    }
    if (String(decoded.body.length) !== headers["x-amz-decoded-content-length"]) {
      throw new S3Refusal(400, "IncompleteBody", `decoded ${decoded.body.length} bytes, x-amz-decoded-content-length says ${headers["x-amz-decoded-content-length"]}`);
    }
    const trailer = headers["x-amz-trailer"];
    if (typeof trailer === "string" && decoded.trailers[trailer] === undefined) throw new S3Refusal(400, "MalformedTrailerError", `trailer ${trailer} missing`);
    checkChecksums(headers, decoded.body, decoded.trailers);
    return decoded.body;
  }
  if (chunked) throw new S3Refusal(400, "InvalidRequest", `content-encoding aws-chunked needs a STREAMING payload hash, not ${hash}`);
  if (hash !== "UNSIGNED-PAYLOAD") {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new S3Refusal(400, "InvalidArgument", `x-amz-content-sha256 ${hash} is not accepted`);
    if (createHash("sha256").update(raw).digest("hex") !== hash) throw new S3Refusal(400, "XAmzContentSHA256Mismatch", "x-amz-content-sha256 does not match the body");
  }
  checkChecksums(headers, raw);
  return raw;
}

function forward(target: { host: string; port: number }, request: http.IncomingMessage, body: Buffer, response: http.ServerResponse): Promise<number> {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(request.headers)) if (!HOP_HEADERS.has(name) && value !== undefined) headers[name] = value;
  const encodings = String(headers["content-encoding"] ?? "").split(",").map((e) => e.trim()).filter((e) => e !== "" && e !== "aws-chunked");
  if (encodings.length === 0) delete headers["content-encoding"];
  else headers["content-encoding"] = encodings.join(",");
  headers["content-length"] = String(body.length);
  // S3 percent-decodes the copy source fully; s3rver uses decodeURI, which leaves %2B and the like.
  const copySource = headers["x-amz-copy-source"];
  if (typeof copySource === "string") headers["x-amz-copy-source"] = encodeURI(decodeURIComponent(copySource));
  return new Promise((resolve, reject) => {
    const upstream = http.request({ ...target, method: request.method, path: request.url, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
      answer.on("end", () => resolve(answer.statusCode ?? 502));
    });
    upstream.on("error", reject);
    upstream.end(request.method === "HEAD" || request.method === "GET" ? undefined : body);
  });
}

/**
 * A local stand-in for S3: s3rver stores the objects, and in front of it this layer does what S3
 * does and s3rver does not: it verifies the SigV4 signature with the expected credentials, refuses
 * unsigned `x-amz-*` headers, checks payload hashes, decodes aws-chunked bodies and checks their
 * trailing checksums. Every request is recorded for tests.
 */
export async function startS3StandIn(options: S3StandInOptions): Promise<S3StandIn> {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), "rajee-s3-")));
  const s3rver = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: options.buckets.map((name) => ({ name })), vhostBuckets: false });
  const backend = await s3rver.run();
  const records: StandInRecord[] = [];
  const limit = options.maxBodyBytes ?? 256 * 1024 * 1024;
  const server = http.createServer(async (request, response) => {
    const target = request.url ?? "/";
    const record = (verdict: string, status: number, body: Buffer = Buffer.alloc(0)) =>
      records.push({
        method: request.method ?? "",
        target,
        verdict,
        status,
        bodySha256: createHash("sha256").update(body).digest("hex"),
        payloadHash: String(request.headers["x-amz-content-sha256"] ?? ""),
        ...(typeof request.headers["x-amz-copy-source"] === "string" ? { copySource: request.headers["x-amz-copy-source"] } : {}),
      });
    try {
      const raw = await readBounded(request, limit);
      if (raw === "too-large") throw new S3Refusal(400, "EntityTooLarge", `body over ${limit} bytes`);
      const verdict = verifySigV4({ method: request.method ?? "", target, headers: request.headers as Record<string, string> }, options.credentials, options.region, new Date());
      if (!verdict.ok) throw new S3Refusal(403, verdict.code, verdict.message);
      const body = payloadOf(request.headers, raw);
      const status = await forward({ host: backend.address, port: backend.port }, request, body, response);
      record("verified", status, body);
    } catch (error) {
      const refusal = error instanceof S3Refusal ? error : new S3Refusal(500, "InternalError", (error as Error).message);
      record(refusal.code, refusal.status);
      if (!response.headersSent) {
        response.writeHead(refusal.status, { "content-type": "application/xml" });
        response.end(request.method === "HEAD" ? undefined : errorBody(refusal.code, refusal.message));
      } else response.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await s3rver.close();
      if (!options.directory) await rm(directory, { recursive: true, force: true });
    },
  };
}
