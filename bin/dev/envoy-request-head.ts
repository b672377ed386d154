import type { EnvoySettings } from "../../envoy-templates/settings";
import { notImplementedRead } from "../../src/s3/not-implemented";
import { repeatedHeaderXml, SINGLE_VALUE_HEADERS } from "../../src/s3/single-headers";
import type { EmulatedRuleName } from "./emulated-envoy-rules";

/**
 * What the S3 listener does with a client's request head before ext_authz, as a pure function:
 * the HTTP/1 codec (version, size and count limits, underscores, Connection-nominated headers),
 * the connection manager (Expect, hop-by-hop headers, request id, connection close) and the two
 * Lua filters that run before the check (internal headers stripped, repeats refused). Each step
 * names the rule of EMULATED_ENVOY_RULES it reproduces; the order is Envoy's.
 */

/** Header entries in order, lower-case names; a repeat of an inline header is one joined entry. */
export type HeaderList = [string, string][];

export interface RequestHead {
  /** `1.1` or `1.0` (Node's `IncomingMessage.httpVersion`). */
  readonly httpVersion: string;
  readonly method: string;
  /** The request target as sent. */
  readonly url: string;
  /** Names and values alternating, as received (Node's `rawHeaders`). */
  readonly rawHeaders: readonly string[];
}

/** Envoy answers the client itself; nothing reaches the authorizer or S3. */
export interface LocalReply {
  readonly kind: "reply";
  readonly rule: EmulatedRuleName;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Whether `100 Continue` was already written (Envoy does so before its filters run). */
  readonly continueSent: boolean;
  /** A codec error ends the connection. */
  readonly closeConnection: boolean;
}

/** The request as the ext_authz filter sees it. */
export interface Admitted {
  readonly kind: "admit";
  readonly headers: HeaderList;
  /** Envoy answered `Expect: 100-continue` itself; the body follows. */
  readonly continueSent: boolean;
  /** The client asked to close its connection after this response. */
  readonly closeConnection: boolean;
  /** The client framed its body with chunked transfer coding (re-framed upstream). */
  readonly chunked: boolean;
}

/**
 * Envoy's inline request headers (envoy/http/header_map.h, INLINE_REQ_*), plus `authorization`,
 * which the oauth2 extension of the official build registers as a custom inline header. A repeat
 * of one of these is appended to the first with `,` (HeaderMapImpl::appendToHeader); `host` is
 * Envoy's `:authority`.
 */
export const ENVOY_INLINE_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  "host",
  "authorization",
  "connection",
  "content-length",
  "content-type",
  "keep-alive",
  "proxy-connection",
  "proxy-status",
  "transfer-encoding",
  "upgrade",
  "via",
  "x-request-id",
  "x-client-trace-id",
  "expect",
  "grpc-timeout",
  "te",
  "user-agent",
  "x-forwarded-client-cert",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
]);

/** Headers the connection manager removes from every request before its filters (besides nominated ones). */
export const HOP_BY_HOP_REQUEST_HEADERS: readonly string[] = Object.freeze(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);

const REASON: Readonly<Record<number, string>> = Object.freeze({
  400: "Bad Request",
  426: "Upgrade Required",
  431: "Request Header Fields Too Large",
  501: "Not Implemented",
});
/** The authorizer echoes a request id only when it looks like one; so do Envoy's Lua filter and this. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const NOMINATION_FORBIDDEN = new Set(["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto"]);
const CONNECTION_TOKENS_KEPT = new Set(["close", "keep-alive", "upgrade", "http2-settings"]);
const MAX_NOMINATED_HEADERS = 10;

/** A codec error: Envoy's local reply carries the reason phrase and closes the connection. */
function codecError(rule: EmulatedRuleName, status: 400 | 426 | 431 | 501): LocalReply {
  return { kind: "reply", rule, status, headers: { "content-type": "text/plain" }, body: REASON[status]!, continueSent: false, closeConnection: true };
}

const tokens = (value: string | undefined): string[] =>
  (value ?? "")
    .split(",")
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== "");

function get(headers: HeaderList, name: string): string | undefined {
  return headers.find(([n]) => n === name)?.[1];
}

/** The codec's header loop: size, underscores, the map (inline repeats joined), count. */
function parseHeaders(settings: EnvoySettings, head: RequestHead): HeaderList | LocalReply {
  const { maxRequestHeadersKb, maxHeadersCount, headersWithUnderscoresAction } = settings.downstreamHttp;
  const limit = maxRequestHeadersKb * 1024;
  const headers: HeaderList = [];
  let bytes = head.url.length;
  if (bytes > limit) return codecError("header-size-limit", 431);
  for (let i = 0; i + 1 < head.rawHeaders.length; i += 2) {
    const name = head.rawHeaders[i]!.toLowerCase();
    const value = head.rawHeaders[i + 1]!;
    // checkMaxHeadersSize runs while the header is parsed, before it is kept or dropped.
    if (bytes + name.length + value.length > limit) return codecError("header-size-limit", 431);
    if (name.includes("_") && headersWithUnderscoresAction !== "ALLOW") {
      if (headersWithUnderscoresAction === "REJECT_REQUEST") return codecError("underscore-headers", 400);
      continue;
    }
    const existing = ENVOY_INLINE_REQUEST_HEADERS.has(name) ? headers.find(([n]) => n === name) : undefined;
    if (existing && value !== "") {
      existing[1] = existing[1] === "" ? value : `${existing[1]},${value}`;
      bytes += value.length + 1;
    } else if (!existing) {
      headers.push([name, value]);
      bytes += name.length + value.length;
    }
    if (headers.length > maxHeadersCount) return codecError("header-count-limit", 431);
  }
  return headers;
}

/** Utility::sanitizeConnectionHeader: removes nominated headers, or refuses the request. */
function sanitizeConnection(headers: HeaderList): HeaderList | LocalReply {
  const nominated = tokens(get(headers, "connection"));
  if (nominated.length === 0) return headers;
  if (nominated.length >= MAX_NOMINATED_HEADERS) return codecError("connection-nominated-removed", 400);
  let kept = headers;
  for (const token of nominated) {
    if (CONNECTION_TOKENS_KEPT.has(token) || token === "connection") continue;
    if (NOMINATION_FORBIDDEN.has(token) || token.startsWith(":")) return codecError("connection-nominated-removed", 400);
    if (token === "te" && tokens(get(kept, "te")).includes("trailers")) {
      kept = kept.map(([n, v]) => (n === "te" ? ["te", "trailers"] : [n, v]));
      continue;
    }
    kept = kept.filter(([n]) => n !== token);
  }
  return kept;
}

/** Decides what Envoy does with a request head; pure. `newRequestId` is called when the client sent none. */
export function admitRequestHead(settings: EnvoySettings, head: RequestHead, newRequestId: () => string): Admitted | LocalReply {
  const parsed = parseHeaders(settings, head);
  if (!Array.isArray(parsed)) return parsed;
  let headers: HeaderList = parsed;

  // Codec, headers complete: Connection sanitisation (skipped for upgrade requests), then the
  // protocol version, then framing.
  const upgrade = get(headers, "upgrade") !== undefined && tokens(get(headers, "connection")).includes("upgrade");
  if (!upgrade) {
    const sanitized = sanitizeConnection(headers);
    if (!Array.isArray(sanitized)) return sanitized;
    headers = sanitized;
  }
  const http11 = head.httpVersion === "1.1";
  if (!http11 && !settings.downstreamHttp.acceptHttp10) return codecError("http10-refused", 426);
  const contentLengths = head.rawHeaders.filter((_, i) => i % 2 === 0 && head.rawHeaders[i]!.toLowerCase() === "content-length").length;
  const chunked = tokens(get(headers, "transfer-encoding")).includes("chunked");
  if (contentLengths > 1 || (contentLengths === 1 && get(headers, "transfer-encoding") !== undefined)) return codecError("body-framing", 400);
  const transferEncoding = get(headers, "transfer-encoding");
  if (transferEncoding !== undefined && transferEncoding.trim().toLowerCase() !== "chunked") return codecError("transfer-encoding-not-chunked", 501);

  // Connection manager, before the filters.
  const expect = get(headers, "expect");
  const continueSent = !settings.downstreamHttp.proxy100Continue && expect !== undefined && expect.toLowerCase() === "100-continue";
  const local = (rule: EmulatedRuleName, status: number, body: string, extra: Record<string, string> = {}): LocalReply => ({
    kind: "reply",
    rule,
    status,
    headers: extra,
    body,
    continueSent,
    closeConnection: false,
  });
  if (continueSent) headers = headers.filter(([n]) => n !== "expect");
  if (http11 && get(headers, "host") === undefined) return { ...local("missing-host", 400, "Bad Request", { "content-type": "text/plain" }), closeConnection: true };
  if (head.url.includes("#")) return local("fragment-in-path", 400, "");
  // No upgrade_configs on the S3 listener: an upgrade request is refused, never proxied.
  if (upgrade) return { ...local("upgrade-refused", 403, ""), closeConnection: true };
  const connection = tokens(get(headers, "connection"));
  const closeConnection = http11 ? connection.includes("close") || tokens(get(headers, "proxy-connection")).includes("close") : !connection.includes("keep-alive");
  const te = tokens(get(headers, "te"));
  headers = headers.filter(([n]) => !HOP_BY_HOP_REQUEST_HEADERS.includes(n) && n !== "te");
  if (te.includes("trailers")) headers.push(["te", "trailers"]);
  if (get(headers, "x-request-id") === undefined) headers.push(["x-request-id", newRequestId()]);

  // Lua rajee.strip_internal_headers, then rajee.refuse_repeated_headers.
  const prefixes = settings.extAuthz.removedRequestHeaderPrefixes;
  headers = headers.filter(([n]) => !prefixes.some((p) => n.startsWith(p)));
  for (const single of SINGLE_VALUE_HEADERS) {
    const copies = headers.filter(([n]) => n === single.name);
    const repeated = copies.length > 1 || (single.name === "host" && (copies[0]?.[1] ?? "").includes(","));
    if (repeated) {
      const requestId = get(headers, "x-request-id") ?? "";
      const id = REQUEST_ID.test(requestId) ? requestId : "";
      return local("refuse-repeated-headers", 400, repeatedHeaderXml(single, id), { "content-type": "application/xml", ...(id ? { "x-amz-request-id": id } : {}) });
    }
  }
  // Routes acl/cors/lifecycle_read_not_implemented: a direct response, ext_authz disabled on them.
  const read = notImplementedRead(head.method, head.url);
  if (read) return local("not-implemented-reads", read.status, read.body, { "content-type": read.contentType });
  return { kind: "admit", headers, continueSent, closeConnection, chunked };
}
