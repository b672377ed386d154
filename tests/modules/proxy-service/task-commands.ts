/**
 * Helpers that run the task definition's own shell commands (health checks, Envoy's entrypoint)
 * the way ECS and Docker run them, against local stand-ins for their peers.
 */
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from "node:net";
import { join } from "node:path";
import type { Construct } from "constructs";
import { envoyCommand, type EnvoySettings } from "../../../envoy-templates";
import type { Json } from "../../../envoy-templates/bootstrap";
import { ProxyService } from "../../../modules/proxy-service/proxy-service";
import { onlyResource, synth } from "../synth";
import { proxyServiceProps } from "./props";

/** Whether `bash` runs here; the commands under test are bash. */
export function bashMissing(): string | undefined {
  const probe = spawnSync("bash", ["-c", "echo ${BASH_VERSINFO[0]}"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return "bash is not on PATH; the task's health checks and Envoy entrypoint are bash scripts";
  if (Number(probe.stdout.trim()) < 5) return `bash ${probe.stdout.trim()} is older than 5 (the fake envoy reads $EPOCHREALTIME)`;
  return undefined;
}

/** What Terraform hands the provider for a literal string: `$${` is `${`, `%%{` is `%{`. */
export function unescapeTerraform(text: string): string {
  return text.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
}

/** The container definitions of a synthesized `aws_ecs_task_definition` as ECS receives them, by name. */
export function containersOf(task: Record<string, unknown>): Record<string, ContainerDefinition> {
  const definitions = JSON.parse(unescapeTerraform(task.container_definitions as string)) as ContainerDefinition[];
  return Object.fromEntries(definitions.map((d) => [d.name as string, d]));
}

/**
 * The gateway's `aws_ecs_task_definition` for `settings` as synthesized Terraform JSON, built through
 * ProxyService with the Envoy-side values passed exactly as `stacks/environment-stack.ts` passes
 * them, so tests can choose free ports.
 */
export function synthesizeGatewayTask(settings: EnvoySettings): Record<string, unknown> {
  const synthesized = synth(
    (scope: Construct) =>
      new ProxyService(
        scope,
        "proxy-service",
        proxyServiceProps({
          envoyCommand: envoyCommand(settings),
          authorizer: { ...proxyServiceProps().authorizer, s3Region: settings.s3Region, s3Endpoint: settings.s3Endpoint },
          listenerPort: settings.listenerPort,
          healthPort: settings.healthPort,
          livePath: settings.livePath,
          authorizerPort: settings.authorizerPort,
          authorizerAdminPort: settings.authorizerAdminPort,
          envoyStopTimeoutSeconds: settings.stopTimeoutSeconds,
        }),
      ),
  );
  return onlyResource(synthesized, "aws_ecs_task_definition");
}

/** The gateway task's container definitions for `settings`, by name, as ECS receives them. */
export function gatewayTask(settings: EnvoySettings): Record<string, ContainerDefinition> {
  return containersOf(synthesizeGatewayTask(settings));
}

/** argv of a container health check as Docker runs it: `CMD` execs the rest as given; `CMD-SHELL` runs it with `/bin/sh -c`. */
export function healthCheckArgv(container: ContainerDefinition): string[] {
  const [form, ...rest] = container.healthCheck?.command ?? [];
  if (form === "CMD") return rest;
  if (form === "CMD-SHELL") return ["/bin/sh", "-c", rest.join(" ")];
  throw new Error(`${container.name}: health check command starts with ${JSON.stringify(form)}, not CMD or CMD-SHELL`);
}

/** The environment ECS gives a container, as a plain object. */
export function environmentOf(container: ContainerDefinition): Record<string, string> {
  return Object.fromEntries((container.environment ?? []).map((e) => [e.name as string, e.value as string]));
}

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the safety timer had to kill it: the command did not end by itself. */
  readonly killed: boolean;
}

export interface Started {
  readonly pid: number;
  readonly finished: Promise<Finished>;
  signal(name: NodeJS.Signals): void;
}

/**
 * Starts argv as a container runtime does (argv[0] looked up on PATH, only the given environment),
 * asynchronously so stubs in this process keep answering. A safety timer kills it (SIGKILL) after
 * `safetyMs`; `killed` then says so.
 */
export function start(argv: readonly string[], env: Record<string, string>, safetyMs = 15_000): Started {
  const [file, ...args] = argv;
  if (!file) throw new Error("empty argv");
  const child = spawn(file, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let killed = false;
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => {
    killed = true;
    child.kill("SIGKILL");
  }, safetyMs);
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, killed });
    });
  });
  return { pid: child.pid as number, finished, signal: (name) => void child.kill(name) };
}

export const run = (argv: readonly string[], env: Record<string, string> = {}, safetyMs?: number): Promise<Finished> => start(argv, env, safetyMs).finished;

/** `count` distinct ports that were free a moment ago on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<NetServer>((resolve, reject) => {
      const server = createNetServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** A server on 127.0.0.1 the tests start and stop. */
export interface Stub {
  close(): Promise<void>;
}

function listenOn(server: Server | NetServer, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
}

function closer(server: Server | NetServer, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

function tracked(server: Server | NetServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return sockets;
}

/** A server that accepts connections and never answers: a hung process. */
export async function startSilentServer(port: number): Promise<Stub> {
  const server = createNetServer(() => undefined);
  const sockets = tracked(server);
  await listenOn(server, port);
  return { close: closer(server, sockets) };
}

/** A server that writes `response` verbatim to every connection, then closes it. */
export async function startRawServer(port: number, response: () => string): Promise<Stub> {
  const server = createNetServer((socket) => {
    socket.once("data", () => socket.end(response()));
    socket.on("error", () => undefined);
  });
  const sockets = tracked(server);
  await listenOn(server, port);
  return { close: closer(server, sockets) };
}

/** What the health listener's routing is, read from the rendered bootstrap. */
export interface HealthListenerModel {
  /** Exact `:path` the health_check filter (pass_through_mode false) answers itself. */
  readonly readyPath: string;
  /** The route table in order: an exact path or a prefix, and the direct response status. */
  readonly routes: readonly { readonly path?: string; readonly prefix?: string; readonly status: number }[];
}

type JsonObject = { [key: string]: Json };
const field = (value: Json | undefined, key: string): Json | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as JsonObject)[key] : undefined;
const list = (value: Json | undefined): Json[] => (Array.isArray(value) ? value : []);

/** Reads the health listener's health-check path and routes from the bootstrap object. */
export function healthListenerModel(bootstrap: JsonObject, listenerName: string): HealthListenerModel {
  const listener = list(field(field(bootstrap, "static_resources"), "listeners")).find((l) => field(l, "name") === listenerName);
  const hcm = field(list(field(list(field(listener, "filter_chains"))[0], "filters"))[0], "typed_config");
  const healthFilter = list(field(hcm, "http_filters")).find((f) => field(f, "name") === "envoy.filters.http.health_check");
  const readyPath = field(field(list(field(field(healthFilter, "typed_config"), "headers"))[0], "string_match"), "exact");
  const routes = list(field(list(field(field(hcm, "route_config"), "virtual_hosts"))[0], "routes")).map((r) => {
    const match = field(r, "match");
    const status = field(field(r, "direct_response"), "status");
    const path = field(match, "path");
    const prefix = field(match, "prefix");
    return { ...(typeof path === "string" ? { path } : {}), ...(typeof prefix === "string" ? { prefix } : {}), status: status as number };
  });
  if (typeof readyPath !== "string" || routes.length === 0) throw new Error(`bootstrap has no health listener ${listenerName} with a health check and routes`);
  return { readyPath, routes };
}

export interface HealthListenerState {
  /** Every authorizer host passes its active health check (`cluster_min_healthy_percentages` 100). */
  authorizerHealthy: boolean;
  /** `POST /healthcheck/fail` was called on the admin interface. */
  failed: boolean;
}

export interface ReceivedRequest {
  /** The request line, e.g. `GET /live HTTP/1.1`. */
  readonly line: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface HealthListenerStub extends Stub {
  readonly requests: ReceivedRequest[];
}

/**
 * Answers as Envoy's health listener does for the rendered configuration:
 * - HTTP/1.0 -> 426: the connection manager refuses it unless `accept_http_10` is set
 *   (source/common/http/conn_manager_impl.cc, `Code::UpgradeRequired`), before any filter runs.
 * - HTTP/1.1 without Host -> 400 (Envoy rejects a request without `:authority`; Node does the same).
 * - `:path` exactly the health_check filter's path -> the filter answers itself (pass_through_mode
 *   false): 503 after `/healthcheck/fail` or while the authorizer cluster is below its minimum
 *   healthy percentage, else 200 (source/extensions/filters/http/health_check/health_check.cc,
 *   `onComplete`).
 * - Any other path: the filter continues to the router (health_check.cc, `decodeHeaders`), which
 *   answers with the first matching route's direct response, or 404 when none matches.
 */
export async function startHealthListenerStub(port: number, model: HealthListenerModel, state: HealthListenerState): Promise<HealthListenerStub> {
  const requests: ReceivedRequest[] = [];
  const server = createHttpServer((req, res) => {
    requests.push({ line: `${req.method} ${req.url} HTTP/${req.httpVersion}`, headers: req.headers });
    const path = req.url ?? "";
    let status: number;
    if (req.httpVersion === "1.0") status = 426;
    else if (path === model.readyPath) status = state.failed || !state.authorizerHealthy ? 503 : 200;
    else status = model.routes.find((r) => (r.path !== undefined ? path === r.path : path.startsWith(r.prefix ?? "\0")))?.status ?? 404;
    res.writeHead(status, { "content-length": "0", ...(req.httpVersion === "1.0" ? { connection: "close" } : {}) });
    res.end();
  });
  const sockets = tracked(server);
  await listenOn(server, port);
  return { requests, close: closer(server, sockets) };
}

export interface AdminCall {
  readonly method: string;
  readonly url: string;
  /** `Date.now()` when the request arrived. */
  readonly atMs: number;
}

export interface AdminStub extends Stub {
  readonly calls: AdminCall[];
}

/** Envoy's admin interface as the entrypoint uses it: records every call; POST answers `200 OK`, other methods 405. */
export async function startAdminStub(port: number): Promise<AdminStub> {
  const calls: AdminCall[] = [];
  const server = createHttpServer((req, res) => {
    calls.push({ method: req.method ?? "", url: req.url ?? "", atMs: Date.now() });
    const ok = req.method === "POST";
    res.writeHead(ok ? 200 : 405, { "content-type": "text/plain" });
    res.end(ok ? "OK\n" : "Method Not Allowed\n");
  });
  const sockets = tracked(server);
  await listenOn(server, port);
  return { calls, close: closer(server, sockets) };
}

/** Exit status of the fake envoy when it gets SIGTERM. */
export const FAKE_ENVOY_SIGTERM_STATUS = 42;

/**
 * Writes an executable `envoy` into `dir` that records its arguments (NUL-separated, in
 * `dir/argv`), then idles; on SIGTERM it writes `$EPOCHREALTIME` to `dir/sigterm` and exits
 * {@link FAKE_ENVOY_SIGTERM_STATUS}. With `FAKE_ENVOY_EXIT` set it exits with that status at once;
 * with `FAKE_ENVOY_CRASH_AFTER_SECONDS` too, it exits with that status after that long instead.
 */
export function writeFakeEnvoy(dir: string): void {
  const path = join(dir, "envoy");
  writeFileSync(
    path,
    [
      "#!/usr/bin/env bash",
      `printf '%s\\0' "$@" > '${dir}/argv'`,
      'if [ -n "${FAKE_ENVOY_EXIT:-}" ]; then sleep "${FAKE_ENVOY_CRASH_AFTER_SECONDS:-0}"; exit "$FAKE_ENVOY_EXIT"; fi',
      `trap 'echo "$EPOCHREALTIME" > "${dir}/sigterm"; kill "$idle"; exit ${FAKE_ENVOY_SIGTERM_STATUS}' TERM`,
      "sleep 60 & idle=$!",
      'wait "$idle"',
      "exit 3",
      "",
    ].join("\n"),
  );
  chmodSync(path, 0o755);
}
