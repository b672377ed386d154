import type { IncomingHttpHeaders } from "node:http";

/**
 * Where moto 5.2's S3 answers differently from S3, corrected on the way back so that clients see
 * what S3 would send. Pure: request and answer headers in, corrected headers out.
 *
 * - GetObject ignores the `response-*` overrides (moto/s3/responses.py has no code for them); S3
 *   sets the named header on a successful GetObject:
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html ("Overriding response header values")
 * - GetObjectAttributes sends Last-Modified in ISO 8601 (`key.last_modified_ISO8601`,
 *   moto/s3/responses.py); S3 sends an HTTP date (RFC 7231), and the SDK v3 refuses anything else.
 * - GetObjectAttributes splits `x-amz-object-attributes` on "," without trimming, so the SDK v3's
 *   `ETag, ObjectSize` (an HTTP list, RFC 9110 section 5.6.1) gets only ETag back.
 */
export const RESPONSE_OVERRIDES: Readonly<Record<string, string>> = {
  "response-content-type": "content-type",
  "response-content-language": "content-language",
  "response-expires": "expires",
  "response-cache-control": "cache-control",
  "response-content-disposition": "content-disposition",
  "response-content-encoding": "content-encoding",
};

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function queryPairs(target: string): [string, string][] {
  const question = target.indexOf("?");
  if (question < 0) return [];
  return target
    .slice(question + 1)
    .split("&")
    .filter((p) => p !== "")
    .map((p) => {
      const eq = p.indexOf("=");
      const name = eq < 0 ? p : p.slice(0, eq);
      const value = eq < 0 ? "" : p.slice(eq + 1);
      return [decodeURIComponent(name), decodeURIComponent(value.replace(/\+/g, " "))];
    });
}

/** The request's headers as moto needs them to read them as S3 does. */
export function headersForMoto(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const attributes = headers["x-amz-object-attributes"];
  if (typeof attributes !== "string") return headers;
  return { ...headers, "x-amz-object-attributes": attributes.split(",").map((a) => a.trim()).filter((a) => a !== "").join(",") };
}

/** The answer's headers as S3 would send them for this request. */
export function correctedHeaders(method: string, target: string, status: number, headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  const lastModified = out["last-modified"];
  if (typeof lastModified === "string" && ISO_8601.test(lastModified)) out["last-modified"] = new Date(lastModified).toUTCString();
  if (method === "GET" && status >= 200 && status < 300) {
    for (const [name, value] of queryPairs(target)) {
      const header = RESPONSE_OVERRIDES[name];
      if (header) out[header] = value;
    }
  }
  return out;
}
