import { cachedVerify } from "../../../handlers/authorizer/cached-verify";
import { TokenCache } from "../../../handlers/authorizer/token-cache";
import { tokenPolicy } from "../../../src/token/policy";
import { tokenFixture, type TokenFixture } from "../../support/tokens";

let fixture: TokenFixture;
beforeAll(async () => {
  fixture = await tokenFixture();
});

function verifier(cache: TokenCache, lookups: boolean[], policy = tokenPolicy()) {
  return cachedVerify({ cache, keyring: fixture.keyring, policy, nowMs: Date.now(), onLookup: (hit) => void lookups.push(hit) });
}

describe("the verified-token cache in front of verifyToken", () => {
  it("verifies a token once and answers the next check from the cache", async () => {
    const cache = new TokenCache(10);
    const lookups: boolean[] = [];
    const verify = verifier(cache, lookups);
    const token = await fixture.mint(["read:data/"]);
    const first = await verify(token);
    const second = await verify(token);
    expect(first.ok && second.ok).toBe(true);
    expect(lookups).toEqual([false, true]);
    expect(cache.size).toBe(1);
  });

  it("never looks up or stores a non-canonical spelling of a token", async () => {
    const cache = new TokenCache(10);
    const lookups: boolean[] = [];
    const verify = verifier(cache, lookups);
    const token = await fixture.mint(["read:data/"]);
    await verify(`${token}==`);
    await verify(token.replace(".", ".\t"));
    expect(lookups).toEqual([]);
    expect(cache.size).toBe(0);
  });

  it("answers from the cache only the exact token verified, not another ending in the same signature", async () => {
    const cache = new TokenCache(10);
    const lookups: boolean[] = [];
    const verify = verifier(cache, lookups);
    const token = await fixture.mint(["read:data/"]);
    const other = await fixture.mint(["*:data/"]);
    const [, , signature] = token.split(".") as [string, string, string];
    const [header, payload] = other.split(".") as [string, string];
    expect((await verify(token)).ok).toBe(true);
    const forged = await verify(`${header}.${payload}.${signature}`);
    expect(forged).toMatchObject({ ok: false });
    expect(lookups).toEqual([false, false]);
    expect(await verify(token)).toMatchObject({ ok: true, token: { grants: [expect.objectContaining({ source: "read:data/" })] } });
  });

  it("does not cache a refused token, so a later policy or key change is judged afresh", async () => {
    const cache = new TokenCache(10);
    const lookups: boolean[] = [];
    const verify = verifier(cache, lookups, tokenPolicy({ deniedSubjects: new Set(["alice"]) }));
    const token = await fixture.mint(["read:data/"]);
    expect((await verify(token)).ok).toBe(false);
    expect((await verify(token)).ok).toBe(false);
    expect(lookups).toEqual([false, false]);
    expect(cache.size).toBe(0);
  });

  it("does not store a verification begun before the cache was cleared (keys or deny list changed)", async () => {
    const cache = new TokenCache(10);
    const verify = verifier(cache, []);
    cache.clear();
    expect((await verify(await fixture.mint(["read:data/"]))).ok).toBe(true);
    expect(cache.size).toBe(0);
  });
});
