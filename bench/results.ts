import type { HttpResults } from "./authorizer";
import type { DeleteObjectsResults } from "./delete-objects";
import type { EndToEndResults } from "./end-to-end";
import type { ClientSignatureUs, ScalingResults } from "./scaling";
import type { SoakResults } from "./soak";
import { median, round } from "./stats";

/** Where and when a section was measured. */
export interface RunContext {
  readonly measured_at: string;
  readonly machine: { readonly cpus: number; readonly cpu_model: string; readonly node: string; readonly platform: string };
  /** 1, 5 and 15-minute load averages when the run started. */
  readonly load_average_start: readonly number[];
  /** The code measured: the checkout's commit and whether it had uncommitted changes (absent outside a git checkout, and in results written before it was recorded). */
  readonly commit?: { readonly sha: string; readonly dirty: boolean };
}

export type Skipped = { readonly skipped: string };
type Section<T> = (T | Skipped) & { readonly context: RunContext };

/** bench/results/latest.json: each section as last measured, and the headline figures derived from them. */
export interface BenchResults {
  readonly generated_at: string;
  readonly machine: RunContext["machine"];
  readonly load_average: readonly number[];
  readonly baseline_rps?: number;
  readonly authorizer_rps?: number;
  readonly throughput_ratio?: number;
  readonly p99_ratio?: number;
  /** The null server's CPU per request over the authorizer's (cache hits): the throughput ratio a quiet machine would show. */
  readonly cpu_ratio?: number;
  readonly fixed_rate?: HttpResults["fixed_rate"];
  readonly rss_mib?: number;
  readonly decide_us?: Record<string, number>;
  readonly verify_cached_us?: Record<string, number>;
  readonly verify_uncached_us?: Record<string, number>;
  readonly e2e?: EndToEndResults;
  /** Bound tokens with the client's signature verified (as staging and prod run) against bearer cache hits: informative, not a target. */
  readonly client_signature?: ClientSignatureCost;
  /** Where the throughput target's CPU budget goes: informative, absent unless both sections hold its figures. */
  readonly throughput_budget?: ThroughputBudget;
  readonly targets: Target[];
  readonly sections: {
    readonly http?: Section<HttpResults>;
    readonly scaling?: Section<ScalingResults>;
    readonly e2e?: Section<EndToEndResults>;
    readonly soak?: Section<SoakResults>;
    readonly "delete-objects"?: Section<DeleteObjectsResults>;
  };
}

export type SectionName = keyof BenchResults["sections"];
export const SECTION_NAMES: readonly SectionName[] = ["http", "scaling", "e2e", "soak", "delete-objects"];

/** One target of the performance issue and whether the last measurement met it. */
export interface Target {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
  /**
   * Set when the measurement was taken with the 1-minute load average above the core count (a
   * forced run): other work then decides the figures, so the verdict is not a judgement of the code.
   */
  readonly loaded?: string;
}

/** The targets, never relaxed here: a miss is reported as a miss (docs/benchmarks.md says why). */
export const LIMITS = {
  throughputRatio: 0.6,
  p99Ratio: 1.5,
  rssMiB: 120,
  rssGrowthMiB: 5,
  grantScaling: 2,
} as const;

const isMeasured = <T extends object>(section: (T | Skipped) | undefined): section is T => section !== undefined && !("skipped" in section);

/**
 * What verifying the client's signature costs: a bound token signed by the client, the authorizer in
 * `required` mode (as staging and prod run), against a bearer token, both on token-cache hits.
 * Informative, not a target. Each part is absent when its section was not measured, or was measured
 * before these figures existed.
 */
export interface ClientSignatureCost {
  /** `Authorizer.check` in-process, µs per call (scaling section), and what the signature adds to the bearer check. */
  readonly check_us?: ClientSignatureUs & { readonly header_signed_added: number; readonly presigned_added: number };
  /** Over HTTP, wrk closed loop (http section): bearer cache hits against one replayed header-signed GET of a bound token. */
  readonly http?: {
    readonly bearer_rps: number;
    readonly bound_rps: number;
    /** Bound req/s over bearer req/s. */
    readonly rps_ratio: number;
    readonly bearer_cpu_us_per_request: number;
    readonly bound_cpu_us_per_request: number;
    /** Server CPU per request the signature adds, µs. */
    readonly cpu_us_added: number;
  };
}

/**
 * Where the throughput target's CPU budget goes, from the http and scaling sections: informative, not
 * a target. CPU per request predicts req/s for a CPU-bound server, so at LIMITS.throughputRatio the
 * authorizer may spend the null server's CPU per request over that ratio. Like the targets' ratios,
 * every figure from the closed loop is worked out within each round and then the median taken over
 * the rounds, so the medians need not add up exactly. Figures in µs of CPU per request unless named
 * otherwise, rounded to 0.1 µs.
 */
export interface ThroughputBudget {
  /** When each section the figures come from was measured (`RunContext.measured_at`): they can be of different runs. */
  readonly measured_at: { readonly http: string; readonly scaling: string };
  /** Rounds the closed-loop figures are medians of (a count; 1 for results whose floor ran once, after the rounds). */
  readonly rounds: number;
  /** The null server's CPU per request over LIMITS.throughputRatio: what the target allows the authorizer. */
  readonly per_request_at_target_us: number;
  /** The null server replaying one of the authorizer's signed answers (`static_answer`): the floor of a node:http answer. */
  readonly static_answer_us: number;
  /** What the target leaves for the authorizer beyond answering: the allowance less the floor (0 or less when the floor alone takes it all). */
  readonly left_us: number;
  /** The authorizer's CPU beyond answering: its CPU per request on cache hits less the floor's, at its own, lower request rate. */
  readonly own_work_us: number;
  /**
   * Percent of `own_work_us` that would have to go to meet the target, from unrounded figures, its
   * median over the rounds rounded up: 0 in a round where the authorizer is within the allowance,
   * 100 in one where the floor alone takes it all and the authorizer more.
   */
  readonly cut_percent: number;
  /** Grants in the HTTP section's token (a count), and so in the in-process check below. */
  readonly token_grants: number;
  /** `Authorizer.check` on a token-cache hit (judging, log line, metrics), in-process, for that token. */
  readonly check_us: number;
  /** The upstream SigV4 signature of one allowed GET, in-process. */
  readonly upstream_signing_us: number;
  /** The last two added: the check's work timed in-process, without Node's HTTP handling or the kernel. */
  readonly in_process_us: number;
  /** The authorizer's measured CPU per request on cache hits over HTTP. */
  readonly authorizer_us: number;
}

/** Percent of `own` CPU beyond answering that must go to fit in `left`; see ThroughputBudget.cut_percent. */
function cutPercent(own: number, left: number): number {
  if (own <= left) return 0;
  return left <= 0 ? 100 : (100 * (own - left)) / own;
}

/**
 * The throughput target's budget, or undefined unless the http section holds the replayed-answer row
 * and its token's grant count, and the scaling section the check of a token of that many grants. Pure.
 */
export function throughputBudget(sections: BenchResults["sections"]): ThroughputBudget | undefined {
  const http = isMeasured<HttpResults>(sections.http) ? sections.http : undefined;
  const scaling = isMeasured<ScalingResults>(sections.scaling) ? sections.scaling : undefined;
  if (http?.static_answer === undefined || http.token_grants === undefined || scaling === undefined) return undefined;
  const check = scaling.check_us[String(http.token_grants)];
  if (check === undefined) return undefined;
  const inRounds = (http.rounds ?? []).flatMap((r) => (r.static_answer === undefined ? [] : [{ ...r, static_answer: r.static_answer }]));
  const rounds = inRounds.length > 0 && inRounds.length === http.rounds?.length ? inRounds : [{ baseline: http.baseline, cached: http.cached, static_answer: http.static_answer }];
  const each = rounds.map((r) => {
    const allowed = r.baseline.cpu_us_per_request / LIMITS.throughputRatio;
    const floor = r.static_answer.cpu_us_per_request;
    const own = r.cached.cpu_us_per_request - floor;
    return { allowed, floor, left: allowed - floor, own, cut: cutPercent(own, allowed - floor), authorizer: r.cached.cpu_us_per_request };
  });
  const mid = (field: keyof (typeof each)[number]) => median(each.map((e) => e[field]));
  return {
    measured_at: { http: http.context.measured_at, scaling: scaling.context.measured_at },
    rounds: rounds.length,
    per_request_at_target_us: round(mid("allowed")),
    static_answer_us: round(mid("floor")),
    left_us: round(mid("left")),
    own_work_us: round(mid("own")),
    cut_percent: Math.ceil(mid("cut")),
    token_grants: http.token_grants,
    check_us: check,
    upstream_signing_us: scaling.upstream_signing_us,
    in_process_us: round(check + scaling.upstream_signing_us),
    authorizer_us: round(mid("authorizer")),
  };
}

/** The client-signature comparison from the sections, or undefined when neither holds it. */
export function clientSignatureCost(sections: BenchResults["sections"]): ClientSignatureCost | undefined {
  const http = isMeasured<HttpResults>(sections.http) ? sections.http : undefined;
  const scaling = isMeasured<ScalingResults>(sections.scaling) ? sections.scaling : undefined;
  const check = scaling?.client_signature_us;
  const bound = http?.bound_header_signed;
  const added = (n: number, base: number) => Math.round(100 * (n - base)) / 100;
  const cost: ClientSignatureCost = {
    ...(check ? { check_us: { ...check, header_signed_added: added(check.bound_header_signed, check.bearer), presigned_added: added(check.bound_presigned, check.bearer) } } : {}),
    ...(http && bound
      ? {
          http: {
            bearer_rps: http.cached.rps,
            bound_rps: bound.rps,
            rps_ratio: Math.round((1000 * bound.rps) / http.cached.rps) / 1000,
            bearer_cpu_us_per_request: http.cached.cpu_us_per_request,
            bound_cpu_us_per_request: bound.cpu_us_per_request,
            cpu_us_added: Math.round(10 * (bound.cpu_us_per_request - http.cached.cpu_us_per_request)) / 10,
          },
        }
      : {}),
  };
  return cost.check_us || cost.http ? cost : undefined;
}

/**
 * The sections to publish after a run: each section this run measured replaces the one in `previous`;
 * a section it could not measure (skipped or failed) keeps the previous measurement, which carries its
 * own date and commit, so a missing tool or a crash never erases figures or hides a missed target.
 * Pure. `kept` names the sections whose previous results were kept.
 */
export function mergeSections(previous: BenchResults["sections"], measured: Record<string, object>): { sections: BenchResults["sections"]; kept: SectionName[] } {
  const merged: Record<string, unknown> = { ...previous };
  const kept: SectionName[] = [];
  for (const [name, section] of Object.entries(measured)) {
    const before = previous[name as SectionName];
    if ("skipped" in section && before !== undefined && !("skipped" in before)) kept.push(name as SectionName);
    else merged[name] = section;
  }
  return { sections: merged as BenchResults["sections"], kept };
}

/**
 * What a run could not measure, one line each, from the sections it ran; pure. A skipped or failed
 * section (saying when its previous results were kept), whole-path rows that failed, and rows
 * published from fewer transfers because some failed. Empty when everything was measured.
 */
export function notMeasured(measured: Record<string, object>, kept: readonly SectionName[]): string[] {
  return Object.entries(measured).flatMap(([name, section]) => {
    if ("skipped" in section) return [`${name} (${String(section.skipped)}${kept.includes(name as SectionName) ? "; its previous results are kept" : ""})`];
    if (name !== "e2e") return [];
    const e2e = section as Exclude<EndToEndResults, Skipped>;
    const partial = e2e.rows.filter((r) => (r.failed?.gateway ?? 0) + (r.failed?.direct ?? 0) > 0).map((r) => `${r.operation} ${r.size}: ${(r.failed?.gateway ?? 0) + (r.failed?.direct ?? 0)} transfers failed`);
    const lines = [...(e2e.failed ?? []), ...partial];
    return lines.length > 0 ? [`part of e2e (${lines.join("; ")})`] : [];
  });
}

/** Headline figures and targets from the sections. */
export function summarize(sections: BenchResults["sections"], now: string, machine: RunContext["machine"], loadAverage: readonly number[]): BenchResults {
  const http = isMeasured<HttpResults>(sections.http) ? sections.http : undefined;
  const scaling = isMeasured<ScalingResults>(sections.scaling) ? sections.scaling : undefined;
  const soak = isMeasured<SoakResults>(sections.soak) ? sections.soak : undefined;
  const e2e = sections.e2e && !("skipped" in sections.e2e) ? sections.e2e : undefined;
  const targets: Target[] = [];
  let headline: Partial<BenchResults> = {};
  if (http) {
    // Each ratio within a pair of runs taken back to back, then the median over the pairs (older
    // results without pairs: the one pair they hold).
    const pairs = http.rounds ?? [{ baseline: http.baseline, cached: http.cached }];
    const pairRatio = (of: (pair: (typeof pairs)[number]) => number) => median(pairs.map(of));
    const throughputRatio = Math.round(1000 * pairRatio((p) => p.cached.rps / p.baseline.rps)) / 1000;
    const p99Ratio = Math.round(100 * pairRatio((p) => p.cached.p99_us / p.baseline.p99_us)) / 100;
    const cpuRatio = Math.round(1000 * pairRatio((p) => p.baseline.cpu_us_per_request / p.cached.cpu_us_per_request)) / 1000;
    // With pairs, the ratio is the median of the pairs' ratios, and the figures beside it are each column's median: their quotient can differ.
    const pairsNote = (what: string) => (pairs.length > 1 ? `median of ${pairs.length} pairs' ratios; medians ${what}` : what);
    headline = {
      baseline_rps: http.baseline.rps,
      authorizer_rps: http.cached.rps,
      throughput_ratio: throughputRatio,
      p99_ratio: p99Ratio,
      cpu_ratio: cpuRatio,
      fixed_rate: http.fixed_rate,
      rss_mib: Math.max(http.rss_mib, soak?.rss_max_mib ?? 0),
    };
    targets.push(
      { name: "throughput on cache hits vs the null server", target: `>= ${LIMITS.throughputRatio}x`, measured: `${throughputRatio}x (${pairsNote(`${http.cached.rps} / ${http.baseline.rps} req/s`)}; CPU per request ${cpuRatio}x)`, met: throughputRatio >= LIMITS.throughputRatio },
      { name: `p99 at ${http.connections} connections vs the null server`, target: `<= ${LIMITS.p99Ratio}x`, measured: `${p99Ratio}x (${pairsNote(`${http.cached.p99_us} / ${http.baseline.p99_us} µs`)})`, met: p99Ratio <= LIMITS.p99Ratio },
    );
  }
  if (http || soak) {
    const rss = Math.max(http?.rss_mib ?? 0, soak?.rss_max_mib ?? 0);
    targets.push({ name: "authorizer RSS", target: `<= ${LIMITS.rssMiB} MiB`, measured: `${rss} MiB`, met: rss <= LIMITS.rssMiB });
  }
  if (soak) {
    targets.push({ name: `RSS flat over the ${soak.seconds} s soak`, target: `growth <= ${LIMITS.rssGrowthMiB} MiB`, measured: `${soak.rss_growth_mib} MiB`, met: soak.rss_growth_mib <= LIMITS.rssGrowthMiB });
  }
  if (scaling) {
    const ratio = (scaling.decide_us["1000"] as number) / (scaling.decide_us["1"] as number);
    targets.push(
      { name: "decide (cache hit), token of 1,000 grants vs 1 grant", target: `<= ${LIMITS.grantScaling}x`, measured: `${ratio.toFixed(2)}x (${scaling.decide_us["1000"]} / ${scaling.decide_us["1"]} µs)`, met: ratio <= LIMITS.grantScaling },
    );
  }
  const deleteObjects = isMeasured<DeleteObjectsResults>(sections["delete-objects"]) ? sections["delete-objects"] : undefined;
  if (deleteObjects) {
    targets.push({
      name: "DeleteObjects attack body vs valid body, with a token",
      target: `<= ${deleteObjects.target_ratio}x`,
      measured: `${deleteObjects.ratio_with_token}x`,
      met: deleteObjects.ratio_with_token <= deleteObjects.target_ratio,
    });
  }
  const loadedNote = (section: { context: RunContext } | undefined): string | undefined => {
    const load = section?.context.load_average_start[0];
    return load !== undefined && load > section!.context.machine.cpus ? `load average ${load} on ${section!.context.machine.cpus} cores` : undefined;
  };
  const sectionOf: Record<string, { context: RunContext } | undefined> = {
    throughput: sections.http,
    p99: sections.http,
    "authorizer RSS": soak ?? sections.http,
    RSS: sections.soak,
    decide: sections.scaling,
    DeleteObjects: sections["delete-objects"],
  };
  const judged = targets.map((t) => {
    const key = Object.keys(sectionOf).find((k) => t.name.startsWith(k)) as string;
    const loaded = loadedNote(sectionOf[key]);
    return loaded ? { ...t, loaded } : t;
  });
  const clientSignature = clientSignatureCost(sections);
  const budget = throughputBudget(sections);
  return {
    generated_at: now,
    machine,
    load_average: loadAverage,
    ...headline,
    ...(scaling ? { decide_us: scaling.decide_us, verify_cached_us: scaling.verify_cached_us, verify_uncached_us: scaling.verify_uncached_us } : {}),
    ...(e2e ? { e2e } : {}),
    ...(clientSignature ? { client_signature: clientSignature } : {}),
    ...(budget ? { throughput_budget: budget } : {}),
    targets: judged,
    sections,
  };
}
