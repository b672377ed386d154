import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { EnvoySettings, HeaderNameSet } from "../../envoy-templates";
import { readBounded } from "./read-bounded";

/**
 * A small Node proxy that does what the rendered Envoy configuration does, for tests and `npm run dev`
 * where no Envoy binary runs. It reads the same EnvoySettings the renderer reads (header lists,
 * body limit, timeout, status on error), so the two cannot drift.
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
}

export interface GatewayEmulator {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

type HeaderList = [string, string][];

function matches(set: HeaderNameSet, name: string): boolean {
  return set.exact.includes(name) || set.prefixes.some((p) => name.startsWith(p));
}

/** The client's headers, lower-cased, each value raw (repeats kept separate, as `encode_raw_headers`). */
function rawHeaderList(request: http.IncomingMessage): HeaderList {
  const list: HeaderList = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) list.push([request.rawHeaders[i]!.toLowerCase(), request.rawHeaders[i + 1]!]);
  return list;
}

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

function check(url: URL, method: string, path: string, headers: HeaderList, body: Buffer | undefined, timeoutMs: number): Promise<CheckAnswer | "error"> {
  return new Promise((resolve) => {
    const outgoing = toOutgoing(headers);
    outgoing["content-length"] = String(body?.length ?? 0);
    const request = http.request({ host: url.hostname, port: url.port, method, path, headers: outgoing, timeout: timeoutMs }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (c: Buffer) => chunks.push(c));
      answer.on("end", () => resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: Buffer.concat(chunks) }));
      answer.on("error", () => resolve("error"));
    });
    const timer = setTimeout(() => request.destroy(new Error("timeout")), timeoutMs);
    request.on("close", () => clearTimeout(timer));
    request.on("timeout", () => request.destroy(new Error("timeout")));
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

export async function startGatewayEmulator(options: GatewayEmulatorOptions): Promise<GatewayEmulator> {
  const { settings } = options;
  const authz = settings.extAuthz;
  const authorizer = new URL(options.authorizerUrl);
  const upstream = new URL(options.upstreamUrl);

  const handler = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    const reply = (status: number, body?: Buffer, headers: http.OutgoingHttpHeaders = {}) => {
      response.writeHead(status, { ...headers, "content-length": String(body?.length ?? 0) });
      response.end(request.method === "HEAD" ? undefined : body);
    };
    const method = request.method ?? "GET";
    const path = request.url ?? "/";
    let headers = rawHeaderList(request);
    // Envoy: headers_with_underscores_action REJECT_REQUEST; '#' in a path is rejected.
    if (headers.some(([name]) => name.includes("_")) || path.includes("#")) return reply(400);
    headers = headers.filter(([name]) => !authz.removedRequestHeaderPrefixes.some((p) => name.startsWith(p)));
    if (!headers.some(([name]) => name === "x-request-id")) headers.push(["x-request-id", randomUUID()]);

    let body: Buffer | undefined;
    if (isDeleteObjectsRoute(settings, method, path)) {
      const read = await readBounded(request, authz.deleteObjects.maxRequestBytes);
      if (read === "too-large") return reply(413);
      body = read;
    } else {
      request.pause();
    }

    const checkHeaders = headers.filter(([name]) => name === "host" || name === "authorization" || matches(authz.allowedRequestHeaders, name));
    const answer = await check(authorizer, method, path, checkHeaders, body, authz.timeoutMs);
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
    let upstreamPath = path;
    const swapped = headers.find(([name]) => name === authz.upstreamPathHeader);
    if (swapped) {
      upstreamPath = swapped[1];
      headers = headers.filter(([name]) => name !== authz.upstreamPathHeader);
    }
    headers = headers.filter(([name]) => name !== "host");
    headers.push(["host", settings.s3Endpoint]);

    const forwarded = http.request({ host: upstream.hostname, port: upstream.port, method, path: upstreamPath, headers: toOutgoing(headers) }, (answerFromS3) => {
      response.writeHead(answerFromS3.statusCode ?? 502, answerFromS3.headers);
      answerFromS3.pipe(response);
    });
    forwarded.on("error", () => {
      if (!response.headersSent) reply(503);
      else response.destroy();
    });
    if (body !== undefined) forwarded.end(body);
    else {
      request.pipe(forwarded);
      request.resume();
    }
  };

  const onRequest = (request: http.IncomingMessage, response: http.ServerResponse) => {
    handler(request, response).catch(() => {
      if (!response.headersSent) {
        response.writeHead(authz.statusOnError);
        response.end();
      } else response.destroy();
    });
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, onRequest) : http.createServer(onRequest);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
