import fc from "fast-check";
import { RETRY_BASE_MS, RETRY_CAP_MS, retryDelayMs, swapDocument, SwapError, type Retry, type StoredVersion, type SwapOptions } from "../../../src/revocation/compare-and-swap";
import { editDenyList, EMPTY_DENY_LIST_DOCUMENT, serializeDenyList, type DenyListEdit, type Revocations } from "../../../src/revocation/deny-list-document";
import { pendingLabel, STALE_PENDING_LABEL_MS } from "../../../src/revocation/pending-label";
import { parseDenyList } from "../../../handlers/authorizer/deny-list";
import { MemorySecret } from "./memory-secret";

const T = Date.parse("2030-01-01T00:00:00Z");
const LABEL = pendingLabel(T, "0b5c4c3e-5d2e-4f5e-9a51-7c0e1f0d2a11");
const TARGET = "secret rajee-test/revocation/deny-list";

type Mode = "revoke" | "undo";

/** The change `rajee token revoke` makes: its request applied to the version read; nothing to write when nothing changes. */
const revocation = (request: Revocations, mode: Mode) => (current: StoredVersion) => {
  const edit = editDenyList(current.text, current.versionId, request, mode);
  return { document: edit.changed.jtis.length + edit.changed.subs.length > 0 ? edit.document : undefined, result: edit };
};

const options = (extra: Partial<SwapOptions> = {}): SwapOptions => ({ target: TARGET, label: LABEL, sleep: async () => {}, random: () => 0.5, now: () => T, ...extra });
const jtis = (secret: MemorySecret, version = secret.holder("AWSCURRENT")!) => [...parseDenyList(secret.versions.get(version)!.text, version).jtis].sort();
const labelled = (secret: MemorySecret) => Object.fromEntries([...secret.versions].filter(([, v]) => v.labels.size > 0).map(([id, v]) => [id, [...v.labels].sort()]));

describe("swapping the deny list's AWSCURRENT version", () => {
  it("writes the new list under its own label, moves AWSCURRENT to it from the version read, then drops the label", async () => {
    const secret = new MemorySecret(EMPTY_DENY_LIST_DOCUMENT);
    const swap = await swapDocument(secret, revocation({ jtis: ["a"], subs: [] }, "revoke"), options());
    expect(swap).toMatchObject({ written: true, versionId: "v1", basis: { versionId: "v0" }, attempts: 1 });
    expect(secret.moves).toEqual([{ from: "v0", to: "v1" }]);
    // AWSPREVIOUS is the version this write replaced, as after a plain PutSecretValue.
    expect(labelled(secret)).toEqual({ v0: ["AWSPREVIOUS"], v1: ["AWSCURRENT"] });
    expect(jtis(secret)).toEqual(["a"]);
    expect(secret.calls).toEqual(["current", "labels", "stage", "promote", "unlabel"]);
  });

  it("writes nothing, and asks for nothing more, when the version read already is what was asked", async () => {
    const secret = new MemorySecret('{"jtis": ["a"]}');
    const swap = await swapDocument(secret, revocation({ jtis: ["a"], subs: [] }, "revoke"), options());
    expect(swap).toMatchObject({ written: false, basis: { versionId: "v0" } });
    expect((swap.result as DenyListEdit).unchanged.jtis).toEqual(["a"]);
    expect(secret.calls).toEqual(["current"]);
  });

  it("when another write lands between its read and its move, keeps that write, retries on it and reports against it", async () => {
    const secret = new MemorySecret(EMPTY_DENY_LIST_DOCUMENT);
    secret.before = (call) => {
      // Another writer's revocation of "b" (and of "a") lands after this run's read, once.
      if (call === "stage" && secret.moves.length === 0) secret.put('{"jtis": ["a", "b"]}');
    };
    const retries: Retry[] = [];
    const swap = await swapDocument(secret, revocation({ jtis: ["a", "c"], subs: [] }, "revoke"), options({ onRetry: (r) => retries.push(r), random: () => 0.99 }));
    expect(swap).toMatchObject({ written: true, basis: { versionId: "v1" }, attempts: 2 });
    expect(retries).toEqual([{ attempt: 1, maxAttempts: 8, read: "v0", delayMs: retryDelayMs(1, () => 0.99) }]);
    expect(jtis(secret)).toEqual(["a", "b", "c"]);
    // What it reports is what the version it replaced became: "a" was already there.
    expect((swap.result as DenyListEdit).changed.jtis).toEqual(["c"]);
    expect((swap.result as DenyListEdit).unchanged.jtis).toEqual(["a"]);
    // The refused attempt's version lost the label to the next one; the winner's label is gone too.
    expect(labelled(secret)).toEqual({ v1: ["AWSPREVIOUS"], v3: ["AWSCURRENT"] });
  });

  it("gives up after the last attempt with an error saying nothing was changed, and leaves no label behind", async () => {
    const secret = new MemorySecret(EMPTY_DENY_LIST_DOCUMENT);
    let other = 0;
    secret.before = (call) => void (call === "promote" && secret.put(serializeDenyList({ jtis: new Set([`other-${other++}`]), subs: new Set() })));
    const waits: number[] = [];
    const run = swapDocument(secret, revocation({ jtis: ["mine"], subs: [] }, "revoke"), options({ maxAttempts: 3, sleep: async (ms) => void waits.push(ms) }));
    await expect(run).rejects.toThrow(new SwapError(`${TARGET}: other writes moved AWSCURRENT between this command's read and its write 3 times in a row; nothing was changed (version v6 is current). Run it again`, "no"));
    await expect(run).rejects.toMatchObject({ changed: "no" });
    expect(waits).toHaveLength(2);
    expect(jtis(secret)).not.toContain("mine");
    expect(Object.values(labelled(secret)).flat()).not.toContain(LABEL);
  });

  it("does not retry a refused move while AWSCURRENT is still on the version read: that is no race", async () => {
    const secret = new MemorySecret(EMPTY_DENY_LIST_DOCUMENT);
    secret.promote = async (from) => ({ moved: false, reason: `InvalidParameterException: Not a valid version: ${from}` });
    // With the defaults: a real wait of under RETRY_BASE_MS before reading again, and no warning hook.
    secret.unlabel = () => Promise.reject(new Error("throttled"));
    const run = swapDocument(secret, revocation({ jtis: ["a"], subs: [] }, "revoke"), { target: TARGET, label: LABEL });
    await expect(run).rejects.toThrow(`${TARGET}: moving AWSCURRENT from version v0 was refused (InvalidParameterException: Not a valid version: v0) while it is still current; nothing was changed`);
    expect(secret.holder("AWSCURRENT")).toBe("v0");
    expect(secret.calls.filter((c) => c === "current")).toHaveLength(2);
  });

  it("counts a move refused on a retried request as its own when AWSCURRENT is on its version", async () => {
    const secret = new MemorySecret(EMPTY_DENY_LIST_DOCUMENT);
    const promote = secret.promote.bind(secret);
    // The first try moved the label, its answer was lost, and the SDK's retry was refused.
    secret.promote = async (from, to) => (await promote(from, to), { moved: false, reason: "InvalidParameterException: Version stage AWSCURRENT not found in version v0" });
    const swap = await swapDocument(secret, revocation({ jtis: ["a"], subs: [] }, "revoke"), options());
    expect(swap).toMatchObject({ written: true, versionId: "v1", attempts: 1 });
    expect(labelled(secret)).toEqual({ v0: ["AWSPREVIOUS"], v1: ["AWSCURRENT"] });
  });

  describe("when the move fails without a refusal", () => {
    const failing = (landed: "yes" | "no" | "another", readable = true) => {
      const secret = new MemorySecret(EMPTY_DENY_LIST_DOCUMENT);
      const promote = secret.promote.bind(secret);
      secret.promote = async (from, to) => {
        if (landed === "yes") await promote(from, to);
        if (landed === "another") secret.put('{"jtis": ["other"]}');
        if (!readable) secret.current = () => Promise.reject(new Error("connection reset"));
        throw new Error("socket hang up");
      };
      return secret;
    };

    it("reads AWSCURRENT and reports the write when the move landed", async () => {
      const secret = failing("yes");
      await expect(swapDocument(secret, revocation({ jtis: ["a"], subs: [] }, "revoke"), options())).resolves.toMatchObject({ written: true, versionId: "v1" });
      expect(jtis(secret)).toEqual(["a"]);
    });

    it("says nothing was changed when AWSCURRENT is still on the version read", async () => {
      const run = swapDocument(failing("no"), revocation({ jtis: ["a"], subs: [] }, "revoke"), options());
      await expect(run).rejects.toThrow(`${TARGET}: moving AWSCURRENT to version v1 failed (socket hang up); nothing was changed, version v0 is still current`);
      await expect(run).rejects.toMatchObject({ changed: "no" });
    });

    it.each([
      ["another version is current", failing("another"), "and version v2 is current now; check with 'rajee token revoked'"],
      ["AWSCURRENT cannot be read", failing("no", false), "and whether it moved could not be read; check with 'rajee token revoked'"],
    ])("says it cannot tell when %s", async (_case, secret, tail) => {
      const run = swapDocument(secret, revocation({ jtis: ["a"], subs: [] }, "revoke"), options());
      await expect(run).rejects.toThrow(`${TARGET}: moving AWSCURRENT to version v1 failed (socket hang up), ${tail}`);
      await expect(run).rejects.toMatchObject({ changed: "unknown" });
    });
  });

  it("removes the pending labels of runs that died over an hour ago before writing, and keeps younger ones", async () => {
    const secret = new MemorySecret(EMPTY_DENY_LIST_DOCUMENT);
    const dead = pendingLabel(T - STALE_PENDING_LABEL_MS - 1, "11111111-1111-4111-8111-111111111111");
    const running = pendingLabel(T - 1000, "22222222-2222-4222-8222-222222222222");
    await secret.stage("{}", dead);
    await secret.stage("{}", running);
    await swapDocument(secret, revocation({ jtis: ["a"], subs: [] }, "revoke"), options());
    expect(secret.holder(dead)).toBeUndefined();
    expect(secret.holder(running)).toBe("v2");
  });

  it("warns, and still writes, when old labels cannot be listed or its own label cannot be removed", async () => {
    const secret = new MemorySecret(EMPTY_DENY_LIST_DOCUMENT);
    secret.labels = () => Promise.reject(new Error("AWS refused secretsmanager:DescribeSecret"));
    secret.unlabel = () => Promise.reject(new Error("throttled"));
    const warnings: string[] = [];
    const swap = await swapDocument(secret, revocation({ jtis: ["a"], subs: [] }, "revoke"), options({ onWarning: (w) => warnings.push(w) }));
    expect(swap.written).toBe(true);
    expect(warnings).toEqual([
      "could not remove the pending labels of earlier runs (AWS refused secretsmanager:DescribeSecret); this write goes ahead",
      `could not remove the label ${LABEL} from version v1 (throttled); the write stands; a later run removes it once it is an hour old`,
    ]);
  });

  it("waits a random time below a ceiling that doubles from the base up to the cap", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (attempt - 1));
        const delay = retryDelayMs(attempt, () => r);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }),
    );
    expect([1, 2, 3, 6].map((a) => retryDelayMs(a, () => 0.999999))).toEqual([RETRY_BASE_MS - 1, 2 * RETRY_BASE_MS - 1, 4 * RETRY_BASE_MS - 1, RETRY_CAP_MS - 1]);
  });

  // The security property: however N runs at once interleave their calls, the history is one line of
  // moves; each written run's version is its request applied to the version it replaced (so no run
  // loses another's entries), its report describes exactly that, a run that wrote nothing read a
  // version that already was what it asked, and N attempts are enough for every run.
  it("serializes concurrent revokes and undoes: none is lost, none needs more than N attempts, and each reports what it did", async () => {
    const ids = fc.constantFrom("a", "b", "c");
    const request = fc.record({ mode: fc.constantFrom<Mode>("revoke", "undo"), jtis: fc.uniqueArray(ids, { minLength: 1, maxLength: 2 }), subs: fc.uniqueArray(ids, { maxLength: 1 }) });
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.uniqueArray(ids, { maxLength: 3 }), fc.array(request, { minLength: 2, maxLength: 5 }), async (s, initial, requests) => {
        const secret = new MemorySecret(serializeDenyList({ jtis: new Set(initial), subs: new Set() }));
        // Each call takes effect only when the scheduler lets it: every interleaving of the runs' calls.
        secret.before = () => s.schedule(Promise.resolve());
        const runs = requests.map((r, i) =>
          swapDocument(secret, revocation({ jtis: r.jtis, subs: r.subs }, r.mode), {
            ...options({ maxAttempts: requests.length, sleep: () => s.schedule(Promise.resolve()) }),
            label: pendingLabel(T, `0000000${i}`),
          }),
        );
        const results = await s.waitFor(Promise.all(runs));

        const chain = secret.moves;
        chain.forEach((move, i) => expect(move.from).toBe(i === 0 ? "v0" : chain[i - 1]!.to));
        const written = results.filter((r) => r.written);
        expect(written.map((r) => r.versionId).sort()).toEqual(chain.map((m) => m.to).sort());
        results.forEach((r, i) => {
          const { mode, jtis: j, subs } = requests[i]!;
          const expected = editDenyList(r.basis.text, r.basis.versionId, { jtis: j, subs }, mode);
          expect(r.result).toEqual(expected);
          if (r.written) {
            expect(chain.find((m) => m.to === r.versionId)!.from).toBe(r.basis.versionId);
            expect(secret.versions.get(r.versionId)!.text).toBe(expected.document);
          } else {
            expect(expected.changed).toEqual({ jtis: [], subs: [] });
          }
        });
        // Only AWSCURRENT and AWSPREVIOUS are left: no run's pending label outlives it.
        expect(Object.values(labelled(secret)).flat().sort()).toEqual(chain.length > 0 ? ["AWSCURRENT", "AWSPREVIOUS"] : ["AWSCURRENT"]);
      }),
      { numRuns: 150 },
    );
  });
});
