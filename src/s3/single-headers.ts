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

const SINGLE_BY_NAME: ReadonlyMap<string, SingleValueHeader> = new Map(SINGLE_VALUE_HEADERS.map((header) => [header.name, header]));

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

/** The result of combining headers: values by lower-case name, and the refusal of a repeated single-value header. */
export interface CombinedHeaders {
  readonly headers: Record<string, string>;
  readonly refusal?: S3Error;
}

/** Gathers header values one name at a time (`combineHeaders`, `combineRawHeaders`): the rule lives here once. */
class HeaderCombiner {
  private readonly combined: Record<string, string> = {};
  // How many values each name has had, kept only for names whose count is not 1 (rare: a repeat).
  private counts: Map<string, number> | undefined;

  add(name: string, value: string | readonly string[]): void {
    const { combined } = this;
    const lower = name.toLowerCase();
    const count = typeof value === "string" ? 1 : value.length;
    const joined = typeof value === "string" ? value : count === 1 ? (value[0] as string) : value.join(",");
    if (!Object.hasOwn(combined, lower)) {
      combined[lower] = joined;
      if (count !== 1) (this.counts ??= new Map()).set(lower, count);
      return;
    }
    const before = this.counts?.get(lower) ?? 1;
    if (before === 0) combined[lower] = joined;
    else if (count > 0) combined[lower] = `${combined[lower] as string},${joined}`;
    (this.counts ??= new Map()).set(lower, before + count);
  }

  result(): CombinedHeaders {
    const { combined, counts } = this;
    if (counts === undefined) return { headers: combined };
    for (const name in combined) {
      const single = SINGLE_BY_NAME.get(name);
      if (single !== undefined && (counts.get(name) ?? 1) > 1) return { headers: combined, refusal: s3Error(single.code, repeatedHeaderMessage(single)) };
    }
    return { headers: combined };
  }
}

/**
 * Header values by lower-case name. A header named more than once (by repeated values or by names
 * differing only in case) is joined with "," as HTTP allows, except the single-value headers
 * listed above, whose repeat the authorizer refuses before deciding: that refusal is returned too.
 * `simulate` combines its input with this function; the check port reads `combineRawHeaders`.
 */
export function combineHeaders(headers: Readonly<Record<string, string | readonly string[]>>): CombinedHeaders {
  const combiner = new HeaderCombiner();
  for (const name of Object.keys(headers)) combiner.add(name, headers[name] as string | readonly string[]);
  return combiner.result();
}

/**
 * `combineHeaders` over Node's `rawHeaders` (name, value, name, value, ... as received): the same
 * rule in one pass, without Node building its own `headers` and `headersDistinct` objects first.
 */
export function combineRawHeaders(rawHeaders: readonly string[]): CombinedHeaders {
  const combiner = new HeaderCombiner();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) combiner.add(rawHeaders[i] as string, rawHeaders[i + 1] as string);
  return combiner.result();
}
