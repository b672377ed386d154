import { errorXml, s3Error, type S3Error, type S3ErrorCode } from "../errors";

/**
 * Request headers that must arrive at most once. A repeat would let Envoy, the authorizer and S3
 * read different copies (one signs or judges the first, another uses the second), so the gateway
 * refuses it twice over: a Lua filter in Envoy before ext_authz, and the authorizer itself. Both,
 * and the local gateway emulator, read this one list.
 */
export interface SingleValueHeader {
  /** Lower-case header name as the client sends it. */
  readonly name: string;
  /** S3 error code of the refusal: `InvalidToken` for the token carriers, else `InvalidRequest`. */
  readonly code: Extract<S3ErrorCode, "InvalidToken" | "InvalidRequest">;
}

/** Headers that carry the client's token. */
export const TOKEN_HEADER_NAMES: readonly string[] = Object.freeze(["authorization", "x-amz-security-token"]);

/** Headers the classifier or the signer reads as one value. */
export const SINGLE_HEADER_NAMES: readonly string[] = Object.freeze([
  "host",
  "x-amz-copy-source",
  "x-amz-content-sha256",
  "x-amz-decoded-content-length",
  "content-encoding",
  "content-md5",
  "content-type",
  "x-amz-date",
]);

export const SINGLE_VALUE_HEADERS: readonly SingleValueHeader[] = Object.freeze([
  ...TOKEN_HEADER_NAMES.map((name) => Object.freeze({ name, code: "InvalidToken" as const })),
  ...SINGLE_HEADER_NAMES.map((name) => Object.freeze({ name, code: "InvalidRequest" as const })),
]);


/** The message of the refusal, the same wherever the repeat is caught. */
export function repeatedHeaderMessage(header: SingleValueHeader): string {
  return header.code === "InvalidToken"
    ? `header '${header.name}' sent more than once; send the token exactly once`
    : `header '${header.name}' sent more than once; send it once`;
}

/** The S3 XML error document of the refusal (the authorizer's format), for a local answer in Envoy or the emulator. */
export function repeatedHeaderXml(header: SingleValueHeader, requestId: string): string {
  return errorXml(s3Error(header.code, repeatedHeaderMessage(header)), requestId);
}

/**
 * Header values by lower-case name. A header named more than once (by repeated values or by names
 * differing only in case) is joined with "," as HTTP allows, except the single-value headers
 * listed above, whose repeat the authorizer refuses before deciding: that refusal is returned too.
 * The authorizer's check port and `simulate` both combine headers with this function.
 */
export function combineHeaders(headers: Readonly<Record<string, string | readonly string[]>>): { headers: Record<string, string>; refusal?: S3Error } {
  const values = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    values.set(lower, [...(values.get(lower) ?? []), ...(typeof value === "string" ? [value] : value)]);
  }
  let refusal: S3Error | undefined;
  const combined: Record<string, string> = {};
  for (const [name, list] of values) {
    const single = SINGLE_VALUE_HEADERS.find((h) => h.name === name);
    if (list.length > 1 && single && !refusal) refusal = s3Error(single.code, repeatedHeaderMessage(single));
    combined[name] = list.join(",");
  }
  return refusal ? { headers: combined, refusal } : { headers: combined };
}
