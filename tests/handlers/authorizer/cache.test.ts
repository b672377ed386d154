import fc from "fast-check";
import { TokenCache } from "../../../handlers/authorizer/token-cache";
import type { VerifiedToken } from "../../../src/token/verify";
import { jwksText, keyPair, MemorySource, mint, parseErrorXml, startHarness, TestClock } from "./support";

const verified = (expiresAt: number, subject = "alice"): VerifiedToken => ({
  subject,
  jti: `jti-${subject}`,
  kid: "kid",
  issuedAt: expiresAt - 60,
  expiresAt,
  grants: [],
  fingerprint: "000000000000",
});

describe("TokenCache", () => {
  it("never serves an entry at or past its token's exp and never holds more than its bound", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(
          fc.record({ op: fc.constantFrom("set", "get"), key: fc.integer({ min: 0, max: 12 }), exp: fc.integer({ min: 0, max: 100 }), now: fc.integer({ min: 0, max: 100 }) }),
          { maxLength: 60 },
        ),
        (max, ops) => {
          const cache = new TokenCache(max);
          for (const { op, key, exp, now } of ops) {
            if (op === "set") cache.set(String(key), verified(exp), now * 1000, cache.generation);
            else {
              const hit = cache.get(String(key), now * 1000);
              if (hit) expect(now).toBeLessThan(hit.expiresAt);
            }
            expect(cache.size).toBeLessThanOrEqual(max);
          }
        },
      ),
    );
  });

  it("evicts the least recently used entry first", () => {
    const cache = new TokenCache(2);
    cache.set("a", verified(100, "a"), 0, 0);
    cache.set("b", verified(100, "b"), 0, 0);
    expect(cache.get("a", 0)?.subject).toBe("a");
    cache.set("c", verified(100, "c"), 0, 0);
    expect(cache.get("b", 0)).toBeUndefined();
    expect(cache.get("a", 0)?.subject).toBe("a");
    expect(cache.get("c", 0)?.subject).toBe("c");
  });

  it("drops a verification that began before a flush", () => {
    const cache = new TokenCache(10);
    const generation = cache.generation;
    cache.clear();
    cache.set("a", verified(100), 0, generation);
    expect(cache.size).toBe(0);
  });

  it("stores nothing when its size is 0", () => {
    const cache = new TokenCache(0);
    cache.set("a", verified(100), 0, cache.generation);
    expect(cache.get("a", 0)).toBeUndefined();
  });
});

describe("verified-token cache in the service", () => {
  const cacheField = (logs: Record<string, unknown>[]) => logs.filter((l) => l.event === "decision").map((l) => l.cache);

  it("hits after the first use and is flushed when the keys change", async () => {
    const pair = await keyPair();
    const other = await keyPair();
    const source = new MemorySource(jwksText(pair.publicKey));
    const harness = await startHarness({ keySource: source });
    try {
      const headers = { "x-amz-security-token": await mint(pair, ["read:data/"]) };
      await harness.check({ path: "/data/a", headers });
      await harness.check({ path: "/data/b", headers });
      expect(harness.app.authorizer.cache.size).toBe(1);
      source.text = jwksText(pair.publicKey, other.publicKey);
      await harness.app.authorizer.keys.refresh("interval");
      expect(harness.app.authorizer.cache.size).toBe(0);
      await harness.check({ path: "/data/c", headers });
      expect(cacheField(harness.logs)).toEqual(["miss", "hit", "miss"]);
    } finally {
      await harness.close();
    }
  });

  it("holds one entry per token however it is respelled: padded or spaced spellings are refused before any lookup", async () => {
    const pair = await keyPair();
    const harness = await startHarness({ keySource: new MemorySource(jwksText(pair.publicKey)) });
    try {
      const token = await mint(pair, ["read:data/"]);
      expect((await harness.check({ path: "/data/a", headers: { "x-amz-security-token": token } })).status).toBe(200);
      const [header, payload, signature] = token.split(".") as [string, string, string];
      const spellings = [`${token}==`, `${header}.${payload}.${signature.slice(0, 10)} ${signature.slice(10)}`, `${header}=.${payload}.${signature}`, `${header}.${payload}.${signature.slice(0, 10)}\t${signature.slice(10)}`];
      for (const spelled of spellings) {
        const response = await harness.check({ path: "/data/a", headers: { "x-amz-security-token": spelled } });
        expect({ status: response.status, code: parseErrorXml(response.body).code }).toEqual({ status: 400, code: "InvalidToken" });
      }
      expect(harness.app.authorizer.cache.size).toBe(1);
      const decisions = harness.logs.filter((l) => l.event === "decision");
      expect(decisions.map((l) => l.cache)).toEqual(["miss", undefined, undefined, undefined, undefined]);
      expect(new Set(decisions.map((l) => l.token_fp).filter(Boolean)).size).toBe(1);
    } finally {
      await harness.close();
    }
  });

  it("is not flushed by a refresh that brings the same keys", async () => {
    const pair = await keyPair();
    const source = new MemorySource(jwksText(pair.publicKey));
    const harness = await startHarness({ keySource: source });
    try {
      await harness.check({ path: "/data/a", headers: { "x-amz-security-token": await mint(pair, ["read:data/"]) } });
      source.text = JSON.stringify({ keys: [pair.publicKey] }, null, 2);
      expect(await harness.app.authorizer.keys.refresh("interval")).toEqual({ ok: true, changed: false });
      expect(harness.app.authorizer.cache.size).toBe(1);
    } finally {
      await harness.close();
    }
  });

  it("never serves an expired token: past exp it re-verifies, past exp plus skew it answers ExpiredToken", async () => {
    const pair = await keyPair();
    const clock = new TestClock();
    const harness = await startHarness({ keySource: new MemorySource(jwksText(pair.publicKey)), clock, env: { RAJEE_CLOCK_SKEW_SECONDS: "30" } });
    try {
      const headers = { "x-amz-security-token": await mint(pair, ["read:data/"], { now: clock.date, ttlSeconds: 60 }) };
      expect((await harness.check({ path: "/data/a", headers })).status).toBe(200);
      clock.advance(59);
      expect((await harness.check({ path: "/data/a", headers })).status).toBe(200);
      clock.advance(1);
      expect((await harness.check({ path: "/data/a", headers })).status).toBe(200);
      clock.advance(31);
      const expired = await harness.check({ path: "/data/a", headers });
      expect(expired.status).toBe(400);
      expect(parseErrorXml(expired.body).code).toBe("ExpiredToken");
      expect(cacheField(harness.logs)).toEqual(["miss", "hit", "miss", "miss"]);
    } finally {
      await harness.close();
    }
  });
});

describe("deny list", () => {
  it("revokes by jti and by sub, flushing cached tokens when the list changes", async () => {
    const pair = await keyPair();
    const denyList = new MemorySource('{"jtis": [], "subs": []}');
    const harness = await startHarness({ keySource: new MemorySource(jwksText(pair.publicKey)), denyListSource: denyList });
    try {
      const alice = { "x-amz-security-token": await mint(pair, ["read:data/"], { jti: "token-1" }) };
      const bob = { "x-amz-security-token": await mint(pair, ["read:data/"], { subject: "bob" }) };
      expect((await harness.check({ path: "/data/a", headers: alice })).status).toBe(200);
      expect((await harness.check({ path: "/data/a", headers: bob })).status).toBe(200);

      denyList.text = '{"jtis": ["token-1"], "subs": ["bob"]}';
      expect(await harness.app.authorizer.denyList?.refresh("interval")).toEqual({ ok: true, changed: true });
      for (const headers of [alice, bob]) {
        const response = await harness.check({ path: "/data/a", headers });
        expect(response.status).toBe(400);
        expect(parseErrorXml(response.body)).toMatchObject({ code: "InvalidToken", message: "token has been revoked; ask for a new one" });
      }
      expect(harness.logs.filter((l) => l.reason === "revoked").length).toBe(2);
    } finally {
      await harness.close();
    }
  });

  it("keeps the last good list when the new one is malformed, and fails readiness once it is stale", async () => {
    const pair = await keyPair();
    const clock = new TestClock();
    const denyList = new MemorySource('{"subs": ["mallory"]}');
    const harness = await startHarness({
      keySource: new MemorySource(jwksText(pair.publicKey)),
      denyListSource: denyList,
      clock,
      env: { RAJEE_KEY_REFRESH_SECONDS: "60", RAJEE_STALENESS_LIMIT_SECONDS: "120" },
    });
    try {
      const mallory = { "x-amz-security-token": await mint(pair, ["read:data/"], { subject: "mallory", now: clock.date, ttlSeconds: 3600 }) };
      denyList.text = '{"subs": "mallory"}';
      expect(await harness.app.authorizer.denyList?.refresh("interval")).toMatchObject({ ok: false });
      expect(harness.app.authorizer.denyList?.lastError?.message).toBe('memory source: "subs" must be an array of non-empty strings');
      expect((await harness.check({ path: "/data/a", headers: mallory })).status).toBe(400);

      await harness.app.authorizer.keys.refresh("interval");
      clock.advance(121);
      await harness.app.authorizer.keys.refresh("interval");
      const response = await harness.check({ path: "/data/a", headers: mallory });
      expect(parseErrorXml(response.body).message).toBe("the gateway cannot verify tokens right now (its revocation list is stale); retry later");
      expect((await harness.admin("/readyz")).body).toMatch(/^not ready: deny-list stale \(last loaded 121s ago\); last error: /);
    } finally {
      await harness.close();
    }
  });
});
