import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { EnvoySettings, HeaderNameSet } from "../../envoy-templates";
import { admitRequestHead, type Admitted, type HeaderList, type LocalReply } from "./envoy-request-head";
import { readBounded } from "./read-bounded";
import { gatewaySpans, type GatewayTracing } from "./otlp-gateway-spans";

/**
 * A small Node proxy that does what the rendered Envoy configuration does, for tests and `npm run dev`
 * where no Envoy binary runs. It reads the same EnvoySettings the renderer reads (header lists,
 * body limit, timeouts, status on error, the HTTP/1 rules of `downstreamHttp`), so the two cannot
 * drift. Everything Envoy decides before ext_authz is the pure `admitRequestHead`; this file is the
 * I/O around it. The rules it reproduces are listed in EMULATED_ENVOY_RULES.
 */
export interface GatewayEmulatorOptions {
  readonly settings: EnvoySettings;
  /** The authorizer's check endpoint, `http://127.0.0.1:<port>`. */
  readonly authorizerUrl: string;
  /** Where upstream requests go (the S3 stand-in), `http://127.0.0.1:<port>`; the Host header is still `settings.s3Endpoint`. */
  readonly upstreamUrl: string;
  /** Serve HTTPS with this key and certificate (clients behave differently over https). */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Called once per request when its response ends or the connection goes; `npm run dev` prints it. @default none */
  readonly onExchange?: (exchange: Exchange) => void;
  /** Spans like Envoy's OpenTelemetry tracer: one per request, a child per check, `traceparent` sent to the authorizer. @default none */
  readonly tracing?: GatewayTracing;
}

/** One request as the client saw it. `requestId` is the `x-request-id` sent to the authorizer ("" if refused before). */
export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly requestId: string;
  readonly ms: number;
}

export interface GatewayEmulator {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Response headers Envoy does not pass from S3 to the client: they describe the upstream hop. */
const HOP_BY_HOP_RESPONSE_HEADERS = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);
/**
 * How long a connection the gateway closes stays open for the client to close it first: the HTTP
 * connection manager's `delayed_close_timeout`, which the rendered configuration leaves at its
 * default, "1000 ms if this option is not specified" (EMULATED_ENVOY_RULES["delayed-close"];
 * https://www.envoyproxy.io/docs/envoy/v1.34.10/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto).
 */
export const DELAYED_CLOSE_TIMEOUT_MS = 1000;
/** Room above Envoy's head limit for Node's own parser, so Envoy's rule (not Node's) decides. */
const NODE_HEADER_SLACK_BYTES = 64 * 1024;

/** Sockets in their grace period: closing, nothing more is read as a request. */
const closing = new WeakSet<Socket>();

/**
 * Ends a client connection as Envoy's connection manager does (EMULATED_ENVOY_RULES["delayed-close"]):
 * `lastBytes` (if any) and what is already written are flushed, then the socket stays open until
 * the client closes or DELAYED_CLOSE_TIMEOUT_MS pass after the last write, so a client still
 * uploading reads the whole answer rather than a reset. Two differences (docs/envoy.md): Node sees
 * a client's FIN only by reading, so what the client still sends is read and discarded (Envoy
 * leaves it unread); and the gateway's FIN (over TLS, close_notify) goes out with the answer rather
 * than when the socket closes, so a raw reader waiting for EOF is not held a second. No further
 * byte is parsed as a request, as in Envoy.
 */
function closeAfterGrace(socket: Socket, lastBytes?: string): void {
  if (closing.has(socket) || socket.destroyed) return;
  closing.add(socket);
  // Node's HTTP parser reads through 'data' listeners (a new listener unhooks its direct read).
  socket.removeAllListeners("data");
  socket.on("data", () => undefined);
  socket.resume();
  let timer = setTimeout(() => socket.destroy(), DELAYED_CLOSE_TIMEOUT_MS).unref();
  const destroyWhenFlushed = () => (socket.writableFinished ? socket.destroy() : socket.once("finish", () => socket.destroy()));
  // Envoy restarts the timer on each write progress; the last one is the flush of the answer.
  socket.once("finish", () => {
    clearTimeout(timer);
    timer = setTimeout(() => socket.destroy(), DELAYED_CLOSE_TIMEOUT_MS).unref();
  });
  socket.once("close", () => clearTimeout(timer));
  if (socket.readableEnded) destroyWhenFlushed();
  else socket.once("end", destroyWhenFlushed);
  if (lastBytes === undefined) socket.end();
  else socket.end(lastBytes);
}

function matches(set: HeaderNameSet, name: string): boolean {
  return set.exact.includes(name) || set.prefixes.some((p) => name.startsWith(p));
}

/** Node's outgoing form; a repeated name becomes an array, which Node writes as repeated lines. */
function toOutgoing(list: HeaderList): http.OutgoingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of list) {
    const existing = headers[name];
    headers[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return headers;
}

interface CheckAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

function check(url: URL, agent: http.Agent, method: string, path: string, headers: HeaderList, body: Buffer | undefined, timeoutMs: number): Promise<CheckAnswer | "error"> {
  return new Promise((resolve) => {
    const outgoing = toOutgoing(headers);
    outgoing["content-length"] = String(body?.length ?? 0);
    const request = http.request({ host: url.hostname, port: url.port, method, path, headers: outgoing, agent }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (c: Buffer) => chunks.push(c));
      answer.on("end", () => resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: Buffer.concat(chunks) }));
      answer.on("error", () => resolve("error"));
    });
    const timer = setTimeout(() => request.destroy(new Error("timeout")), timeoutMs);
    request.on("close", () => clearTimeout(timer));
    request.on("error", () => resolve("error"));
    request.end(body);
  });
}

function isDeleteObjectsRoute(settings: EnvoySettings, method: string, path: string): boolean {
  const route = settings.extAuthz.deleteObjects;
  if (method !== route.method) return false;
  const question = path.indexOf("?");
  if (question < 0) return false;
  return path
    .slice(question + 1)
    .split("&")
    .some((part) => part === route.queryParameter || part.startsWith(`${route.queryParameter}=`));
}

/** What the Lua filter accepts as the upstream path: starts with `/`, no space or control character. */
function isOriginFormPath(path: string): boolean {
  return path.startsWith("/") && ![...path].some((c) => c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f);
}

/** Upstream response headers as Node writes them back, without the hop-by-hop ones. */
function responseHeaders(answer: http.IncomingMessage): HeaderList {
  const list: HeaderList = [];
  for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
    const name = answer.rawHeaders[i]!.toLowerCase();
    if (!HOP_BY_HOP_RESPONSE_HEADERS.has(name)) list.push([name, answer.rawHeaders[i + 1]!]);
  }
  return list;
}

export async function startGatewayEmulator(options: GatewayEmulatorOptions): Promise<GatewayEmulator> {
  const { settings } = options;
  const authz = settings.extAuthz;
  const authorizer = new URL(options.authorizerUrl);
  const upstream = new URL(options.upstreamUrl);
  // Envoy pools connections to both clusters.
  const authorizerAgent = new http.Agent({ keepAlive: true });
  const upstreamAgent = new http.Agent({ keepAlive: true });
  const spans = options.tracing ? gatewaySpans(options.tracing) : undefined;

  const handle = async (request: http.IncomingMessage, response: http.ServerResponse, expectation: boolean, seen: { requestId: string }) => {
    const hasBody = Number(request.headers["content-length"] ?? 0) > 0 || request.headers["transfer-encoding"] !== undefined;
    const bodyPending = () => hasBody && !request.complete;
    const reply = (status: number, body?: string | Buffer, headers: http.OutgoingHttpHeaders = {}, close = false) => {
      const bytes = typeof body === "string" ? Buffer.from(body) : body;
      // HTTP/1: a local answer before the request body has arrived ends the connection.
      if (close || bodyPending()) response.setHeader("connection", "close");
      response.writeHead(status, { ...headers, "content-length": String(bytes?.length ?? 0) });
      response.end(request.method === "HEAD" ? undefined : bytes);
    };
    const method = request.method ?? "GET";
    const path = request.url ?? "/";
    const verdict: Admitted | LocalReply = admitRequestHead(settings, { httpVersion: request.httpVersion, method, url: path, rawHeaders: request.rawHeaders }, randomUUID);
    if (verdict.continueSent && expectation) response.writeContinue();
    if (verdict.kind === "reply") {
      request.resume();
      return reply(verdict.status, verdict.body, verdict.headers, verdict.closeConnection);
    }
    if (verdict.closeConnection) response.shouldKeepAlive = false;
    let headers = verdict.headers;
    seen.requestId = headers.find(([name]) => name === "x-request-id")?.[1] ?? "";

    let body: Buffer | undefined;
    if (isDeleteObjectsRoute(settings, method, path)) {
      const read = await readBounded(request, authz.deleteObjects.maxRequestBytes);
      if (read === "too-large") return reply(413);
      body = read;
    } else {
      request.pause();
    }

    // Lua rajee.client_content_length: the client's Content-Length copied for the authorizer (the check request carries its own).
    const clientLength = headers.find(([name]) => name === "content-length")?.[1];
    if (clientLength !== undefined) headers = [...headers.filter(([name]) => name !== authz.clientContentLengthHeader), [authz.clientContentLengthHeader, clientLength]];

    // ext_authz: Envoy's defaults (:authority as host, authorization) plus the allow-list, repeats as repeated lines.
    const checkHeaders = headers.filter(([name]) => name === "host" || name === "authorization" || matches(authz.allowedRequestHeaders, name));
    // Tracing: the request's span, and the check's child span whose context the authorizer receives.
    const traced = spans?.request(headers.find(([name]) => name === "traceparent")?.[1], method, response);
    if (traced) checkHeaders.push(["traceparent", traced.checkTraceparent]);
    const answer = await check(authorizer, authorizerAgent, method, path, checkHeaders, body, authz.timeoutMs);
    traced?.checkEnded(answer === "error" ? undefined : answer.status);
    if (answer === "error" || answer.status >= 500) return reply(authz.statusOnError);
    if (answer.status !== 200) {
      const passed: http.OutgoingHttpHeaders = {};
      for (const name of authz.allowedClientHeaders) if (answer.headers[name] !== undefined) passed[name] = answer.headers[name];
      return reply(answer.status, answer.body, passed);
    }

    // Allowed: apply the authorizer's headers (remove, then overwrite), then the Lua path swap, then the host rewrite.
    const toRemove = String(answer.headers["x-envoy-auth-headers-to-remove"] ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== "" && h !== "host" && !h.startsWith(":"));
    const setNames = authz.allowedUpstreamHeaders.filter((name) => answer.headers[name] !== undefined);
    headers = headers.filter(([name]) => !toRemove.includes(name) && !setNames.includes(name));
    for (const name of setNames) headers.push([name, String(answer.headers[name])]);
    // Lua rajee.upstream_path: the internal copy of the client's Content-Length is removed, then the path swapped.
    headers = headers.filter(([name]) => name !== authz.clientContentLengthHeader);
    let upstreamPath = path;
    const swapped = headers.find(([name]) => name === authz.upstreamPathHeader);
    if (swapped) {
      headers = headers.filter(([name]) => name !== authz.upstreamPathHeader);
      if (!isOriginFormPath(swapped[1])) return reply(503);
      upstreamPath = swapped[1];
    }
    headers = headers.filter(([name]) => name !== "host");
    headers.push(["host", settings.s3Endpoint]);
    // The upstream codec frames the body again: the client's Content-Length when it sent one, else chunks.
    if (verdict.chunked) headers.push(["transfer-encoding", "chunked"]);

    const forwarded = http.request({ host: upstream.hostname, port: upstream.port, method, path: upstreamPath, headers: toOutgoing(headers), agent: upstreamAgent }, (answerFromS3) => {
      response.writeHead(answerFromS3.statusCode ?? 502, toOutgoing(responseHeaders(answerFromS3)));
      answerFromS3.pipe(response);
    });
    forwarded.on("error", () => {
      if (!response.headersSent) reply(503);
      else response.destroy();
    });
    // Envoy resets the upstream stream when the client goes away before the exchange is over.
    request.on("close", () => {
      if (!request.complete) forwarded.destroy();
    });
    response.on("close", () => {
      if (!response.writableFinished) forwarded.destroy();
    });
    if (body !== undefined) forwarded.end(body);
    else {
      request.pipe(forwarded);
      request.resume();
    }
  };

  const onRequest = (expectation: boolean) => (request: http.IncomingMessage, response: http.ServerResponse) => {
    // Node ends a `connection: close` exchange with `socket.destroySoon()` (lib/_http_server.js,
    // resOnFinish), which closes the socket as soon as the answer is flushed; Envoy waits.
    const socket = request.socket;
    socket.destroySoon = () => closeAfterGrace(socket);
    const seen = { requestId: "" };
    if (options.onExchange) {
      const started = process.hrtime.bigint();
      const report = options.onExchange;
      response.once("close", () =>
        report({ method: request.method ?? "", path: request.url ?? "", status: response.statusCode, requestId: seen.requestId, ms: Number(process.hrtime.bigint() - started) / 1e6 }),
      );
    }
    handle(request, response, expectation, seen).catch(() => {
      if (!response.headersSent) {
        response.writeHead(authz.statusOnError, { "content-length": "0" });
        response.end();
      } else response.destroy();
    });
  };
  const serverOptions: http.ServerOptions = {
    maxHeaderSize: settings.downstreamHttp.maxRequestHeadersKb * 1024 + NODE_HEADER_SLACK_BYTES,
    // Envoy's rules, not Node's, decide about Host.
    requireHostHeader: false,
    keepAliveTimeout: settings.downstreamIdleTimeoutSeconds * 1000,
    headersTimeout: settings.requestHeadersTimeoutSeconds * 1000,
  };
  const server = options.tls ? https.createServer({ ...serverOptions, key: options.tls.key, cert: options.tls.cert }, onRequest(false)) : http.createServer(serverOptions, onRequest(false));
  // No limit from Node: Envoy's count applies (admitRequestHead).
  server.maxHeadersCount = 0;
  // Envoy answers Expect: 100-continue itself (after its codec checks), and passes other expectations on.
  server.on("checkContinue", onRequest(true));
  server.on("checkExpectation", onRequest(false));
  // What Node's parser refuses, Envoy's codec refuses too: 431 for an oversized head, 501 for a
  // transfer coding other than chunked (EMULATED_ENVOY_RULES["transfer-encoding-not-chunked"]), else 400.
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    const status =
      error.code === "HPE_HEADER_OVERFLOW"
        ? "431 Request Header Fields Too Large"
        : error.code === "HPE_INVALID_TRANSFER_ENCODING" && !/Content-Length/i.test((error as { reason?: string }).reason ?? "")
          ? "501 Not Implemented"
          : "400 Bad Request";
    const text = status.slice(4);
    // A socket in its grace period is already answered; its client's close ends it.
    if (closing.has(socket)) return;
    if (socket.writable) closeAfterGrace(socket, `HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\ncontent-length: ${text.length}\r\nconnection: close\r\n\r\n${text}`);
    else socket.destroy();
  });
  // A port in use rejects (EADDRINUSE) rather than crashing the process with an unhandled 'error'.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.removeListener("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      authorizerAgent.destroy();
      upstreamAgent.destroy();
      await spans?.shutdown();
    },
  };
}
