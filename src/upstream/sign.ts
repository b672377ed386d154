import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { UPSTREAM_PATH_HEADER } from "../contracts/gateway";
import type { ClassifiedRequest } from "../s3/classify";
import type { GatewayRequest } from "../s3/request";

/** AWS credentials: the task role's, from the SDK's default provider chain. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Where upstream requests go: the S3 endpoint Envoy's route rewrites the host to. */
export interface S3Endpoint {
  /** Host name (and `:port` when not the scheme's default), e.g. `s3.eu-west-1.amazonaws.com`. */
  readonly host: string;
  readonly region: string;
}

/** The header that carries the rebuilt upstream path to Envoy's Lua filter (defined in the gateway contract). */
export { UPSTREAM_PATH_HEADER };

/** The copy source S3 reads; the authorizer replaces the client's spelling with the canonical one it judged. */
export const COPY_SOURCE_HEADER = "x-amz-copy-source";

/** What the authorizer returns to Envoy on allow. */
export interface UpstreamSignature {
  /** Headers Envoy sets on the upstream request (its `allowed_upstream_headers`). */
  readonly setHeaders: Readonly<Record<string, string>>;
  /** Client headers Envoy must remove (`x-envoy-auth-headers-to-remove`); never one that is also set. */
  readonly removeHeaders: readonly string[];
}

/** Headers besides `x-amz-*` that the signature covers when the client sent them. */
const SIGNED_PLAIN_HEADERS = ["content-md5", "content-type", "content-encoding"];
/** The client's own credential headers: replaced, never signed as sent. */
const CLIENT_CREDENTIAL_HEADERS = new Set(["authorization", "x-amz-date", "x-amz-security-token"]);

function headersToSign(request: GatewayRequest, classified: ClassifiedRequest, endpoint: S3Endpoint): Record<string, string> {
  const headers: Record<string, string> = { host: endpoint.host };
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || CLIENT_CREDENTIAL_HEADERS.has(name) || classified.removedHeaders.includes(name)) continue;
    if (name.startsWith("x-amz-") || SIGNED_PLAIN_HEADERS.includes(name)) headers[name] = value;
  }
  headers["x-amz-content-sha256"] = classified.payloadHash;
  if (classified.upstreamCopySource !== undefined) headers[COPY_SOURCE_HEADER] = classified.upstreamCopySource;
  return headers;
}

function upstreamQuery(classified: ClassifiedRequest): Record<string, string> {
  return Object.fromEntries(classified.upstreamQuery);
}

/**
 * Signs the judged request for S3 with SigV4 (docs/design.md section 5): path-style, the canonical path
 * the authorizer judged, `host` set to the S3 endpoint, every `x-amz-*` header the client sent and
 * `content-md5`/`content-type`/`content-encoding` covered, the client's payload hash kept so S3
 * checks the body, and `x-amz-copy-source` rebuilt from the judged bucket, key and versionId. Deterministic for a given input and time.
 */
export async function signUpstream(input: {
  readonly request: GatewayRequest;
  readonly classified: ClassifiedRequest;
  readonly credentials: Credentials;
  readonly endpoint: S3Endpoint;
  readonly now: Date;
}): Promise<UpstreamSignature> {
  const { request, classified, credentials, endpoint, now } = input;
  const signer = new SignatureV4({
    service: "s3",
    region: endpoint.region,
    credentials,
    sha256: Hash.bind(null, "sha256"),
    uriEscapePath: false,
    applyChecksum: false,
  });
  const question = classified.upstreamPath.indexOf("?");
  const path = question < 0 ? classified.upstreamPath : classified.upstreamPath.slice(0, question);
  const signed = await signer.sign(
    { method: request.method, protocol: "https:", hostname: endpoint.host, path, query: upstreamQuery(classified), headers: headersToSign(request, classified, endpoint) },
    { signingDate: now },
  );
  const setHeaders: Record<string, string> = {
    authorization: signed.headers.authorization as string,
    "x-amz-date": signed.headers["x-amz-date"] as string,
    "x-amz-content-sha256": classified.payloadHash,
  };
  if (credentials.sessionToken) setHeaders["x-amz-security-token"] = credentials.sessionToken;
  if (classified.upstreamPath !== request.path) setHeaders[UPSTREAM_PATH_HEADER] = classified.upstreamPath;
  if (classified.upstreamCopySource !== undefined) setHeaders[COPY_SOURCE_HEADER] = classified.upstreamCopySource;
  const removeHeaders = [...[...CLIENT_CREDENTIAL_HEADERS].filter((name) => request.headers[name] !== undefined && !(name in setHeaders)), ...classified.removedHeaders];
  return { setHeaders, removeHeaders };
}

/** What S3 is asked to execute for an allowed request: what `rajee simulate` prints. Never a secret. */
export interface UpstreamView {
  readonly method: string;
  /** The path and query S3 receives (rebuilt from what was judged). */
  readonly path: string;
  /** The headers S3 interprets that the authorizer sets or rebuilds (the signature itself left out). */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether S3 gets the task role's session token in `x-amz-security-token` (never its value). */
  readonly sessionToken: boolean;
  /** Every header the upstream signature covers, sorted. */
  readonly signedHeaders: readonly string[];
  /** The client's credential headers, none of which reaches S3 as sent (replaced or removed). */
  readonly clientCredentialsDropped: readonly string[];
  /** Other client headers removed upstream (`x-amz-acl: private`, S3's default); present only when there are some. */
  readonly clientHeadersRemoved?: readonly string[];
}

/** SigV4's `x-amz-date` for a time: `YYYYMMDDTHHMMSSZ`. */
export function amzDate(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/**
 * The upstream request `signUpstream` produces, described without signing: the same path, the same
 * rebuilt headers and the same signed-header list. `sessionToken` says whether the credentials
 * carry one (the ECS task role's always do).
 */
export function upstreamView(input: {
  readonly request: GatewayRequest;
  readonly classified: ClassifiedRequest;
  readonly now: Date;
  readonly sessionToken: boolean;
}): UpstreamView {
  const { request, classified, now, sessionToken } = input;
  const headers: Record<string, string> = { "x-amz-content-sha256": classified.payloadHash, "x-amz-date": amzDate(now) };
  if (classified.upstreamCopySource !== undefined) headers[COPY_SOURCE_HEADER] = classified.upstreamCopySource;
  // Only the names matter here; `host` is always the configured S3 endpoint.
  const signed = new Set([...Object.keys(headersToSign(request, classified, { host: "", region: "" })), "x-amz-date"]);
  if (sessionToken) signed.add("x-amz-security-token");
  return {
    method: request.method,
    path: classified.upstreamPath,
    headers,
    sessionToken,
    signedHeaders: [...signed].sort(),
    clientCredentialsDropped: [...CLIENT_CREDENTIAL_HEADERS].filter((name) => request.headers[name] !== undefined).sort(),
    ...(classified.removedHeaders.length > 0 ? { clientHeadersRemoved: [...classified.removedHeaders] } : {}),
  };
}

