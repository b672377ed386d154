import { parseWrk } from "../../bench/wrk";
import { quantile } from "../../bench/stats";
import { summarize, type BenchResults, type RunContext } from "../../bench/results";
import { renderBenchmarks } from "../../bench/report";
import { lineChartSvg } from "../../bench/svg-plot";

const machine: RunContext["machine"] = { cpus: 2, cpu_model: "Test CPU", node: "v20.0.0", platform: "linux-x64" };
const context: RunContext = { measured_at: "2026-11-30T12:00:00.000Z", machine, load_average_start: [0.5, 0.4, 0.3] };

const WRK_OUTPUT = `Running 10s test @ http://127.0.0.1:1234/data/reports/q1.csv
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   150.00us  100.00us   5.00ms   90.00%
  Latency Distribution
     50%  120.00us
     75%  160.00us
     90%  200.00us
     99%    1.20ms
  500000 requests in 10.00s, 40.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:  50000.00
Transfer/sec:      4.00MB
`;

function http(cachedRps: number, cachedP99: number) {
  return {
    seconds: 10,
    connections: 8,
    baseline: { rps: 60000, p50_us: 80, p99_us: 400, cpu_us_per_request: 12 },
    cached: { rps: cachedRps, p50_us: 150, p99_us: cachedP99, cpu_us_per_request: 30 },
    uncached: { rps: 5000, p50_us: 1500, p99_us: 5000, cpu_us_per_request: 200 },
    rss_mib: 90,
    fixed_rate: [],
    profile: { seconds: 8, top: [{ name: "writeLatin1String", where: "(native)", percent: 40 }], areas: { native: 50, app: 30 } },
    context,
  };
}

describe("benchmark results", () => {
  it("reads wrk's latency report in microseconds", () => {
    expect(parseWrk(WRK_OUTPUT)).toEqual({ requestsPerSecond: 50000, p50Us: 120, p99Us: 1200, non2xx: 3, requests: 500000 });
  });

  it("takes percentiles by nearest rank, never between two measured values", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(quantile([10], 0.999)).toBe(10);
  });

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

  it("renders the targets, a miss in bold, and the analysis into the page", () => {
    const results: BenchResults = summarize({ http: http(30000, 500) }, "now", machine, [0.5]);
    const page = renderBenchmarks(results, "## What the profile shows\n\nText.");
    expect(page).toContain("| throughput on cache hits vs the null server | >= 0.6x | 0.5x (30000 / 60000 req/s; CPU per request 0.4x) | **MISSED** |");
    expect(page).toContain("## What the profile shows");
    expect(page).toContain("| `writeLatin1String` | (native) | 40 |");
  });

  it("does not judge targets measured while the load average exceeded the core count", () => {
    const loaded = { ...http(40000, 500), context: { ...context, load_average_start: [11.4, 9, 8] } };
    const results = summarize({ http: loaded }, "now", machine, [11.4]);
    expect(results.targets.every((t) => t.loaded === "load average 11.4 on 2 cores")).toBe(true);
    expect(renderBenchmarks(results, "")).toContain("| met, not judged (load average 11.4 on 2 cores) |");
  });

  it("draws one line per series in a standalone SVG", () => {
    const svg = lineChartSvg("t", [
      { label: "RSS", unit: "MiB", points: [[0, 80], [1, 82]], limit: { value: 120, label: "target" } },
      { label: "delay", unit: "ms", points: [[0, 1], [1, 2]] },
    ]);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain("stroke-dasharray");
  });
});
