import { parseGrant } from "../grants/grant";

/**
 * What the token issuer and its callers say to each other over HTTP: the issuer Lambda
 * (handlers/issuer/), the CLI (`rajee token request`, `rajee token credential-process`) and the local
 * endpoint of `npm run dev` all import these shapes and parsers. Pure.
 *
 * A caller POSTs {@link IssueTokenRequest} as `application/json` to the issuer's Function URL, signed
 * with SigV4 (service `lambda`); the issuer answers {@link IssueTokenResponse} with 200 or
 * {@link IssuerErrorBody} with 400, 403 or 500.
 */

/** Paths the issuer answers on; any other path is a bad request. */
export const ISSUER_PATHS: readonly string[] = Object.freeze(["/", "/token"]);
/** The method of every issuance. */
export const ISSUER_METHOD = "POST";
export const ISSUER_CONTENT_TYPE = "application/json";
/** Largest request body the issuer reads, bytes (after base64 decoding). */
export const ISSUER_MAX_BODY_BYTES = 16 * 1024;

/**
 * Most grants one request may ask for. With them a token is still well under
 * TOKEN_MAX_ENCODED_BYTES (src/contracts/gateway.ts) unless the grants are long; the issuer checks
 * the encoded size too.
 */
export const ISSUER_MAX_GRANTS = 100;

/** The request body. */
export interface IssueTokenRequest {
  /** Grants in the token grammar (`<access>:<bucket>/<path>`), each of which the issuance policy must cover. */
  readonly grants: readonly string[];
  /** Lifetime, seconds. @default min(900, the longest the policy allows these grants) */
  readonly ttlSeconds?: number;
}

/** Temporary credentials, spelled as AWS's `credential_process` and STS spell them. */
export interface IssuedCredentialsBody {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  /** The token (a JWT). */
  readonly SessionToken: string;
  /** ISO 8601. */
  readonly Expiration: string;
}

/** The 200 response body. */
export interface IssueTokenResponse {
  readonly credentials: IssuedCredentialsBody;
  /** The grants in the token. */
  readonly grants: readonly string[];
  /** The token's `jti`, to name it in logs or in a deny list. */
  readonly jti: string;
  /** When the token expires, ISO 8601 (the same instant as `credentials.Expiration`). */
  readonly expiresAt: string;
}

/** Every error the issuer answers, with its HTTP status. */
export const ISSUER_ERRORS = Object.freeze({
  BadRequest: 400,
  AccessDenied: 403,
  InternalError: 500,
} as const);
export type IssuerErrorCode = keyof typeof ISSUER_ERRORS;

/** The body of a 400, 403 or 500. */
export interface IssuerErrorBody {
  readonly error: { readonly code: IssuerErrorCode; readonly message: string };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function unknownField(value: Record<string, unknown>, known: readonly string[], where: string): string | undefined {
  const extra = Object.keys(value).find((k) => !known.includes(k));
  return extra === undefined ? undefined : `${where} has unknown field ${JSON.stringify(extra)}; the fields are ${known.join(", ")}`;
}

/** Parses a request body (already JSON-decoded); grants must be in the grammar, ttlSeconds a positive whole number. */
export function parseIssueTokenRequest(value: unknown): Parsed<IssueTokenRequest> {
  const fail = (problem: string): Parsed<IssueTokenRequest> => ({ ok: false, problem });
  if (!isObject(value)) return fail('the body is not a JSON object; send {"grants": ["read:bucket/prefix/"], "ttlSeconds": 900}');
  const extra = unknownField(value, ["grants", "ttlSeconds"], "the body");
  if (extra) return fail(extra);
  const { grants, ttlSeconds } = value;
  if (!Array.isArray(grants)) return fail('grants is missing or not a list; send "grants": ["read:bucket/prefix/"]');
  if (grants.length === 0) return fail("grants is empty; ask for at least one grant, e.g. read:bucket/prefix/");
  if (grants.length > ISSUER_MAX_GRANTS) {
    return fail(`grants has ${grants.length} entries, over the ${ISSUER_MAX_GRANTS} one request may ask for; ask for fewer, wider grants (a shared prefix instead of many keys)`);
  }
  for (const [index, grant] of grants.entries()) {
    if (typeof grant !== "string") return fail(`grants[${index}] is not a string`);
    const parsed = parseGrant(grant);
    if (!parsed.ok) return fail(`grants[${index}]: ${parsed.problem}`);
  }
  if (ttlSeconds !== undefined && !(typeof ttlSeconds === "number" && Number.isInteger(ttlSeconds) && ttlSeconds > 0)) {
    return fail(`ttlSeconds is ${JSON.stringify(ttlSeconds)}; send a positive whole number of seconds, or leave it out`);
  }
  return { ok: true, value: { grants: [...(grants as string[])], ...(ttlSeconds === undefined ? {} : { ttlSeconds }) } };
}

const isInstant = (value: unknown): value is string => typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value) && !Number.isNaN(Date.parse(value));

/** Parses a 200 response body (already JSON-decoded). */
export function parseIssueTokenResponse(value: unknown): Parsed<IssueTokenResponse> {
  const fail = (problem: string): Parsed<IssueTokenResponse> => ({ ok: false, problem: `the issuer's response ${problem}` });
  if (!isObject(value)) return fail("is not a JSON object");
  const { credentials, grants, jti, expiresAt } = value;
  if (!isObject(credentials)) return fail("has no credentials object");
  for (const field of ["AccessKeyId", "SecretAccessKey", "SessionToken"] as const) {
    if (typeof credentials[field] !== "string" || credentials[field] === "") return fail(`has no credentials.${field}`);
  }
  if (!isInstant(credentials.Expiration)) return fail(`has credentials.Expiration ${JSON.stringify(credentials.Expiration)}, not an ISO 8601 time`);
  if (!Array.isArray(grants) || !grants.every((g) => typeof g === "string")) return fail("has no grants list of strings");
  if (typeof jti !== "string" || jti === "") return fail("has no jti");
  if (!isInstant(expiresAt)) return fail(`has expiresAt ${JSON.stringify(expiresAt)}, not an ISO 8601 time`);
  return {
    ok: true,
    value: {
      credentials: {
        AccessKeyId: credentials.AccessKeyId as string,
        SecretAccessKey: credentials.SecretAccessKey as string,
        SessionToken: credentials.SessionToken as string,
        Expiration: credentials.Expiration,
      },
      grants: [...(grants as string[])],
      jti,
      expiresAt,
    },
  };
}

/** Parses an error body (already JSON-decoded). */
export function parseIssuerErrorBody(value: unknown): Parsed<IssuerErrorBody> {
  const error = isObject(value) ? value.error : undefined;
  if (!isObject(error) || typeof error.message !== "string" || typeof error.code !== "string" || !Object.hasOwn(ISSUER_ERRORS, error.code)) {
    return { ok: false, problem: `the issuer's error body is not {"error": {"code": ${Object.keys(ISSUER_ERRORS).join("|")}, "message": ...}}` };
  }
  return { ok: true, value: { error: { code: error.code as IssuerErrorCode, message: error.message } } };
}
