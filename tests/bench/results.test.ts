import { mergeSections, notMeasured, summarize, throughputBudget, type BenchResults } from "../../bench/results";
import { context, http, machine, scaling } from "./fixtures";

describe("the targets", () => {
  it("marks a target met or missed from the measured ratio, with the limits of the issue", () => {
    const met = summarize({ http: http(40000, 500) }, "now", machine, [0.5]);
    expect(met.throughput_ratio).toBe(0.667);
    expect(met.targets.map((t) => [t.name, t.met])).toEqual([
      ["throughput on cache hits vs the null server", true],
      ["p99 at 8 connections vs the null server", true],
      ["authorizer RSS", true],
    ]);
    const missed = summarize({ http: http(30000, 700) }, "now", machine, [0.5]);
    expect(missed.targets.filter((t) => !t.met).map((t) => t.name)).toEqual(["throughput on cache hits vs the null server", "p99 at 8 connections vs the null server"]);
  });

  it("says the ratio is the median of the pairs' ratios, apart from the columns' medians beside it", () => {
    const row = (rps: number, p99: number) => ({ rps, p50_us: 100, p99_us: p99, cpu_us_per_request: 20 });
    const rounds = [
      { baseline: row(80000, 400), cached: row(40000, 800) },
      { baseline: row(60000, 300), cached: row(36000, 450) },
      { baseline: row(90000, 500), cached: row(30000, 1500) },
    ];
    const results = summarize({ http: { ...http(36000, 800), baseline: row(80000, 400), rounds } }, "now", machine, [0.5]);
    expect(results.targets[0]?.measured).toBe("0.5x (median of 3 pairs' ratios; medians 36000 / 80000 req/s; CPU per request 1x)");
    expect(results.targets[1]?.measured).toBe("2x (median of 3 pairs' ratios; medians 800 / 400 µs)");
  });
});

describe("the throughput target's budget", () => {
  const row = (cpu: number) => ({ rps: 50000, p50_us: 90, p99_us: 420, cpu_us_per_request: cpu });
  const withFloor = (floorCpu = 13.4, cachedCpu = 30) => ({ ...http(30000, 600), token_grants: 100, static_answer: row(floorCpu), cached: row(cachedCpu) });
  const scalingAt = { ...scaling(), context: { ...context, measured_at: "2026-11-30T12:04:00.000Z" } };

  it("gives the CPU the target allows, the replayed answer's floor, what is left, the CPU beyond answering and the in-process check of the HTTP token", () => {
    // The null server's 12 µs at 0.6x allows 20 µs; the floor takes 13.4, leaving 6.6; the authorizer's 30 is 16.6 beyond it.
    expect(throughputBudget({ http: withFloor(), scaling: scalingAt })).toEqual({
      measured_at: { http: "2026-11-30T12:00:00.000Z", scaling: "2026-11-30T12:04:00.000Z" },
      rounds: 1,
      per_request_at_target_us: 20,
      static_answer_us: 13.4,
      left_us: 6.6,
      own_work_us: 16.6,
      cut_percent: 61,
      token_grants: 100,
      check_us: 10,
      upstream_signing_us: 25,
      in_process_us: 35,
      authorizer_us: 30,
    });
    expect(summarize({ http: withFloor(), scaling: scaling() }, "now", machine, [0.5]).throughput_budget?.left_us).toBe(6.6);
  });

  it("works each figure out within a round and takes the median over the rounds, as the targets' ratios are", () => {
    const cpu = (baseline: number, cached: number, floor: number) => ({ baseline: row(baseline), cached: row(cached), static_answer: row(floor) });
    // Allowances 20, 20, 25; floors 13, 16, 14; left 7, 4, 11; beyond answering 17, 12, 17; cuts 58.8, 66.7, 35.3 %.
    const rounds = [cpu(12, 30, 13), cpu(12, 28, 16), cpu(15, 31, 14)];
    const budget = throughputBudget({ http: { ...withFloor(), rounds }, scaling: scaling() });
    // The median of the lefts is 7, where the medians' difference (20 - 14) would say 6.
    expect(budget).toMatchObject({ rounds: 3, per_request_at_target_us: 20, static_answer_us: 14, left_us: 7, own_work_us: 17, cut_percent: 59, authorizer_us: 30 });
    // An even count: the cuts 60.2 and 61.6 % give a median of 60.9, rounded up to 61 (rounding each first would give 61.5).
    const even = throughputBudget({ http: { ...withFloor(), rounds: [cpu(12, 26.05, 16), cpu(12, 26.42, 16)] }, scaling: scaling() });
    expect(even).toMatchObject({ rounds: 2, left_us: 4, cut_percent: 61 });
    // A round without the floor: the floor's single row against the rows' medians, as below.
    expect(throughputBudget({ http: { ...withFloor(), rounds: [cpu(12, 30, 13), { baseline: row(12), cached: row(30) }] }, scaling: scaling() })).toMatchObject({ rounds: 1, left_us: 6.6 });
    // Rounds from before the floor ran in them: the floor's single row against the rows' medians.
    expect(throughputBudget({ http: { ...withFloor(), rounds: rounds.map(({ baseline, cached }) => ({ baseline, cached })) }, scaling: scaling() })).toMatchObject({ rounds: 1, left_us: 6.6 });
  });

  it("works the cut out from unrounded figures and rounds it up, 0 within the budget and 100 when the floor alone takes it all", () => {
    // Allowed 20, floor 16: left 4; beyond answering 10.04, so 60.16 % must go: 61. From the rounded 10.0 it would be 60.
    expect(throughputBudget({ http: withFloor(16, 26.04), scaling: scaling() })).toMatchObject({ own_work_us: 10, cut_percent: 61 });
    // Allowed 20, floor 10: left 10; beyond answering 10.05 needs about 0.5 % gone, which rounds up to 1, never down to 0.
    expect(throughputBudget({ http: withFloor(10, 20.05), scaling: scaling() })?.cut_percent).toBe(1);
    expect(throughputBudget({ http: withFloor(10, 19), scaling: scaling() })?.cut_percent).toBe(0);
    expect(throughputBudget({ http: withFloor(21, 30), scaling: scaling() })).toMatchObject({ left_us: -1, cut_percent: 100 });
    // The floor above the allowance but the authorizer cheaper still: within the budget.
    expect(throughputBudget({ http: withFloor(21, 19), scaling: scaling() })).toMatchObject({ own_work_us: -2, cut_percent: 0 });
  });

  it("is absent without the replayed-answer row or the token's grant count (older results), the scaling section, or a check of a token of that many grants", () => {
    const { token_grants: _, ...withoutCount } = withFloor();
    expect(throughputBudget({ http: withoutCount, scaling: scaling() })).toBeUndefined();
    expect(throughputBudget({ http: { ...http(30000, 600), token_grants: 100 }, scaling: scaling() })).toBeUndefined();
    expect(throughputBudget({ http: withFloor() })).toBeUndefined();
    expect(throughputBudget({ http: { ...withFloor(), token_grants: 10 }, scaling: scaling() })).toBeUndefined();
    expect(throughputBudget({ http: { skipped: "wrk is not installed", context }, scaling: scaling() })).toBeUndefined();
    expect(summarize({ http: http(30000, 600), scaling: scaling() }, "now", machine, [0.5])).not.toHaveProperty("throughput_budget");
  });
});

describe("publishing a run's sections", () => {
  const measured = http(40000, 500);
  const older = { ...http(30000, 700), context: { ...context, measured_at: "2026-11-01T00:00:00.000Z" } };

  it("replaces each section the run measured", () => {
    const { sections, kept } = mergeSections({ http: older }, { http: measured });
    expect(sections.http).toBe(measured);
    expect(kept).toEqual([]);
  });

  it("keeps the previous measurement of a section the run could not measure, so its targets stay on the page", () => {
    const { sections, kept } = mergeSections({ http: older }, { http: { skipped: "wrk is not installed", context } });
    expect(sections.http).toBe(older);
    expect(kept).toEqual(["http"]);
    expect(summarize(sections, "now", machine, [0.5]).targets.filter((t) => !t.met).map((t) => t.name)).toEqual(["throughput on cache hits vs the null server", "p99 at 8 connections vs the null server"]);
  });

  it("records the skip when there is nothing earlier to keep, and leaves sections the run did not attempt", () => {
    const skipped = { skipped: "failed: boom", context };
    const previous: BenchResults["sections"] = { soak: { skipped: "moto is not available", context } };
    const { sections, kept } = mergeSections(previous, { http: skipped, soak: { skipped: "failed: again", context } });
    expect(sections.http).toBe(skipped);
    expect(sections.soak).toEqual({ skipped: "failed: again", context });
    expect(kept).toEqual([]);
    expect(mergeSections({ http: older }, {}).sections.http).toBe(older);
  });
});

describe("what a run could not measure", () => {
  const row = (failed: { gateway: number; direct: number }) => ({ operation: "GET", size: "1 MiB", failed }) as never;

  it("names skipped sections, saying when their previous results are kept, and nothing when all was measured", () => {
    expect(notMeasured({ http: { skipped: "wrk is not installed" }, soak: { rate: 2000 } }, ["http"])).toEqual(["http (wrk is not installed; its previous results are kept)"]);
    expect(notMeasured({ http: { skipped: "failed: boom" } }, [])).toEqual(["http (failed: boom)"]);
    expect(notMeasured({ e2e: { rows: [row({ gateway: 0, direct: 0 })], skipped_sizes: ["100 MiB"], failed: [] } }, [])).toEqual([]);
  });

  it("names whole-path rows that failed and rows published from fewer transfers, so the run exits 1", () => {
    const e2e = { rows: [row({ gateway: 2, direct: 1 })], skipped_sizes: [], failed: ["PUT 1 KiB: every transfer failed via the gateway (403)"] };
    expect(notMeasured({ e2e }, [])).toEqual(["part of e2e (PUT 1 KiB: every transfer failed via the gateway (403); GET 1 MiB: 3 transfers failed)"]);
  });
});
