import { ERROR_CODE_HEADER, ERROR_MESSAGE_HEADER } from "../../src/contracts/gateway";
import type { Decision } from "../../src/decision";
import { errorXml, s3Error, type S3Error } from "../../src/errors";

/** What the check port answers. */
export interface CheckResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A denial decided outside `decide` (readiness, rate limit, request framing, internal errors). */
export interface LocalDeny {
  readonly error: S3Error;
  readonly reason: string;
}

/** How one check ended: the core's decision (if it ran), a local denial (if any), extra headers. */
export interface CheckOutcome {
  readonly decision: Decision | undefined;
  readonly local: LocalDeny | undefined;
  /** Headers for Envoy: the upstream signature on allow, `retry-after` on a rate-limit denial. */
  readonly extraHeaders: Record<string, string>;
}

/** Whether the request goes on to S3: the core allowed it and nothing local denied it. */
export function allowed(outcome: CheckOutcome): boolean {
  return !outcome.local && outcome.decision?.allow === true;
}

/** The S3 error a denied check answers with; undefined when it was allowed. */
export function denialError(outcome: CheckOutcome): S3Error | undefined {
  const { decision, local } = outcome;
  return local?.error ?? (decision && !decision.allow ? decision.error : undefined);
}

/** Longest error message carried in a header, characters; the XML body has the whole message. */
export const MAX_ERROR_MESSAGE_HEADER_CHARS = 512;

/**
 * A message as a header value: printable ASCII only (anything else, e.g. a key's non-ASCII or
 * control characters, becomes `?`), at most MAX_ERROR_MESSAGE_HEADER_CHARS.
 */
export function headerSafeMessage(message: string): string {
  const ascii = message.replace(/[^\x20-\x7e]/gu, "?");
  return ascii.length > MAX_ERROR_MESSAGE_HEADER_CHARS ? `${ascii.slice(0, MAX_ERROR_MESSAGE_HEADER_CHARS - 3)}...` : ascii;
}

/**
 * The check port's answer: 200 with the extra headers on allow, else the S3 error document with
 * the error's status, and its code and message in headers too (a HEAD's answer has no body). An
 * outcome with neither decision nor local denial is answered AccessDenied.
 */
export function respond(outcome: CheckOutcome, requestId: string): CheckResponse {
  if (allowed(outcome)) return { status: 200, headers: outcome.extraHeaders, body: "" };
  const error = denialError(outcome) ?? s3Error("AccessDenied", "internal error in the gateway; the request was denied");
  return {
    status: error.status,
    headers: {
      "content-type": "application/xml",
      "x-amz-request-id": requestId,
      [ERROR_CODE_HEADER]: error.code,
      [ERROR_MESSAGE_HEADER]: headerSafeMessage(error.message),
      ...outcome.extraHeaders,
    },
    body: errorXml(error, requestId),
  };
}
