import { createHash, randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { chmod, lstat, mkdir, open, rename, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";

/**
 * The cache of `rajee token credential-process`: one file per (issuer URL, grants, lifetime, caller
 * identity), holding the credential_process JSON and when it was obtained, so that each aws cli
 * command does not call the issuer again. Files are mode 0600 in a 0700 directory, both the user's, and replaced atomically (write a temporary
 * file, rename it over), so a reader never sees half a file and concurrent writers never mix theirs.
 */

/** The `credential_process` output (https://docs.aws.amazon.com/cli/v1/userguide/cli-configure-sourcing-external.html). */
export interface ProcessCredentials {
  readonly Version: 1;
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly SessionToken: string;
  /** ISO 8601 (RFC 3339) time, e.g. `2026-01-01T12:00:00.000Z`. */
  readonly Expiration: string;
}

/** What selects one cache entry. */
export interface CacheKeyParts {
  readonly url: string;
  readonly grants: readonly string[];
  readonly ttlSeconds: number | undefined;
  /** The profile whose credentials call the issuer (`--profile`, else AWS_PROFILE, else none). */
  readonly profile: string | undefined;
  /** AWS_ACCESS_KEY_ID when credentials come from the environment, so two identities never share an entry. */
  readonly accessKeyId?: string | undefined;
}

/**
 * Seconds before Expiration at which a cached entry stops being reused. botocore (the aws cli v2 and
 * boto3) asks a credential_process for new credentials once fewer than 15 minutes remain (its
 * "advisory" refresh; `_DEFAULT_ADVISORY_REFRESH_TIMEOUT = 15 * 60` in botocore/credentials.py) and
 * insists at 10 minutes; the JavaScript SDK v3 refreshes at 5 minutes (`EXPIRATION_MS = 300_000` in
 * @smithy/core). Handing botocore an entry with less than 15 minutes left would make it run the
 * process again on every request until the entry is dropped, so an entry is fresh only while more
 * than 15 minutes remain; the first refresh any client asks for then gets new credentials.
 */
export const REUSE_MARGIN_SECONDS = 15 * 60;

/**
 * The margin for credentials that lived `lifetimeSeconds` when obtained: REUSE_MARGIN_SECONDS, or half
 * the lifetime when that is shorter, so short-lived credentials are still reused for their first half
 * rather than never.
 */
export function reuseMarginSeconds(lifetimeSeconds: number): number {
  return Math.min(REUSE_MARGIN_SECONDS, Math.max(0, Math.floor(lifetimeSeconds / 2)));
}

/** The cache directory: `$XDG_CACHE_HOME/rajee/credentials` (an absolute one, as the XDG spec requires), else `~/.cache/rajee/credentials`. */
export function credentialCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), ".cache");
  return join(base, "rajee", "credentials");
}

/** The entry's file name: a SHA-256 of the parts, grants sorted so their order does not matter. */
export function cacheFileName(parts: CacheKeyParts): string {
  const key = JSON.stringify([parts.url, [...parts.grants].sort(), parts.ttlSeconds ?? null, parts.profile ?? null, parts.accessKeyId ?? null]);
  return `${createHash("sha256").update(key, "utf8").digest("hex")}.json`;
}

/** `value` as credential_process credentials when it is exactly that shape (Version 1, every field), else undefined. */
export function processCredentialsOf(value: unknown): ProcessCredentials | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const strings = ["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"].every((name) => typeof v[name] === "string" && v[name] !== "");
  if (v.Version !== 1 || !strings || Number.isNaN(Date.parse(v.Expiration as string))) return undefined;
  return { Version: 1, AccessKeyId: v.AccessKeyId as string, SecretAccessKey: v.SecretAccessKey as string, SessionToken: v.SessionToken as string, Expiration: v.Expiration as string };
}

/** One cache file: the credentials and when they were obtained (which, with Expiration, gives their lifetime). */
export interface CacheEntry {
  readonly credentials: ProcessCredentials;
  /** ISO 8601. */
  readonly obtainedAt: string;
}

/** The entry in `text` when it is well formed, else undefined. */
export function parseCacheEntry(text: string): CacheEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const entry = value as { credentials?: unknown; obtainedAt?: unknown } | null;
  if (typeof entry !== "object" || entry === null || typeof entry.obtainedAt !== "string" || Number.isNaN(Date.parse(entry.obtainedAt))) return undefined;
  const credentials = processCredentialsOf(entry.credentials);
  return credentials ? { credentials, obtainedAt: entry.obtainedAt } : undefined;
}

/** Whether an entry may still be handed out at `now`: more than its margin (see reuseMarginSeconds) before its Expiration. */
export function isFresh(entry: CacheEntry, now: Date): boolean {
  const expires = Date.parse(entry.credentials.Expiration);
  const margin = reuseMarginSeconds((expires - Date.parse(entry.obtainedAt)) / 1000);
  return expires - now.getTime() > margin * 1000;
}

/**
 * Whether the credentials' Expiration is the `exp` of their token (the SessionToken, a JWT): an entry
 * whose Expiration was edited to outlive its token, or whose token is not a JWT, is not handed out.
 */
export function expirationMatchesToken(credentials: ProcessCredentials): boolean {
  const payload = credentials.SessionToken.split(".")[1];
  if (payload === undefined) return false;
  try {
    const { exp } = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown };
    return typeof exp === "number" && Number.isInteger(exp) && Date.parse(credentials.Expiration) === exp * 1000;
  } catch {
    return false;
  }
}

/** Whether a stat belongs to this user (always, where the platform has no user ids) and no one else may read or write it. */
function ownedAndPrivate(stats: { uid: number; mode: number }): boolean {
  const uid = process.getuid?.();
  return (uid === undefined || stats.uid === uid) && (stats.mode & 0o077) === 0;
}

/**
 * The cached entry at `file` if it is fresh. Anything else is a miss, never an error, and the caller
 * fetches new credentials and replaces it: missing, unreadable or corrupt; a directory that is a
 * symbolic link, not this user's or open to others (not 0700); a file that is a symbolic link (opened
 * with O_NOFOLLOW), not this user's or open to others; an Expiration other than the token's `exp`;
 * stale.
 */
export async function readCached(file: string, now: Date): Promise<ProcessCredentials | undefined> {
  try {
    // Someone else who could write the directory or the file could plant credentials (or read them).
    const dir = await lstat(dirname(file));
    if (!dir.isDirectory() || !ownedAndPrivate(dir)) return undefined;
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const stats = await handle.stat();
      if (!stats.isFile() || !ownedAndPrivate(stats)) return undefined;
      const entry = parseCacheEntry(await handle.readFile("utf8"));
      return entry && expirationMatchesToken(entry.credentials) && isFresh(entry, now) ? entry.credentials : undefined;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/** Writes an entry: the directory made 0700, the file written 0600 under a unique name, then renamed over `file`. */
export async function writeCached(dir: string, file: string, entry: CacheEntry): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const temporary = join(dir, `.${randomBytes(8).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, `${JSON.stringify(entry)}\n`, { mode: 0o600, flag: "wx" });
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
