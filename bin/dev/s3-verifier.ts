import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { decodeAwsChunked } from "./aws-chunked";
import { correctedHeaders, headersForMoto } from "./moto-deviations";
import { checksumBase64 } from "./checksums";
import { readBounded } from "./read-bounded";
import { contentMd5Refusal, refusalBeforeBody, type S3RefusalReason } from "./s3-refusals";
import { verifySigV4, type VerifyCredentials } from "./sigv4-verify";

/** What the stand-in saw of one request: whether S3 would have accepted its signature and body. */
export interface StandInRecord {
  readonly method: string;
  readonly target: string;
  /** `verified`, or the S3 error code it was refused with. */
  readonly verdict: string;
  /** The status the client got (from the S3 implementation when verified, else the refusal's). */
  readonly status: number;
  /** SHA-256 of the object bytes as S3 would store them (after aws-chunked decoding). */
  readonly bodySha256: string;
  /** The x-amz-content-sha256 the request was signed with. */
  readonly payloadHash: string;
  /** The x-amz-copy-source as received, on copies. */
  readonly copySource?: string;
}

export interface S3VerifierOptions {
  /** Credentials requests must be signed with (the "task role" of a local run). */
  readonly credentials: VerifyCredentials;
  readonly region: string;
  /** The S3 implementation verified requests go to, `http://127.0.0.1:<port>`. */
  readonly upstreamUrl: string;
  /** Largest request body accepted, bytes. @default 256 MiB */
  readonly maxBodyBytes?: number;
}

export interface S3Verifier {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly records: StandInRecord[];
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024;

/**
 * Headers that belong to the signed hop only; the upstream gets a de-chunked request. The
 * Authorization header stays: moto checks no signature by default, but treats a request without
 * one as anonymous and applies the object ACL (a private object answers 403).
 */
const HOP_HEADERS = new Set([
  "x-amz-security-token",
  "x-amz-date",
  "x-amz-content-sha256",
  "x-amz-decoded-content-length",
  "x-amz-trailer",
  "transfer-encoding",
  "content-length",
  "connection",
  "expect",
]);

class S3Refusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }

  static of(reason: S3RefusalReason): S3Refusal {
    return new S3Refusal(reason.status, reason.code, reason.message);
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
  const md5 = contentMd5Refusal(typeof headers["content-md5"] === "string" ? headers["content-md5"] : undefined, body);
  if (md5) throw S3Refusal.of(md5);
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

/** Sends the verified request on with the decoded body; pipes the answer back, moto's deviations corrected. */
function forward(upstream: URL, request: http.IncomingMessage, body: Buffer, response: http.ServerResponse): Promise<number> {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headersForMoto(request.headers))) if (!HOP_HEADERS.has(name) && value !== undefined) headers[name] = value;
  const encodings = String(headers["content-encoding"] ?? "").split(",").map((e) => e.trim()).filter((e) => e !== "" && e !== "aws-chunked");
  if (encodings.length === 0) delete headers["content-encoding"];
  else headers["content-encoding"] = encodings.join(",");
  headers["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers }, (answer) => {
      const status = answer.statusCode ?? 502;
      response.writeHead(status, correctedHeaders(request.method ?? "", request.url ?? "/", status, answer.headers));
      answer.pipe(response);
      answer.on("end", () => resolve(answer.statusCode ?? 502));
      answer.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end(request.method === "HEAD" || request.method === "GET" ? undefined : body);
  });
}

/**
 * The layer in front of the local S3 implementation that does what S3 does and the
 * implementation does not: it verifies the SigV4 signature with the expected credentials, refuses
 * unsigned `x-amz-*` headers, checks payload hashes, Content-MD5 and flexible checksums, decodes
 * aws-chunked bodies, and refuses what S3 refuses before storing anything (s3-refusals.ts). It
 * forwards only verified requests. Every request is recorded with its verdict, for tests.
 */
export async function startS3Verifier(options: S3VerifierOptions): Promise<S3Verifier> {
  const upstream = new URL(options.upstreamUrl);
  const records: StandInRecord[] = [];
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const server = http.createServer(async (request, response) => {
    const target = request.url ?? "/";
    const method = request.method ?? "";
    const record = (verdict: string, status: number, body: Buffer = Buffer.alloc(0)) =>
      records.push({
        method,
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
      const verdict = verifySigV4({ method, target, headers: request.headers as Record<string, string> }, options.credentials, options.region, new Date());
      if (!verdict.ok) throw new S3Refusal(403, verdict.code, verdict.message);
      const early = refusalBeforeBody(method, target, request.headers);
      if (early) throw S3Refusal.of(early);
      const body = payloadOf(request.headers, raw);
      const status = await forward(upstream, request, body, response);
      record("verified", status, body);
    } catch (error) {
      const refusal = error instanceof S3Refusal ? error : new S3Refusal(500, "InternalError", (error as Error).message);
      record(refusal.code, refusal.status);
      if (!response.headersSent) {
        response.writeHead(refusal.status, { "content-type": "application/xml" });
        response.end(method === "HEAD" ? undefined : errorBody(refusal.code, refusal.message));
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
    },
  };
}
