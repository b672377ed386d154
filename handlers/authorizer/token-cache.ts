import { LRUCache } from "lru-cache";
import type { VerifiedToken } from "../../src/token/verify";

interface Entry {
  readonly token: VerifiedToken;
  /** The entry is served only while now < this (epoch ms): never past the token's `exp`. */
  readonly expiresAtMs: number;
}

/**
 * Verified tokens by a key the caller derives from the token (cached-verify.ts: its signature
 * segment, a hit also needing the whole text equal), least recently used evicted first (lru-cache: a
 * hit reorders its index lists, where a Map had to delete and re-insert the entry). Only canonical
 * spellings reach it (src/token/compact.ts): `<token>==` or a token with a tab inside is refused
 * before any lookup, so padding variants cannot fill it with copies of one token. An entry never
 * outlives its token's `exp`; `clear()` runs whenever the keys or the deny list change. Only
 * successful verifications are cached: a refusal is recomputed every time, so a key that appears
 * later (rotation) is never hidden by a cached "unknown kid".
 */
export class TokenCache {
  /** Undefined when the cache is disabled (size 0). */
  private readonly entries: LRUCache<string, Entry> | undefined;
  private generationCounter = 0;

  constructor(maxEntries: number) {
    this.entries = maxEntries > 0 ? new LRUCache<string, Entry>({ max: maxEntries }) : undefined;
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }

  /** Increments on every clear; a verification begun in an older generation must not be stored. */
  get generation(): number {
    return this.generationCounter;
  }

  get(key: string, nowMs: number): VerifiedToken | undefined {
    const entry = this.entries?.get(key);
    if (entry === undefined) return undefined;
    if (nowMs >= entry.expiresAtMs) {
      this.entries?.delete(key);
      return undefined;
    }
    return entry.token;
  }

  /** Stores a verified token unless it is already expired, the cache is disabled, or it was cleared since `generation`. */
  set(key: string, token: VerifiedToken, nowMs: number, generation: number): void {
    const expiresAtMs = token.expiresAt * 1000;
    if (this.entries === undefined || generation !== this.generationCounter || nowMs >= expiresAtMs) return;
    this.entries.set(key, { token, expiresAtMs });
  }

  clear(): void {
    this.entries?.clear();
    this.generationCounter++;
  }
}
