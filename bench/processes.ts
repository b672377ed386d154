import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { openSync, readFileSync, closeSync } from "node:fs";
import { get } from "node:http";
import { createServer } from "node:net";
import { AUTHORIZER_VARIABLES } from "../src/contracts/authorizer-environment";
import { AUTHORIZER_READY_PATH, LOOPBACK } from "../src/contracts/gateway";

/** A server process this benchmark started: stopped by its own PID only. */
export interface ServerProcess {
  readonly pid: number;
  /** `http://127.0.0.1:<port>`: the port under load. */
  readonly url: string;
  /** Resident set size now, MiB. */
  rssMiB(): number;
  /** CPU time used so far (user + system), microseconds; NaN where /proc is missing. */
  cpuUs(): number;
  /** SIGTERM, then SIGKILL after 5 s; resolves when it exited. */
  stop(): Promise<void>;
}

/** Cleanups of what is running now (servers, the local gateway), for an interrupted run. */
const cleanups = new Set<() => Promise<void>>();

/** Registers a cleanup to run if the benchmark is interrupted; returns its removal. */
export function registerCleanup(cleanup: () => Promise<void>): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** Runs every registered cleanup (SIGINT/SIGTERM of the benchmark): each stops only what this run started. */
export async function cleanUpAll(): Promise<void> {
  await Promise.allSettled([...cleanups].map((cleanup) => cleanup()));
  cleanups.clear();
}

/** A free port on 127.0.0.1 (bound and released; the server binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, LOOPBACK, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

function ok(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(url, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    request.on("error", () => resolve(false));
    request.setTimeout(1000, () => request.destroy());
  });
}

async function waitReady(url: string, child: ChildProcess, deadlineMs = 15_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) before ${url} answered`);
    if (await ok(url)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} not ready within ${deadlineMs} ms`);
}

/** User plus system CPU time of a process, microseconds (Linux /proc; clock ticks of 1/100 s). */
export function cpuUs(pid: number): number {
  try {
    const fields = (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] as string).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

/** VmRSS of a process, MiB (Linux /proc; `ps` elsewhere). */
export function rssMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // Not Linux: ask ps.
  }
  const out = spawnSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).stdout.trim();
  return Number(out) / 1024;
}

function wrap(child: ChildProcess, port: number): ServerProcess {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const pid = child.pid as number;
  const stop = async () => {
    unregister();
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  const unregister = registerCleanup(stop);
  return { pid, url: `http://${LOOPBACK}:${port}`, rssMiB: () => rssMiB(pid), cpuUs: () => cpuUs(pid), stop };
}

/** A node:http server on loopback whose request handler is `handler` (JavaScript source of a `(q, s) => ...` function), in a process of its own. */
async function startNodeHttpServer(handler: string): Promise<ServerProcess> {
  const port = await freePort();
  const code = `require("node:http").createServer(${handler}).listen(${port}, ${JSON.stringify(LOOPBACK)}); process.on("SIGTERM", () => process.exit(0));`;
  const child = spawn(process.execPath, ["-e", code], { stdio: "ignore" });
  const server = wrap(child, port);
  try {
    await waitReady(`${server.url}/`, child);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** The reference: node:http answering 200 with an empty body, nothing else. */
export function startNullServer(): Promise<ServerProcess> {
  return startNodeHttpServer("(q, s) => s.end()");
}

/**
 * The floor of an answer: node:http answering every request 200 with `answer.headers`, a flat
 * `[name, value, ...]` list as `writeHead` takes it, and `answer.body` (e.g. one answer of the
 * authorizer's, replayed), doing no other work. Node adds `Date`, `Connection` and `Keep-Alive` to
 * each answer, as it does to the authorizer's; `headers` must not hold them. The body is written as a
 * string, as the authorizer writes its own: an empty one then takes the same path in `end` (a
 * zero-length Buffer does not, and cost the floor some 5 % of its req/s).
 */
export function startStaticAnswerServer(answer: { readonly headers: readonly string[]; readonly body: Buffer }): Promise<ServerProcess> {
  const body = JSON.stringify(answer.body.toString("base64"));
  return startNodeHttpServer(`((h, b) => (q, s) => { s.writeHead(200, h); s.end(b, "latin1"); })(${JSON.stringify(answer.headers)}, Buffer.from(${body}, "base64").toString("latin1"))`);
}

export interface AuthorizerProcessOptions {
  /** The bundled container entry, `main.js` (handlers/authorizer/bundle.ts). */
  readonly mainJs: string;
  readonly jwksPath: string;
  /** Extra `RAJEE_*` settings. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra node options before the script, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** Where stdout (log and EMF lines) goes. @default /dev/null */
  readonly stdoutPath?: string;
  /**
   * Whether allowed checks are signed for S3, as every deployment signs them (`BENCH_TASK_ROLE`
   * through the AWS SDK's environment credentials). Off only for the informative comparison row.
   * @default true
   */
  readonly upstreamSigning?: boolean;
}

/** Length of the bench task role's session token, characters: STS session tokens are about 1 KB (their size is not fixed). */
export const BENCH_SESSION_TOKEN_CHARS = 1024;

/**
 * Static credentials standing in for the ECS task role's, with a session token of
 * BENCH_SESSION_TOKEN_CHARS base64 characters: the token travels in every allowed answer and is
 * covered by every upstream signature, so its size is part of the cost measured. Random per run.
 */
export const BENCH_TASK_ROLE = {
  accessKeyId: "ASIABENCHTASKROLE000",
  secretAccessKey: randomBytes(30).toString("base64"),
  sessionToken: randomBytes((BENCH_SESSION_TOKEN_CHARS / 4) * 3).toString("base64"),
} as const;

/** The region the bench authorizer signs for (no request leaves the machine: the answer goes back to wrk). */
export const BENCH_S3_REGION = "eu-west-1";

/** The authorizer's environment for the upstream signer: the region, and BENCH_TASK_ROLE as the SDK's environment credentials. */
function upstreamSigningEnv(): Record<string, string> {
  return {
    [AUTHORIZER_VARIABLES.s3Region]: BENCH_S3_REGION,
    AWS_ACCESS_KEY_ID: BENCH_TASK_ROLE.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BENCH_TASK_ROLE.secretAccessKey,
    AWS_SESSION_TOKEN: BENCH_TASK_ROLE.sessionToken,
  };
}

/** The authorizer as the container runs it (`node main.js`), on loopback ports, rate limit off, signing allowed checks (unless told not to). */
export async function startAuthorizer(options: AuthorizerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const adminPort = await freePort();
  const out = openSync(options.stdoutPath ?? "/dev/null", "w");
  const v = AUTHORIZER_VARIABLES;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.mainJs], {
    stdio: ["ignore", out, "inherit"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      [v.jwksFile]: options.jwksPath,
      [v.listen]: `${LOOPBACK}:${port}`,
      [v.adminListen]: `${LOOPBACK}:${adminPort}`,
      [v.rateLimitPerSecond]: "0",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...(options.upstreamSigning === false ? {} : upstreamSigningEnv()),
      ...options.env,
    },
  });
  closeSync(out);
  const server = wrap(child, port);
  try {
    await waitReady(`http://${LOOPBACK}:${adminPort}${AUTHORIZER_READY_PATH}`, child);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
