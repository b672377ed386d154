import { s3Error, type S3Error } from "../errors";
import type { Headers } from "../s3/headers";
import { ALGORITHM, rawParameters, SCOPE_TERMINATOR, type CredentialScope } from "./canonical";

/** S3's limit on a presigned URL's X-Amz-Expires: 7 days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 60 * 60;

/** What a request's SigV4 signature claims, read from its Authorization header or its presign parameters. */
export interface SignatureClaim {
  readonly kind: "header" | "presigned";
  readonly accessKeyId: string;
  readonly scope: CredentialScope;
  /** Lower-case names, in the client's order. */
  readonly signedHeaders: readonly string[];
  /** The 32 signature bytes. */
  readonly signature: Buffer;
  /** `YYYYMMDDTHHMMSSZ` as sent. */
  readonly amzDate: string;
  /** The same instant, epoch milliseconds. */
  readonly signedAtMs: number;
  /** X-Amz-Expires of a presigned URL, seconds. */
  readonly expiresSeconds?: number;
}

/** How a request is authenticated, before any secret is involved. */
export type SignatureParse =
  | { readonly ok: true; readonly claim: SignatureClaim }
  | { readonly ok: true; readonly claim: undefined; readonly scheme: "none" | "sigv2" }
  | { readonly ok: false; readonly reason: "malformed"; readonly error: S3Error };

/** Presign parameter names (decoded), as S3 spells them. */
export const PRESIGN = Object.freeze({
  algorithm: "X-Amz-Algorithm",
  credential: "X-Amz-Credential",
  date: "X-Amz-Date",
  expires: "X-Amz-Expires",
  signedHeaders: "X-Amz-SignedHeaders",
  signature: "X-Amz-Signature",
});

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SIGNATURE = /^[0-9a-f]{64}$/;
const HEADER_NAME = /^[a-z0-9!#$%&'*+\-.^_`|~]+$/;
const SIGV2_AUTHORIZATION = /^AWS [^:\s]+:\S+$/;

/** Epoch milliseconds of an ISO 8601 basic `YYYYMMDDTHHMMSSZ`, or undefined when it is not a real instant. */
export function parseAmzDate(text: string): number | undefined {
  const match = AMZ_DATE.exec(text);
  if (!match) return undefined;
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  return ms;
}

function decodedQuery(rawQuery: string): Map<string, string[]> {
  const query = new Map<string, string[]>();
  for (const { name, value } of rawParameters(rawQuery)) {
    let key: string;
    let text: string;
    try {
      key = decodeURIComponent(name);
      text = decodeURIComponent(value);
    } catch {
      continue;
    }
    query.set(key, [...(query.get(key) ?? []), text]);
  }
  return query;
}

interface Fields {
  readonly credential: string;
  readonly signedHeaders: string;
  readonly signature: string;
  readonly amzDate: string;
}

type Problem = (message: string) => SignatureParse;

/** Checks what both forms share: credential scope, signed header list, signature, date. */
function claimFrom(kind: SignatureClaim["kind"], f: Fields, problem: Problem, expiresSeconds?: number): SignatureParse {
  const parts = f.credential.split("/");
  if (parts.length !== 5 || parts.some((p) => p === "")) return problem(`the credential is not <access key id>/<yyyymmdd>/<region>/s3/${SCOPE_TERMINATOR}`);
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  if (!/^\d{8}$/.test(date) || service !== "s3" || terminator !== SCOPE_TERMINATOR) {
    return problem(`the credential scope is not <yyyymmdd>/<region>/s3/${SCOPE_TERMINATOR}`);
  }
  const signedAtMs = parseAmzDate(f.amzDate);
  if (signedAtMs === undefined) return problem("the request date (x-amz-date) is not YYYYMMDDTHHMMSSZ");
  if (f.amzDate.slice(0, 8) !== date) return problem(`the credential scope date ${date} is not the request date ${f.amzDate.slice(0, 8)}`);
  const signedHeaders = f.signedHeaders.split(";");
  if (signedHeaders.some((name) => !HEADER_NAME.test(name))) return problem("the signed headers are not lower-case header names separated by ';'");
  if (!SIGNATURE.test(f.signature)) return problem("the signature is not 64 lower-case hex digits");
  return {
    ok: true,
    claim: {
      kind,
      accessKeyId,
      scope: { date, region, service },
      signedHeaders,
      signature: Buffer.from(f.signature, "hex"),
      amzDate: f.amzDate,
      signedAtMs,
      ...(expiresSeconds === undefined ? {} : { expiresSeconds }),
    },
  };
}

function fromAuthorization(value: string, headers: Headers): SignatureParse {
  const problem: Problem = (message) => ({ ok: false, reason: "malformed", error: s3Error("AuthorizationHeaderMalformed", `The authorization header is malformed: ${message}.`) });
  const rest = value.slice(ALGORITHM.length);
  if (!/^\s/.test(rest)) return problem(`it does not start with '${ALGORITHM} '`);
  const fields = new Map<string, string>();
  // Messages name items by position, never by content: a client's malformed header may hold its token,
  // and the message reaches the decision log.
  for (const [index, part] of rest.split(",").entries()) {
    const item = part.trim();
    const eq = item.indexOf("=");
    if (eq <= 0) return problem(`item ${index + 1} after ${ALGORITHM} is not name=value`);
    const name = item.slice(0, eq);
    if (fields.has(name)) return problem(`item ${index + 1} repeats a name`);
    fields.set(name, item.slice(eq + 1));
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (credential === undefined || signedHeaders === undefined || signature === undefined || fields.size !== 3) {
    return problem("it needs exactly Credential=, SignedHeaders= and Signature=");
  }
  const amzDate = headers["x-amz-date"];
  if (amzDate === undefined) return problem("the request has no x-amz-date header");
  return claimFrom("header", { credential, signedHeaders, signature, amzDate: amzDate.trim() }, problem);
}

function fromQuery(query: Map<string, string[]>): SignatureParse {
  const problem: Problem = (message) => ({
    ok: false,
    reason: "malformed",
    error: s3Error("AuthorizationQueryParametersError", `The presigned URL's X-Amz-* parameters are malformed: ${message}; presign the URL again.`),
  });
  const one = (name: string): string | undefined => {
    const values = query.get(name);
    return values?.length === 1 ? values[0] : undefined;
  };
  for (const name of Object.values(PRESIGN)) {
    const values = query.get(name);
    if (values === undefined) return problem(`${name} is missing`);
    if (values.length > 1) return problem(`${name} appears more than once`);
  }
  if (one(PRESIGN.algorithm) !== ALGORITHM) return problem(`${PRESIGN.algorithm} must be ${ALGORITHM}`);
  const expires = one(PRESIGN.expires) as string;
  if (!/^\d{1,7}$/.test(expires) || Number(expires) < 1) return problem(`${PRESIGN.expires} must be a whole number of seconds from 1`);
  if (Number(expires) > MAX_PRESIGN_SECONDS) return problem(`${PRESIGN.expires} must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than ${MAX_PRESIGN_SECONDS} seconds`);
  return claimFrom(
    "presigned",
    { credential: one(PRESIGN.credential) as string, signedHeaders: one(PRESIGN.signedHeaders) as string, signature: one(PRESIGN.signature) as string, amzDate: one(PRESIGN.date) as string },
    problem,
    Number(expires),
  );
}

/**
 * Reads the SigV4 claim of a request from its Authorization header (`AWS4-HMAC-SHA256 Credential=...,
 * SignedHeaders=..., Signature=...` with `x-amz-date`) or its presign parameters (all six
 * `X-Amz-*` of {@link PRESIGN}). A request with neither is `none`; SigV2 (`Authorization: AWS
 * key:sig`, or `AWSAccessKeyId`/`Signature` in the query) is `sigv2`; both forms at once, or any
 * presign parameter without the rest, is malformed. Pure.
 */
export function parseSignature(headers: Headers, rawQuery: string): SignatureParse {
  const authorization = headers.authorization?.trim();
  const query = decodedQuery(rawQuery);
  const presign = Object.values(PRESIGN).some((name) => query.has(name));
  if (authorization?.startsWith(ALGORITHM) === true) {
    if (presign) {
      return { ok: false, reason: "malformed", error: s3Error("InvalidRequest", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified") };
    }
    return fromAuthorization(authorization, headers);
  }
  if (presign) return fromQuery(query);
  if ((authorization !== undefined && SIGV2_AUTHORIZATION.test(authorization)) || (query.has("AWSAccessKeyId") && query.has("Signature"))) {
    return { ok: true, claim: undefined, scheme: "sigv2" };
  }
  return { ok: true, claim: undefined, scheme: "none" };
}
