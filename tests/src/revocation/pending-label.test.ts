import fc from "fast-check";
import { PENDING_LABEL_PREFIX, pendingLabel, pendingLabelTime, STALE_PENDING_LABEL_MS, stalePendingLabels } from "../../../src/revocation/pending-label";

const T = Date.parse("2030-01-01T00:00:00Z");
const ID = "0b5c4c3e-5d2e-4f5e-9a51-7c0e1f0d2a11";

describe("a pending label", () => {
  it("carries the time it was made and a unique id, and reads back to that time", () => {
    const label = pendingLabel(T, ID);
    expect(label).toBe(`${PENDING_LABEL_PREFIX}${T}-${ID}`);
    expect(pendingLabelTime(label)).toBe(T);
  });

  it("reads any time and id it was made with back to that time", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 }), fc.uuid(), (ms, id) => {
        expect(pendingLabelTime(pendingLabel(ms, id))).toBe(ms);
      }),
    );
  });

  it.each([["AWSCURRENT"], ["AWSPENDING"], [`${PENDING_LABEL_PREFIX}soon-${ID}`], [`${PENDING_LABEL_PREFIX}${T}`], [`x${PENDING_LABEL_PREFIX}${T}-${ID}`]])("does not take %s for one", (label) => {
    expect(pendingLabelTime(label)).toBeUndefined();
  });

  it("refuses an id that is not hexadecimal", () => {
    expect(() => pendingLabel(T, "not an id")).toThrow("is malformed");
  });
});

describe("stale pending labels", () => {
  it("names the pending labels older than an hour and leaves younger ones and other labels alone", () => {
    const old = pendingLabel(T - STALE_PENDING_LABEL_MS - 1, ID);
    const young = pendingLabel(T - STALE_PENDING_LABEL_MS + 1000, ID);
    const stages = { v1: ["AWSCURRENT", old], v2: [young], v3: ["AWSPREVIOUS"], v4: ["AWSPENDING"] };
    expect(stalePendingLabels(stages, T)).toEqual([{ label: old, versionId: "v1" }]);
    expect(stalePendingLabels({}, T)).toEqual([]);
  });
});
