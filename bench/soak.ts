import { buildSync } from "esbuild";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LOOP_PROBE_INTERVAL_MS, PROBE_FILE_VARIABLE, type LoopProbeSample } from "./loop-probe";
import { allAnswered, openLoop } from "./open-loop";
import { startAuthorizer } from "./processes";
import { round } from "./stats";
import { mustSign, REQUEST_PATH, requestHeaders, type HttpSetup } from "./authorizer";

/** Rate of the soak, requests per second. */
export const SOAK_RATE = 2000;

/** One second of the soak, as the probe wrote it: loop figures are the delay beyond the probe's interval. */
export type SoakSample = LoopProbeSample;

export interface SoakResults {
  readonly rate: number;
  readonly seconds: number;
  readonly samples: SoakSample[];
  readonly rss_start_mib: number;
  readonly rss_end_mib: number;
  readonly rss_max_mib: number;
  /** Mean RSS of the last 10 samples minus that of samples 5-14 (after start-up and JIT), MiB; halves of a shorter soak. */
  readonly rss_growth_mib: number;
  /** The largest per-second event-loop delay p99 (beyond the probe's interval), ms; from `loop_worst_from_t` on. */
  readonly loop_p99_max_ms: number | null;
  /** The longest single delay, ms (the probe's own timer included); from `loop_worst_from_t` on. */
  readonly loop_max_ms?: number;
  /** Seconds in which the histogram recorded no tick (a stall across the second), from `loop_worst_from_t` on. */
  readonly seconds_without_tick?: number;
  /** The first sample the worst figures cover: 2 leaves out the first second, which holds the start-up (absent in older results, which took every second). */
  readonly loop_worst_from_t?: number;
  /** The probe's sampling interval, ms: taken out of every loop figure, which is how late the timer fired. */
  readonly loop_interval_ms: number;
  readonly p50_us: number;
  readonly p99_us: number;
  readonly p999_us: number;
  readonly answered: number;
  readonly failed: number;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/**
 * The worst of the per-second loop figures after the first second (the authorizer's start-up, not the
 * load); pure. A second with no recorded tick counts in `seconds_without_tick`, and its stall in the longest delay.
 */
export function worstSeconds(samples: readonly SoakSample[]): Pick<SoakResults, "loop_p99_max_ms" | "loop_max_ms" | "seconds_without_tick" | "loop_worst_from_t"> {
  const loaded = samples.slice(1);
  const p99s = loaded.flatMap((s) => (s.loop_p99_ms === null ? [] : [s.loop_p99_ms]));
  return {
    loop_p99_max_ms: p99s.length > 0 ? Math.max(...p99s) : null,
    loop_max_ms: Math.max(0, ...loaded.map((s) => s.loop_max_ms)),
    seconds_without_tick: loaded.filter((s) => s.loop_p99_ms === null).length,
    loop_worst_from_t: loaded[0]?.t ?? 0,
  };
}

/** The authorizer at SOAK_RATE for `seconds`, its RSS and event-loop delay sampled each second by a preloaded probe. */
export async function runSoak(setup: HttpSetup): Promise<SoakResults> {
  const seconds = setup.quick ? 4 : 60;
  const probeJs = join(setup.dir, "loop-probe.js");
  buildSync({ entryPoints: [join(__dirname, "loop-probe.ts")], outfile: probeJs, bundle: true, platform: "node", target: "node20", format: "cjs", logLevel: "error" });
  const probeFile = join(setup.dir, "soak-probe.jsonl");
  const server = await startAuthorizer({ mainJs: setup.mainJs, jwksPath: setup.jwksPath, nodeArgs: ["--require", probeJs], env: { [PROBE_FILE_VARIABLE]: probeFile } });
  let result;
  try {
    const url = `${server.url}${REQUEST_PATH}`;
    // The soak is of the authorizer as deployed, as the HTTP section's runs are: every allowed answer signed.
    await mustSign("authorizer in the soak", url, requestHeaders(setup.token), true);
    result = await openLoop({ url, headers: requestHeaders(setup.token), ratePerSecond: SOAK_RATE, seconds });
    await new Promise((r) => setTimeout(r, 1100));
  } finally {
    await server.stop();
  }
  allAnswered("soak", result);
  const samples = existsSync(probeFile)
    ? readFileSync(probeFile, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as SoakSample)
    : [];
  if (samples.length < 2) throw new Error(`soak: the probe wrote ${samples.length} samples to ${probeFile}`);
  const rss = samples.map((s) => s.rss_mib);
  return {
    rate: SOAK_RATE,
    seconds,
    samples,
    rss_start_mib: rss[0] as number,
    rss_end_mib: rss[rss.length - 1] as number,
    rss_max_mib: Math.max(...rss),
    // A short (--quick) soak compares its halves instead.
    rss_growth_mib: round(rss.length >= 20 ? mean(rss.slice(-10)) - mean(rss.slice(5, 15)) : mean(rss.slice(Math.floor(rss.length / 2))) - mean(rss.slice(0, Math.ceil(rss.length / 2))), 1),
    ...worstSeconds(samples),
    loop_interval_ms: LOOP_PROBE_INTERVAL_MS,
    p50_us: round(result.p50Us),
    p99_us: round(result.p99Us),
    p999_us: round(result.p999Us),
    answered: result.answered,
    failed: result.failed,
  };
}
