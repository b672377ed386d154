import { hasControlCharacter } from "../contracts/aws-names";
import { fail } from "../errors";

/** S3's limit on object key length, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

// eslint-disable-next-line no-control-regex
const NEEDS_DECODING = /[%\u0000-\u001f\u007f]/;

/**
 * Percent-decodes `raw` exactly once as UTF-8. Invalid escapes, invalid UTF-8 and control characters
 * (NUL included), raw or decoded, are 400 InvalidURI. `what` names the input in the message.
 */
export function decodeOnce(raw: string, what: string): string {
  if (!NEEDS_DECODING.test(raw)) return raw;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    fail("InvalidURI", `${what} has an invalid percent-escape or is not UTF-8 once decoded; percent-encode it exactly once`);
  }
  if (hasControlCharacter(decoded)) fail("InvalidURI", `${what} contains a control character (NUL, CR, LF...); remove it`);
  return decoded;
}

/** Key rules shared by paths, prefixes, copy sources and DeleteObjects keys: length and control characters. */
export function checkKeyText(key: string, what: string): void {
  if (hasControlCharacter(key)) fail("InvalidURI", `${what} contains a control character (NUL, CR, LF...); remove it`);
  if (key.length > MAX_KEY_BYTES / 4 && Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) {
    fail("KeyTooLongError", `${what} is ${Buffer.byteLength(key, "utf8")} bytes; S3 keys are at most ${MAX_KEY_BYTES} bytes`);
  }
}

/** A `.` or `..` segment: one or two dots between the start or a `/` and the end or a `/`. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/** Paths may not hold `.` or `..` segments: S3 keys are not file paths, and clients disagree on them. */
export function checkNoDotSegments(key: string, what: string): void {
  // One regex scan, no array of segments: this runs on every check's key (a test holds it equal to
  // splitting on '/' and comparing each segment).
  if (DOT_SEGMENT.test(key)) {
    fail("InvalidURI", `${what} has a '.' or '..' segment; S3 keys used through this gateway may not`);
  }
}

const EXTRA_RESERVED = /[!'()*]/g;
const hex = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;

/** Text that encodes to itself: RFC 3986 unreserved characters only (and `/` in a path). */
const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const UNRESERVED_PATH = /^[A-Za-z0-9\-._~/]*$/;

/** RFC 3986 encoding: everything but unreserved characters percent-encoded (UTF-8, upper-case hex). */
export function encodeComponent(text: string): string {
  // Most names, values and keys need no escape: one regex test instead of three passes.
  if (UNRESERVED.test(text)) return text;
  return encodeURIComponent(text).replace(EXTRA_RESERVED, hex);
}

/** Like encodeComponent but keeps `/`: the canonical form of an S3 object path. */
export function encodePath(text: string): string {
  if (UNRESERVED_PATH.test(text)) return text;
  return encodeComponent(text).replace(/%2F/g, "/");
}
