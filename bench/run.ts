import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { quietSdkNodeVersionWarning } from "../bin/issuer-call";
import { bundleAuthorizer } from "../handlers/authorizer/bundle";
import { generateSigningKeyPair } from "../src/keys/generate";
import { mintToken } from "../src/token/mint";
import { runHttp, type HttpSetup } from "./authorizer";
import { grantsOf, HTTP_TOKEN_GRANTS } from "./grants";
import { boundClient } from "./bound-client";
import { runDeleteObjects } from "./delete-objects";
import { runEndToEnd } from "./end-to-end";
import { BENCH_SESSION_TOKEN_CHARS, cleanUpAll } from "./processes";
import { clientSignatureLines, held, PERCENTILES, renderBenchmarks, senderBound, SOAK_SVG } from "./report";
import { LIMITS, mergeSections, notMeasured, SECTION_NAMES, summarize, type BenchResults, type RunContext, type SectionName } from "./results";
import { runScaling } from "./scaling";
import { runSoak } from "./soak";
import { lineChartSvg } from "./svg-plot";
import { wrkInstalled } from "./wrk";

const ROOT = join(__dirname, "..");
const LATEST = join(__dirname, "results", "latest.json");
const QUICK = join(__dirname, "results", "quick.tmp");
const ANALYSIS = join(__dirname, "analysis.md");
const DOC = join(ROOT, "docs", "benchmarks.md");
const USAGE = `usage: npm run bench -- [--quick] [--force] [${SECTION_NAMES.join("|")}]...
       npm run bench -- --render
  (no section)  every section (about 10 minutes on 2 cores; needs wrk, and moto_server for e2e)
  --quick       short smoke run (under a minute); writes only bench/results/quick.tmp
  --force       write results even when the 1-minute load average exceeds the core count
  --render      rewrite docs/benchmarks.md (and the soak plot) from bench/results/latest.json; measure nothing
  --help        this text
A section that cannot be measured (a tool missing, or a failure) keeps its previous results and
makes the run exit 1.
`;

/** The HTTP section's grants, the last one matching the benchmark request: a scan would read them all. */
const GRANTS = grantsOf(HTTP_TOKEN_GRANTS);

/** The checkout's commit and whether tracked files other than the bench's outputs and prose (docs/, Markdown) differ from it; undefined outside a git checkout. */
function commit(): RunContext["commit"] {
  const git = (...args: string[]) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
  const head = git("rev-parse", "--short=12", "HEAD");
  if (head.status !== 0) return undefined;
  // The bench's own outputs and the prose (its analysis, the docs) are not the code measured: a run after a run, or beside an edit of the docs, is not "dirty".
  const changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results", ":!docs", ":!*.md");
  return { sha: head.stdout.trim(), dirty: changed.stdout.trim() !== "" };
}

function machine(): RunContext["machine"] {
  return { cpus: cpus().length, cpu_model: cpus()[0]?.model.trim() ?? "unknown CPU", node: process.version, platform: `${process.platform}-${process.arch}` };
}

const readLatest = (): BenchResults | undefined => {
  try {
    return JSON.parse(readFileSync(LATEST, "utf8")) as BenchResults;
  } catch {
    return undefined;
  }
};

/** docs/benchmarks.md and the soak plot from results. */
function writeDocs(results: BenchResults): void {
  writeFileSync(DOC, renderBenchmarks(results, readFileSync(ANALYSIS, "utf8")));
  const soak = results.sections.soak;
  if (soak && !("skipped" in soak)) {
    const t = (s: { t: number }) => s.t;
    writeFileSync(
      join(ROOT, "docs", SOAK_SVG),
      lineChartSvg(`Authorizer at ${soak.rate} req/s for ${soak.seconds} s (${soak.context.measured_at.slice(0, 10)})`, [
        { label: "Resident set size", unit: "MiB", points: soak.samples.map((s) => [t(s), s.rss_mib]), limit: { value: LIMITS.rssMiB, label: `target ${LIMITS.rssMiB} MiB` } },
        { label: "Event-loop delay p99 per second", unit: "ms", points: soak.samples.flatMap((s) => (s.loop_p99_ms === null ? [] : [[t(s), s.loop_p99_ms] as [number, number]])) },
      ]),
    );
  }
}

function printTable(results: BenchResults): void {
  const lines = [
    "",
    "target".padEnd(56) + "limit".padEnd(16) + "measured",
    ...results.targets.map((t) => `${t.name.padEnd(56)}${t.target.padEnd(16)}${t.measured}${t.met ? "" : "   MISSED"}${t.loaded ? ` (not judged: ${t.loaded})` : ""}`),
  ];
  const http = results.sections.http;
  if (http && !("skipped" in http) && http.unsigned) {
    lines.push(
      "",
      `authorizer rows: upstream signer on, as deployed (task-role credentials, a ${BENCH_SESSION_TOKEN_CHARS}-character session token);`,
      `without it (not deployable): ${http.unsigned.rps} req/s, ${(http.unsigned.rps / http.baseline.rps).toFixed(3)}x of the null server, ${http.unsigned.cpu_us_per_request} µs CPU per request`,
    );
  }
  const budget = results.throughput_budget;
  if (budget) {
    lines.push(
      "",
      `CPU per request at the ${LIMITS.throughputRatio}x target (http measured ${budget.measured_at.http.slice(11, 16)}, scaling ${budget.measured_at.scaling.slice(11, 16)} UTC; ${budget.rounds > 1 ? `medians over ${budget.rounds} rounds, each worked out within its round` : "the floor from one run"}):`,
      `  allowed ${budget.per_request_at_target_us} µs; the null server replaying a signed answer ${budget.static_answer_us} µs; left ${Math.max(budget.left_us, 0)} µs`,
      `  the authorizer ${budget.authorizer_us} µs, ${Math.max(budget.own_work_us, 0)} µs beyond answering (check and signature in-process: ${budget.in_process_us} µs)`,
      `  ${budget.cut_percent === 0 ? "within the budget" : `about ${budget.cut_percent} % of the CPU beyond answering would have to go`}`,
    );
  }
  if (http && !("skipped" in http)) {
    lines.push("", "fixed rate".padEnd(30) + "p50 µs".padStart(10) + "p99 µs".padStart(10) + "p99.9 µs".padStart(10));
    for (const r of http.fixed_rate) lines.push(`${`${r.server} ${r.rate}/s`.padEnd(30)}${String(r.p50_us).padStart(10)}${`${senderBound(r) ? "† " : ""}${r.p99_us}`.padStart(10)}${String(r.p999_us).padStart(10)}`);
    if (http.fixed_rate.some(senderBound)) lines.push("† the sender's own lag p99 is at least half this p99: the load generator set this tail as much as the server did");
  }
  if (results.decide_us) lines.push("", `decide µs by grant count: ${JSON.stringify(results.decide_us)}`);
  if (results.verify_cached_us) lines.push(`verify µs cached ${JSON.stringify(results.verify_cached_us)}, uncached ${JSON.stringify(results.verify_uncached_us)}`);
  lines.push(...clientSignatureLines(results));
  const e2e = results.sections.e2e;
  if (e2e && !("skipped" in e2e)) {
    lines.push("", "whole path".padEnd(16) + "overhead p50 / p95 / p99 (ms)".padEnd(36) + "MB/s direct / gateway");
    for (const r of e2e.rows) {
      const overhead = PERCENTILES.map((p) => held(r, p, r.overhead_ms[p]) ?? "-").join(" / ");
      lines.push(`${`${r.operation} ${r.size}`.padEnd(16)}${`${overhead}`.padEnd(36)}${r.bytes >= 1024 ** 2 ? `${r.direct_mb_s} / ${r.gateway_mb_s}` : "-"}`);
    }
    if (e2e.rows.some((r) => held(r, "p99", r.overhead_ms.p99) === undefined)) lines.push("(-: too few transfers for that percentile: 20 for a p95, 100 for a p99)");
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** One section's results (or why it was skipped). */
async function runSection(name: SectionName, setup: HttpSetup): Promise<object> {
  switch (name) {
    case "http":
      return wrkInstalled() ? runHttp(setup) : { skipped: "wrk is not installed (apt-get install -y wrk)" };
    case "scaling":
      return runScaling(setup.dir, setup.quick);
    case "e2e":
      return runEndToEnd(setup.dir, setup.quick);
    case "soak":
      return runSoak(setup);
    case "delete-objects":
      return runDeleteObjects(setup.dir);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith("--")));
  const names = argv.filter((a) => !a.startsWith("--"));
  const unknown = [...[...flags].filter((f) => !["--quick", "--force", "--render", "--help"].includes(f)), ...names.filter((n) => !SECTION_NAMES.includes(n as SectionName))];
  if (flags.has("--help") || unknown.length > 0) {
    process.stderr.write(`${unknown.length > 0 ? `bench: unknown ${unknown.join(", ")}\n` : ""}${USAGE}`);
    return unknown.length > 0 ? 2 : 0;
  }
  if (flags.has("--render")) {
    if (names.length > 0 || flags.size > 1) {
      process.stderr.write(`bench: --render rewrites the whole page from ${LATEST} and measures nothing; it takes no sections or other flags (got ${[...flags].filter((f) => f !== "--render").concat(names).join(", ")})\n`);
      return 2;
    }
    const latest = readLatest();
    if (!latest) throw new Error(`${LATEST} is missing: run npm run bench first`);
    // The targets are derived again, so a change in how they are judged reaches the page.
    const results = summarize(latest.sections, latest.generated_at, latest.machine, latest.load_average);
    writeFileSync(LATEST, `${JSON.stringify(results, null, 2)}\n`);
    writeDocs(results);
    process.stdout.write(`${DOC} rewritten from ${LATEST}\n`);
    return 0;
  }
  // The SDK's eight-line Node 20 notice, from the e2e clients and the authorizers this run starts, is not a figure.
  quietSdkNodeVersionWarning();
  const quick = flags.has("--quick");
  const load = loadavg().map((n) => Math.round(n * 100) / 100);
  const overloaded = (load[0] as number) > cpus().length;
  const publish = !quick && (!overloaded || flags.has("--force"));
  if (overloaded) {
    process.stderr.write(
      `bench: the 1-minute load average is ${load[0]} on ${cpus().length} cores: figures will be noisy. ` +
        (flags.has("--force") ? "Writing results anyway (--force).\n" : "Results go to bench/results/quick.tmp, not docs/ (pass --force to write them).\n"),
    );
  }
  const wanted = names.length > 0 ? (names as SectionName[]) : SECTION_NAMES;
  const code = commit();
  const context = (): RunContext => ({ measured_at: new Date().toISOString(), machine: machine(), load_average_start: loadavg().map((n) => Math.round(n * 100) / 100), ...(code ? { commit: code } : {}) });

  const dir = mkdtempSync(join(tmpdir(), "rajee-bench-"));
  // The folder holds the bundle, JWKS and private keys: an interrupted run (process.exit) removes it too.
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once("exit", removeDir);
  const sections: Record<string, object> = {};
  const failedSections: string[] = [];
  try {
    const pair = await generateSigningKeyPair();
    const jwksPath = join(dir, "jwks.json");
    writeFileSync(jwksPath, JSON.stringify({ keys: [pair.publicKey] }));
    const token = await mintToken({ key: pair.privateKey, subject: "bench", grants: GRANTS, ttlSeconds: 3600, issuer: "rajee", audience: "rajee" });
    const needsBundle = wanted.includes("http") || wanted.includes("soak");
    const bound = await boundClient(dir, pair.privateKey, GRANTS);
    const setup: HttpSetup = { mainJs: needsBundle ? bundleAuthorizer(join(dir, "app")).files.main.path : "", jwksPath, token, tokenGrants: GRANTS.length, bound, dir, quick };
    for (const name of wanted) {
      process.stdout.write(`== ${name}${quick ? " (quick)" : ""}\n`);
      const started = context();
      try {
        sections[name] = { ...(await runSection(name, setup)), context: started };
      } catch (error) {
        // One failed section must not lose the others: it is reported as failed, the run exits 1.
        failedSections.push(name);
        process.stderr.write(`bench: ${name} failed: ${(error as Error).stack ?? String(error)}\n`);
        sections[name] = { skipped: `failed: ${(error as Error).message.split("\n")[0]}`, context: started };
        await cleanUpAll();
      }
    }
  } finally {
    await cleanUpAll();
    removeDir();
    process.removeListener("exit", removeDir);
  }

  const { sections: merged, kept } = mergeSections((publish ? readLatest()?.sections : undefined) ?? {}, sections);
  const results = summarize(merged, new Date().toISOString(), machine(), load);
  printTable(results);
  const unmeasured = notMeasured(sections, kept);
  if (unmeasured.length > 0) process.stderr.write(`bench: not measured: ${unmeasured.join("; ")}\n`);
  const exitCode = unmeasured.length > 0 ? 1 : 0;
  mkdirSync(join(__dirname, "results"), { recursive: true });
  if (!publish) {
    writeFileSync(QUICK, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\nresults written to ${QUICK} (not published: ${quick ? "--quick" : "machine overloaded"})\n`);
    return exitCode;
  }
  writeFileSync(LATEST, `${JSON.stringify(results, null, 2)}\n`);
  writeDocs(results);
  process.stdout.write(`\nresults written to ${LATEST} and ${DOC}\n`);
  if (failedSections.length > 0) process.stderr.write(`bench: failed sections (see above): ${failedSections.join(", ")}\n`);
  return exitCode;
}

if (require.main === module) {
  let interrupted = false;
  const interrupt = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`bench: ${signal}: stopping the processes this run started\n`);
    void cleanUpAll().finally(() => process.exit(130));
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
      void cleanUpAll().finally(() => process.exit(1));
    },
  );
}
