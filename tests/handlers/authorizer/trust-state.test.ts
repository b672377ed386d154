import { parseConfig } from "../../../handlers/authorizer/config";
import type { RefreshEvent } from "../../../handlers/authorizer/polled-document";
import { TrustState, type DocumentStatus } from "../../../handlers/authorizer/trust-state";
import { generateSigningKeyPair, type GeneratedKeyPair } from "../../../src/keys/generate";
import { jwksText, MemorySource, TestClock } from "./support";

let pair: GeneratedKeyPair;
beforeAll(async () => {
  pair = await generateSigningKeyPair();
});

function trustState(options: { deny?: MemorySource; env?: Record<string, string> } = {}) {
  const clock = new TestClock();
  const keys = new MemorySource(jwksText(pair.publicKey));
  const refreshes: Array<{ event: RefreshEvent; status: DocumentStatus }> = [];
  let changes = 0;
  const config = parseConfig({ RAJEE_JWKS_FILE: "/unused/jwks.json", ...options.env });
  const trust = new TrustState({
    config,
    keySource: keys,
    ...(options.deny ? { denyListSource: options.deny } : {}),
    clock: clock.read,
    onRefresh: (event, status) => void refreshes.push({ event, status }),
    onChange: () => void changes++,
  });
  return { trust, clock, keys, config, refreshes, changes: () => changes };
}

describe("the authorizer's trust state", () => {
  it("cannot judge before the keys load, and says why with the source's error", async () => {
    const { trust, clock, keys } = trustState();
    keys.failing = new Error("memory source: unreachable");
    expect(trust.notReady(clock.nowMs)?.reason).toBe("keys-not-loaded");
    await trust.keys.refresh("start");
    expect(trust.problems(clock.nowMs)).toEqual(["keys not loaded yet; last error: memory source: unreachable"]);
    keys.failing = undefined;
    await trust.keys.refresh("interval");
    expect(trust.notReady(clock.nowMs)).toBeUndefined();
    expect(trust.problems(clock.nowMs)).toEqual([]);
  });

  it("turns stale after the staleness limit without a successful refresh, keys first, then the deny list", async () => {
    const deny = new MemorySource("{}");
    const { trust, clock, config } = trustState({ deny });
    await trust.keys.refresh("start");
    await trust.denyList!.refresh("start");
    clock.advance(config.stalenessLimitSeconds / 2);
    await trust.keys.refresh("interval");
    clock.advance(config.stalenessLimitSeconds / 2 + 1);
    expect(trust.notReady(clock.nowMs)?.reason).toBe("deny-list-stale");
    expect(trust.problems(clock.nowMs)).toEqual([`deny-list stale (last loaded ${config.stalenessLimitSeconds + 1}s ago)`]);
    clock.advance(config.stalenessLimitSeconds);
    expect(trust.notReady(clock.nowMs)?.reason).toBe("keys-stale");
    expect(trust.problems(clock.nowMs)).toHaveLength(2);
  });

  it("builds the token policy from the deny list, once per loaded list rather than once per check", async () => {
    const deny = new MemorySource('{"subs": ["mallory"]}');
    const { trust, changes } = trustState({ deny });
    await trust.denyList!.refresh("start");
    const policy = trust.policy();
    expect([...policy.deniedSubjects]).toEqual(["mallory"]);
    expect(trust.policy()).toBe(policy);
    deny.text = '{"jtis": ["j1"]}';
    await trust.denyList!.refresh("interval");
    expect(changes()).toBe(1);
    expect([...trust.policy().deniedJtis]).toEqual(["j1"]);
    expect(trust.policy().deniedSubjects.size).toBe(0);
  });

  it("refreshes keys on an unknown kid at most once per break-glass interval, one read for concurrent checks", async () => {
    const { trust, clock, keys, config } = trustState();
    await trust.keys.refresh("start");
    expect(keys.reads).toBe(1);
    await Promise.all([trust.breakGlass(clock.nowMs), trust.breakGlass(clock.nowMs), trust.breakGlass(clock.nowMs)]);
    expect(keys.reads).toBe(2);
    clock.advance(config.breakGlassIntervalSeconds - 1);
    await trust.breakGlass(clock.nowMs);
    expect(keys.reads).toBe(2);
    clock.advance(1);
    await trust.breakGlass(clock.nowMs);
    expect(keys.reads).toBe(3);
  });

  it("reports each refresh with the document's state after it, listing the kids of the keys", async () => {
    const { trust, keys, refreshes } = trustState();
    await trust.keys.refresh("start");
    keys.failing = new Error("memory source: gone");
    await trust.keys.refresh("interval");
    expect(refreshes.map((r) => [r.event.document, r.event.trigger, r.event.outcome.ok])).toEqual([
      ["keys", "start", true],
      ["keys", "interval", false],
    ]);
    expect(refreshes[0]!.status).toMatchObject({ loaded: true, fresh: true, ageSeconds: 0, kids: [`${pair.publicKey.kid}:current`] });
    expect(refreshes[1]!.status.fingerprint).toBe(refreshes[0]!.status.fingerprint);
  });

  it("polls from start until stop", async () => {
    const { trust, keys } = trustState();
    await trust.start();
    expect(keys.reads).toBe(1);
    expect(trust.notReady(Date.UTC(2030, 0, 1, 12, 0, 0))).toBeUndefined();
    trust.stop();
  });
});
