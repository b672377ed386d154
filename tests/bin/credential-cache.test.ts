import { chmod, chown, mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import {
  cacheFileName,
  credentialCacheDir,
  expirationMatchesToken,
  isFresh,
  parseCacheEntry,
  processCredentialsOf,
  readCached,
  REUSE_MARGIN_SECONDS,
  reuseMarginSeconds,
  writeCached,
  type CacheEntry,
  type ProcessCredentials,
} from "../../bin/credential-cache";
import { TempDirs } from "../support/temp";

const NOW = new Date("2026-05-01T10:00:00Z");
/** A JWT-shaped session token whose payload carries `exp` (the cache reads only that claim). */
const tokenExpiring = (exp: number): string => ["eyJhbGciOiJFUzI1NiJ9", Buffer.from(JSON.stringify({ sub: "alice", exp })).toString("base64url"), "sig"].join(".");
const expiringIn = (seconds: number): ProcessCredentials => {
  const expiration = NOW.getTime() + seconds * 1000;
  return { Version: 1, AccessKeyId: "ASIAISSUED0000000001", SecretAccessKey: "secret", SessionToken: tokenExpiring(expiration / 1000), Expiration: new Date(expiration).toISOString() };
};

/** An entry obtained `lifetime` seconds before it expires, expiring `remaining` seconds after NOW. */
const entry = (remaining: number, lifetime = 3600): CacheEntry => ({
  credentials: expiringIn(remaining),
  obtainedAt: new Date(NOW.getTime() + (remaining - lifetime) * 1000).toISOString(),
});

const temp = new TempDirs();
afterEach(() => temp.removeAll());

describe("where credentials are cached", () => {
  it("uses an absolute XDG_CACHE_HOME, else ~/.cache", () => {
    expect(credentialCacheDir({ XDG_CACHE_HOME: "/var/cache/me", HOME: "/home/me" })).toBe("/var/cache/me/rajee/credentials");
    expect(credentialCacheDir({ HOME: "/home/me" })).toBe("/home/me/.cache/rajee/credentials");
    // The XDG spec says a relative path is invalid and must be ignored.
    expect(credentialCacheDir({ XDG_CACHE_HOME: "relative/cache", HOME: "/home/me" })).toBe("/home/me/.cache/rajee/credentials");
  });

  it("keys an entry by URL, grants in any order, lifetime, profile and environment key", () => {
    const base = { url: "https://x.lambda-url.eu-west-1.on.aws/", grants: ["read:data/a/", "list:data/a/"], ttlSeconds: 3600, profile: "sso" };
    const name = cacheFileName(base);
    expect(name).toMatch(/^[0-9a-f]{64}\.json$/);
    expect(cacheFileName({ ...base, grants: ["list:data/a/", "read:data/a/"] })).toBe(name);
    for (const other of [
      { ...base, url: "https://y.lambda-url.eu-west-1.on.aws/" },
      { ...base, grants: ["read:data/a/"] },
      { ...base, ttlSeconds: 900 },
      { ...base, ttlSeconds: undefined },
      { ...base, profile: undefined },
      { ...base, profile: "other" },
      { ...base, accessKeyId: "AKIAOTHER" },
    ]) {
      expect(cacheFileName(other)).not.toBe(name);
    }
  });
});

describe("when a cached entry is reused", () => {
  it("reuses an entry while more than 15 minutes remain, the window in which botocore refreshes", () => {
    expect(REUSE_MARGIN_SECONDS).toBe(900);
    expect(isFresh(entry(901), NOW)).toBe(true);
    expect(isFresh(entry(900), NOW)).toBe(false);
    expect(isFresh(entry(-1), NOW)).toBe(false);
  });

  it("narrows the margin to half a short lifetime, so short-lived entries are still reused", () => {
    expect(reuseMarginSeconds(3600)).toBe(900);
    expect(reuseMarginSeconds(1800)).toBe(900);
    expect(reuseMarginSeconds(900)).toBe(450);
    expect(reuseMarginSeconds(60)).toBe(30);
    expect(reuseMarginSeconds(-5)).toBe(0);
    expect(isFresh(entry(451, 900), NOW)).toBe(true);
    expect(isFresh(entry(450, 900), NOW)).toBe(false);
  });

  it("never hands out an entry at or past its margin (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -86400, max: 86400 }), fc.integer({ min: 1, max: 43200 }), (remaining, lifetime) => {
        expect(isFresh(entry(remaining, lifetime), NOW)).toBe(remaining > Math.min(900, Math.floor(lifetime / 2)));
      }),
    );
  });

  it("accepts only Version 1 credentials with every field, and entries that say when they were obtained", () => {
    const good = expiringIn(3600);
    expect(processCredentialsOf(good)).toEqual(good);
    expect(processCredentialsOf({ ...good, Version: 2 })).toBeUndefined();
    expect(processCredentialsOf({ ...good, SessionToken: "" })).toBeUndefined();
    expect(processCredentialsOf({ ...good, Expiration: "soon" })).toBeUndefined();
    expect(processCredentialsOf(null)).toBeUndefined();
    expect(parseCacheEntry(JSON.stringify(entry(3600)))).toEqual(entry(3600));
    expect(parseCacheEntry(JSON.stringify({ credentials: good }))).toBeUndefined();
    expect(parseCacheEntry(JSON.stringify(good))).toBeUndefined();
    expect(parseCacheEntry('{"credentials": {"Version": 1, "AccessKey')).toBeUndefined();
    expect(parseCacheEntry("null")).toBeUndefined();
  });
});

describe("the cache files", () => {
  it("writes the entry 0600 in a 0700 directory and reads it back while fresh", async () => {
    const dir = join(temp.make("cache"), "rajee", "credentials");
    const file = join(dir, "entry.json");
    await writeCached(dir, file, entry(3600));
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readCached(file, NOW)).toEqual(expiringIn(3600));
    expect(await readCached(file, new Date(NOW.getTime() + 2699_000))).toEqual(expiringIn(3600));
    expect(await readCached(file, new Date(NOW.getTime() + 2700_000))).toBeUndefined();
    expect(await readdir(dir)).toEqual(["entry.json"]);
  });

  it("tightens a cache directory others could read", async () => {
    const dir = temp.make("cache");
    await chmod(dir, 0o755);
    await writeCached(dir, join(dir, "entry.json"), entry(3600));
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it("treats a missing, corrupt, unreadable or world-readable entry as a miss, never an error", async () => {
    const dir = temp.make("cache");
    expect(await readCached(join(dir, "missing.json"), NOW)).toBeUndefined();
    const corrupt = join(dir, "corrupt.json");
    await writeFile(corrupt, "{\"Version\": 1, \"AccessKeyId\": ", { mode: 0o600 });
    expect(await readCached(corrupt, NOW)).toBeUndefined();
    // A directory where the file should be cannot be read as one (and root reads any mode).
    const unreadable = join(dir, "unreadable.json");
    await mkdir(unreadable, { mode: 0o700 });
    expect(await readCached(unreadable, NOW)).toBeUndefined();
    const loose = join(dir, "loose.json");
    await writeFile(loose, JSON.stringify(entry(3600)), { mode: 0o644 });
    await chmod(loose, 0o644);
    expect(await readCached(loose, NOW)).toBeUndefined();
  });

  it("ignores every entry of a cache directory others may read or write", async () => {
    const dir = join(temp.make("cache"), "credentials");
    const file = join(dir, "entry.json");
    await writeCached(dir, file, entry(3600));
    await chmod(dir, 0o755);
    expect(await readCached(file, NOW)).toBeUndefined();
    await chmod(dir, 0o700);
    expect(await readCached(file, NOW)).toEqual(expiringIn(3600));
  });

  it("does not follow a symbolic link, to the entry or to the directory", async () => {
    const root = temp.make("cache");
    const dir = join(root, "credentials");
    const real = join(dir, "real.json");
    await writeCached(dir, real, entry(3600));
    const link = join(dir, "link.json");
    await symlink(real, link);
    expect(await readCached(link, NOW)).toBeUndefined();
    const linkedDir = join(root, "linked-dir");
    await symlink(dir, linkedDir);
    expect(await readCached(join(linkedDir, "real.json"), NOW)).toBeUndefined();
    expect(await readCached(real, NOW)).toEqual(expiringIn(3600));
  });

  it("ignores an entry, or a directory, another user owns", async () => {
    if (process.getuid?.() !== 0) {
      console.warn("skipped: making a file another user owns needs root (chown), and this run is not root");
      return;
    }
    const dir = join(temp.make("cache"), "credentials");
    const file = join(dir, "entry.json");
    await writeCached(dir, file, entry(3600));
    await chown(file, 65534, 65534);
    expect(await readCached(file, NOW)).toBeUndefined();
    await chown(file, 0, 0);
    await chown(dir, 65534, 65534);
    expect(await readCached(file, NOW)).toBeUndefined();
    await chown(dir, 0, 0);
    expect(await readCached(file, NOW)).toEqual(expiringIn(3600));
  });

  it("ignores an entry whose Expiration is not its token's exp, so an edited entry cannot outlive its token", async () => {
    const dir = temp.make("cache");
    const file = join(dir, "entry.json");
    const stretched = { ...entry(3600), credentials: { ...expiringIn(3600), Expiration: new Date(NOW.getTime() + 86_400_000).toISOString() } };
    await writeCached(dir, file, stretched);
    expect(await readCached(file, new Date(NOW.getTime() + 7200_000))).toBeUndefined();
    expect(await readCached(file, NOW)).toBeUndefined();
    expect(expirationMatchesToken(expiringIn(3600))).toBe(true);
    expect(expirationMatchesToken({ ...expiringIn(3600), SessionToken: "not-a-jwt" })).toBe(false);
    expect(expirationMatchesToken({ ...expiringIn(3600), SessionToken: "a.bm90IGpzb24.c" })).toBe(false);
  });

  it("replaces a corrupt entry", async () => {
    const dir = temp.make("cache");
    const file = join(dir, "entry.json");
    await writeFile(file, "garbage", { mode: 0o600 });
    await writeCached(dir, file, entry(3600));
    expect(await readCached(file, NOW)).toEqual(expiringIn(3600));
  });

  it("leaves one whole entry, and no temporary file, when many writers race", async () => {
    const dir = temp.make("cache");
    const file = join(dir, "entry.json");
    const written = Array.from({ length: 40 }, (_, i) => ({ ...entry(3600), credentials: { ...expiringIn(3600), AccessKeyId: `ASIAWRITER${String(i).padStart(10, "0")}` } }));
    const readers = Array.from({ length: 40 }, () => readCached(file, NOW));
    await Promise.all([...written.map((e) => writeCached(dir, file, e)), ...readers]);
    for (const seen of await Promise.all(readers)) {
      if (seen !== undefined) expect(written.map((e) => e.credentials)).toContainEqual(seen);
    }
    const final = parseCacheEntry(await readFile(file, "utf8"));
    expect(written).toContainEqual(final);
    expect(await readdir(dir)).toEqual(["entry.json"]);
  });
});
