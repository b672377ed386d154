/** CloudWatch namespace of every metric the authorizer emits (docs/design.md section 6). */
export const EMF_NAMESPACE = "rajee";
/** EMF allows at most 100 values per metric per line. */
export const EMF_MAX_VALUES = 100;
/** Dimension of the per-decision metrics, with values `allow` and `deny`; dashboards and alarms must name it. */
export const EMF_RESULT_DIMENSION = "Result";
/** Metric names the dashboard and alarms read (modules/observability). */
export const EMF_METRICS = Object.freeze({
  decisions: "Decisions",
  authzLatencyMs: "AuthzLatencyMs",
  keyAgeSeconds: "KeyAgeSeconds",
  signingKeyAgeSeconds: "SigningKeyAgeSeconds",
} as const);

interface ResultWindow {
  count: number;
  /** A uniform reservoir sample of this window's latencies, ms. */
  samples: number[];
}

/** Totals the service adds to each flush. */
export interface EmfGauges {
  /** Seconds since the keys were last loaded. */
  keyAgeSeconds(): number | undefined;
  /**
   * Seconds since the current signing key was created (its JWKS `created_at`, written by rotation):
   * how long ago a rotation last succeeded. Undefined when no current key carries `created_at`.
   */
  signingKeyAgeSeconds?(): number | undefined;
}

/**
 * Aggregates decisions and writes CloudWatch Embedded Metric Format lines every interval, so
 * CloudWatch Logs turns stdout into metrics without an agent:
 * - per `Result` (allow|deny): `Decisions` (Count) and `AuthzLatencyMs` (Milliseconds, up to 100
 *   sampled values; exact percentiles are on `/metrics`);
 * - without dimensions: `TokenCacheHits`, `TokenCacheMisses`, `RateLimited` (Count),
 *   `KeyAgeSeconds` (since the keys were last loaded) and `SigningKeyAgeSeconds` (since the
 *   current signing key was created, i.e. the last successful rotation) (Seconds).
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
                Dimensions: [[EMF_RESULT_DIMENSION]],
                Metrics: [
                  { Name: EMF_METRICS.decisions, Unit: "Count" },
                  { Name: EMF_METRICS.authzLatencyMs, Unit: "Milliseconds" },
                ],
              },
            ],
          },
          [EMF_RESULT_DIMENSION]: result,
          [EMF_METRICS.decisions]: window.count,
          [EMF_METRICS.authzLatencyMs]: window.samples.map((ms) => Math.round(ms * 1000) / 1000),
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
      totals[EMF_METRICS.keyAgeSeconds] = Math.round(keyAge);
      metrics.push({ Name: EMF_METRICS.keyAgeSeconds, Unit: "Seconds" });
    }
    const signingKeyAge = this.gauges.signingKeyAgeSeconds?.();
    if (signingKeyAge !== undefined) {
      totals[EMF_METRICS.signingKeyAgeSeconds] = Math.round(signingKeyAge);
      metrics.push({ Name: EMF_METRICS.signingKeyAgeSeconds, Unit: "Seconds" });
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
