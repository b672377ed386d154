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
  const decoded: [string, string][] = [];
  for (const parameter of rawParameters(rawQuery)) {
    const name = decode(parameter.name);
    const value = decode(parameter.value);
    if (name === undefined || value === undefined) return undefined;
    if (!exclude.has(name)) decoded.push([name, value]);
  }
  return canonicalQueryOf(decoded);
}

/**
 * The canonical query string of decoded parameters: each name and value encoded with
 * {@link uriEncode}, sorted by encoded name then value, joined with `&`. `""` for none.
 */
export function canonicalQueryOf(parameters: Iterable<readonly [string, string]>): string {
  const pairs: [string, string][] = [];
  for (const [name, value] of parameters) pairs.push([uriEncode(name), uriEncode(value)]);
  if (pairs.length === 0) return "";
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

const SPACE = 32;

/**
 * A header value as SigV4 canonicalises it ("Trimall" in the AWS docs), exactly as SDK v3's signer
 * (`@smithy/signature-v4`, `getCanonicalHeaders`) does: CR and LF as spaces, each run of spaces and
 * tabs as one space, one space removed at each end. botocore agrees on spaces, tabs, CR and LF
 * ({@link botocoreHeaderValue} says where the two differ). Most values (a
 * token of kilobytes among them) need no change: found so by four substring searches (a regex
 * scan, a tenth of the signing time on a 1 KB session token, was ten times slower).
 */
export function canonicalHeaderValue(value: string): string {
  const last = value.length - 1;
  if (last < 0) return value;
  if (value.charCodeAt(0) !== SPACE && value.charCodeAt(last) !== SPACE && !value.includes("  ") && !value.includes("\t") && !value.includes("\n") && !value.includes("\r")) return value;
  return joinWords(value, isSdkWhitespace);
}

/** Space, tab, CR, LF: the whitespace of SDK v3's form (after its CR/LF-to-space step, one run is one space). */
const isSdkWhitespace = (code: number): boolean => code === SPACE || code === 9 || code === 10 || code === 13;

/** Python's `str.isspace()` within Latin-1: tab to CR, U+001C-U+001F, space, U+0085, U+00A0. */
const isPythonWhitespace = (code: number): boolean => (code >= 9 && code <= 13) || (code >= 0x1c && code <= 0x20) || code === 0x85 || code === 0xa0;

/**
 * The words of `value` (runs of characters `isWhitespace` rejects) joined with one space, in one
 * pass: both SDKs' forms are this with their own whitespace (SDK v3's replace chain collapses each
 * run to one space and drops one space at each end, which is the same). The kept UTF-16 code units
 * are copied into one array, so a value built to be costly (60 KB of alternating tab and space, say)
 * costs 0.2-0.4 ms under tsx, where the regular expressions, a string per word, or an array of
 * words joined took 0.5-1 ms.
 */
function joinWords(value: string, isWhitespace: (code: number) => boolean): string {
  const out = new Uint16Array(value.length);
  let length = 0;
  let spacePending = false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (isWhitespace(code)) {
      spacePending = length > 0;
    } else {
      if (spacePending) {
        out[length++] = SPACE;
        spacePending = false;
      }
      out[length++] = code;
    }
  }
  return Buffer.from(out.buffer, 0, length * 2).toString("utf16le");
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

/** Characters the SDK v3 and botocore forms treat differently (spaces, tabs, CR and LF they treat alike). */
// eslint-disable-next-line no-control-regex -- the separators U+001C-U+001F are among them
export const FORMS_DIFFER = /[\v\f\x1c-\x1f\x85\xa0]/;

/**
 * A header value as botocore canonicalises it (`' '.join(value.split())` in `botocore/auth.py`):
 * split on Python's whitespace, which besides spaces, tabs, CR and LF counts U+000B, U+000C,
 * U+001C-U+001F, U+0085 and U+00A0, and joined with one space. It differs from
 * {@link canonicalHeaderValue} only for values holding one of those ({@link FORMS_DIFFER}); Node's
 * parser lets U+0085 and U+00A0 through (bytes 0x85 and 0xA0).
 */
export function botocoreHeaderValue(value: string): string {
  return joinWords(value, isPythonWhitespace);
}

/**
 * The canonical request text. `headerValue` canonicalises each signed header's value:
 * {@link canonicalHeaderValue} (SDK v3's form) unless another signer's form is being tried.
 */
export function canonicalRequest(parts: CanonicalParts, headerValue: (value: string) => string = canonicalHeaderValue): string {
  let headers = "";
  const values = parts.headerValues;
  // Own properties only: a signed header named `constructor` has no value, not Object's.
  for (const name of parts.signedHeaders) headers += `${name}:${headerValue(Object.hasOwn(values, name) ? (values[name] as string) : "")}\n`;
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
  return `${ALGORITHM}\n${amzDate}\n${scopeText(scope)}\n${sha256Hex(canonical)}`;
}

const hmac = (key: Buffer | string, text: string): Buffer => createHmac("sha256", key).update(text, "utf8").digest();

/** `Authorization` of a header-signed request: `AWS4-HMAC-SHA256 Credential=<id>/<scope>, SignedHeaders=<a;b>, Signature=<hex>`. */
export function authorizationHeader(accessKeyId: string, scope: CredentialScope, signedHeaders: readonly string[], signatureHex: string): string {
  return `${ALGORITHM} Credential=${accessKeyId}/${scopeText(scope)}, SignedHeaders=${signedHeaders.join(";")}, Signature=${signatureHex}`;
}

/** The signing key derived from the secret and the scope (four HMAC-SHA256 steps). */
export function signingKey(secretAccessKey: string, scope: CredentialScope): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, scope.date), scope.region), scope.service), SCOPE_TERMINATOR);
}

/** HMAC-SHA256 over `toSign` with a derived signing key: the signature's 32 bytes. */
export function signatureWithKey(key: Buffer, toSign: string): Buffer {
  return hmac(key, toSign);
}

/** {@link signatureWithKey} as SigV4 writes it: 64 lower-case hex digits (digested to hex directly, no Buffer in between). */
export function signatureHexWithKey(key: Buffer, toSign: string): string {
  return createHmac("sha256", key).update(toSign, "utf8").digest("hex");
}

/** HMAC-SHA256 over `toSign` with the key derived from the secret and the scope: the signature's 32 bytes. */
export function signatureBytes(secretAccessKey: string, scope: CredentialScope, toSign: string): Buffer {
  return signatureWithKey(signingKey(secretAccessKey, scope), toSign);
}

/** A credential that signs: the secret is read only to derive signing keys. */
export interface SecretCredential {
  readonly secretAccessKey: string;
}

/**
 * The last signing key derived for each credential, with its scope text: a credential signs with one
 * scope a day (its date, region and service), so the four HMAC steps of the derivation run once per
 * credential and day instead of on every request, as SigV4 clients cache it too. Keyed by the
 * credential object (the authorizer keeps one per token, and one for the task role until its
 * credentials are refreshed), so no secret is ever a key here.
 */
const derivedKeys = new WeakMap<SecretCredential, { readonly scope: string; readonly key: Buffer }>();

/** {@link signingKey} for `credential` and `scope`, derived at most once per credential object and scope. */
export function cachedSigningKey(credential: SecretCredential, scope: CredentialScope): Buffer {
  const text = scopeText(scope);
  const last = derivedKeys.get(credential);
  if (last !== undefined && last.scope === text) return last.key;
  const key = signingKey(credential.secretAccessKey, scope);
  derivedKeys.set(credential, { scope: text, key });
  return key;
}
