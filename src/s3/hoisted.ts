import { fail } from "../errors";
import type { Headers } from "./headers";
import { PRESIGN_PARAMETERS, presignParametersOf } from "./operations";
import type { Query } from "./query";

/**
 * A query parameter that stands for a header. Presigners move ("hoist") `x-amz-*` headers into the
 * query string (SDK v3: checksums, `x-amz-sdk-checksum-algorithm`, metadata, storage class...), and
 * S3 reads them as the headers they name, so the gateway judges them as those headers. They reach
 * S3 where the client put them, as query parameters covered by the authorizer's signature.
 */
export interface HoistedHeader {
  /** The query parameter as sent. */
  readonly parameter: string;
  /** The header it stands for: the lower-cased parameter name. */
  readonly header: string;
  readonly value: string;
}

/** Headers the gateway reads only as headers: they steer classification, signing or the payload. */
const HEADER_ONLY = new Set([
  "x-amz-content-sha256",
  "x-amz-date",
  "x-amz-decoded-content-length",
  "x-amz-trailer",
  "x-amz-security-token",
  "x-amz-algorithm",
  "x-amz-credential",
  "x-amz-signedheaders",
  "x-amz-signature",
  "x-amz-expires",
]);
/** A copy is judged only from the header; an SSE-C key in a URL would land in access logs. */
const HEADER_ONLY_PREFIXES = ["x-amz-copy-source", "x-amz-server-side-encryption-customer-"];

const NONE: readonly HoistedHeader[] = Object.freeze([]);

/** Whether a query parameter is a hoisted header: `x-amz-*` in any case, other than the presign parameters. */
export function isHoistedParameter(name: string): boolean {
  return name.length > 6 && name.slice(0, 6).toLowerCase() === "x-amz-" && !PRESIGN_PARAMETERS.has(name);
}

/**
 * The hoisted headers of a query. Refused: a header the gateway reads only as a header (403
 * AccessDenied), a header hoisted under two spellings or also sent as a header (400 InvalidRequest:
 * S3 and the gateway could read different values).
 */
export function hoistedHeaders(query: Query, headers: Headers, resource: string): readonly HoistedHeader[] {
  if (query.size === 0) return NONE;
  const hoisted = new Map<string, HoistedHeader>();
  const presign = presignParametersOf(query);
  for (const [parameter, value] of query) {
    if (!isHoistedParameter(parameter) || presign.has(parameter)) continue;
    const header = parameter.toLowerCase();
    if (HEADER_ONLY.has(header) || HEADER_ONLY_PREFIXES.some((p) => header.startsWith(p))) {
      fail("AccessDenied", `query parameter '${parameter}' stands for header '${header}', which this gateway reads only as a header; send it as a header`, resource);
    }
    const twin = hoisted.get(header);
    if (twin) fail("InvalidRequest", `query parameters '${twin.parameter}' and '${parameter}' both stand for header '${header}'; send it once`, resource);
    if (headers[header] !== undefined) fail("InvalidRequest", `'${header}' sent both as a header and as a query parameter; send it once`, resource);
    hoisted.set(header, { parameter, header, value });
  }
  return [...hoisted.values()];
}

/** The headers as S3 reads them: the client's headers and the hoisted ones (never overlapping, see hoistedHeaders). */
export function judgedHeaders(headers: Headers, hoisted: readonly HoistedHeader[]): Headers {
  if (hoisted.length === 0) return headers;
  const merged: Record<string, string | undefined> = { ...headers };
  for (const h of hoisted) merged[h.header] = h.value;
  return merged;
}
