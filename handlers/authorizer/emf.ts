/** CloudWatch namespace of every metric the authorizer emits (DESIGN.md section 6). */
export const EMF_NAMESPACE = "rajee";
/** EMF allows at most 100 values per metric per line. */
export const EMF_MAX_VALUES = 100;

interface ResultWindow {
  count: number;
  /** A uniform reservoir sample of this window's latencies, ms. */
  samples: number[];
}

/** Totals the service adds to each flush. */
export interface EmfGauges {
  keyAgeSeconds(): number | undefined;
}

/**
 * Aggregates decisions and writes CloudWatch Embedded Metric Format lines every interval, so
 * CloudWatch Logs turns stdout into metrics without an agent:
 * - per `Result` (allow|deny): `Decisions` (Count) and `AuthzLatencyMs` (Milliseconds, up to 100
 *   sampled values; exact percentiles are on `/metrics`);
 * - without dimensions: `TokenCacheHits`, `TokenCacheMisses`, `RateLimited` (Count) and
 *   `KeyAgeSeconds` (Seconds).
 * One line per result per interval keeps stdout cheap at thousands of checks per second.
 */
export class EmfReporter {
  private windows: Record<"allow" | "deny", ResultWindow> = { allow: { count: 0, samples: [] }, deny: { count: 0, samples: [] } };
  private cacheHits = 0;
  private cacheMisses = 0;
  private rateLimited = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (line: string) => void,
    private readonly gauges: EmfGauges,
    private readonly clock: () => number,
    private readonly random: () => number = Math.random,
  ) {}

  decision(result: "allow" | "deny", latencyMs: number): void {
    const window = this.windows[result];
    window.count++;
    if (window.samples.length < EMF_MAX_VALUES) window.samples.push(latencyMs);
    else {
      const slot = Math.floor(this.random() * window.count);
      if (slot < EMF_MAX_VALUES) window.samples[slot] = latencyMs;
    }
  }

  cacheLookup(hit: boolean): void {
    if (hit) this.cacheHits++;
    else this.cacheMisses++;
  }

  rateLimit(): void {
    this.rateLimited++;
  }

  /** Writes this window's lines (nothing for a result without decisions) and starts a new window. */
  flush(): void {
    const timestamp = this.clock();
    for (const result of ["allow", "deny"] as const) {
      const window = this.windows[result];
      if (window.count === 0) continue;
      this.write(
        JSON.stringify({
          _aws: {
            Timestamp: timestamp,
            CloudWatchMetrics: [
              {
                Namespace: EMF_NAMESPACE,
                Dimensions: [["Result"]],
                Metrics: [
                  { Name: "Decisions", Unit: "Count" },
                  { Name: "AuthzLatencyMs", Unit: "Milliseconds" },
                ],
              },
            ],
          },
          Result: result,
          Decisions: window.count,
          AuthzLatencyMs: window.samples.map((ms) => Math.round(ms * 1000) / 1000),
        }),
      );
    }
    const keyAge = this.gauges.keyAgeSeconds();
    const totals: Record<string, number> = { TokenCacheHits: this.cacheHits, TokenCacheMisses: this.cacheMisses, RateLimited: this.rateLimited };
    const metrics = [
      { Name: "TokenCacheHits", Unit: "Count" },
      { Name: "TokenCacheMisses", Unit: "Count" },
      { Name: "RateLimited", Unit: "Count" },
    ];
    if (keyAge !== undefined) {
      totals.KeyAgeSeconds = Math.round(keyAge);
      metrics.push({ Name: "KeyAgeSeconds", Unit: "Seconds" });
    }
    this.write(JSON.stringify({ _aws: { Timestamp: timestamp, CloudWatchMetrics: [{ Namespace: EMF_NAMESPACE, Dimensions: [[]], Metrics: metrics }] }, ...totals }));
    this.windows = { allow: { count: 0, samples: [] }, deny: { count: 0, samples: [] } };
    this.cacheHits = 0;
    this.cacheMisses = 0;
    this.rateLimited = 0;
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes the last window. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
