import fc from "fast-check";
import { RateLimiter } from "../../../handlers/authorizer/rate-limiter";

describe("RateLimiter", () => {
  it("never lets a subject exceed burst + rate x elapsed time", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 300 }),
        (rate, burst, gaps) => {
          const limiter = new RateLimiter(rate, burst);
          let now = 0;
          let allowed = 0;
          for (const gap of gaps) {
            now += gap;
            if (limiter.take("s", now).ok) allowed++;
          }
          expect(allowed).toBeLessThanOrEqual(burst + Math.floor((rate * now) / 1000) + 1e-9);
        },
      ),
    );
  });

  it("says when to retry", () => {
    const limiter = new RateLimiter(0.5, 1);
    expect(limiter.take("s", 0)).toEqual({ ok: true });
    expect(limiter.take("s", 0)).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(limiter.take("s", 2000)).toEqual({ ok: true });
  });

  it("limits each subject on its own and forgets the least recently seen beyond its bound", () => {
    const limiter = new RateLimiter(1, 1, 2);
    expect(limiter.take("a", 0).ok).toBe(true);
    expect(limiter.take("b", 0).ok).toBe(true);
    expect(limiter.take("a", 0).ok).toBe(false);
    expect(limiter.take("c", 0).ok).toBe(true);
    expect(limiter.take("b", 0).ok).toBe(true);
  });

  it("allows everything when disabled", () => {
    const limiter = new RateLimiter(0, 1);
    expect(Array.from({ length: 10 }, () => limiter.take("s", 0).ok)).toEqual(Array(10).fill(true));
  });
});
