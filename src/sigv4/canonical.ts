import { createHmac, hash } from "node:crypto";

/**
 * SigV4's canonical request and signature, as S3 computes them (AWS General Reference, "Create a
 * canonical request for Signature Version 4", and the S3 API reference, "Signature Calculations for
 * the Authorization Header"). S3 differs from other services in one place: the canonical URI is the
 * path exactly as the client sent it, encoded once, not normalised (no `.`/`..` removal, no merging
 * of `//`) and not encoded a second time. Pure.
 */

export const ALGORITHM = "AWS4-HMAC-SHA256";
export const SCOPE_TERMINATOR = "aws4_request";
/** The payload hash of presigned URLs, and the value of `x-amz-content-sha256` for unsigned bodies. */
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

const UNRESERVED = /[A-Za-z0-9\-_.~]/;
const ALL_UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;

/** SigV4's UriEncode: every byte of the UTF-8 text but the unreserved characters as `%XX`, upper-case hex. */
export function uriEncode(text: string): string {
  // Most names and values (a token in X-Amz-Security-Token: kilobytes of base64url) need no escape:
  // one regex test instead of a test per character.
  if (ALL_UNRESERVED.test(text)) return text;
  let out = "";
  for (const char of text) {
    if (UNRESERVED.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, "utf8")) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Percent-decodes once; undefined for a malformed escape or bytes that are not UTF-8. */
function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** One query parameter as the client sent it, encoded. */
export interface RawParameter {
  readonly name: string;
  readonly value: string;
}

/** Splits a raw query string (without `?`) into its parameters, in order; a part without `=` has the value `""`. */
export function rawParameters(rawQuery: string): RawParameter[] {
  if (rawQuery === "") return [];
  return rawQuery
    .split("&")
    .filter((part) => part !== "")
    .map((part) => {
      const eq = part.indexOf("=");
      return eq < 0 ? { name: part, value: "" } : { name: part.slice(0, eq), value: part.slice(eq + 1) };
    });
}

/**
 * The canonical query string: each name and value decoded once and encoded with {@link uriEncode},
 * sorted by name then value, joined with `&`; parameters named in `exclude` (decoded names) are left
 * out (`X-Amz-Signature` of a presigned URL). Undefined when a name or value has a malformed escape.
 */
export function canonicalQuery(rawQuery: string, exclude: ReadonlySet<string> = new Set()): string | undefined {
  const pairs: [string, string][] = [];
  for (const parameter of rawParameters(rawQuery)) {
    const name = decode(parameter.name);
    const value = decode(parameter.value);
    if (name === undefined || value === undefined) return undefined;
    if (exclude.has(name)) continue;
    pairs.push([uriEncode(name), uriEncode(value)]);
  }
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

/** A header value as SigV4 canonicalises it: surrounding spaces trimmed, runs of spaces made one. */
export function canonicalHeaderValue(value: string): string {
  const trimmed = value.trim();
  // A search for two spaces before the regex: most values (a token of kilobytes among them) have none.
  return trimmed.includes("  ") ? trimmed.replace(/ {2,}/g, " ") : trimmed;
}

/** What a canonical request is built from. */
export interface CanonicalParts {
  readonly method: string;
  /** The path as sent, before `?`; an empty path is `/`. */
  readonly rawPath: string;
  readonly canonicalQuery: string;
  /** Signed header names, lower case, in the order the client listed them. */
  readonly signedHeaders: readonly string[];
  /** Values of the signed headers, by name. */
  readonly headerValues: Readonly<Record<string, string>>;
  readonly payloadHash: string;
}

export function canonicalRequest(parts: CanonicalParts): string {
  const headers = parts.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(parts.headerValues[name] ?? "")}\n`).join("");
  return [parts.method, parts.rawPath === "" ? "/" : parts.rawPath, parts.canonicalQuery, headers, parts.signedHeaders.join(";"), parts.payloadHash].join("\n");
}

export function sha256Hex(text: string): string {
  // The one-shot form (Node 20.12+): no Hash object per call, and the canonical request of a check
  // carrying a token is kilobytes.
  return hash("sha256", text, "hex");
}

/** `<yyyymmdd>/<region>/<service>/aws4_request`. */
export interface CredentialScope {
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

export function scopeText(scope: CredentialScope): string {
  return `${scope.date}/${scope.region}/${scope.service}/${SCOPE_TERMINATOR}`;
}

export function stringToSign(amzDate: string, scope: CredentialScope, canonical: string): string {
  return [ALGORITHM, amzDate, scopeText(scope), sha256Hex(canonical)].join("\n");
}

const hmac = (key: Buffer | string, text: string): Buffer => createHmac("sha256", key).update(text, "utf8").digest();

/** The signing key derived from the secret and the scope (four HMAC-SHA256 steps). */
export function signingKey(secretAccessKey: string, scope: CredentialScope): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, scope.date), scope.region), scope.service), SCOPE_TERMINATOR);
}

/** HMAC-SHA256 over `toSign` with a derived signing key: the signature's 32 bytes. */
export function signatureWithKey(key: Buffer, toSign: string): Buffer {
  return hmac(key, toSign);
}

/** HMAC-SHA256 over `toSign` with the key derived from the secret and the scope: the signature's 32 bytes. */
export function signatureBytes(secretAccessKey: string, scope: CredentialScope, toSign: string): Buffer {
  return signatureWithKey(signingKey(secretAccessKey, scope), toSign);
}
