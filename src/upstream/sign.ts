import { UPSTREAM_PATH_HEADER } from "../contracts/gateway";
import type { ClassifiedRequest } from "../s3/classify";
import type { GatewayRequest } from "../s3/request";
import { authorizationHeader, cachedSigningKey, canonicalQueryOf, canonicalRequest, signatureHexWithKey, stringToSign, type CredentialScope } from "../sigv4/canonical";

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
const SIGNED_PLAIN_HEADERS: ReadonlySet<string> = new Set(["content-md5", "content-type", "content-encoding"]);
/** The client's own credential headers: replaced, never signed as sent. */
const CLIENT_CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(["authorization", "x-amz-date", "x-amz-security-token"]);

function headersToSign(request: GatewayRequest, classified: ClassifiedRequest, endpoint: S3Endpoint): Record<string, string> {
  const headers: Record<string, string> = { host: endpoint.host };
  const removed = classified.removedHeaders;
  const received = request.headers;
  for (const name of Object.keys(received)) {
    const value = received[name];
    if (value === undefined || CLIENT_CREDENTIAL_HEADERS.has(name) || (removed.length > 0 && removed.includes(name))) continue;
    if (name.startsWith("x-amz-") || SIGNED_PLAIN_HEADERS.has(name)) headers[name] = value;
  }
  headers["x-amz-content-sha256"] = classified.payloadHash;
  if (classified.upstreamCopySource !== undefined) headers[COPY_SOURCE_HEADER] = classified.upstreamCopySource;
  return headers;
}

/**
 * Signs the judged request for S3 with SigV4 (docs/design.md section 5): path-style, the canonical path
 * the authorizer judged, `host` set to the S3 endpoint, every `x-amz-*` header the client sent and
 * `content-md5`/`content-type`/`content-encoding` covered, the client's payload hash kept so S3
 * checks the body, and `x-amz-copy-source` rebuilt from the judged bucket, key and versionId.
 * Synchronous and deterministic for a given input and time; the signing key is derived once per
 * credentials object and day (`cachedSigningKey`). The same signature, byte for byte, as the AWS
 * SDK's signer given the same request (docs/decisions.md).
 */
export function signUpstream(input: {
  readonly request: GatewayRequest;
  readonly classified: ClassifiedRequest;
  readonly credentials: Credentials;
  readonly endpoint: S3Endpoint;
  readonly now: Date;
}): UpstreamSignature {
  const { request, classified, credentials, endpoint, now } = input;
  const date = amzDate(now);
  const headers = headersToSign(request, classified, endpoint);
  headers["x-amz-date"] = date;
  if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
  const signedHeaders = Object.keys(headers).sort();
  const upstreamPath = classified.upstreamPath;
  const question = upstreamPath.indexOf("?");
  const canonical = canonicalRequest(
    {
      method: request.method,
      rawPath: question < 0 ? upstreamPath : upstreamPath.slice(0, question),
      canonicalQuery: canonicalQueryOf(classified.upstreamQuery),
      signedHeaders,
      headerValues: headers,
      payloadHash: classified.payloadHash,
    },
  );
  const scope: CredentialScope = { date: date.slice(0, 8), region: endpoint.region, service: "s3" };
  const signature = signatureHexWithKey(cachedSigningKey(credentials, scope), stringToSign(date, scope, canonical));
  const setHeaders: Record<string, string> = {
    authorization: authorizationHeader(credentials.accessKeyId, scope, signedHeaders, signature),
    "x-amz-date": date,
    "x-amz-content-sha256": classified.payloadHash,
  };
  if (credentials.sessionToken) setHeaders["x-amz-security-token"] = credentials.sessionToken;
  if (upstreamPath !== request.path) setHeaders[UPSTREAM_PATH_HEADER] = upstreamPath;
  if (classified.upstreamCopySource !== undefined) setHeaders[COPY_SOURCE_HEADER] = classified.upstreamCopySource;
  const removeHeaders: string[] = [];
  for (const name of CLIENT_CREDENTIAL_HEADERS) if (request.headers[name] !== undefined && !(name in setHeaders)) removeHeaders.push(name);
  for (const name of classified.removedHeaders) removeHeaders.push(name);
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

let lastDateSecond = Number.NaN;
let lastDateText = "";

/** SigV4's `x-amz-date` for a time: `YYYYMMDDTHHMMSSZ` (formatted once per second: every allowed check signs). */
export function amzDate(now: Date): string {
  const second = Math.floor(now.getTime() / 1000);
  if (second !== lastDateSecond) {
    lastDateText = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    lastDateSecond = second;
  }
  return lastDateText;
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

