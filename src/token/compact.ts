/**
 * The one accepted spelling of a compact JWS: three non-empty segments of canonical base64url
 * (RFC 7515 section 2 and RFC 4648 section 5): only `A-Z a-z 0-9 - _`, no `=` padding, no
 * whitespace, a length that is not 1 modulo 4, and a final character whose unused low bits are zero.
 *
 * Base64 decoders are lenient (Node's skips whitespace, padding and bits past the last byte), so
 * without this check `<token>==`, a tab inside the signature or a different last character would
 * verify as the same token while being a new string: a new token-cache entry and a new `token_fp`.
 */

/** A base64url alphabet character's 6-bit value, or -1. Indexed by char code (< 128). */
const VALUE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
})();

const SEGMENTS = ["header", "payload", "signature"] as const;
/** Only base64url alphabet characters. */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Why `segment` is not canonical base64url, or undefined when it is. */
export function base64urlProblem(segment: string): string | undefined {
  if (segment.length === 0) return "is empty";
  const rest = segment.length % 4;
  if (rest === 1) return "has a length no base64url encoding has";
  // The common case in one native regex scan (several times faster than the loop on a token of
  // kilobytes, and the check runs on every request); the loop only names the offending character.
  if (!BASE64URL.test(segment)) {
    for (let i = 0; i < segment.length; i++) {
      const code = segment.charCodeAt(i);
      if (code >= 128 || VALUE[code] === -1) {
        const c = segment[i] as string;
        return c === "=" ? "has '=' padding" : /\s/.test(c) ? "contains whitespace" : `contains '${c}', which is not base64url`;
      }
    }
  }
  // 2 trailing characters carry 8 bits (4 unused), 3 carry 16 bits (2 unused): those must be zero.
  const unusedBits = rest === 2 ? 4 : rest === 3 ? 2 : 0;
  const last = VALUE[segment.charCodeAt(segment.length - 1)] as number;
  if (unusedBits > 0 && (last & ((1 << unusedBits) - 1)) !== 0) return "ends in a non-canonical character (its unused low bits are not zero)";
  return undefined;
}

/** Why a token's text is not the canonical compact JWS (the message never contains the token). */
export interface SpellingProblem {
  readonly problem: string;
}

/**
 * The canonical spelling check, keeping what it learnt: `token` as the one string object held for
 * its text when it was seen lately (see `recentCanonical`), else `token` itself once scanned, or
 * why it is not a compact JWS in canonical base64url. Later comparisons of the returned text against
 * texts kept from it (the token cache's) are then by identity, not a second pass over kilobytes.
 */
export function canonicalToken(token: string): string | SpellingProblem {
  const signature = token.slice(token.lastIndexOf(".") + 1);
  const seen = recentCanonical.get(signature);
  if (seen === token) return seen;
  const parts = token.split(".");
  if (parts.length !== 3) return { problem: `token has ${parts.length} dot-separated parts; a compact JWT has exactly three` };
  for (let i = 0; i < 3; i++) {
    const problem = base64urlProblem(parts[i] as string);
    if (problem) return { problem: `token ${SEGMENTS[i]} ${problem}; send the token exactly as minted (unpadded base64url, no spaces)` };
  }
  rememberCanonical(signature, token);
  return token;
}

/**
 * Why `token` is not a compact JWS in canonical base64url, or undefined when it is. Runs before
 * any cache lookup or signature verification; the message never contains the token.
 */
export function compactTokenProblem(token: string): string | undefined {
  const checked = canonicalToken(token);
  return typeof checked === "string" ? undefined : checked.problem;
}

/** Characters of token text the memo below keeps at most (one-byte strings: about this many bytes). */
export const RECENT_CANONICAL_MAX_CHARS = 4 * 1024 * 1024;

/**
 * Tokens lately found canonical, by their signature segment. Clients repeat one token for many
 * requests; a repeat is then recognised by one string comparison (memcmp speed) instead of a scan of
 * every character (a token of 1,000 grants is 30 KB, its scan tens of microseconds per check).
 * Only the exact string that passed the scan answers "canonical", so the result never depends on the
 * memo. Bounded by RECENT_CANONICAL_MAX_CHARS, oldest first.
 */
const recentCanonical = new Map<string, string>();
let recentChars = 0;

function rememberCanonical(signature: string, token: string): void {
  if (token.length > RECENT_CANONICAL_MAX_CHARS) return;
  const previous = recentCanonical.get(signature);
  if (previous !== undefined) {
    recentCanonical.delete(signature);
    recentChars -= previous.length;
  }
  while (recentChars + token.length > RECENT_CANONICAL_MAX_CHARS) {
    const [oldestSignature, oldest] = recentCanonical.entries().next().value as [string, string];
    recentCanonical.delete(oldestSignature);
    recentChars -= oldest.length;
  }
  recentCanonical.set(signature, token);
  recentChars += token.length;
}
