import { endToEndOutcome, transferRow } from "../../bench/end-to-end";
import { renderBenchmarks } from "../../bench/report";
import { summarize, type RunContext } from "../../bench/results";

const machine: RunContext["machine"] = { cpus: 2, cpu_model: "Test CPU", node: "v20.0.0", platform: "linux-x64" };
const context: RunContext = { measured_at: "2026-12-01T12:00:00.000Z", machine, load_average_start: [0.5, 0.4, 0.3] };
const MIB = { label: "1 MiB", bytes: 1024 ** 2 };

/** `count` times (ms): 1, 2, ..., count, each plus `offset`. */
const times = (count: number, offset = 0) => Array.from({ length: count }, (_, i) => i + 1 + offset);

describe("a whole-path row", () => {
  it("gives each path's percentiles and the gateway's overhead at each, in ms and percent of direct", () => {
    const row = transferRow("GET", MIB, { direct: times(100), gateway: times(100, 2) });
    expect(row.direct_ms).toEqual({ p50: 50, p95: 95, p99: 99 });
    expect(row.gateway_ms).toEqual({ p50: 52, p95: 97, p99: 101 });
    expect(row.overhead_ms).toEqual({ p50: 2, p95: 2, p99: 2 });
    expect(row.overhead_pct).toEqual({ p50: 4, p95: 2.1, p99: 2 });
    expect([row.count, row.direct_mb_s, row.gateway_mb_s]).toEqual([100, 21, 20.2]);
  });

  it("leaves out a tail the count cannot hold instead of reporting the slowest transfer as a p99", () => {
    const row = transferRow("PUT", MIB, { direct: times(40), gateway: times(40, 1) });
    expect(row.direct_ms).toEqual({ p50: 20, p95: 38, p99: null });
    expect(row.overhead_ms).toEqual({ p50: 1, p95: 1, p99: null });
    expect(row.overhead_pct.p99).toBeNull();
    expect(transferRow("PUT", MIB, { direct: times(3), gateway: times(3) }).gateway_ms).toEqual({ p50: 2, p95: null, p99: null });
  });

  it("counts the fewer of the two paths' transfers, and keeps a negative tail overhead as measured", () => {
    const direct = [...times(99), 500];
    const row = transferRow("GET", MIB, { direct, gateway: times(120) });
    expect(row.count).toBe(100);
    expect(row.overhead_ms.p99).toBe(119 - 99);
    const slowDirectTail = transferRow("GET", MIB, { direct: [...times(98), 400, 500], gateway: times(100) });
    expect(slowDirectTail.overhead_ms.p99).toBe(99 - 400);
  });

  it("refuses a row with no measured transfer on either path, naming it", () => {
    expect(() => transferRow("PUT", MIB, { direct: [], gateway: times(3) })).toThrow("PUT 1 MiB: no measured transfer via the stand-in");
    expect(() => transferRow("GET", MIB, { direct: times(3), gateway: [] })).toThrow("GET 1 MiB: no measured transfer via the gateway");
  });
});

describe("the whole-path table", () => {
  const page = (rows: unknown[]) => renderBenchmarks(summarize({ e2e: { rows, skipped_sizes: [], context } as never }, "now", machine, [0.5]), "");

  it("shows a dash for a tail the count does not hold, and every figure it does", () => {
    const rendered = page([transferRow("PUT", MIB, { direct: times(40), gateway: times(40, 1) })]);
    expect(rendered).toContain("| PUT 1 MiB | 40 | 20 / 38 / — ms | 21 / 39 / — ms | 1 ms (5 %) | 1 ms (2.6 %) | — | 52.4 / 49.9 |");
  });

  it("does not show tails of results written before the rule, which carry a p99 of three transfers", () => {
    const old = { operation: "GET", size: "100 MiB", bytes: 100 * 1024 ** 2, count: 3, direct_ms: { p50: 174.856, p95: 288.292, p99: 288.292 }, gateway_ms: { p50: 403.599, p95: 425.48, p99: 425.48 }, overhead_ms: { p50: 228.743, p95: 137.188, p99: 137.188 }, overhead_pct: { p50: 130.8, p95: 47.6, p99: 47.6 }, direct_mb_s: 599.7, gateway_mb_s: 259.8 };
    expect(page([old])).toContain("| GET 100 MiB | 3 | 174.856 / — / — ms | 403.599 / — / — ms | 228.743 ms (130.8 %) | — | — | 599.7 / 259.8 |");
  });
});

describe("the whole-path section's outcome", () => {
  it("is a skipped section when no row was measured, so the previous figures are kept", () => {
    expect(endToEndOutcome([], [], ["PUT 1 KiB: every transfer failed via the gateway (x)"])).toEqual({ skipped: "every row failed: PUT 1 KiB: every transfer failed via the gateway (x)" });
  });

  it("publishes the rows it has, with the failures beside them", () => {
    const row = transferRow("GET", MIB, { direct: times(3), gateway: times(3) });
    expect(endToEndOutcome([row], ["100 MiB"], ["PUT 1 MiB: x"])).toEqual({ rows: [row], skipped_sizes: ["100 MiB"], failed: ["PUT 1 MiB: x"] });
  });
});
