import type { ClosedLoopRow, FixedRateRow, HttpResults } from "./authorizer";
import type { DeleteObjectsResults } from "./delete-objects";
import type { EndToEndResults, EndToEndRow } from "./end-to-end";
import { LIMITS, type BenchResults, type ClientSignatureCost, type RunContext, type Skipped, type ThroughputBudget } from "./results";
import type { ScalingResults } from "./scaling";
import { BENCH_SESSION_TOKEN_CHARS } from "./processes";
import { LOOP_PROBE_RESOLUTION_MS } from "./loop-probe";
import { supportsPercentile } from "./stats";
import type { SoakResults } from "./soak";

/** The soak plot, beside docs/benchmarks.md. */
export const SOAK_SVG = "benchmarks-soak.svg";

const row = (cells: readonly (string | number)[]) => `| ${cells.join(" | ")} |`;
const table = (header: readonly string[], rows: readonly (readonly (string | number)[])[]) => [row(header), row(header.map(() => "---")), ...rows.map(row)];
const us = (n: number) => `${n >= 100 ? Math.round(n) : n} µs`;
/** An ISO time to the minute, `YYYY-MM-DD HH:MM UTC`. */
const minute = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;
const context = (c: RunContext) =>
  `Measured ${minute(c.measured_at)} on ${c.machine.cpus} × ${c.machine.cpu_model}, Node ${c.machine.node}; ` +
  `load average at the start ${c.load_average_start.map((n) => n.toFixed(2)).join(", ")} (1, 5, 15 min)` +
  (c.commit ? `; code at commit ${c.commit.sha}${c.commit.dirty ? " with uncommitted changes" : ""}.` : ".");
const skipped = (section: object): section is Skipped => "skipped" in section;

/** A fixed-rate p99 the sender's own lateness could account for half of: the machine's as much as the server's. */
export const senderBound = (r: FixedRateRow) => 2 * r.sender_lag_p99_us >= r.p99_us;
/** Grants in the HTTP section's token in results measured before the section recorded the count. */
const TOKEN_GRANTS_BEFORE_RECORDED = 100;
/** What a figure that results measured before it existed show instead. */
export const NOT_MEASURED = "not measured";
const UNSIGNED_HTTP_ROW = "authorizer, token cache hits, no upstream signer (not deployable: S3 refuses the unsigned request)";
const BOUND_HTTP_ROW = "authorizer, bound token, header-signed, client signature verified (as staging and prod run)";
const STATIC_ANSWER_ROW = "null node:http server replaying one signed answer of the authorizer's (no work: the floor)";
const plus = (n: number) => `${n >= 0 ? "+" : "−"}${Math.abs(n)}`;

/** The closed-loop pairs behind the medians, when the results hold them. */
function pairLines(http: HttpResults): string[] {
  const rounds = http.rounds;
  if (rounds === undefined || rounds.length < 2) return [];
  const list = (of: (pair: NonNullable<HttpResults["rounds"]>[number]) => number, digits: number) => rounds.map((pair) => of(pair).toFixed(digits)).join(", ");
  const floors = rounds.flatMap((r) => (r.static_answer === undefined ? [] : [r.static_answer]));
  const floorInEveryRound = floors.length === rounds.length;
  const opening =
    floorInEveryRound
      ? `The null server, the authorizer and the replayed answer ran in ${rounds.length} rounds, one run each back to back, all three processes up throughout and the order changing from round to round;`
      : `The two servers ran in ${rounds.length} pairs of runs back to back, both processes up throughout and the order alternating;`;
  return [
    opening,
    "those rows are each the median of their runs, and each ratio the targets use is the median of the pairs' ratios (the null server and the authorizer of one round):",
    `req/s ${list((p) => p.cached.rps / p.baseline.rps, 3)}; p99 ${list((p) => p.cached.p99_us / p.baseline.p99_us, 2)};`,
    `null server's CPU per request over the authorizer's ${list((p) => p.baseline.cpu_us_per_request / p.cached.cpu_us_per_request, 3)}.`,
    ...(floorInEveryRound
      ? [`The replayed answer's CPU per request by round: ${floors.map((f) => f.cpu_us_per_request).join(", ")} µs; its p99 over the null server's: ${floors.map((f, i) => (f.p99_us / (rounds[i] as (typeof rounds)[number]).baseline.p99_us).toFixed(2)).join(", ")}.`]
      : []),
    "",
  ];
}

function httpSection(http: HttpResults & { context: RunContext }): string[] {
  const ratio = (r: { rps: number }) => `${((100 * r.rps) / http.baseline.rps).toFixed(0)} %`;
  const fixedRow = (r: FixedRateRow) => [r.server === "null" ? "null node:http server" : "authorizer, cache hits", `${r.rate}/s for ${r.seconds} s`, us(r.p50_us), `${us(r.p99_us)}${senderBound(r) ? " (†)" : ""}`, us(r.p999_us), us(r.max_us), `${r.answered}${r.failed ? ` (${r.failed} failed)` : ""}`, us(r.sender_lag_p99_us)];
  return [
    "## Authorizer over HTTP",
    "",
    context(http.context),
    "",
    `GET /data/reports/q1.csv with a token of ${http.token_grants ?? TOKEN_GRANTS_BEFORE_RECORDED} grants in \`x-amz-security-token\` (the last grant matches) and an`,
    "`x-request-id` (Envoy always sends one), answered 200. The authorizer is the bundled container entry",
    ...(http.unsigned === undefined
      ? ["(`node main.js`: info-level JSON decision lines to /dev/null, EMF on, no upstream signer: signing is", "measured in-process below). The null server (node:http answering 200 with an empty body) gets the same"]
      : [
          "(`node main.js`: info-level JSON decision lines to /dev/null, EMF on) with the upstream signer, as every",
          "deployment runs it: each allowed check is SigV4-signed for S3 with static task-role credentials whose session token",
          `is ${BENCH_SESSION_TOKEN_CHARS} characters (STS tokens are about that size), and the answer carries that token and the signature`,
          "to Envoy. The null server (node:http answering 200 with an empty body) gets the same",
        ]),
    "request in the same run; the load generator shares the machine's cores, so compare with it, not across machines.",
    "Both run on this machine's Node (the line above), not the container image's; the image pins its own",
    "(handlers/authorizer/Dockerfile).",
    "",
    `### Closed loop: wrk -t1 -c${http.connections} -d${http.seconds}s --latency, after a warm-up`,
    "",
    ...table(
      ["server", "req/s", "vs null server", "p50", "p99", "server CPU per request", "null server's CPU / this"],
      (
        [
          ["null node:http server", http.baseline],
          ["authorizer, token cache hits", http.cached],
          ...(http.unsigned === undefined ? [] : [[UNSIGNED_HTTP_ROW, http.unsigned]]),
          [BOUND_HTTP_ROW, http.bound_header_signed],
          [STATIC_ANSWER_ROW, http.static_answer],
          ["authorizer, cache off (EdDSA verify every check)", http.uncached],
        ] as [string, ClosedLoopRow | undefined][]
      ).map(([name, row]) =>
        row === undefined
          ? [name, NOT_MEASURED, "", "", "", "", ""]
          : [name, row.rps, row === http.baseline ? "100 %" : ratio(row), us(row.p50_us), us(row.p99_us), us(row.cpu_us_per_request), `${(http.baseline.cpu_us_per_request / row.cpu_us_per_request).toFixed(2)}x`],
      ),
    ),
    "",
    ...pairLines(http),
    "The CPU columns come from the server's /proc times over the measured run: less disturbed by other work on",
    "the machine than req/s, they predict the req/s ratio of a CPU-bound server on a quiet machine.",
    "",
    ...(http.unsigned === undefined
      ? []
      : [
          "The unsigned row is informative, not a target: the same authorizer without RAJEE_S3_REGION answers allowed",
          "checks unsigned, which no deployment does (S3 refuses them). Its difference from the cache-hit row is the cost",
          "of the upstream signature: SHA-256 over the canonical request (which holds the session token), one HMAC, and an",
          "answer about 1.3 KB longer, which Node validates and writes.",
          "",
        ]),
    "The replayed-answer row is informative, not a target: a node:http server like the null server answers every",
    "request with the headers of one signed answer the authorizer gave (its signature, `x-amz-date`, payload hash and",
    "the 1 KB session token, byte for byte) and does nothing else. The gap from it to the cache-hit row is the",
    "authorizer's own work per check (reading the check, judging, the decision log line, counting and signing) and the",
    "kernel time that work adds.",
    "",
    "The bound-token row is informative, not a target: the authorizer runs with `RAJEE_CLIENT_SIGNATURES=required`",
    "and its binding keys, and wrk replays one GET header-signed by SDK v3's signer (`@smithy/signature-v4`) with the",
    "secret sealed in its token's `cnf.jwe`, a token of the bearer token's grants. The authorizer opens that secret once",
    "per cached token and verifies the client's SigV4 signature on every check; the request's `x-amz-date` stays inside",
    "the verifier's 15-minute clock skew for the whole run, so every replay is a valid request (all answered 200).",
    "",
    `Authorizer RSS after the cache-hit run: ${http.rss_mib} MiB.`,
    "",
    "### Fixed rate (open loop, corrected for coordinated omission)",
    "",
    "bench/open-loop.ts sends request i at start + i/rate on 32 keep-alive connections whatever the answers",
    "before it did, and measures each latency from that due time (as wrk2 does), with `process.hrtime.bigint()`;",
    "every latency is kept, so percentiles are exact. \"sender lag\" is how late the sender itself noticed a",
    "request was due: when it is large the machine, not the server, was slow. One second at the rate first, unrecorded.",
    "",
    ...table(["server", "rate", "p50", "p99", "p99.9", "max", "answered", "sender lag p99"], http.fixed_rate.map(fixedRow)),
    ...(http.fixed_rate.some(senderBound) ? ["", "(†) the sender's own lag p99 is at least half this p99: the load generator, sharing the machine, set this tail as much as the server did."] : []),
    "",
    `### CPU profile of the authorizer under the closed-loop load (node --cpu-prof, ${http.profile.seconds} s, idle samples left out)`,
    "",
    "Busy time by area (`native`: bindings such as the socket write, which includes the kernel's loopback",
    "work; `app`: the bundle, i.e. the authorizer and the libraries it inlines; `node`: Node's own JavaScript):",
    Object.entries(http.profile.areas)
      .map(([area, percent]) => `${area} ${percent} %`)
      .join(", ") + ".",
    "",
    ...table(
      ["function (self time)", "where", "% of busy samples"],
      http.profile.top.map((t) => [`\`${t.name}\``, t.where, t.percent]),
    ),
  ];
}

function scalingSection(s: ScalingResults & { context: RunContext }): string[] {
  const counts = Object.keys(s.decide_us);
  return [
    "## Scaling (in-process)",
    "",
    context(s.context),
    "",
    "Median of batches (`process.hrtime.bigint()`), after a warm-up. Tokens hold n grants of which the last matches.",
    "`decide` is the decision with the cached verifier on a hit (token spelling, cache lookup by signature,",
    "classification, grants); `Authorizer.check` adds the decision log line, metrics and rate limit. These rows,",
    "the DeleteObjects rows and the client-signature table run without the upstream signer; what it adds to an",
    "allowed check is the \"upstream SigV4 signing\" row.",
    "",
    ...table(
      ["grants", "token chars", "grant check", "decide (cache hit)", "Authorizer.check (cache hit)"],
      counts.map((n) => [n, s.token_chars[n] ?? "", us(s.grant_check_us[n] as number), us(s.decide_us[n] as number), us(s.check_us[n] as number)]),
    ),
    "",
    ...table(
      ["other path", "per call"],
      [
        ["DeleteObjects of 1,000 keys, one prefix grant (`Authorizer.check`)", us(s.delete_objects_us.one_prefix_grant)],
        ["DeleteObjects of 1,000 keys, one exact grant per key (1,000 grants)", us(s.delete_objects_us.grant_per_key)],
        ...Object.keys(s.verify_cached_us).map((alg) => [`${alg} token, cached verifier on a hit`, us(s.verify_cached_us[alg] as number)]),
        ...Object.keys(s.verify_uncached_us).map((alg) => [`${alg} token, full verification (signature and claims)`, us(s.verify_uncached_us[alg] as number)]),
        ["upstream SigV4 signing of one allowed GET", us(s.upstream_signing_us)],
      ],
    ),
    "",
    "### Client signatures: `Authorizer.check` on a cache hit",
    "",
    "Staging and prod run `RAJEE_CLIENT_SIGNATURES=required`: every request carries a bound token (`cnf.jwe`) and is",
    "SigV4-signed by the client with the bound secret (here by SDK v3's signer, `@smithy/signature-v4`). The",
    "authorizer opens the sealed secret once per cached token and verifies the signature on every check. The",
    "bearer check runs in `when-bound` mode with the same binding keys loaded; the three are measured interleaved.",
    "",
    ...clientSignatureTable(s.client_signature_us),
  ];
}

function clientSignatureTable(c: ScalingResults["client_signature_us"]): string[] {
  if (c === undefined) return [`Bearer against bound tokens: ${NOT_MEASURED} (these results predate the comparison).`];
  const added = (n: number) => `${plus(Math.round(100 * (n - c.bearer)) / 100)} µs`;
  return table(
    ["token and signature", "per check", "vs bearer"],
    [
      [`bearer token of ${c.token_grants} grants in \`x-amz-security-token\`, no signature (\`when-bound\`)`, us(c.bearer), "—"],
      [`bound token of ${c.token_grants} grants, SigV4 in the Authorization header (\`required\`)`, us(c.bound_header_signed), added(c.bound_header_signed)],
      [`bound token of ${c.token_grants} grants, presigned URL (SigV4 in the query, \`required\`)`, us(c.bound_presigned), added(c.bound_presigned)],
    ],
  );
}

/**
 * The client-signature comparison for the run's stdout table: one line per measured section that
 * should hold it, "not measured" where that section's results predate it.
 */
export function clientSignatureLines(results: BenchResults): string[] {
  const cost: ClientSignatureCost = results.client_signature ?? {};
  const lines: string[] = [];
  const { http, scaling } = results.sections;
  if (scaling && !skipped(scaling)) {
    const c = cost.check_us;
    lines.push(
      c
        ? `check µs on a cache hit: bearer ${c.bearer}, bound header-signed ${c.bound_header_signed} (${plus(c.header_signed_added)}), bound presigned ${c.bound_presigned} (${plus(c.presigned_added)})`
        : `check µs, bearer vs bound tokens: ${NOT_MEASURED}`,
    );
  }
  if (http && !skipped(http)) {
    const h = cost.http;
    lines.push(
      h
        ? `HTTP, bound header-signed vs bearer cache hits: ${h.bound_rps} / ${h.bearer_rps} req/s (${h.rps_ratio}x); CPU per request ${h.bound_cpu_us_per_request} / ${h.bearer_cpu_us_per_request} µs (${plus(h.cpu_us_added)})`
        : `HTTP, bound tokens with client signatures: ${NOT_MEASURED}`,
    );
  }
  return lines.length > 0 ? ["", "client signatures (bound tokens, as staging and prod run; not a target):", ...lines.map((l) => `  ${l}`)] : [];
}

export const PERCENTILES = ["p50", "p95", "p99"] as const;

/** A whole-path figure if its row's count holds the percentile (results written before the rule carry tails of 3 transfers). */
export function held(row: EndToEndRow, p: (typeof PERCENTILES)[number], value: number | null): number | undefined {
  return value !== null && (p === "p50" || supportsPercentile(row.count, Number(p.slice(1)))) ? value : undefined;
}

function endToEndSection(e: EndToEndResults & { context: RunContext }): string[] {
  if (skipped(e)) return ["## Whole path: client through the local gateway vs straight to the S3 stand-in", "", `Skipped: ${e.skipped}.`];
  const ms = (n: number) => `${n} ms`;
  const pct = (n: number) => `${n} %`;
  return [
    "## Whole path: client through the local gateway vs straight to the S3 stand-in",
    "",
    context(e.context),
    "",
    "One AWS SDK v3 client, two endpoints, requests alternating: through `startLocalGateway` (the Envoy emulator",
    "over HTTPS, the real authorizer with upstream signing, the stand-in) and straight to the stand-in (moto",
    "behind its SigV4-verifying layer, plain HTTP). Overhead = gateway − direct at each percentile, so it",
    "includes TLS and the emulator, which is a Node stand-in for Envoy, not Envoy. The two paths are",
    "independent samples, so a tail's overhead can come out negative when the direct path's tail was the",
    "slower one in that run. A percentile is given only where the count holds it: nearest rank needs 20",
    "transfers for a p95 and 100 for a p99 to be other than the slowest one (—: too few in this run).",
    "Throughput is the size over the median time.",
    ...(e.skipped_sizes.length > 0 ? ["", `Not run in this mode: ${e.skipped_sizes.join(", ")}.`] : []),
    // Results written before failures were recorded have neither field.
    ...((e.failed ?? []).length > 0 ? ["", `No figures: ${(e.failed ?? []).join("; ")}.`] : []),
    ...e.rows
      .filter((r) => (r.failed?.gateway ?? 0) + (r.failed?.direct ?? 0) > 0)
      .flatMap((r) => ["", `${r.operation} ${r.size}: ${r.failed?.gateway ?? 0} transfer(s) failed through the gateway and ${r.failed?.direct ?? 0} straight to the stand-in, left out of the figures (first: ${r.first_failure}).`]),
    "",
    ...table(
      ["operation", "count", "direct p50 / p95 / p99", "gateway p50 / p95 / p99", "overhead p50", "overhead p95", "overhead p99", "MB/s direct / gateway"],
      e.rows.map((r) => [
        `${r.operation} ${r.size}`,
        r.count,
        ...(["direct_ms", "gateway_ms"] as const).map((path) => `${PERCENTILES.map((p) => held(r, p, r[path][p]) ?? "—").join(" / ")} ms`),
        ...PERCENTILES.map((p) => {
          const overhead = held(r, p, r.overhead_ms[p]);
          const percent = held(r, p, r.overhead_pct[p]);
          return overhead === undefined || percent === undefined ? "—" : `${ms(overhead)} (${pct(percent)})`;
        }),
        r.bytes >= 1024 ** 2 ? `${r.direct_mb_s} / ${r.gateway_mb_s}` : "—",
      ]),
    ),
  ];
}

function soakSection(s: SoakResults & { context: RunContext }): string[] {
  const every = s.samples.filter((_, i) => i % 5 === 0 || i === s.samples.length - 1);
  // Older results (no loop_interval_ms) hold the interval in every figure: shown as they are.
  const loop = (ms: number | null) => {
    if (ms === null) return "no tick";
    if (s.loop_interval_ms === undefined) return `${ms} ms`;
    return ms < LOOP_PROBE_RESOLUTION_MS ? `< ${LOOP_PROBE_RESOLUTION_MS} ms` : `${Math.round(ms * 10) / 10} ms`;
  };
  const worst =
    s.loop_worst_from_t === undefined
      ? `Worst loop delay p99 in a second: ${loop(s.loop_p99_max_ms)}.`
      : `From ${s.loop_worst_from_t} s on (the first second holds the start-up): worst loop delay p99 in a second ${loop(s.loop_p99_max_ms)}, longest delay ${loop(s.loop_max_ms ?? null)}, seconds with no timer tick recorded ${s.seconds_without_tick ?? 0}.`;
  return [
    "## Soak",
    "",
    context(s.context),
    "",
    `The authorizer at ${s.rate} req/s for ${s.seconds} s (open loop, cache hits), with a probe preloaded`,
    // Results written before the interval was taken out carry no loop_interval_ms: their delays include it.
    s.loop_interval_ms === undefined
      ? "(bench/loop-probe.ts) writing its RSS and event-loop delay (`monitorEventLoopDelay`) each second; these delays include the probe's 10 ms sampling interval."
      : `(bench/loop-probe.ts) writing its RSS and event-loop delay each second (\`monitorEventLoopDelay\` at a ${s.loop_interval_ms} ms resolution, with the interval taken out: how late its timer fired). libuv runs timers on its millisecond loop time, so a tick can come up to about ${LOOP_PROBE_RESOLUTION_MS} ms early or late: a figure under that is within the error and shown as "< ${LOOP_PROBE_RESOLUTION_MS} ms". The max column also takes the probe's own 10 ms ticker, which sees a stall the histogram drops after its per-second reset; "no tick": the histogram recorded none in that second.`,
    `Latency over the soak: p50 ${us(s.p50_us)}, p99 ${us(s.p99_us)}, p99.9 ${us(s.p999_us)}; ${s.answered} answered, ${s.failed} failed.`,
    `RSS: ${s.rss_start_mib} MiB at the first sample, ${s.rss_end_mib} MiB at the last, ${s.rss_max_mib} MiB at most;`,
    `growth ${s.rss_growth_mib} MiB (mean of the last 10 samples minus that of samples 5-14). ${worst}`,
    "",
    `![RSS and event-loop delay over the soak](${SOAK_SVG})`,
    "",
    ...table(
      ["t", "RSS", "loop delay p50", "p99", "max"],
      every.map((x) => [`${x.t} s`, `${x.rss_mib} MiB`, loop(x.loop_p50_ms), loop(x.loop_p99_ms), loop(x.loop_max_ms)]),
    ),
  ];
}

function deleteObjectsSection(d: DeleteObjectsResults & { context: RunContext }): string[] {
  const load = d.context.load_average_start[0] ?? 0;
  const judged = load <= d.context.machine.cpus;
  const verdict = (r: number) => `${r}x (target <= ${d.target_ratio}x: ${r <= d.target_ratio ? "met" : "MISSED"}${judged ? "" : `, not judged: load average ${load} on ${d.context.machine.cpus} cores`})`;
  return [
    "## DeleteObjects bodies: attack vs valid",
    "",
    context(d.context),
    "",
    "`Authorizer.check` in-process (the whole check: classification, token, body, grants, log line); median of 15 batches after a warm-up.",
    `Both bodies are exactly ${d.body_bytes} bytes (the DeleteObjects limit): the attack is one \`<Key>\` of about 2 million \`&\`;`,
    "the valid body is 1000 keys of 1000 bytes padded with whitespace between elements. Token checks hit the cache.",
    "",
    ...table(["request", "per check"], d.cases.map((c) => [c.name, `${c.ms} ms`])),
    "",
    ...table(
      ["ratio", "attack / valid"],
      [
        ["without a token (the body is never read)", verdict(d.ratio_without_token)],
        ["with a valid token (the body is read, refused at its first bad byte)", verdict(d.ratio_with_token)],
      ],
    ),
    "",
    ...(d.contention === undefined
      ? [
          "A legitimate GET judged after four attack checks were started in-process (15 rounds; these results predate the measurement over HTTP, and the attacks had finished before the GET was timed):",
          d.legit_get_ms.map((l) => `behind four ${l.behind} attack bodies, median ${l.median} ms, slowest ${l.max} ms`).join("; ") + ".",
        ]
      : [
          "A legitimate GET sent to the authorizer's check server as four attack bodies complete, timed from its submission (15 rounds; the issue: four attack bodies pushed it past Envoy's 1 s check timeout):",
          d.legit_get_ms
            .map((l) => `behind four ${l.behind} attack bodies, median ${l.median} ms, slowest ${l.max} ms (${l.attack_checks_answered_first} of ${l.attack_checks} attack checks answered ${d.counted_while_waiting ? "while the GET waited" : "before the GET"})`)
            .join("; ") + `; the same GET alone, median ${d.legit_get_idle_ms.median} ms.`,
          `How: ${d.contention}`,
        ]),
  ];
}

/**
 * The throughput target's CPU budget in a paragraph, from the figures of this page's sections; none
 * when the results do not hold them. Says how far the authorizer's CPU beyond answering is from what
 * the target leaves for it, and never prints a negative amount.
 */
export function budgetLines(b: ThroughputBudget | undefined): string[] {
  if (b === undefined) return [];
  // One sentence a line: Markdown joins them into one paragraph.
  return [
    `**The throughput target's CPU budget**, from the HTTP section measured ${minute(b.measured_at.http)} and the scaling section measured ${minute(b.measured_at.scaling)}.`,
    ...(b.rounds > 1 ? [`Each figure from the closed loop is the median over its ${b.rounds} rounds of that round's own figure, so they need not add up exactly.`] : []),
    `At ${LIMITS.throughputRatio}x of the null server the authorizer may spend ${us(b.per_request_at_target_us)} of CPU per request.`,
    b.left_us > 0
      ? `The null server replaying one of its signed answers, doing nothing else, spends ${us(b.static_answer_us)}, which leaves ${us(b.left_us)} for everything the authorizer does beyond answering.`
      : `The null server replaying one of its signed answers, doing nothing else, spends ${us(b.static_answer_us)}: as much as the target allows, or more.`,
    b.own_work_us > 0
      ? `The authorizer spends ${us(b.authorizer_us)}, ${us(b.own_work_us)} beyond answering: its own work per check (reading it, judging, the log line, counting, signing) and the kernel time that work adds.`
      : `The authorizer spends ${us(b.authorizer_us)}, no more than the floor.`,
    `Timed in-process, without Node's HTTP handling or the kernel, \`Authorizer.check\` on a token-cache hit of the ${b.token_grants}-grant token takes ${us(b.check_us)} and the upstream SigV4 signature ${us(b.upstream_signing_us)}.`,
    b.cut_percent === 0
      ? "That is within the budget."
      : b.left_us > 0
        ? `Meeting the target would need about ${b.cut_percent} % of the CPU beyond answering gone (an estimate: part of it is the kernel's, and grows as the authorizer slows).`
        : "No work of the authorizer's fits beside the floor.",
    "",
  ];
}

/** docs/benchmarks.md from bench/results/latest.json and the hand-written analysis (bench/analysis.md). */
export function renderBenchmarks(results: BenchResults, analysis: string): string {
  const s = results.sections;
  const parts: string[][] = [
    [
      "# Benchmarks",
      "",
      "Generated by `npm run bench` from `bench/results/latest.json`; do not edit by hand (the analysis comes",
      "from `bench/analysis.md`). `npm run bench -- <section>...` measures some sections (http, scaling, e2e,",
      "soak, delete-objects) and keeps the others; `--quick` is a short smoke run that writes only",
      "bench/results/quick.tmp (ignored by git); `--render` rewrites this page from latest.json. A run refuses to write results",
      "when the 1-minute load average at its start exceeds the core count, unless `--force`. Everything runs on",
      "127.0.0.1 with bounded durations and stops only the processes it started.",
      "",
      "## Targets",
      "",
      ...table(
        ["target", "limit", "measured", ""],
        results.targets.map((t) => [t.name, t.target, t.measured, t.loaded ? `${t.met ? "met" : "missed"}, not judged (${t.loaded})` : t.met ? "met" : "**MISSED**"]),
      ),
      "",
      ...budgetLines(results.throughput_budget),
      analysis.trim(),
    ],
  ];
  if (s.http) parts.push(skipped(s.http) ? ["## Authorizer over HTTP", "", `Skipped: ${s.http.skipped}.`] : httpSection(s.http));
  if (s.scaling) parts.push(skipped(s.scaling) ? ["## Scaling (in-process)", "", `Skipped: ${s.scaling.skipped}.`] : scalingSection(s.scaling));
  if (s.e2e) parts.push(endToEndSection(s.e2e));
  if (s.soak) parts.push(skipped(s.soak) ? ["## Soak", "", `Skipped: ${s.soak.skipped}.`] : soakSection(s.soak));
  const deleteObjects = s["delete-objects"];
  if (deleteObjects) parts.push(skipped(deleteObjects) ? ["## DeleteObjects bodies: attack vs valid", "", `Skipped: ${deleteObjects.skipped}.`] : deleteObjectsSection(deleteObjects));
  return `${parts.map((p) => p.join("\n")).join("\n\n")}\n`;
}
