import fc from "fast-check";
import { keyStatuses, promoteKey, publishPendingKey, type RotatedKey } from "../../../src/keys/jwks-plan";
import { parseJwks, type Jwks, type KeyState, type PublishedKey } from "../../../src/keys/jwks";

const NOW = 1_900_000_000;
const OVERLAP = 43_230;

function key(kid: string, extra: Partial<RotatedKey> = {}): RotatedKey {
  return { kty: "OKP", crv: "Ed25519", x: `x-${kid}`, kid, alg: "EdDSA", use: "sig", ...extra };
}
const bare = (kid: string): PublishedKey => key(kid);

describe("publishPendingKey", () => {
  it("adds the pending key with its publication time and leaves the current key as it is", () => {
    const jwks: Jwks = { keys: [key("a", { state: "current", created_at: 1 })] };
    const change = publishPendingKey(jwks, { pending: bare("b"), current: bare("a"), now: NOW, overlapSeconds: OVERLAP });
    expect(change.jwks.keys).toEqual([key("a", { state: "current", created_at: 1 }), key("b", { state: "pending", created_at: NOW })]);
    expect(change).toMatchObject({ changed: true, added: ["b"], retired: [], pruned: [], repaired: [] });
  });

  it("removes a previous key exactly when its overlap has passed, not a second before", () => {
    const jwks: Jwks = {
      keys: [key("a", { state: "current" }), key("old", { state: "previous", retired_at: NOW - OVERLAP }), key("recent", { state: "previous", retired_at: NOW - OVERLAP + 1 })],
    };
    const change = publishPendingKey(jwks, { pending: bare("b"), current: bare("a"), now: NOW, overlapSeconds: OVERLAP });
    expect(change.jwks.keys.map((k) => k.kid)).toEqual(["a", "recent", "b"]);
    expect(change.pruned).toEqual(["old"]);
  });

  it("retires a key marked current that no longer signs, and one without a state, instead of removing them", () => {
    const jwks: Jwks = { keys: [key("stale", { state: "current" }), key("handwritten"), key("a", { state: "current" })] };
    const change = publishPendingKey(jwks, { pending: bare("b"), current: bare("a"), now: NOW, overlapSeconds: OVERLAP });
    expect(change.jwks.keys.filter((k) => k.state === "previous")).toEqual([
      key("stale", { state: "previous", retired_at: NOW }),
      key("handwritten", { state: "previous", retired_at: NOW }),
    ]);
    expect(change.retired).toEqual(["stale", "handwritten"]);
  });

  it("restores the signing key as current when the JWKS marks it previous or lost it", () => {
    const marked = publishPendingKey(
      { keys: [key("a", { state: "previous", retired_at: 5 })] },
      { pending: bare("b"), current: bare("a"), now: NOW, overlapSeconds: OVERLAP },
    );
    expect(marked.jwks.keys[0]).toEqual(key("a", { state: "current" }));
    expect(marked.repaired).toEqual(["a"]);
    const lost = publishPendingKey({ keys: [] }, { pending: bare("b"), current: bare("a"), now: NOW, overlapSeconds: OVERLAP });
    expect(lost.jwks.keys.map((k) => [k.kid, k.state])).toEqual([
      ["a", "current"],
      ["b", "pending"],
    ]);
  });

  it("publishes the first key of a fresh deployment, with no current key", () => {
    const change = publishPendingKey({ keys: [] }, { pending: bare("first"), current: undefined, now: NOW, overlapSeconds: OVERLAP });
    expect(change.jwks).toEqual({ keys: [key("first", { state: "pending", created_at: NOW })] });
  });

  it("strips lifecycle members a caller passes in with the key", () => {
    const change = publishPendingKey({ keys: [] }, { pending: key("b", { state: "previous", retired_at: 3 }), current: undefined, now: NOW, overlapSeconds: OVERLAP });
    expect(change.jwks.keys).toEqual([key("b", { state: "pending", created_at: NOW })]);
  });
});

describe("promoteKey", () => {
  it("makes the new key current and the key it replaces previous, retired now", () => {
    const jwks: Jwks = { keys: [key("a", { state: "current", created_at: 1 }), key("b", { state: "pending", created_at: 2 }), key("z", { state: "previous", retired_at: 7 })] };
    const change = promoteKey(jwks, { key: bare("b"), now: NOW });
    expect(change.jwks.keys).toEqual([
      key("a", { state: "previous", created_at: 1, retired_at: NOW }),
      key("b", { state: "current", created_at: 2 }),
      key("z", { state: "previous", retired_at: 7 }),
    ]);
    expect(change).toMatchObject({ changed: true, retired: ["a"], pruned: [] });
  });

  it("keeps the first retirement time when run again later", () => {
    const once = promoteKey({ keys: [key("a", { state: "current" }), key("b", { state: "pending" })] }, { key: bare("b"), now: NOW });
    const again = promoteKey(once.jwks, { key: bare("b"), now: NOW + 500 });
    expect(again.changed).toBe(false);
    expect(again.jwks).toEqual(once.jwks);
  });
});

describe("keyStatuses", () => {
  it("lists current, then pending, then previous keys newest retirement first, with ages and removal times", () => {
    const jwks: Jwks = {
      keys: [
        key("p1", { state: "previous", retired_at: NOW - 100, created_at: NOW - 1000 }),
        key("c", { state: "current", created_at: NOW - 100 }),
        key("p2", { state: "previous", retired_at: NOW - 10 }),
        key("n", { state: "pending", created_at: NOW }),
      ],
    };
    expect(keyStatuses(jwks, NOW, OVERLAP)).toEqual([
      { kid: "c", state: "current", alg: "EdDSA", createdAt: NOW - 100, ageSeconds: 100 },
      { kid: "n", state: "pending", alg: "EdDSA", createdAt: NOW, ageSeconds: 0 },
      { kid: "p2", state: "previous", alg: "EdDSA", retiredAt: NOW - 10, removableAt: NOW - 10 + OVERLAP },
      { kid: "p1", state: "previous", alg: "EdDSA", createdAt: NOW - 1000, ageSeconds: 1000, retiredAt: NOW - 100, removableAt: NOW - 100 + OVERLAP },
    ]);
  });
});

describe("JWKS lifecycle properties", () => {
  const kidArb = fc.constantFrom("k1", "k2", "k3", "k4", "k5", "k6");
  const stateArb = fc.option(fc.constantFrom<KeyState>("pending", "current", "previous"), { nil: undefined });
  const entryArb = fc.record({ kid: kidArb, state: stateArb, retired: fc.option(fc.integer({ min: NOW - 3 * OVERLAP, max: NOW }), { nil: undefined }) });
  const jwksArb = fc.uniqueArray(entryArb, { selector: (e) => e.kid, maxLength: 6 }).map(
    (entries): Jwks => ({
      keys: entries.map((e) => key(e.kid, { ...(e.state === undefined ? {} : { state: e.state }), ...(e.retired === undefined ? {} : { retired_at: e.retired }) })),
    }),
  );
  const inputArb = fc.record({ jwks: jwksArb, pending: kidArb, current: fc.option(kidArb, { nil: undefined }) }).filter((i) => i.current !== i.pending);

  it("setSecret never removes the signing key, the pending key, or a key whose overlap has not passed, and is idempotent", () => {
    fc.assert(
      fc.property(inputArb, ({ jwks, pending, current }) => {
        const change = publishPendingKey(jwks, { pending: bare(pending), current: current === undefined ? undefined : bare(current), now: NOW, overlapSeconds: OVERLAP });
        const after = new Map(change.jwks.keys.map((k) => [k.kid, k]));
        expect(after.get(pending)?.state).toBe("pending");
        if (current !== undefined) expect(after.get(current)?.state).toBe("current");
        expect(change.jwks.keys.filter((k) => k.state !== "previous").length).toBe(current === undefined ? 1 : 2);
        for (const before of jwks.keys) {
          if (after.has(before.kid)) continue;
          expect(change.pruned).toContain(before.kid);
          expect(before.state).toBe("previous");
          expect((before.retired_at ?? Infinity) + OVERLAP).toBeLessThanOrEqual(NOW);
        }
        for (const k of change.jwks.keys) if (k.state === "previous") expect(k.retired_at).toBeDefined();
        parseJwks(change.jwks, "result");
        const again = publishPendingKey(change.jwks, { pending: bare(pending), current: current === undefined ? undefined : bare(current), now: NOW + 1, overlapSeconds: OVERLAP });
        expect(again.changed).toBe(false);
      }),
    );
  });

  it("finishSecret leaves exactly one current key, removes nothing, and is idempotent", () => {
    fc.assert(
      fc.property(jwksArb, kidArb, (jwks, promoted) => {
        const change = promoteKey(jwks, { key: bare(promoted), now: NOW });
        expect(change.jwks.keys.filter((k) => k.state === "current").map((k) => k.kid)).toEqual([promoted]);
        expect(change.jwks.keys.filter((k) => k.state === "pending")).toEqual([]);
        for (const before of jwks.keys) expect(change.jwks.keys.some((k) => k.kid === before.kid)).toBe(true);
        expect(promoteKey(change.jwks, { key: bare(promoted), now: NOW + 60 }).changed).toBe(false);
      }),
    );
  });
});
