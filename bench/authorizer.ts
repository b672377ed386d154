import { mkdirSync, readdirSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { AUTHORIZER_VARIABLES } from "../src/contracts/authorizer-environment";
import { headerSignedGet, type BoundClient } from "./bound-client";
import { summarizeProfile, type ProfileSummary } from "./cpu-profile";
import { allAnswered, openLoop, type OpenLoopResult } from "./open-loop";
import { BENCH_TASK_ROLE, startAuthorizer, startNullServer, startStaticAnswerServer, type ServerProcess } from "./processes";
import { median, round } from "./stats";
import { wrk, type WrkResult } from "./wrk";

/**
 * Rounds of closed-loop runs in a full run, each running the null server, the authorizer and the
 * replayed answer once: six, so that each server takes each place twice and each comes before each
 * other as often as after (`roundOrder`). `--quick` takes one.
 */
export const CLOSED_LOOP_ROUNDS = 6;

/** Connections of the closed-loop runs (wrk -t1). */
export const CONNECTIONS = 8;
/** Rates of the fixed-rate runs, requests per second. */
export const FIXED_RATES = [1000, 5000] as const;
/** The request: a GetObject the token's last grant allows (docs/benchmarks.md). */
export const REQUEST_PATH = "/data/reports/q1.csv";
/**
 * Host of the header-signed request: sent as `Host` spelled exactly so (wrk then adds none of its
 * own), since the client's signature covers it.
 */
export const SIGNED_HOST = "gateway.example.com";

export interface HttpSetup {
  readonly mainJs: string;
  readonly jwksPath: string;
  readonly token: string;
  /** Grants in `token`, the last one matching the request. */
  readonly tokenGrants: number;
  /** Bound credentials for the same grants as `token`, and the binding keys that open them. */
  readonly bound: BoundClient;
  readonly dir: string;
  readonly quick: boolean;
}

export interface ClosedLoopRow {
  readonly rps: number;
  readonly p50_us: number;
  readonly p99_us: number;
  /**
   * The server's CPU time (user + system, /proc) over the measured run per request answered. Less
   * sensitive than req/s to other work on the machine: the ratio of these predicts the req/s ratio
   * of a server that is CPU-bound.
   */
  readonly cpu_us_per_request: number;
}

export interface FixedRateRow {
  readonly server: "null" | "authorizer";
  readonly rate: number;
  readonly seconds: number;
  readonly p50_us: number;
  readonly p99_us: number;
  readonly p999_us: number;
  readonly max_us: number;
  readonly answered: number;
  readonly failed: number;
  readonly non2xx: number;
  readonly sender_lag_p99_us: number;
}

/** One round of the closed-loop runs: each server once, back to back, all processes up throughout. */
export interface ClosedLoopRound {
  readonly baseline: ClosedLoopRow;
  readonly cached: ClosedLoopRow;
  /** The replayed answer (`static_answer`); absent from results measured before it ran in the rounds. */
  readonly static_answer?: ClosedLoopRow;
}

export interface HttpResults {
  readonly seconds: number;
  readonly connections: number;
  /** Grants in the token of every request (the last one matching). Absent from results measured before it was recorded (they used 100). */
  readonly token_grants?: number;
  /** The null server and the authorizer's cache hits: each field the median of `rounds`. */
  readonly baseline: ClosedLoopRow;
  readonly cached: ClosedLoopRow;
  /**
   * The closed-loop runs in rounds, every process up throughout: a ratio is taken within each round
   * and the targets use the median ratio, so a disturbance of the machine weighs on one round, not on
   * one side of the comparison. Rounds measured before the replayed answer existed are pairs of the
   * null server and the authorizer, the order alternating; the first with the floor in them, five
   * rounds of the three rotating; since, six rounds, one in each order (`roundOrder`). Absent from
   * results measured before pairs were taken.
   */
  readonly rounds?: readonly ClosedLoopRound[];
  readonly uncached: ClosedLoopRow;
  /**
   * Cache hits with no upstream signer: allowed checks answered unsigned, which S3 would refuse.
   * Informative only, to show what the signing costs. Absent from results measured before the
   * headline rows were signed.
   */
  readonly unsigned?: ClosedLoopRow;
  /**
   * Cache hits of a bound token replaying one header-signed GET, the authorizer in
   * RAJEE_CLIENT_SIGNATURES=required with its binding keys (as staging and prod run): the client's
   * signature is verified on every check. Informative, not a target. Absent from results measured
   * before it existed.
   */
  readonly bound_header_signed?: ClosedLoopRow;
  /**
   * The floor under the cache-hit row: a node:http server answering every request with one of the
   * authorizer's signed answers, replayed byte for byte (same headers, same 1 KB session token, same
   * body), and doing nothing else; run in each round beside the other two, each field the median of
   * the rounds (one run after the rounds in the first results that held it). The CPU between it and
   * the cache-hit row is the authorizer's beyond answering: its own work per check (reading it,
   * judging, logging, counting, signing) and what the kernel spends because that work makes it slower. Informative, not a target. Absent from results measured before
   * it existed.
   */
  readonly static_answer?: ClosedLoopRow;
  /** Authorizer RSS right after the cache-hit run, MiB. */
  readonly rss_mib: number;
  readonly fixed_rate: FixedRateRow[];
  /** Where the authorizer's CPU went during a cache-hit wrk run (`node --cpu-prof`). */
  readonly profile: ProfileSummary & { readonly seconds: number };
}

/** The request id of every request, as Envoy always sends one. */
const REQUEST_ID = "0f9e5a4c-bench";

/** Headers of every request: the token, and a request id as Envoy always sends one. */
export function requestHeaders(token: string): Record<string, string> {
  return { "x-amz-security-token": token, "x-request-id": REQUEST_ID };
}

/**
 * Headers of the header-signed request for wrk: the signed ones (host as `Host`, which wrk then
 * does not add again) and the request id, unsigned as Envoy adds it.
 */
export function signedRequestHeaders(signed: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed)) if (value !== undefined) headers[name === "host" ? "Host" : name] = value;
  return { ...headers, "x-request-id": REQUEST_ID };
}

/** Every order of `items`, each once: n! lists, the first `items` itself. Pure. */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/**
 * The order of round `round` of the closed loop: the orders of `servers` in turn, so that over
 * n! rounds each server takes each place equally often and each comes before each other as often as
 * after. Pure.
 */
export function roundOrder<T>(servers: readonly T[], round: number): T[] {
  const orders = permutations(servers);
  return orders[((round % orders.length) + orders.length) % orders.length] as T[];
}

/** Each field's median over the rows (the middle one of an odd count, the mean of the middle two of an even one). */
export function medianRow(rows: readonly ClosedLoopRow[]): ClosedLoopRow {
  const of = (field: keyof ClosedLoopRow) => round(median(rows.map((row) => row[field])));
  return { rps: Math.round(median(rows.map((row) => row.rps))), p50_us: of("p50_us"), p99_us: of("p99_us"), cpu_us_per_request: of("cpu_us_per_request") };
}

const closed = (r: WrkResult & { cpuUs: number }): ClosedLoopRow => ({ rps: Math.round(r.requestsPerSecond), p50_us: round(r.p50Us), p99_us: round(r.p99Us), cpu_us_per_request: round(r.cpuUs / r.requests) });

function fixed(server: FixedRateRow["server"], seconds: number, r: OpenLoopResult): FixedRateRow {
  return {
    server,
    rate: r.ratePerSecond,
    seconds,
    p50_us: round(r.p50Us),
    p99_us: round(r.p99Us),
    p999_us: round(r.p999Us),
    max_us: round(r.maxUs),
    answered: r.answered,
    failed: r.failed,
    non2xx: r.non2xx,
    sender_lag_p99_us: round(r.senderLagP99Us),
  };
}

async function withServer<T>(start: () => Promise<ServerProcess>, use: (server: ServerProcess) => Promise<T>): Promise<T> {
  const server = await start();
  try {
    return await use(server);
  } finally {
    await server.stop();
  }
}

/**
 * Checks one answer before a run (and returns it): allowed, and signed for S3 by the bench task role (or, for the
 * unsigned row, not signed), so a run can never publish one configuration's figures as another's.
 */
export async function mustSign(name: string, url: string, headers: Readonly<Record<string, string>>, signed: boolean): Promise<CheckAnswer> {
  const answer = await new Promise<CheckAnswer & { status: number; authorization: string | undefined }>((resolve, reject) => {
    // A connection of its own (no keep-alive agent): a socket kept from the previous round may have been closed by the server.
    const request = get(url, { headers: { ...headers }, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, authorization: response.headers.authorization, rawHeaders: response.rawHeaders, body: Buffer.concat(chunks) }));
    });
    request.on("error", reject);
  });
  const byTaskRole = answer.authorization?.startsWith(`AWS4-HMAC-SHA256 Credential=${BENCH_TASK_ROLE.accessKeyId}/`) === true;
  if (answer.status !== 200 || byTaskRole !== signed || (!signed && answer.authorization !== undefined)) {
    throw new Error(`${name}: expected a 200 ${signed ? "signed by the bench task role" : "without a signature"}, got ${answer.status} with authorization ${answer.authorization === undefined ? "absent" : "present"}`);
  }
  return { rawHeaders: answer.rawHeaders, body: answer.body };
}

/** One answer of a check server: its headers as `rawHeaders` lists them, and its body. */
export interface CheckAnswer {
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

/** Answer headers node:http adds to every answer of its own accord (RFC 9110 `Date`, and the connection's): a replay leaves them to Node. */
const PER_ANSWER_HEADERS = new Set(["date", "connection", "keep-alive"]);

/**
 * The headers of an answer, as `rawHeaders` lists them, that a server replaying it must send itself:
 * every one but those node:http adds to each answer. A flat `[name, value, ...]` list; pure.
 */
export function replayableAnswerHeaders(rawHeaders: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (!PER_ANSWER_HEADERS.has((rawHeaders[i] as string).toLowerCase())) kept.push(rawHeaders[i] as string, rawHeaders[i + 1] as string);
  }
  return kept;
}

function mustAllow(name: string, r: WrkResult): WrkResult {
  if (r.non2xx > 0) throw new Error(`${name}: ${r.non2xx} of ${r.requests} answers were not 2xx; the benchmark request must be allowed`);
  return r;
}

/**
 * The authorizer over HTTP on 127.0.0.1 against a null node:http server, same request, same run:
 * wrk closed loop at CONNECTIONS connections (throughput, p50/p99), the open-loop sender at
 * FIXED_RATES (p50/p99/p99.9 corrected for coordinated omission), a closed-loop run of a bound
 * token's header-signed request against the authorizer in `required` mode, then a profiled
 * cache-hit run.
 */
export async function runHttp(setup: HttpSetup): Promise<HttpResults> {
  const seconds = setup.quick ? 2 : 10;
  const warmSeconds = setup.quick ? 1 : 2;
  const fixedSeconds = setup.quick ? 1 : 10;
  const headers = requestHeaders(setup.token);
  const authorizer =
    (env: Record<string, string> = {}, nodeArgs: string[] = [], upstreamSigning = true) =>
    () =>
      startAuthorizer({ mainJs: setup.mainJs, jwksPath: setup.jwksPath, env, nodeArgs, upstreamSigning });

  const load = async (name: string, server: ServerProcess, withHeaders = headers, signed?: boolean) => {
    const run = { url: `${server.url}${REQUEST_PATH}`, connections: CONNECTIONS, headers: withHeaders };
    if (signed !== undefined) await mustSign(name, run.url, withHeaders, signed);
    mustAllow(name, wrk({ ...run, seconds: warmSeconds }));
    const cpuBefore = server.cpuUs();
    const result = mustAllow(name, wrk({ ...run, seconds }));
    return { ...result, cpuUs: server.cpuUs() - cpuBefore };
  };
  const rates = async (name: FixedRateRow["server"], server: ServerProcess) => {
    const rows: FixedRateRow[] = [];
    for (const rate of FIXED_RATES) {
      const run = { url: `${server.url}${REQUEST_PATH}`, headers, ratePerSecond: rate };
      await openLoop({ ...run, seconds: setup.quick ? 0.5 : 1 });
      const result = allAnswered(`${name} at ${rate}/s`, await openLoop({ ...run, seconds: fixedSeconds }));
      rows.push(fixed(name, fixedSeconds, result));
    }
    return rows;
  };

  const pairs = await withServer(startNullServer, (nullServer) =>
    withServer(authorizer(), async (authorizerServer) => {
      const answer = await mustSign("authorizer", `${authorizerServer.url}${REQUEST_PATH}`, headers, true);
      return withServer(
        () => startStaticAnswerServer({ headers: replayableAnswerHeaders(answer.rawHeaders), body: answer.body }),
        async (floorServer) => {
          const runs: Record<keyof ClosedLoopRound, () => Promise<ClosedLoopRow>> = {
            baseline: async () => closed(await load("null server", nullServer)),
            cached: async () => closed(await load("authorizer", authorizerServer, headers, true)),
            static_answer: async () => closed(await load("null server replaying the authorizer's answer", floorServer)),
          };
          const rounds: Required<ClosedLoopRound>[] = [];
          for (let round = 0; round < (setup.quick ? 1 : CLOSED_LOOP_ROUNDS); round++) {
            // Each round a different order of the three, so a drift of the machine during the run favours none.
            const measured: Partial<Record<keyof ClosedLoopRound, ClosedLoopRow>> = {};
            for (const name of roundOrder(["baseline", "cached", "static_answer"] as const, round)) measured[name] = await runs[name]();
            rounds.push(measured as Required<ClosedLoopRound>);
          }
          return { rounds, rss: authorizerServer.rssMiB(), fixed: [...(await rates("null", nullServer)), ...(await rates("authorizer", authorizerServer))] };
        },
      );
    }),
  );
  const bound = await withServer(
    authorizer({ [AUTHORIZER_VARIABLES.clientSignatures]: "required", [AUTHORIZER_VARIABLES.bindingKeysFile]: setup.bound.bindingKeysPath }),
    // Signed now, replayed for the whole run: inside the verifier's 15-minute clock skew throughout.
    async (server) => load("authorizer, bound token", server, signedRequestHeaders((await headerSignedGet(setup.bound, SIGNED_HOST, REQUEST_PATH)).headers), true),
  );
  const uncached = await withServer(authorizer({ [AUTHORIZER_VARIABLES.tokenCacheSize]: "0" }), (server) => load("authorizer without cache", server, headers, true));
  const unsigned = await withServer(authorizer({}, [], false), (server) => load("authorizer without upstream signer", server, headers, false));

  const profileDir = join(setup.dir, "cpu-profile");
  mkdirSync(profileDir, { recursive: true });
  const profileSeconds = setup.quick ? 1 : 8;
  await withServer(authorizer({}, ["--cpu-prof", `--cpu-prof-dir=${profileDir}`]), async (server) => {
    const run = { url: `${server.url}${REQUEST_PATH}`, connections: CONNECTIONS, headers };
    // The profile is of the authorizer as deployed: signed answers, and no refusal standing in for the work.
    await mustSign("authorizer under the profiler", run.url, headers, true);
    mustAllow("authorizer under the profiler", wrk({ ...run, seconds: warmSeconds }));
    mustAllow("authorizer under the profiler", wrk({ ...run, seconds: profileSeconds }));
  });
  const profileFile = readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
  if (!profileFile) throw new Error(`no .cpuprofile written in ${profileDir}`);

  return {
    seconds,
    connections: CONNECTIONS,
    token_grants: setup.tokenGrants,
    baseline: medianRow(pairs.rounds.map((r) => r.baseline)),
    cached: medianRow(pairs.rounds.map((r) => r.cached)),
    static_answer: medianRow(pairs.rounds.map((r) => r.static_answer)),
    rounds: pairs.rounds,
    uncached: closed(uncached),
    unsigned: closed(unsigned),
    bound_header_signed: closed(bound),
    rss_mib: round(pairs.rss),
    fixed_rate: pairs.fixed,
    profile: { seconds: profileSeconds, ...summarizeProfile(join(profileDir, profileFile), 12) },
  };
}
