import { mergeSections, summarize, type BenchResults } from "../../bench/results";
import { context, http, machine } from "./fixtures";

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
