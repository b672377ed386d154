import { median, quantile, supportsPercentile } from "../../bench/stats";

describe("sample statistics", () => {
  it("takes percentiles by nearest rank, never between two measured values", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(quantile([10], 0.999)).toBe(10);
  });

  it("takes the median of values, the mean of the middle two for an even count", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe("which percentiles a sample holds", () => {
  it("holds a p95 from 20 samples and a p99 from 100, where nearest rank first gives other than the slowest", () => {
    expect([19, 20].map((n) => supportsPercentile(n, 95))).toEqual([false, true]);
    expect([99, 100].map((n) => supportsPercentile(n, 99))).toEqual([false, true]);
    expect([999, 1000].map((n) => supportsPercentile(n, 99.9))).toEqual([false, true]);
    expect(supportsPercentile(1_000_000, 100)).toBe(false);
    expect([1, 2].map((n) => supportsPercentile(n, 50))).toEqual([false, true]);
    expect(supportsPercentile(0, 50)).toBe(false);
  });
});
