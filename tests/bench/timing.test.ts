import { interleavedPerCallUs, perCallUs } from "../../bench/timing";

describe("perCallUs", () => {
  it("times synchronous calls back to back, with no promise turn of its own between them", async () => {
    let calls = 0;
    let microtaskRan = false;
    let ranBeforeThirdCall = false;
    const us = await perCallUs(
      () => {
        calls++;
        if (calls === 1) queueMicrotask(() => (microtaskRan = true));
        if (calls === 3 && microtaskRan) ranBeforeThirdCall = true;
      },
      { rounds: 1, batchMs: 1 },
    );
    expect(ranBeforeThirdCall).toBe(false);
    expect(us).toBeGreaterThan(0);
  });

  it("awaits each call that returns a promise before the next", async () => {
    let started = 0;
    let finished = 0;
    let overlapped = false;
    await perCallUs(
      () => {
        if (started !== finished) overlapped = true;
        started++;
        return new Promise<void>((resolve) => setImmediate(() => (finished++, resolve())));
      },
      { rounds: 1, batchMs: 1 },
    );
    expect(overlapped).toBe(false);
    expect(finished).toBe(started);
  });
});

describe("interleavedPerCallUs", () => {
  it("gives one figure per function, each timed over its own calls", async () => {
    const counts = [0, 0];
    const figures = await interleavedPerCallUs([() => counts[0]!++, () => counts[1]!++], { rounds: 1, batchMs: 1 });
    expect(figures).toHaveLength(2);
    expect(counts[0]).toBeGreaterThan(20);
    expect(counts[1]).toBeGreaterThan(20);
  });
});
