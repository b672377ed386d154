import { calibrateBatch, interleavedPerCallUs, perCallUs } from "../../bench/timing";

/**
 * A clock that moves only when the function under test says so: `cost(n)` nanoseconds for its n-th
 * call (from 1). `reads` lists every reading, so a test can see where batches began and ended.
 */
function fakeClock(cost: (call: number) => number, tickNs = 1) {
  let now = 0;
  let calls = 0;
  const reads: number[] = [];
  return {
    reads,
    get calls() {
      return calls;
    },
    clock: () => {
      const reading = Math.floor(now / tickNs) * tickNs;
      reads.push(reading);
      return BigInt(reading);
    },
    fn: () => {
      calls++;
      now += cost(calls);
    },
  };
}

/** The first 20 calls cost 1 ms (JIT, cold caches), later ones 5 µs. */
const coldThenWarm = (call: number) => (call <= 20 ? 1_000_000 : 5_000);

describe("calibrateBatch", () => {
  it("sizes the batch from warmed calls, so slow first calls do not shorten it", async () => {
    const fake = fakeClock(coldThenWarm);
    const batch = await calibrateBatch(fake.fn, 20, fake.clock);
    // Sized from the cold calls, the batch would be 20 calls (0.1 ms of warm calls).
    expect(batch * 5_000).toBeGreaterThanOrEqual(20_000_000);
    expect(batch * 5_000).toBeLessThanOrEqual(2 * 20_000_000);
  });

  it("grows a batch that fell short until one batch takes the target, even on a coarse clock", async () => {
    // Calls of 1 µs on a clock that moves in 1 ms steps: a batch of one reads as 0 ns.
    const fake = fakeClock(() => 1_000, 1_000_000);
    const batch = await calibrateBatch(fake.fn, 20, fake.clock);
    expect(batch * 1_000).toBeGreaterThanOrEqual(19_000_000);
    expect(batch * 1_000).toBeLessThanOrEqual(2 * 20_000_000);
  });

  it("refuses a clock that never sees the calls instead of growing the batch forever", async () => {
    const fake = fakeClock(() => 0);
    await expect(calibrateBatch(fake.fn, 1, fake.clock)).rejects.toThrow(/is the clock advancing/);
  });
});

describe("perCallUs", () => {
  it("times every reported batch for at least batchMs of warmed calls", async () => {
    const fake = fakeClock(coldThenWarm);
    const rounds = 5;
    const us = await perCallUs(fake.fn, { rounds, batchMs: 20, clock: fake.clock });
    expect(us).toBe(5);
    // The last rounds + 1 batches (warm-up and timed) each read the clock at start and end.
    const last = fake.reads.slice(-2 * (rounds + 1));
    for (let i = 0; i < last.length; i += 2) expect((last[i + 1] as number) - (last[i] as number)).toBeGreaterThanOrEqual(20_000_000);
  });

  it("grows the batch when calls get faster after calibration, so no counted batch falls short", async () => {
    // 5 µs calls through warm-up and calibration (about 18,000 calls), 1 µs from the 20,000th on:
    // the calibrated 5,000 calls would then last 5 ms.
    const fake = fakeClock((call) => (call < 20_000 ? 5_000 : 1_000));
    const rounds = 5;
    const us = await perCallUs(fake.fn, { rounds, batchMs: 20, clock: fake.clock });
    expect(us).toBe(1);
    const last = fake.reads.slice(-2 * rounds);
    for (let i = 0; i < last.length; i += 2) expect((last[i + 1] as number) - (last[i] as number)).toBeGreaterThanOrEqual(20_000_000);
  });

  it("times synchronous calls back to back, with no promise turn of its own between calls of a batch", async () => {
    let now = 0n;
    let clockReadSinceLastCall = true;
    let microtaskRan = false;
    let turnsWithinBatch = 0;
    let calls = 0;
    await perCallUs(
      () => {
        calls++;
        now += 1_000n;
        if (microtaskRan && !clockReadSinceLastCall) turnsWithinBatch++;
        microtaskRan = false;
        clockReadSinceLastCall = false;
        queueMicrotask(() => (microtaskRan = true));
      },
      {
        rounds: 1,
        batchMs: 1,
        clock: () => {
          clockReadSinceLastCall = true;
          return now;
        },
      },
    );
    expect(calls).toBeGreaterThan(1000);
    expect(turnsWithinBatch).toBe(0);
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
  it("gives the event loop a turn between batches, so Ctrl-C's handler can run during a long section", async () => {
    const fake = fakeClock(() => 5_000);
    let turned = false;
    let callsAfterTurn = 0;
    setImmediate(() => (turned = true));
    await perCallUs(
      () => {
        fake.fn();
        if (turned) callsAfterTurn++;
      },
      { clock: fake.clock, batchMs: 1, rounds: 3 },
    );
    // Calls of synchronous functions never yield: only a turn between batches lets the callback run.
    expect(turned).toBe(true);
    expect(callsAfterTurn).toBeGreaterThan(0);
  });

  it("gives one figure per function, each timed over its own calls", async () => {
    let now = 0n;
    const clock = () => now;
    const figures = await interleavedPerCallUs(
      [
        () => {
          now += 2_000n;
        },
        () => {
          now += 7_000n;
        },
      ],
      { rounds: 3, batchMs: 1, clock },
    );
    expect(figures).toEqual([2, 7]);
  });
});
