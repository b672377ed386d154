import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Upper bounds of the check latency histogram, seconds: 50 us to 1 s. */
export const LATENCY_BUCKETS_SECONDS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** Checks counted since the last scrape for one labelled counter child. */
interface PendingCount {
  readonly child: Counter.Internal;
  value: number;
}

/** Values the service reads when Prometheus scrapes (gauges computed at scrape time). */
export interface MetricsProbe {
  keyAgeSeconds(): number | undefined;
  /** Absent when no deny list is configured. */
  readonly denyListAgeSeconds?: () => number | undefined;
  keysLoaded(): number;
  cacheEntries(): number;
  ready(): boolean;
  inFlight(): number;
}

/** The authorizer's Prometheus metrics, in their own registry (served on the operations port only). */
export class AuthorizerMetrics {
  readonly registry = new Registry();
  private readonly decisions: Counter<"result" | "reason">;
  private readonly latency: Histogram;
  private readonly cache: Counter<"result">;
  private readonly refreshes: Counter<"document" | "trigger" | "result">;
  private readonly rateLimited: Counter;
  /** Pending decision counts by result, then reason: found without building a key string per check. */
  private readonly decisionCounts = { allow: new Map<string, PendingCount>(), deny: new Map<string, PendingCount>() };
  private readonly cacheHit: PendingCount;
  private readonly cacheMiss: PendingCount;

  /**
   * Every pending count, for the scrape. An `inc()` in prom-client hashes the labels on every call,
   * so checks add to plain numbers and a scrape (the counters' `collect`) moves them over.
   */
  private readonly pending: PendingCount[] = [];

  constructor(probe: MetricsProbe, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const collect = () => this.flushPending();
    this.decisions = new Counter({ name: "rajee_authorizer_decisions_total", help: "Checks answered, by result (allow|deny) and reason code", labelNames: ["result", "reason"], registers, collect });
    this.latency = new Histogram({ name: "rajee_authorizer_check_duration_seconds", help: "Time from a check's arrival (body read) to its answer", buckets: LATENCY_BUCKETS_SECONDS, registers });
    this.cache = new Counter({ name: "rajee_authorizer_token_cache_lookups_total", help: "Verified-token cache lookups, by result (hit|miss)", labelNames: ["result"], registers, collect });
    this.refreshes = new Counter({ name: "rajee_authorizer_refreshes_total", help: "Refreshes of a polled document (keys|deny-list), by trigger and result (ok|error)", labelNames: ["document", "trigger", "result"], registers });
    this.rateLimited = new Counter({ name: "rajee_authorizer_rate_limited_total", help: "Checks answered 429 SlowDown by the per-subject rate limit", registers });
    this.cacheHit = this.pendingCount(this.cache.labels("hit"));
    this.cacheMiss = this.pendingCount(this.cache.labels("miss"));
    const gauge = (name: string, help: string, read: () => number | undefined) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const value = read();
          if (value === undefined) this.reset();
          else this.set(value);
        },
      });
    gauge("rajee_authorizer_key_refresh_age_seconds", "Seconds since the keys were last loaded successfully (absent before the first load)", probe.keyAgeSeconds);
    if (probe.denyListAgeSeconds) {
      gauge("rajee_authorizer_deny_list_refresh_age_seconds", "Seconds since the deny list was last loaded successfully (only with a deny list)", probe.denyListAgeSeconds);
    }
    gauge("rajee_authorizer_keys", "Keys in the keyring", probe.keysLoaded);
    gauge("rajee_authorizer_token_cache_entries", "Verified tokens in the cache", probe.cacheEntries);
    gauge("rajee_authorizer_ready", "1 when /readyz answers 200 (keys and deny list fresh, not shutting down)", () => (probe.ready() ? 1 : 0));
    gauge("rajee_authorizer_in_flight_checks", "Checks being answered now", probe.inFlight);
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: "rajee_authorizer_" });
  }

  decision(result: "allow" | "deny", reason: string, seconds: number): void {
    const counts = this.decisionCounts[result];
    let count = counts.get(reason);
    if (count === undefined) {
      count = this.pendingCount(this.decisions.labels(result, reason));
      counts.set(reason, count);
    }
    count.value++;
    this.latency.observe(seconds);
  }

  cacheLookup(hit: boolean): void {
    (hit ? this.cacheHit : this.cacheMiss).value++;
  }

  private pendingCount(child: Counter.Internal): PendingCount {
    const count = { child, value: 0 };
    this.pending.push(count);
    return count;
  }

  /** Adds the pending per-check counts to their prom-client counters (runs at every scrape). */
  private flushPending(): void {
    for (const count of this.pending) {
      if (count.value === 0) continue;
      count.child.inc(count.value);
      count.value = 0;
    }
  }

  refresh(document: string, trigger: string, ok: boolean): void {
    this.refreshes.labels(document, trigger, ok ? "ok" : "error").inc();
  }

  rateLimit(): void {
    this.rateLimited.inc();
  }
}
