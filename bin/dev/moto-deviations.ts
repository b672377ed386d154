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
 * - A request whose Content-Type is `application/x-www-form-urlencoded` or `multipart/form-data`
 *   loses its body: werkzeug (moto's HTTP layer) parses such bodies as a form, so moto's
 *   `request.data` is empty (werkzeug/formparser.py `FormDataParser.parse`, moto/core/responses.py
 *   `setup_class`). PutObject answers 200 and stores an empty object, or the form's `file` field or
 *   last field name when it has a `key` field, or the file part of a multipart body; the form's
 *   fields replace the URL's query (so `?delete` is lost and DeleteObjects answers 500). S3 stores
 *   the bytes whatever the Content-Type. getmoto/moto#3363 reported it for urllib and curl uploads
 *   (both default to the form type for a body); moto 5.2.1, after its fix (getmoto/moto#3650),
 *   still loses the bytes as above (tests/bin/dev/s3-verifier.test.ts shows it). Clients do send
 *   these types: aws4 (mhart/aws4#159) defaults to `application/x-www-form-urlencoded;
 *   charset=utf-8`. So moto gets such a Content-Type inside one it does not parse
 *   (FORM_CARRIER_MEDIA_TYPE), and answers carry the client's value again.
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

/** Media types werkzeug parses as a form, consuming the body (werkzeug/formparser.py `FormDataParser.parse`). */
export const FORM_MEDIA_TYPES: readonly string[] = ["application/x-www-form-urlencoded", "multipart/form-data"];

/**
 * The media type moto is given in place of a form Content-Type; the client's value rides in its
 * `original` parameter, percent-encoded. moto stores it as the object's Content-Type (and copies it
 * with the object); `correctedHeaders` gives the client its own value back.
 */
export const FORM_CARRIER_MEDIA_TYPE = "application/x-rajee-form-content";
const CARRIER_PREFIX = `${FORM_CARRIER_MEDIA_TYPE}; original=`;

/** The media type as werkzeug reads it: before the first ";", trimmed, lowercase (werkzeug/http.py `parse_options_header`). */
function mediaType(contentType: string): string {
  return contentType.split(";", 1)[0]!.trim().toLowerCase();
}

/**
 * The Content-Type moto should get for the client's: a form type (or a value that already looks like
 * the carrier, so every value comes back as sent) goes inside the carrier; anything else is unchanged.
 */
export function contentTypeForMoto(contentType: string): string {
  const type = mediaType(contentType);
  return FORM_MEDIA_TYPES.includes(type) || type === FORM_CARRIER_MEDIA_TYPE ? `${CARRIER_PREFIX}${encodeURIComponent(contentType)}` : contentType;
}

/** The client's Content-Type from the one moto stored: the carrier's `original`, or the value itself. */
export function contentTypeFromMoto(contentType: string): string {
  if (!contentType.startsWith(CARRIER_PREFIX)) return contentType;
  try {
    return decodeURIComponent(contentType.slice(CARRIER_PREFIX.length));
  } catch {
    return contentType;
  }
}

/** The request's headers as moto needs them to read them as S3 does. */
export function headersForMoto(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const attributes = headers["x-amz-object-attributes"];
  const contentType = headers["content-type"];
  const carried = typeof contentType === "string" ? contentTypeForMoto(contentType) : contentType;
  if (typeof attributes !== "string" && carried === contentType) return headers;
  return {
    ...headers,
    ...(typeof attributes === "string" ? { "x-amz-object-attributes": attributes.split(",").map((a) => a.trim()).filter((a) => a !== "").join(",") } : {}),
    ...(carried !== contentType ? { "content-type": carried } : {}),
  };
}

/** The answer's headers as S3 would send them for this request. */
export function correctedHeaders(method: string, target: string, status: number, headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  const contentType = out["content-type"];
  if (typeof contentType === "string") out["content-type"] = contentTypeFromMoto(contentType);
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
