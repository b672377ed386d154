import { appendFileSync } from "node:fs";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

/**
 * Preloaded into the authorizer for the soak (`node --require loop-probe.js main.js`, bundled by
 * soak.ts): once a second, appends one JSON line (LoopProbeSample) with the process's RSS and the
 * event loop's delay over that second to the file named by PROBE_FILE_VARIABLE. Reads nothing of the
 * authorizer; does nothing where the variable is unset (the benchmark process itself imports the name).
 */
export const PROBE_FILE_VARIABLE = "BENCH_PROBE_FILE";

/** The interval of the histogram's sampling timer, ms (Node's default resolution). */
export const LOOP_PROBE_INTERVAL_MS = 10;

/**
 * The probe's error, ms: libuv arms and fires timers on its millisecond loop time, so a tick can come
 * up to about 1 ms early or late against the high-resolution clock. Reports show figures under it as
 * "< 1 ms" (a reading that small is within the error), not as a precise-looking number.
 */
export const LOOP_PROBE_RESOLUTION_MS = 1;

/** One line of the probe's file: one second of the authorizer. */
export interface LoopProbeSample {
  /** Seconds since the probe started. */
  readonly t: number;
  readonly rss_mib: number;
  /**
   * Event-loop delay over the second, ms: how late the sampling timer fired beyond its interval; null
   * when no tick was recorded in the second (Node records nothing for the first tick after a reset, so
   * a loop stalled across the whole second leaves the histogram empty).
   */
  readonly loop_p50_ms: number | null;
  readonly loop_p99_ms: number | null;
  /** The longest delay in the second, ms: the histogram's, or the longest lateness of the probe's own 10 ms ticker, whichever is larger (the ticker catches a stall the histogram drops after its reset). */
  readonly loop_max_ms: number;
  /** Ticks the histogram recorded in the second. */
  readonly loop_ticks: number;
}

type LoopDelay = { readonly loop_p50_ms: number; readonly loop_p99_ms: number; readonly loop_max_ms: number };

/**
 * The delay figures of an interval histogram, with the interval taken out. Node's interval histogram
 * records, on each tick of a repeating `intervalMs` timer, the whole time since the previous tick
 * (src/node_perf.cc, ELDHistogram::OnInterval calls Histogram::RecordDelta, which records
 * `uv_hrtime() - prev_`: src/histogram-inl.h, Node 20), so an idle loop reads the interval itself
 * (about 10.1 ms at the default resolution) rather than 0. "Event-loop delay" is how late the timer
 * fired, so the interval is subtracted; a tick can come a little early against the high-resolution
 * clock (libuv arms timers from its millisecond loop time), which reads as 0, not as a negative delay.
 * Docs: https://nodejs.org/docs/latest-v20.x/api/perf_hooks.html#perf_hooksmonitoreventloopdelayoptions
 */
export function loopDelayBeyondInterval(histogram: Pick<IntervalHistogram, "percentile" | "max">, intervalMs: number): LoopDelay {
  const ms = (ns: number) => Math.max(0, Math.round((ns - intervalMs * 1e6) / 1e3) / 1e3);
  return { loop_p50_ms: ms(histogram.percentile(50)), loop_p99_ms: ms(histogram.percentile(99)), loop_max_ms: ms(histogram.max) };
}

/**
 * One second's sample from the histogram and the longest lateness of the probe's own ticker (ms);
 * pure. Node's histogram drops the first tick after each reset (`Histogram::Reset` sets `prev_` to 0,
 * src/histogram-inl.h), so a stall that starts just after a reset is not in it; the ticker keeps its
 * previous tick across seconds and sees it. An empty histogram gives null percentiles.
 */
export function probeSample(t: number, rssMib: number, histogram: Pick<IntervalHistogram, "percentile" | "max" | "count">, tickerLateMs: number): LoopProbeSample {
  const ticks = histogram.count;
  const figures = loopDelayBeyondInterval(histogram, LOOP_PROBE_INTERVAL_MS);
  return {
    t,
    rss_mib: rssMib,
    loop_p50_ms: ticks === 0 ? null : figures.loop_p50_ms,
    loop_p99_ms: ticks === 0 ? null : figures.loop_p99_ms,
    loop_max_ms: Math.max(ticks === 0 ? 0 : figures.loop_max_ms, tickerLateMs),
    loop_ticks: ticks,
  };
}

const file = process.env[PROBE_FILE_VARIABLE];
if (file) {
  const delay = monitorEventLoopDelay({ resolution: LOOP_PROBE_INTERVAL_MS });
  delay.enable();
  const started = Date.now();
  // The ticker: how late each of its ticks came, the previous tick kept across seconds (never reset).
  const intervalNs = BigInt(LOOP_PROBE_INTERVAL_MS * 1e6);
  let previousTick = process.hrtime.bigint();
  let longestLateNs = 0n;
  const ticker = setInterval(() => {
    const now = process.hrtime.bigint();
    const late = now - previousTick - intervalNs;
    if (late > longestLateNs) longestLateNs = late;
    previousTick = now;
  }, LOOP_PROBE_INTERVAL_MS);
  ticker.unref();
  const timer = setInterval(() => {
    const tickerLateMs = Math.round(Number(longestLateNs) / 1e3) / 1e3;
    longestLateNs = 0n;
    const sample = probeSample(Math.round((Date.now() - started) / 1000), Math.round(process.memoryUsage.rss() / 1024 / 102.4) / 10, delay, tickerLateMs);
    appendFileSync(file, `${JSON.stringify(sample)}\n`);
    delay.reset();
  }, 1000);
  timer.unref();
}
