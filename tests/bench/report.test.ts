import { readFileSync } from "node:fs";
import { join } from "node:path";
import { medianRow } from "../../bench/authorizer";
import { summarize, type BenchResults } from "../../bench/results";
import { clientSignatureLines, renderBenchmarks } from "../../bench/report";
import { context, http, machine, scaling } from "./fixtures";

describe("benchmark results", () => {
  it("takes each ratio within a pair of runs and judges the median over the pairs, and lists the pairs", () => {
    const row = (rps: number, p99: number, cpu: number) => ({ rps, p50_us: 100, p99_us: p99, cpu_us_per_request: cpu });
    const rounds = [
      // One pair disturbed on the authorizer's side, one on the null server's: neither decides.
      { baseline: row(80000, 800, 12), cached: row(30000, 4000, 25) },
      { baseline: row(40000, 2000, 12), cached: row(50000, 900, 18) },
      { baseline: row(80000, 800, 12), cached: row(52000, 1100, 18) },
    ];
    const paired = { ...http(0, 0), rounds, baseline: medianRow(rounds.map((r) => r.baseline)), cached: medianRow(rounds.map((r) => r.cached)) };
    const results = summarize({ http: paired }, "now", machine, [0.5]);
    expect(results.throughput_ratio).toBe(0.65);
    expect(results.p99_ratio).toBe(1.38);
    expect(results.cpu_ratio).toBe(0.667);
    expect(results.targets[0]?.measured).toContain("median of 3 pairs");
    expect(renderBenchmarks(results, "")).toContain("req/s 0.375, 1.250, 0.650; p99 5.00, 0.45, 1.38;");
  });

  it("renders the targets, a miss in bold, and the analysis into the page", () => {
    const results: BenchResults = summarize({ http: http(30000, 500) }, "now", machine, [0.5]);
    const page = renderBenchmarks(results, "## What the profile shows\n\nText.");
    expect(page).toContain("| throughput on cache hits vs the null server | >= 0.6x | 0.5x (30000 / 60000 req/s; CPU per request 0.4x) | **MISSED** |");
    expect(page).toContain("## What the profile shows");
    expect(page).toContain("| `writeLatin1String` | (native) | 40 |");
  });

  it("does not judge targets measured while the load average exceeded the core count", () => {
    const loaded = { ...http(40000, 500), context: { ...context, load_average_start: [11.4, 9, 8] } };
    const results = summarize({ http: loaded }, "now", machine, [11.4]);
    expect(results.targets.every((t) => t.loaded === "load average 11.4 on 2 cores")).toBe(true);
    expect(renderBenchmarks(results, "")).toContain("| met, not judged (load average 11.4 on 2 cores) |");
  });
});

describe("client signatures in the results", () => {
  const bound = { rps: 20000, p50_us: 300, p99_us: 1500, cpu_us_per_request: 45 };
  const withBound = () => ({ ...http(30000, 600), bound_header_signed: bound });

  it("compares bound header-signed with bearer cache hits, in-process and over HTTP, without adding a target", () => {
    const results = summarize({ http: withBound(), scaling: scaling({ bearer: 10, bound_header_signed: 32.5, bound_presigned: 41.25 }) }, "now", machine, [0.5]);
    expect(results.client_signature).toEqual({
      check_us: { token_grants: 100, bearer: 10, bound_header_signed: 32.5, bound_presigned: 41.25, header_signed_added: 22.5, presigned_added: 31.25 },
      http: { bearer_rps: 30000, bound_rps: 20000, rps_ratio: 0.667, bearer_cpu_us_per_request: 30, bound_cpu_us_per_request: 45, cpu_us_added: 15 },
    });
    const without = summarize({ http: http(30000, 600), scaling: scaling() }, "now", machine, [0.5]);
    expect(results.targets).toEqual(without.targets);
  });

  it("holds only the part whose section measured it", () => {
    expect(summarize({ http: withBound() }, "now", machine, [0.5]).client_signature).toEqual({ http: expect.objectContaining({ bound_rps: 20000 }) });
    expect(summarize({ scaling: scaling({ bearer: 10, bound_header_signed: 30, bound_presigned: 40 }) }, "now", machine, [0.5]).client_signature).toEqual({ check_us: expect.objectContaining({ header_signed_added: 20 }) });
    expect(summarize({ http: { skipped: "wrk is not installed", context } }, "now", machine, [0.5]).client_signature).toBeUndefined();
  });

  it("renders the bound row beside the bearer row and the in-process comparison", () => {
    const page = renderBenchmarks(summarize({ http: withBound(), scaling: scaling({ bearer: 10, bound_header_signed: 32.5, bound_presigned: 41.25 }) }, "now", machine, [0.5]), "");
    const lines = page.split("\n");
    const cached = lines.findIndex((l) => l.startsWith("| authorizer, token cache hits |"));
    expect(lines[cached + 1]).toBe("| authorizer, bound token, header-signed, client signature verified (as staging and prod run) | 20000 | 33 % | 300 µs | 1500 µs | 45 µs | 0.27x |");
    expect(page).toContain("| bound token of 100 grants, SigV4 in the Authorization header (`required`) | 32.5 µs | +22.5 µs |");
    expect(page).toContain("| bound token of 100 grants, presigned URL (SigV4 in the query, `required`) | 41.25 µs | +31.25 µs |");
    expect(page).not.toContain("client signature verified (as staging and prod run) | not measured");
    expect(page).not.toContain("Bearer against bound tokens: not measured");
  });

  it("renders the unsigned row and says the headline rows are signed when the run measured it, and says neither for older runs", () => {
    const signed = renderBenchmarks(summarize({ http: { ...http(30000, 600), unsigned: { rps: 40000, p50_us: 120, p99_us: 500, cpu_us_per_request: 20 } } }, "now", machine, [0.5]), "");
    expect(signed).toContain("| authorizer, token cache hits, no upstream signer (not deployable: S3 refuses the unsigned request) | 40000 | 67 % | 120 µs | 500 µs | 20 µs | 0.60x |");
    expect(signed).toContain("with the upstream signer, as every");
    expect(signed).not.toContain("no upstream signer: signing is");
    const older = renderBenchmarks(summarize({ http: http(30000, 600) }, "now", machine, [0.5]), "");
    expect(older).not.toContain("no upstream signer (not deployable");
    expect(older).toContain("no upstream signer: signing is");
  });

  it("renders the replayed-answer row, and the budget paragraph with its sections' dates and how far the CPU beyond answering is from what is left", () => {
    const floor = { rps: 55000, p50_us: 90, p99_us: 420, cpu_us_per_request: 13.4 };
    const withFloor = (cachedCpu: number, floorRow = floor) => ({ ...http(30000, 600), token_grants: 100, static_answer: floorRow, cached: { rps: 30000, p50_us: 150, p99_us: 600, cpu_us_per_request: cachedCpu } });
    const budgetOf = (page: string) => page.split("\n\n").find((p) => p.startsWith("**The throughput target's CPU budget**")) ?? "";
    const page = renderBenchmarks(summarize({ http: withFloor(30), scaling: { ...scaling(), context: { ...context, measured_at: "2026-11-30T12:04:00.000Z" } } }, "now", machine, [0.5]), "");
    expect(page).toContain("| null node:http server replaying one signed answer of the authorizer's (no work: the floor) | 55000 | 92 % | 90 µs | 420 µs | 13.4 µs | 0.90x |");
    expect(budgetOf(page).split("\n")).toEqual([
      "**The throughput target's CPU budget**, from the HTTP section measured 2026-11-30 12:00 UTC and the scaling section measured 2026-11-30 12:04 UTC.",
      "At 0.6x of the null server the authorizer may spend 20 µs of CPU per request.",
      "The null server replaying one of its signed answers, doing nothing else, spends 13.4 µs, which leaves 6.6 µs for everything the authorizer does beyond answering.",
      "The authorizer spends 30 µs, 16.6 µs beyond answering: its own work per check (reading it, judging, the log line, counting, signing) and the kernel time that work adds.",
      "Timed in-process, without Node's HTTP handling or the kernel, `Authorizer.check` on a token-cache hit of the 100-grant token takes 10 µs and the upstream SigV4 signature 25 µs.",
      "Meeting the target would need about 61 % of the CPU beyond answering gone (an estimate: part of it is the kernel's, and grows as the authorizer slows).",
    ]);
    expect(budgetOf(renderBenchmarks(summarize({ http: withFloor(19), scaling: scaling() }, "now", machine, [0.5]), ""))).toContain("That is within the budget.");
    const floorAbove = budgetOf(renderBenchmarks(summarize({ http: withFloor(30, { ...floor, cpu_us_per_request: 21 }), scaling: scaling() }, "now", machine, [0.5]), ""));
    expect(floorAbove).toContain("spends 21 µs: as much as the target allows, or more.");
    expect(floorAbove).toContain("No work of the authorizer's fits beside the floor.");
    expect(floorAbove).not.toMatch(/ [−-]\d/);
    const cheaper = budgetOf(renderBenchmarks(summarize({ http: withFloor(20, { ...floor, cpu_us_per_request: 21 }), scaling: scaling() }, "now", machine, [0.5]), ""));
    expect(cheaper).toContain("The authorizer spends 20 µs, no more than the floor.");
    expect(cheaper).toContain("That is within the budget.");
    const older = renderBenchmarks(summarize({ http: http(30000, 600), scaling: scaling() }, "now", machine, [0.5]), "");
    expect(older).toContain("| null node:http server replaying one signed answer of the authorizer's (no work: the floor) | not measured |");
    expect(older).not.toContain("CPU budget");
  });

  it("says the replayed answer ran in the rounds, with its CPU and p99 by round, and keeps the pairs' wording for older results", () => {
    const row = (rps: number, p99: number, cpu: number) => ({ rps, p50_us: 100, p99_us: p99, cpu_us_per_request: cpu });
    const rounds = [
      { baseline: row(80000, 400, 12), cached: row(30000, 1200, 30), static_answer: row(70000, 440, 13.5) },
      { baseline: row(80000, 400, 12), cached: row(31000, 1000, 29), static_answer: row(71000, 800, 13.1) },
    ];
    const page = renderBenchmarks(summarize({ http: { ...http(30000, 600), rounds } }, "now", machine, [0.5]), "");
    expect(page).toContain("The null server, the authorizer and the replayed answer ran in 2 rounds, one run each back to back, all three processes up throughout and the order changing from round to round;");
    expect(page).toContain("The replayed answer's CPU per request by round: 13.5, 13.1 µs; its p99 over the null server's: 1.10, 2.00.");
    const pairs = renderBenchmarks(summarize({ http: { ...http(30000, 600), rounds: rounds.map(({ baseline, cached }) => ({ baseline, cached })) } }, "now", machine, [0.5]), "");
    expect(pairs).toContain("The two servers ran in 2 pairs of runs back to back");
    expect(pairs).not.toContain("replayed answer's CPU");
  });

  it("renders results measured before the comparison existed, saying not measured", () => {
    const old = summarize({ http: http(30000, 600), scaling: scaling() }, "now", machine, [0.5]);
    expect(old.client_signature).toBeUndefined();
    const page = renderBenchmarks(old, "");
    expect(page).toContain("| authorizer, bound token, header-signed, client signature verified (as staging and prod run) | not measured |  |  |  |  |  |");
    expect(page).toContain("Bearer against bound tokens: not measured");
    expect(clientSignatureLines(old)).toEqual([
      "",
      "client signatures (bound tokens, as staging and prod run; not a target):",
      "  check µs, bearer vs bound tokens: not measured",
      "  HTTP, bound tokens with client signatures: not measured",
    ]);
  });

  it("prints the comparison for the run's table, and nothing when neither section was measured", () => {
    const results = summarize({ http: withBound(), scaling: scaling({ bearer: 10, bound_header_signed: 8, bound_presigned: 41.25 }) }, "now", machine, [0.5]);
    expect(clientSignatureLines(results).slice(2)).toEqual([
      "  check µs on a cache hit: bearer 10, bound header-signed 8 (−2), bound presigned 41.25 (+31.25)",
      "  HTTP, bound header-signed vs bearer cache hits: 20000 / 30000 req/s (0.667x); CPU per request 45 / 30 µs (+15)",
    ]);
    expect(clientSignatureLines(summarize({}, "now", machine, [0.5]))).toEqual([]);
  });
});

describe("the published page", () => {
  it("is the render of the committed results and analysis, so a hand edit or a forgotten --render fails here", () => {
    const root = join(__dirname, "..", "..");
    const latest = JSON.parse(readFileSync(join(root, "bench", "results", "latest.json"), "utf8")) as BenchResults;
    const results = summarize(latest.sections, latest.generated_at, latest.machine, latest.load_average);
    const page = renderBenchmarks(results, readFileSync(join(root, "bench", "analysis.md"), "utf8"));
    // toBe would print two 30 KB strings; the first differing line says what to re-render.
    const published = readFileSync(join(root, "docs", "benchmarks.md"), "utf8").split("\n");
    const differing = page.split("\n").findIndex((line, i) => line !== published[i]);
    expect({ differing, line: page.split("\n")[differing] }).toEqual({ differing: -1, line: undefined });
    expect(published.length).toBe(page.split("\n").length);
  });
});

describe("the fixed-rate table", () => {
  const row = (server: "null" | "authorizer", p99: number, lag: number) => ({ server, rate: 1000, seconds: 10, sent: 10000, answered: 10000, non2xx: 0, failed: 0, p50_us: 50, p99_us: p99, p999_us: 3000, max_us: 5000, sender_lag_p99_us: lag });

  it("marks a p99 the sender's own lag could account for half of, and only that one", () => {
    const page = renderBenchmarks(summarize({ http: { ...http(30000, 600), fixed_rate: [row("null", 1500, 789), row("authorizer", 900, 92)] } }, "now", machine, [0.5]), "");
    expect(page).toContain("| null node:http server | 1000/s for 10 s | 50 µs | 1500 µs (†) |");
    expect(page).toContain("| authorizer, cache hits | 1000/s for 10 s | 50 µs | 900 µs |");
    expect(page).toContain("(†) the sender's own lag p99 is at least half this p99");
    const quiet = renderBenchmarks(summarize({ http: { ...http(30000, 600), fixed_rate: [row("null", 1500, 92)] } }, "now", machine, [0.5]), "");
    expect(quiet).not.toContain("(†)");
  });
});

describe("the soak and DeleteObjects sections", () => {
  const soak = { rate: 2000, seconds: 60, p50_us: 75, p99_us: 1600, p999_us: 7000, answered: 120000, failed: 0, rss_start_mib: 77, rss_end_mib: 80, rss_max_mib: 81, rss_growth_mib: 2, loop_p99_max_ms: 6, samples: [{ t: 1, rss_mib: 77, loop_p50_ms: 0.01, loop_p99_ms: 2, loop_max_ms: 3 }], context };
  const deleteObjects = { body_bytes: 2097152, target_ratio: 2, ratio_without_token: 0.1, ratio_with_token: 0.2, cases: [], legit_get_ms: [{ behind: "anonymous", median: 5.8, max: 13.8, attack_checks_answered_first: 60, attack_checks: 60 }], context };
  const page = (sections: object) => renderBenchmarks(summarize(sections as never, "now", machine, [0.5]), "");

  it("says how the loop delay is read, and that older results include the probe's interval", () => {
    const samples = [...soak.samples, { t: 6, rss_mib: 78, loop_p50_ms: null, loop_p99_ms: null, loop_max_ms: 1500.25, loop_ticks: 0 }];
    const current = page({ soak: { ...soak, samples, loop_interval_ms: 10, loop_max_ms: 1500.25, seconds_without_tick: 1, loop_worst_from_t: 2 } });
    expect(current).toContain("at a 10 ms resolution, with the interval taken out");
    expect(current).toContain("| 1 s | 77 MiB | < 1 ms | 2 ms | 3 ms |");
    expect(current).toContain("| 6 s | 78 MiB | no tick | no tick | 1500.3 ms |");
    expect(current).toContain("From 2 s on (the first second holds the start-up): worst loop delay p99 in a second 6 ms, longest delay 1500.3 ms, seconds with no timer tick recorded 1.");
    // Results measured before the first second was left out say nothing of it.
    expect(page({ soak: { ...soak, loop_interval_ms: 10 } })).toContain("Worst loop delay p99 in a second: 6 ms.");
    expect(page({ soak })).toContain("these delays include the probe's 10 ms sampling interval");
  });

  it("says how the GET met the attacks, beside the same GET alone, and that older figures timed a GET after the attacks finished", () => {
    const measured = page({ "delete-objects": { ...deleteObjects, legit_get_idle_ms: { median: 0.15, max: 0.3 }, contention: "over HTTP, staged.", counted_while_waiting: true } });
    // Results of the first HTTP version counted every check answered before the GET.
    expect(page({ "delete-objects": { ...deleteObjects, legit_get_idle_ms: { median: 0.15, max: 0.3 }, contention: "over HTTP, staged." } })).toContain("(60 of 60 attack checks answered before the GET)");
    expect(measured).toContain("behind four anonymous attack bodies, median 5.8 ms, slowest 13.8 ms (60 of 60 attack checks answered while the GET waited); the same GET alone, median 0.15 ms.");
    expect(measured).toContain("How: over HTTP, staged.");
    expect(page({ "delete-objects": deleteObjects })).toContain("the attacks had finished before the GET was timed");
  });
});
