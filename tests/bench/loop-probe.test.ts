import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { buildSync } from "esbuild";
import { LOOP_PROBE_INTERVAL_MS, PROBE_FILE_VARIABLE, loopDelayBeyondInterval, probeSample, type LoopProbeSample } from "../../bench/loop-probe";
import { TempDirs } from "../support/temp";

/** A histogram holding exactly `valuesNs`, answering nearest-rank percentiles as hdr does. */
function histogramOf(valuesNs: number[]) {
  const sorted = [...valuesNs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    max: sorted.length === 0 ? 0 : (sorted[sorted.length - 1] as number),
    percentile: (p: number) => (sorted.length === 0 ? 0 : (sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number)),
  };
}

describe("loopDelayBeyondInterval", () => {
  it("reports how late the timer fired, not the time between its ticks", () => {
    const ticks = [...Array.from({ length: 98 }, () => 10_100_000), 12_000_000, 35_500_000];
    expect(loopDelayBeyondInterval(histogramOf(ticks), 10)).toEqual({ loop_p50_ms: 0.1, loop_p99_ms: 2, loop_max_ms: 25.5 });
  });

  it("reads a tick that came early against the high-resolution clock as no delay, never a negative one", () => {
    expect(loopDelayBeyondInterval(histogramOf([9_950_000, 9_990_000]), 10)).toEqual({ loop_p50_ms: 0, loop_p99_ms: 0, loop_max_ms: 0 });
  });

  it("reads an idle process near 0, where Node's histogram itself reads near the interval", async () => {
    const delay = monitorEventLoopDelay({ resolution: LOOP_PROBE_INTERVAL_MS });
    delay.enable();
    await new Promise((resolve) => setTimeout(resolve, 30 * LOOP_PROBE_INTERVAL_MS));
    delay.disable();
    expect(delay.count).toBeGreaterThan(5);
    // What the probe used to publish as the delay: every tick carries the whole interval.
    expect(delay.percentile(50) / 1e6).toBeGreaterThan(0.8 * LOOP_PROBE_INTERVAL_MS);
    expect(loopDelayBeyondInterval(delay, LOOP_PROBE_INTERVAL_MS).loop_p50_ms).toBeLessThan(LOOP_PROBE_INTERVAL_MS / 2);
  });
});

describe("probeSample", () => {
  it("gives no percentiles for a second with no recorded tick, and the probe timer's lateness as the longest delay", () => {
    // Node records nothing for the first tick after a reset: a loop stalled across the second leaves the histogram empty.
    expect(probeSample(7, 80, histogramOf([]), 1500)).toEqual({ t: 7, rss_mib: 80, loop_p50_ms: null, loop_p99_ms: null, loop_max_ms: 1500, loop_ticks: 0 });
  });

  it("takes the larger of the histogram's longest delay and the probe timer's lateness", () => {
    const ticks = [...Array.from({ length: 99 }, () => 10_100_000), 14_000_000];
    expect(probeSample(3, 80, histogramOf(ticks), 0.2)).toEqual({ t: 3, rss_mib: 80, loop_p50_ms: 0.1, loop_p99_ms: 0.1, loop_max_ms: 4, loop_ticks: 100 });
    expect(probeSample(3, 80, histogramOf(ticks), 9).loop_max_ms).toBe(9);
  });
});

describe("the preloaded probe", () => {
  const temp = new TempDirs();
  afterAll(() => temp.removeAll());

  /** The samples the probe writes from a node process running `script`, preloaded as the soak preloads it (bundled, bench/soak.ts). */
  function probed(script: string): LoopProbeSample[] {
    const dir = temp.make("loop-probe");
    const probeJs = join(dir, "loop-probe.js");
    buildSync({ entryPoints: [join(__dirname, "../../bench/loop-probe.ts")], outfile: probeJs, bundle: true, platform: "node", target: "node20", format: "cjs", logLevel: "error" });
    const probeFile = join(dir, "probe.jsonl");
    execFileSync(process.execPath, ["--require", probeJs, "-e", script], { env: { ...process.env, [PROBE_FILE_VARIABLE]: probeFile }, timeout: 10_000 });
    return readFileSync(probeFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as LoopProbeSample);
  }

  it("writes one sample a second from the process it is preloaded into, an idle loop reading near 0", () => {
    const samples = probed("setTimeout(() => {}, 1300)");
    expect(samples.length).toBeGreaterThanOrEqual(1);
    const [sample] = samples as [LoopProbeSample];
    expect(sample.t).toBeGreaterThanOrEqual(1);
    expect(sample.rss_mib).toBeGreaterThan(0);
    expect(sample.loop_p50_ms).toBeLessThan(LOOP_PROBE_INTERVAL_MS / 2);
    // In ms, not µs or ns.
    expect(sample.loop_max_ms).toBeLessThan(50);
  });

  it("sees a stall that begins just after its per-second reset, which Node's histogram drops", () => {
    // The probe's 1 s timer was created first (preloaded), so this one fires right after its sample and reset: 300 ms blocked.
    const samples = probed("setTimeout(() => { const end = Date.now() + 300; while (Date.now() < end); }, 1000); setTimeout(() => {}, 2300);");
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...samples.map((s) => s.loop_max_ms))).toBeGreaterThanOrEqual(250);
  });
});
