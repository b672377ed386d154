import { worstSeconds } from "../../bench/soak";

const sample = (t: number, p99: number | null, max: number) => ({ t, rss_mib: 80, loop_p50_ms: p99 === null ? null : 0, loop_p99_ms: p99, loop_max_ms: max, loop_ticks: p99 === null ? 0 : 100 });

describe("the soak's worst seconds", () => {
  it("leaves out the first second, which holds the authorizer's start-up", () => {
    expect(worstSeconds([sample(1, 9, 20), sample(2, 2, 3), sample(3, 1.5, 4)])).toEqual({ loop_p99_max_ms: 2, loop_max_ms: 4, seconds_without_tick: 0, loop_worst_from_t: 2 });
  });

  it("gives no worst p99 when no second after the first recorded a tick", () => {
    expect(worstSeconds([sample(1, 0, 0), sample(2, null, 1200)]).loop_p99_max_ms).toBeNull();
  });

  it("counts a second with no recorded tick, and keeps its stall as the longest delay", () => {
    expect(worstSeconds([sample(1, 0, 0), sample(2, 0.5, 1), sample(3, null, 1500)])).toEqual({ loop_p99_max_ms: 0.5, loop_max_ms: 1500, seconds_without_tick: 1, loop_worst_from_t: 2 });
  });
});
