import { Hash } from "@smithy/hash-node";
import { S3RequestPresigner } from "@aws-sdk/s3-request-presigner";
import { SignatureV4 } from "@smithy/signature-v4";
import type { SignedRequest } from "../../../src/sigv4/verify";

/**
 * Signs requests the way SDK v3 does for S3 (@smithy/signature-v4, `uriEscapePath: false`): an
 * implementation independent of src/sigv4, so a shared mistake cannot make both sides agree.
 */
export interface ClientCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface ClientRequest {
  readonly method: string;
  /** Path as sent (already encoded). */
  readonly path: string;
  /** Decoded query parameters. */
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly host?: string;
}

function signer(credential: ClientCredential, region = "us-east-1"): SignatureV4 {
  return new SignatureV4({ credentials: credential, region, service: "s3", sha256: Hash.bind(null, "sha256"), uriEscapePath: false });
}

function encodeQuery(query: Record<string, string | string[] | null>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value ?? ""]) parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`);
  }
  return parts.join("&");
}

function target(path: string, query: Record<string, string | string[] | null>): string {
  const text = encodeQuery(query);
  return text === "" ? path : `${path}?${text}`;
}

const toHttp = (request: ClientRequest) => ({
  method: request.method,
  protocol: "https:",
  hostname: request.host ?? "gateway.example.com",
  path: request.path,
  query: { ...request.query },
  headers: { host: request.host ?? "gateway.example.com", ...request.headers } as Record<string, string>,
});

/** A header-signed request (Authorization, x-amz-date, x-amz-content-sha256, the session token). */
export async function signHeaders(request: ClientRequest, credential: ClientCredential, now: Date, payloadHash = "UNSIGNED-PAYLOAD"): Promise<SignedRequest> {
  const http = toHttp(request);
  http.headers["x-amz-content-sha256"] = payloadHash;
  const signed = await signer(credential).sign(http, { signingDate: now });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  return { method: request.method, target: target(request.path, signed.query as Record<string, string>), headers };
}

/** A presigned URL's request (X-Amz-* in the query, UNSIGNED-PAYLOAD), made by SDK v3's own S3RequestPresigner. */
export async function presign(request: ClientRequest, credential: ClientCredential, now: Date, expiresIn = 900): Promise<SignedRequest> {
  const http = toHttp(request);
  const presigner = new S3RequestPresigner({ credentials: credential, region: "us-east-1", sha256: Hash.bind(null, "sha256") });
  const signed = await presigner.presign(http, { signingDate: now, expiresIn });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  return { method: request.method, target: target(request.path, signed.query as Record<string, string>), headers };
}
