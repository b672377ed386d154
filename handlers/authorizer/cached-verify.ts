import type { Keyring } from "../../src/keys/keyring";
import { compactTokenProblem } from "../../src/token/compact";
import type { TokenPolicy } from "../../src/token/policy";
import { verifyToken, type VerifiedToken, type VerifyResult } from "../../src/token/verify";
import type { TokenCache } from "./token-cache";

export interface CachedVerifyOptions {
  /** Verified tokens, keyed by the token's signature segment (a hit also needs the whole text equal). */
  readonly cache: TokenCache;
  readonly keyring: Keyring;
  readonly policy: TokenPolicy;
  /** The check's time, milliseconds since the epoch. */
  readonly nowMs: number;
  /** Told of every cache lookup (metrics, and the `cache` field of the decision log line). */
  onLookup(hit: boolean): void;
}

/**
 * The text each cached token was verified from. The cache is keyed by the token's signature segment
 * (short, so the lookup is cheap whatever the token's size), and a hit counts only when the text is
 * exactly this one: one string comparison at memory speed, where a SHA-256 of a 30 KB token of 1,000
 * grants cost tens of microseconds per check. A different token under the same key is a miss.
 */
const verifiedText = new WeakMap<VerifiedToken, string>();

function cacheKey(token: string): string {
  return token.slice(token.lastIndexOf(".") + 1);
}

/**
 * One verification through the cache: a hit skips the signature check; a miss verifies and caches
 * the result under `generation` (the cache's generation when the check began, @default now), so a
 * token verified against keys or a deny list that changed meanwhile is not kept. A hit is answered
 * synchronously (no promise), so `decideNow` decides it without a microtask turn. `options` may be
 * the caller's own per-check object (the service passes its check context): nothing is allocated
 * per call on a hit.
 */
export function verifyCached(token: string, options: CachedVerifyOptions, generation: number = options.cache.generation): VerifyResult | Promise<VerifyResult> {
  const { cache, nowMs } = options;
  const key = cacheKey(token);
  const entry = cache.get(key, nowMs);
  const hit = entry !== undefined && verifiedText.get(entry) === token ? entry : undefined;
  // A hit is a token stored below, so canonical. `decide` refuses other spellings first; checked
  // again before a miss is counted and stored, so the cache only ever holds canonical tokens (one
  // entry per token), whoever calls this. Not before the lookup: the scan costs microseconds on a
  // large token, on every check.
  if (hit) {
    options.onLookup(true);
    return { ok: true, token: hit };
  }
  const now = new Date(nowMs);
  if (compactTokenProblem(token) !== undefined) return verifyToken(token, options.keyring, options.policy, now);
  options.onLookup(false);
  return verifyToken(token, options.keyring, options.policy, now).then((result) => {
    if (result.ok) {
      verifiedText.set(result.token, token);
      cache.set(key, result.token, nowMs, generation);
    }
    return result;
  });
}

/** The `verify` a check hands to `decide`: `verifyCached` bound to one check's options, the generation taken now. */
export function cachedVerify(options: CachedVerifyOptions): (token: string) => VerifyResult | Promise<VerifyResult> {
  const generation = options.cache.generation;
  return (token) => verifyCached(token, options, generation);
}
