import { cachedPrivateKey, currentPrivateKeyReader } from "../../../handlers/issuer/private-key";
import { generateSigningKeyPair, type PrivateSigningKey } from "../../../src/keys/generate";

describe("cachedPrivateKey", () => {
  let keys: PrivateSigningKey[];
  beforeAll(async () => {
    keys = [(await generateSigningKeyPair()).privateKey, (await generateSigningKeyPair()).privateKey];
  });

  function rig(maxAgeSeconds: number) {
    let clock = 0;
    let reads = 0;
    let fail = false;
    const read = async () => {
      reads += 1;
      if (fail) throw new Error("secrets manager is down");
      return keys[(reads - 1) % 2] as PrivateSigningKey;
    };
    const get = cachedPrivateKey(read, maxAgeSeconds, () => new Date(clock));
    return { get, reads: () => reads, advance: (s: number) => (clock += s * 1000), failing: (f: boolean) => (fail = f) };
  }

  it("reads the key once within its age and again after it", async () => {
    const r = rig(60);
    expect((await r.get()).kid).toBe(keys[0]?.kid);
    r.advance(59);
    expect((await r.get()).kid).toBe(keys[0]?.kid);
    expect(r.reads()).toBe(1);
    r.advance(1);
    expect((await r.get()).kid).toBe(keys[1]?.kid);
    expect(r.reads()).toBe(2);
  });

  it("shares one read among callers that ask at once", async () => {
    const r = rig(60);
    const all = await Promise.all([r.get(), r.get(), r.get()]);
    expect(all.map((k) => k.kid)).toEqual([keys[0]?.kid, keys[0]?.kid, keys[0]?.kid]);
    expect(r.reads()).toBe(1);
  });

  it("remembers no failure, and signs with no key older than its age when a read fails", async () => {
    const r = rig(60);
    await r.get();
    r.advance(61);
    r.failing(true);
    await expect(r.get()).rejects.toThrow("secrets manager is down");
    r.failing(false);
    await expect(r.get()).resolves.toBeDefined();
    expect(r.reads()).toBe(3);
  });

  it("reads every time with an age of 0", async () => {
    const r = rig(0);
    await r.get();
    await r.get();
    expect(r.reads()).toBe(2);
  });
});

describe("currentPrivateKeyReader", () => {
  it("reads the AWSCURRENT version and says so when there is none, without any of the value", async () => {
    const key = (await generateSigningKeyPair()).privateKey;
    const stages: (string | undefined)[] = [];
    const read = currentPrivateKeyReader({ getValue: async (_id, selector) => (stages.push(selector.stage), { versionId: "v1", text: JSON.stringify(key) }) }, "arn:x");
    expect((await read()).kid).toBe(key.kid);
    expect(stages).toEqual(["AWSCURRENT"]);
    await expect(currentPrivateKeyReader({ getValue: async () => undefined }, "arn:x")()).rejects.toThrow("secret arn:x has no AWSCURRENT value");
    const broken = currentPrivateKeyReader({ getValue: async () => ({ versionId: "v2", text: JSON.stringify({ ...key, kid: "other" }) }) }, "arn:x");
    await expect(broken()).rejects.toThrow("secret arn:x (AWSCURRENT version v2) has kid other, which is not its key's RFC 7638 thumbprint");
    await expect(broken()).rejects.not.toThrow(key.d);
  });
});
