/** Subjects tracked at once; the least recently seen is forgotten first (it then starts with a full bucket). */
export const RATE_LIMITER_MAX_SUBJECTS = 100_000;

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export type RateDecision = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

/**
 * A token bucket per subject: `ratePerSecond` refill, `burst` capacity. Per task (each task limits on
 * its own; the ALB's WAF rule limits per client IP across tasks).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private ratePerSecond: number,
    private burst: number,
    private readonly maxSubjects = RATE_LIMITER_MAX_SUBJECTS,
  ) {}

  /** Changes the rate and burst (runtime settings); buckets keep their tokens, capped at the new burst on their next take. */
  configure(ratePerSecond: number, burst: number): void {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
  }

  get enabled(): boolean {
    return this.ratePerSecond > 0;
  }

  /** Takes one request from the subject's bucket. */
  take(subject: string, nowMs: number): RateDecision {
    if (this.ratePerSecond <= 0) return { ok: true };
    let bucket = this.buckets.get(subject);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, updatedMs: nowMs };
      if (this.buckets.size >= this.maxSubjects) this.buckets.delete(this.buckets.keys().next().value as string);
    } else {
      this.buckets.delete(subject);
      const elapsed = Math.max(0, nowMs - bucket.updatedMs) / 1000;
      bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.ratePerSecond);
      bucket.updatedMs = nowMs;
    }
    this.buckets.set(subject, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond)) };
  }
}
