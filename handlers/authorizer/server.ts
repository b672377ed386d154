import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { AUTHORIZER_LIVE_PATH, AUTHORIZER_METRICS_PATH, AUTHORIZER_READY_PATH, CHECK_MAX_HEADERS_COUNT, DELETE_OBJECTS_MAX_BODY_BYTES } from "../../src/contracts/gateway";
import { s3Error } from "../../src/errors";
import type { GatewayRequest } from "../../src/s3/request";
import { combineRawHeaders, type CombinedHeaders } from "../../src/s3/single-headers";
import type { ListenAddress } from "./config";
import type { CheckResponse } from "./check-response";
import type { Authorizer, LocalDeny } from "./service";

/**
 * Node's keep-alive timeout on the check port. Envoy's authorizer cluster closes idle connections
 * after 4 s (envoy-templates), below this, so Envoy never reuses a socket the authorizer closed.
 */
export const CHECK_KEEP_ALIVE_TIMEOUT_MS = 5000;
/** Largest request head accepted; Envoy's own limit is 60 KiB. Above it Node answers 431. */
export const MAX_HEADER_BYTES = 96 * 1024;
/** A request id from Envoy is echoed only when it looks like one (it ends up in XML and logs). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Envoy's `x-request-id` when it looks like one, else a new UUID. `headers` as `combineRawHeaders` gives them. */
export function requestIdFor(headers: Readonly<Record<string, string>>): string {
  const given = headers["x-request-id"];
  return given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * The request Envoy forwarded, as the decision core reads it. Repeated headers are combined by
 * `combineRawHeaders` (src/s3/single-headers.ts) from the headers as received: a repeat of a token
 * header or of a header the classifier or signer reads is refused (S3 and the gateway could read
 * different copies); other repeats are joined with "," as HTTP allows.
 */
export function gatewayRequest(req: IncomingMessage, body: Buffer | undefined, combined: CombinedHeaders = combineRawHeaders(req.rawHeaders)): { request: GatewayRequest; deny?: LocalDeny } {
  const { headers, refusal } = combined;
  const method = req.method ?? "";
  const path = req.url ?? "/";
  const request: GatewayRequest = body !== undefined && body.length > 0 ? { method: method.toUpperCase(), path, headers, body } : { method: method.toUpperCase(), path, headers };
  if (req.rawHeaders.length >= 2 * CHECK_MAX_HEADERS_COUNT) return { request, deny: TOO_MANY_HEADERS };
  return refusal ? { request, deny: { reason: "duplicate-header", error: refusal } } : { request };
}

/**
 * Node keeps at most `maxHeadersCount` headers and drops the rest without a word; a request that
 * reaches the count may have lost some (a copy source after 2,000 others, say), so it is refused.
 */
const TOO_MANY_HEADERS: LocalDeny = Object.freeze({
  reason: "too-many-headers",
  error: s3Error("InvalidRequest", `the request has ${CHECK_MAX_HEADERS_COUNT} or more headers; the gateway reads fewer than ${CHECK_MAX_HEADERS_COUNT}: send fewer`),
});

/**
 * Reads the body, keeping at most `limit + 1` bytes: a longer body is drained, not buffered, and the
 * classifier answers MalformedXML for it ("over the limit"). Envoy sends a body only on the
 * DeleteObjects route.
 */
export function readBoundedBody(req: IncomingMessage, limit = DELETE_OBJECTS_MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    req.on("data", (chunk: Buffer) => {
      if (kept > limit) return;
      const room = limit + 1 - kept;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(part);
      kept += part.length;
    });
    req.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * Whether the request has a body to read: HTTP/1.1 requests without `content-length` or
 * `transfer-encoding` have none (RFC 9112 section 6.3). Envoy sends a body only on the
 * DeleteObjects route, so most checks skip the stream's 'end' event and a promise turn.
 */
export function hasBody(headers: Readonly<Record<string, string>>): boolean {
  const length = headers["content-length"];
  return headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/**
 * Writes a check's answer. The headers go to Node as a flat `[name, value, ...]` list: with an
 * object, `writeHead` enumerates a new object per answer, and under load that kept about 15 times
 * more of each answer alive into the old generation (measured with `--trace-gc-nvp`), which grew the
 * young generation and the RSS by some 15 MiB over a 60 s soak. The list is what Node builds its
 * header block from either way.
 */
function answer(res: ServerResponse, response: CheckResponse): void {
  const headers = response.headers;
  const list: string[] = [];
  for (const name of Object.keys(headers)) list.push(name, headers[name] as string);
  list.push("content-length", String(Buffer.byteLength(response.body)));
  res.writeHead(response.status, list);
  res.end(response.body);
}

/** The check port: every method and path is a client request to judge. No other endpoints. */
export function buildCheckServer(authorizer: Authorizer, logger: Logger): Server {
  const judge = (req: IncomingMessage, body: Buffer | undefined, combined: CombinedHeaders, requestId: string, started: bigint): CheckResponse | Promise<CheckResponse> => {
    const { request, deny } = gatewayRequest(req, body, combined);
    return authorizer.checkNow(request, deny === undefined ? { requestId, started } : { requestId, started, framingDeny: deny });
  };
  /** Answers, or, when Node refuses the answer (a header value it cannot carry), logs why and drops the connection: Envoy then fails the request closed. */
  const respond = (res: ServerResponse, response: CheckResponse, requestId: string) => {
    try {
      answer(res, response);
    } catch (error) {
      logger.error({ event: "answer_failed", request_id: requestId, error: (error as Error).message }, "the check's answer could not be written; connection dropped");
      res.destroy();
    }
  };
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, keepAliveTimeout: CHECK_KEEP_ALIVE_TIMEOUT_MS }, (req, res) => {
    const started = process.hrtime.bigint();
    // The headers once, from what was received: Node's `headers` and `headersDistinct` are never built.
    const combined = combineRawHeaders(req.rawHeaders);
    const requestId = requestIdFor(combined.headers);
    const fail = (error: unknown) => {
      // The request stream failed (client went away); nothing can be answered.
      logger.debug({ event: "check_aborted", request_id: requestId, error: (error as Error).message });
      res.destroy();
    };
    if (!hasBody(combined.headers)) {
      // No body: judged and answered in this turn when the check needs no I/O (a token-cache hit).
      const judged = judge(req, undefined, combined, requestId, started);
      if (judged instanceof Promise) judged.then((response) => respond(res, response, requestId), fail);
      else respond(res, judged, requestId);
      return;
    }
    readBoundedBody(req)
      .then((body) => judge(req, body, combined, requestId, started))
      .then((response) => respond(res, response, requestId), fail);
  });
  // Node's default (2,000) would drop later headers silently; refused at the count instead (gatewayRequest).
  server.maxHeadersCount = CHECK_MAX_HEADERS_COUNT;
  server.on("clientError", (error, socket) => {
    logger.debug({ event: "client_error", error: (error as Error).message });
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    else socket.destroy();
  });
  return server;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
  res.end(body);
}

/** The operations port: `/healthz` (process up), `/readyz` (keys and deny list fresh), `/metrics` (Prometheus). */
export function buildAdminServer(authorizer: Authorizer, logger: Logger): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "method not allowed\n");
    switch (path) {
      case AUTHORIZER_LIVE_PATH:
        return send(res, 200, "text/plain", "ok\n");
      case AUTHORIZER_READY_PATH: {
        const { ready, problems } = authorizer.ready();
        return send(res, ready ? 200 : 503, "text/plain", ready ? "ready\n" : `not ready: ${problems.join("; ")}\n`);
      }
      case AUTHORIZER_METRICS_PATH:
        authorizer.metrics.registry.metrics().then(
          (text) => send(res, 200, authorizer.metrics.registry.contentType, text),
          (error: unknown) => {
            logger.error({ event: "metrics_failed", error: (error as Error).message });
            send(res, 500, "text/plain", "metrics failed\n");
          },
        );
        return;
      default:
        return send(res, 404, "text/plain", `not found: the operations port serves ${AUTHORIZER_LIVE_PATH}, ${AUTHORIZER_READY_PATH} and ${AUTHORIZER_METRICS_PATH}\n`);
    }
  });
}

/** Listens on a loopback address; resolves to the bound port (useful with port 0). */
export function listen(server: Server, address: ListenAddress): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
