import { appendFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";

/**
 * Preloaded into the authorizer for the soak (`node --require loop-probe.js main.js`, bundled by
 * soak.ts): once a second, appends one JSON line with the process's RSS and the event loop's delay
 * over that second to the file named by PROBE_FILE_VARIABLE. Reads nothing of the authorizer; does
 * nothing where the variable is unset (the benchmark process itself imports the name).
 */
export const PROBE_FILE_VARIABLE = "BENCH_PROBE_FILE";

const file = process.env[PROBE_FILE_VARIABLE];
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = Date.now();
  const timer = setInterval(() => {
    const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;
    appendFileSync(
      file,
      `${JSON.stringify({
        t: Math.round((Date.now() - started) / 1000),
        rss_mib: Math.round(process.memoryUsage.rss() / 1024 / 102.4) / 10,
        loop_p50_ms: ms(delay.percentile(50)),
        loop_p99_ms: ms(delay.percentile(99)),
        loop_max_ms: ms(delay.max),
      })}\n`,
    );
    delay.reset();
  }, 1000);
  timer.unref();
}
