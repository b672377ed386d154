import { ISSUER_CONTENT_TYPE, ISSUER_MAX_BODY_BYTES, ISSUER_METHOD, ISSUER_PATHS } from "../../src/contracts/issuer-api";

/**
 * The parts of a Lambda Function URL event (payload format 2.0) the issuer reads, and the answer it
 * gives (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html, "Request and response
 * payloads"). Pure.
 *
 * With `AuthType: AWS_IAM`, Lambda has checked the caller's SigV4 signature before the function runs
 * and puts the caller in `requestContext.authorizer.iam`: `userArn` is its principal ARN, `accountId`
 * its account (the function's own account is `requestContext.accountId`). Without that object the URL
 * is not AWS_IAM, and nothing about the caller can be trusted.
 */
export interface FunctionUrlEvent {
  readonly version?: string;
  readonly rawPath?: string;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean | null;
  readonly requestContext?: {
    readonly http?: { readonly method?: string; readonly path?: string };
    readonly authorizer?: { readonly iam?: { readonly userArn?: string | null; readonly userId?: string | null; readonly accountId?: string | null } | null } | null;
  };
}

/** A Function URL answer (payload format 2.0). */
export interface FunctionUrlResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The IAM caller Lambda verified, or undefined when the event has none. `userId` is the principal's
 * unique id; for a role session `<role id>:<session name>` (AROA...), which a role deleted and made
 * again under the same name does not keep.
 */
export function iamCaller(event: FunctionUrlEvent): { userArn: string; userId: string | undefined; accountId: string | undefined } | undefined {
  const iam = event.requestContext?.authorizer?.iam;
  if (typeof iam?.userArn !== "string" || iam.userArn === "") return undefined;
  return { userArn: iam.userArn, userId: typeof iam.userId === "string" && iam.userId !== "" ? iam.userId : undefined, accountId: typeof iam.accountId === "string" ? iam.accountId : undefined };
}

export type BodyRead = { ok: true; json: unknown } | { ok: false; problem: string };

/** base64 of the largest body, with padding: any longer encoded body is refused before decoding it. */
const MAX_ENCODED_LENGTH = Math.ceil(ISSUER_MAX_BODY_BYTES / 3) * 4;

function header(event: FunctionUrlEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** Checks method, path and content type, then decodes and parses the JSON body. */
export function readRequest(event: FunctionUrlEvent): BodyRead {
  const fail = (problem: string): BodyRead => ({ ok: false, problem });
  const method = event.requestContext?.http?.method ?? "";
  if (method !== ISSUER_METHOD) return fail(`method ${JSON.stringify(method)} is not allowed; ${ISSUER_METHOD} the request`);
  const path = event.requestContext?.http?.path ?? event.rawPath ?? "";
  if (!ISSUER_PATHS.includes(path)) return fail(`path ${JSON.stringify(path)} is not the issuer's; ${ISSUER_METHOD} to ${ISSUER_PATHS.join(" or ")}`);
  const contentType = header(event, "content-type");
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== ISSUER_CONTENT_TYPE) return fail(`content-type ${JSON.stringify(contentType ?? "")} is not ${ISSUER_CONTENT_TYPE}; send the body as JSON`);
  const raw = event.body ?? "";
  if (event.isBase64Encoded === true && raw.length > MAX_ENCODED_LENGTH) return fail(`the body is over ${ISSUER_MAX_BODY_BYTES} bytes`);
  const bytes = event.isBase64Encoded === true ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.length > ISSUER_MAX_BODY_BYTES) return fail(`the body is over ${ISSUER_MAX_BODY_BYTES} bytes`);
  if (bytes.length === 0) return fail('the body is empty; send {"grants": ["read:bucket/prefix/"]}');
  try {
    return { ok: true, json: JSON.parse(bytes.toString("utf8")) };
  } catch {
    return fail("the body is not JSON");
  }
}
