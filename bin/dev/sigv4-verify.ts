import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * An independent SigV4 verifier for the local S3 stand-in: it recomputes the signature the way S3
 * does, sharing no code with the signer it checks.
 */
export interface ReceivedRequest {
  readonly method: string;
  /** Raw request target (path and query) as received. */
  readonly target: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface VerifyCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** When set, requests must carry this x-amz-security-token. */
  readonly sessionToken?: string;
}

export type SigV4Verdict =
  | { readonly ok: true; readonly signedHeaders: readonly string[] }
  | { readonly ok: false; readonly code: "SignatureDoesNotMatch" | "AccessDenied" | "InvalidAccessKeyId" | "RequestTimeTooSkewed" | "InvalidToken"; readonly message: string };

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;_-]+), ?Signature=([0-9a-f]{64})$/;
/**
 * How far, in seconds, a request's x-amz-date may be from the verifier's clock, by service. IAM's
 * SigV4 guide: "In most cases, a request must reach AWS within five minutes of the time stamp in the
 * request" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html, "Protect against
 * replay attacks"); S3 allows 15 minutes and answers RequestTimeTooSkewed past it
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html, "RequestTimeTooSkewed").
 */
export const MAX_SKEW_SECONDS: Readonly<Record<string, number>> = Object.freeze({ s3: 15 * 60 });
/** The window of every service {@link MAX_SKEW_SECONDS} does not name (Lambda's Function URLs among them). */
export const DEFAULT_MAX_SKEW_SECONDS = 5 * 60;

/** The clock-skew window of `service`, seconds. */
export function maxSkewSeconds(service: string): number {
  return Object.hasOwn(MAX_SKEW_SECONDS, service) ? (MAX_SKEW_SECONDS[service] as number) : DEFAULT_MAX_SKEW_SECONDS;
}

const sha256Hex = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const hmac = (key: Buffer | string, text: string) => createHmac("sha256", key).update(text, "utf8").digest();
const rfc3986 = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalUri(rawPath: string): string {
  return rawPath
    .split("/")
    .map((segment) => rfc3986(decodeURIComponent(segment)))
    .join("/");
}

function canonicalQuery(rawQuery: string): string {
  if (rawQuery === "") return "";
  return rawQuery
    .split("&")
    .filter((part) => part !== "" && !part.startsWith("X-Amz-Signature="))
    .map((part) => {
      const eq = part.indexOf("=");
      const name = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      const value = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1));
      return [rfc3986(name), rfc3986(value)] as const;
    })
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([n, v]) => `${n}=${v}`)
    .join("&");
}

/**
 * The two ways AWS's SDKs write a header value in a canonical request ("Trimall"): SDK v3
 * (`getCanonicalHeaders` in @smithy/signature-v4: CR and LF as spaces, runs of spaces and tabs as
 * one, one space trimmed at each end) and botocore (`' '.join(value.split())`, Python's whitespace).
 * They agree on spaces, tabs and line breaks and differ on U+00A0, U+0085 and the like, which no
 * documentation settles for S3; the stand-in accepts a signature in either form, as S3 serves both SDKs.
 */
export const HEADER_VALUE_FORMS = {
  sdkV3: (value: string) => value.replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").replace(/^ | $/g, ""),
  // eslint-disable-next-line no-control-regex -- Python counts U+001C-U+001F as whitespace
  botocore: (value: string) => value.split(/[\t\n\v\f\r\x1c-\x1f \x85\xa0]+/).filter((part) => part !== "").join(" "),
} as const;

/** The SigV4 signature over a canonical request, for the given scope and credentials, with header values in `form` (default SDK v3's). */
export function computeSignature(input: {
  method: string;
  target: string;
  headers: Readonly<Record<string, string | undefined>>;
  signedHeaders: readonly string[];
  payloadHash: string;
  amzDate: string;
  region: string;
  service: string;
  secretAccessKey: string;
  headerValueForm?: (value: string) => string;
}): string {
  const question = input.target.indexOf("?");
  const rawPath = question < 0 ? input.target : input.target.slice(0, question);
  const rawQuery = question < 0 ? "" : input.target.slice(question + 1);
  const form = input.headerValueForm ?? HEADER_VALUE_FORMS.sdkV3;
  const canonicalHeaders = input.signedHeaders.map((name) => `${name}:${form(Object.hasOwn(input.headers, name) ? (input.headers[name] ?? "") : "")}\n`).join("");
  const canonicalRequest = [input.method, canonicalUri(rawPath), canonicalQuery(rawQuery), canonicalHeaders, input.signedHeaders.join(";"), input.payloadHash].join("\n");
  const day = input.amzDate.slice(0, 8);
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", input.amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${input.secretAccessKey}`, day), input.region), input.service), "aws4_request");
  return createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
}

function parseAmzDate(text: string | undefined): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? "");
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : undefined;
}

/**
 * The service that verifies: its name in the credential scope and, for a service other than S3, the
 * SHA-256 (hex) of the body it received, which the canonical request then uses (S3 uses the
 * client's x-amz-content-sha256 instead, and requires it).
 */
export interface VerifyingService {
  readonly service: string;
  readonly payloadHash?: string;
}

const S3: VerifyingService = { service: "s3" };

/** Checks a header-signed request as S3 (or `verifier`) would: credential, scope, time, signed x-amz-* headers, signature. */
export function verifySigV4(request: ReceivedRequest, credentials: VerifyCredentials, region: string, now: Date, verifier: VerifyingService = S3): SigV4Verdict {
  const match = AUTHORIZATION.exec(request.headers.authorization ?? "");
  if (!match) return { ok: false, code: "AccessDenied", message: "missing or malformed AWS4-HMAC-SHA256 authorization header" };
  const [, accessKeyId, day, scopeRegion, service, signedList, signature] = match as unknown as string[];
  if (accessKeyId !== credentials.accessKeyId) return { ok: false, code: "InvalidAccessKeyId", message: `unknown access key ${accessKeyId}` };
  const amzDate = request.headers["x-amz-date"];
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined || amzDate!.slice(0, 8) !== day) return { ok: false, code: "AccessDenied", message: "x-amz-date missing or not matching the credential scope" };
  const window = maxSkewSeconds(verifier.service);
  if (Math.abs(now.getTime() - signedAt) > window * 1000) {
    return { ok: false, code: "RequestTimeTooSkewed", message: `request time too skewed: x-amz-date ${amzDate} is more than ${window} seconds from the ${verifier.service} verifier's clock` };
  }
  if (scopeRegion !== region || service !== verifier.service) return { ok: false, code: "SignatureDoesNotMatch", message: `scope ${scopeRegion}/${service} is not ${region}/${verifier.service}` };
  const signedHeaders = signedList!.split(";");
  if (!signedHeaders.includes("host")) return { ok: false, code: "AccessDenied", message: "host is not signed" };
  const unsigned = Object.keys(request.headers).filter((name) => name.startsWith("x-amz-") && !signedHeaders.includes(name));
  if (unsigned.length > 0) return { ok: false, code: "AccessDenied", message: `There were headers present in the request which were not signed: ${unsigned.join(", ")}` };
  if (credentials.sessionToken !== undefined && request.headers["x-amz-security-token"] !== credentials.sessionToken) {
    return { ok: false, code: "InvalidToken", message: "x-amz-security-token does not match the credentials" };
  }
  const payloadHash = verifier.payloadHash ?? request.headers["x-amz-content-sha256"];
  if (payloadHash === undefined) return { ok: false, code: "AccessDenied", message: "x-amz-content-sha256 is required" };
  let expected: string[];
  try {
    expected = Object.values(HEADER_VALUE_FORMS).map((headerValueForm) =>
      computeSignature({ ...request, signedHeaders, payloadHash, amzDate: amzDate!, region, service: verifier.service, secretAccessKey: credentials.secretAccessKey, headerValueForm }),
    );
  } catch {
    return { ok: false, code: "SignatureDoesNotMatch", message: "the request URI cannot be canonicalised" };
  }
  const given = Buffer.from(signature!);
  if (!expected.some((candidate) => candidate.length === given.length && timingSafeEqual(Buffer.from(candidate), given))) {
    return { ok: false, code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match the signature you provided." };
  }
  return { ok: true, signedHeaders };
}
