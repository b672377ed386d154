import { spawnSync } from "node:child_process";

/** One closed-loop run of wrk: a fixed number of connections, each sending its next request when the last is answered. */
export interface WrkResult {
  readonly requestsPerSecond: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly non2xx: number;
  readonly requests: number;
}

export interface WrkRun {
  readonly url: string;
  readonly seconds: number;
  readonly connections: number;
  readonly headers: Readonly<Record<string, string>>;
}

function micros(text: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!match) throw new Error(`wrk latency ${text} not understood`);
  return Number(match[1]) * { us: 1, ms: 1000, s: 1_000_000 }[match[2] as "us" | "ms" | "s"];
}

/** Reads wrk's `--latency` report. */
export function parseWrk(out: string): WrkResult {
  const line = (re: RegExp) => {
    const match = re.exec(out);
    if (!match) throw new Error(`wrk output lacks ${re}: ${out}`);
    return match[1] as string;
  };
  return {
    requestsPerSecond: Number(line(/Requests\/sec:\s+([\d.]+)/)),
    p50Us: micros(line(/^\s+50%\s+(\S+)/m)),
    p99Us: micros(line(/^\s+99%\s+(\S+)/m)),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    requests: Number(line(/(\d+) requests in /)),
  };
}

export function wrkInstalled(): boolean {
  return !spawnSync("wrk", ["--version"]).error;
}

/**
 * Runs wrk (one thread: the machine's other core serves). Header names are sent as given; never pass
 * `host` (wrk adds its own, and a second Host header is refused as a duplicate). `Host`, spelled
 * exactly so, replaces wrk's own (its wrk.lua adds one only when `wrk.headers["Host"]` is unset).
 */
export function wrk(run: WrkRun): WrkResult {
  const headerArgs = Object.entries(run.headers).flatMap(([name, value]) => ["-H", `${name}: ${value}`]);
  const args = ["-t1", `-c${run.connections}`, `-d${run.seconds}s`, "--latency", ...headerArgs, run.url];
  const result = spawnSync("wrk", args, { encoding: "utf8", timeout: (run.seconds + 30) * 1000 });
  if (result.status !== 0) throw new Error(`wrk failed (${result.status ?? result.signal}): ${result.stderr}`);
  return parseWrk(result.stdout);
}
