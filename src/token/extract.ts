import { s3Error, type S3Error } from "../errors";
import { isSigV2Query, SIGV2_TOKEN_PARAMETER } from "../s3/operations";
import type { Query } from "../s3/query";
import type { Headers } from "../s3/headers";

/** Where the client put its token (docs/design.md section 3). */
export type TokenPlace = "x-amz-security-token" | "query" | "bearer";

export type TokenExtraction =
  | { readonly ok: true; readonly token: string; readonly place: TokenPlace }
  | { readonly ok: false; readonly error: S3Error; readonly reason: "no-token" | "multiple-tokens" };

const BEARER = /^bearer\s+(\S+)\s*$/i;
/** The query parameter of a SigV4 presigned URL that carries the token. */
const SIGV4_TOKEN_PARAMETER = "X-Amz-Security-Token";

/**
 * Finds the token in exactly one of its three places. None: 403 AccessDenied (anonymous requests are
 * never served). More than one: 400 InvalidToken, even when the values are equal.
 */
export function extractToken(headers: Headers, query: Query): TokenExtraction {
  // Each place read once, and no list built unless the token is missing or in more than one place:
  // this runs on every check.
  const header = headers["x-amz-security-token"];
  const hasQuery = query.size > 0;
  const sigv4 = hasQuery ? query.get(SIGV4_TOKEN_PARAMETER) : undefined;
  // SigV4 presigned URLs name it `X-Amz-Security-Token`; SigV2 ones (boto3's default presigner) `x-amz-security-token`.
  const sigv2 = hasQuery && isSigV2Query(query) ? query.get(SIGV2_TOKEN_PARAMETER) : undefined;
  const { authorization } = headers;
  const bearer = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
  const places = (header !== undefined ? 1 : 0) + (sigv4 !== undefined ? 1 : 0) + (sigv2 !== undefined ? 1 : 0) + (bearer !== undefined ? 1 : 0);
  if (places === 0) {
    return {
      ok: false,
      reason: "no-token",
      error: s3Error("AccessDenied", "no token: send it as AWS_SESSION_TOKEN (x-amz-security-token), a presigned URL's X-Amz-Security-Token, or Authorization: Bearer"),
    };
  }
  if (places > 1) {
    const named = [header !== undefined && "x-amz-security-token", sigv4 !== undefined && "query", sigv2 !== undefined && "query", bearer !== undefined && "bearer"].filter(Boolean);
    return {
      ok: false,
      reason: "multiple-tokens",
      error: s3Error("InvalidToken", `token sent in more than one place (${named.join(", ")}); send it in exactly one`),
    };
  }
  if (header !== undefined) return { ok: true, token: header.trim(), place: "x-amz-security-token" };
  if (bearer !== undefined) return { ok: true, token: bearer, place: "bearer" };
  return { ok: true, token: (sigv4 ?? sigv2) as string, place: "query" };
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** SigV4's limit on presigned URL lifetime: 7 days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 60 * 60;

/** SigV2's `Expires`: epoch seconds, as S3 reads it. */
const EPOCH_SECONDS = /^\d{1,11}$/;

/**
 * A presigned URL also expires: SigV4 at X-Amz-Date + X-Amz-Expires, SigV2 at `Expires` (epoch
 * seconds). Returns the 403 AccessDenied for an expired or malformed one, or undefined when the URL
 * carries no expiry or is still valid. A URL carrying both has both honoured.
 */
export function presignedUrlProblem(query: Query, now: Date): S3Error | undefined {
  return sigV2Problem(query, now) ?? sigV4Problem(query, now);
}

function sigV2Problem(query: Query, now: Date): S3Error | undefined {
  const expires = query.get("Expires");
  if (expires === undefined) return undefined;
  if (!EPOCH_SECONDS.test(expires)) return s3Error("AccessDenied", "presigned URL has an Expires that is not epoch seconds; presign it again");
  if (now.getTime() > Number(expires) * 1000) return s3Error("AccessDenied", "presigned URL has expired (Expires); presign a new one");
  return undefined;
}

function sigV4Problem(query: Query, now: Date): S3Error | undefined {
  const date = query.get("X-Amz-Date");
  const expires = query.get("X-Amz-Expires");
  if (date === undefined && expires === undefined) return undefined;
  const match = AMZ_DATE.exec(date ?? "");
  if (!match) return s3Error("AccessDenied", "presigned URL has X-Amz-Expires without a valid X-Amz-Date (YYYYMMDDTHHMMSSZ); presign it again");
  if (expires === undefined || !/^\d{1,7}$/.test(expires) || Number(expires) < 1 || Number(expires) > MAX_PRESIGN_SECONDS) {
    return s3Error("AccessDenied", `presigned URL needs X-Amz-Expires between 1 and ${MAX_PRESIGN_SECONDS} seconds; presign it again`);
  }
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const signedAt = Date.UTC(y, mo - 1, d, h, mi, s);
  if (Number.isNaN(signedAt) || new Date(signedAt).getUTCDate() !== d) return s3Error("AccessDenied", "presigned URL has an invalid X-Amz-Date; presign it again");
  if (now.getTime() > signedAt + Number(expires) * 1000) return s3Error("AccessDenied", "presigned URL has expired (X-Amz-Date + X-Amz-Expires); presign a new one");
  return undefined;
}
