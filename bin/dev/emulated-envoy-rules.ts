/**
 * The Envoy runtime behaviours the gateway emulator reproduces, each with the setting that drives
 * it (a field of EnvoySettings, or none when Envoy offers no choice) and where Envoy defines it.
 * Sources are Envoy's documentation and source at the pinned release (envoy-templates/image.ts);
 * `docs/envoy.md` renders this table ("Runtime behaviour we rely on") and a test keeps the two
 * equal, and tests/bin/dev/gateway-emulator.test.ts has one raw-socket test per row.
 */
export interface EmulatedEnvoyRule {
  /** What the client sees or what changes on the request, in a few words. */
  readonly rule: string;
  /** The EnvoySettings field and the Envoy option it renders, or `-`. */
  readonly setting: string;
  /** What Envoy does. */
  readonly envoy: string;
  /** Envoy docs page or source file (GitHub, at the pinned tag) that says so. */
  readonly source: string;
}

const SRC = "https://github.com/envoyproxy/envoy/blob/v1.34.10/";
const DOCS = "https://www.envoyproxy.io/docs/envoy/v1.34.10/";

export const EMULATED_ENVOY_RULES = Object.freeze({
  "http10-refused": {
    rule: "HTTP/1.0 refused",
    setting: "`downstreamHttp.acceptHttp10` (`http_protocol_options.accept_http_10`, false)",
    envoy: "426 Upgrade Required and the connection closes, unless HTTP/1.0 is accepted",
    source: `${SRC}source/common/http/http1/codec_impl.cc (ServerConnectionImpl::checkProtocolVersion)`,
  },
  "header-size-limit": {
    rule: "Request head size limit",
    setting: "`downstreamHttp.maxRequestHeadersKb` (`max_request_headers_kb`, 60)",
    envoy: "URL plus header names and values above the limit: 431, connection closed",
    source: `${SRC}source/common/http/http1/codec_impl.cc (ConnectionImpl::checkMaxHeadersSize)`,
  },
  "header-count-limit": {
    rule: "Header count limit",
    setting: "`downstreamHttp.maxHeadersCount` (`common_http_protocol_options.max_headers_count`, 100)",
    envoy: "more header entries than the limit (repeats of inline headers count once): 431, connection closed",
    source: `${SRC}source/common/http/http1/codec_impl.cc (ConnectionImpl::completeCurrentHeader)`,
  },
  "underscore-headers": {
    rule: "Header names with `_`",
    setting: "`downstreamHttp.headersWithUnderscoresAction` (`common_http_protocol_options.headers_with_underscores_action`, ALLOW)",
    envoy: "REJECT_REQUEST: 400, connection closed; DROP_HEADER: the header is dropped; ALLOW: kept",
    source: `${SRC}source/common/http/http1/codec_impl.cc (ServerConnectionImpl::checkHeaderNameForUnderscores)`,
  },
  "inline-repeats-joined": {
    rule: "Repeats of inline headers joined",
    setting: "-",
    envoy: "a repeated Host, Content-Type, Authorization (inline with the oauth2 extension linked), User-Agent or x-request-id becomes one value joined with `,`; two Host lines give one `:authority` `a,b`; other repeats stay separate entries",
    source: `${SRC}source/common/http/header_map_impl.cc (StaticLookupTable, appendToHeader); envoy/http/header_map.h (INLINE_REQ_HEADERS)`,
  },
  "connection-nominated-removed": {
    rule: "Headers named in Connection removed",
    setting: "-",
    envoy: "each header named in Connection is removed (TE kept only as `trailers`); 10 or more names, or naming an x-forwarded-* or pseudo-header: 400",
    source: `${SRC}source/common/http/utility.cc (Utility::sanitizeConnectionHeader)`,
  },
  "body-framing": {
    rule: "Ambiguous body framing refused",
    setting: "-",
    envoy: "two Content-Length headers, or Content-Length with Transfer-Encoding: 400, connection closed",
    source: `${SRC}source/common/http/http1/balsa_parser.cc (disallow_multiple_content_length); source/common/http/http1/codec_impl.cc (onHeadersCompleteImpl)`,
  },
  "transfer-encoding-not-chunked": {
    rule: "Transfer codings other than chunked refused",
    setting: "-",
    envoy: "a Transfer-Encoding value other than exactly `chunked` (case-insensitive; `identity, chunked` and `gzip, chunked` included): 501, connection closed",
    source: `${SRC}source/common/http/http1/codec_impl.cc (ConnectionImpl::onHeadersCompleteBase, InvalidTransferEncoding)`,
  },
  "missing-host": {
    rule: "HTTP/1.1 without Host refused",
    setting: "-",
    envoy: "400",
    source: `${SRC}source/common/http/conn_manager_impl.cc (ActiveStream::decodeHeaders); source/common/http/header_utility.cc (checkRequiredRequestHeaders)`,
  },
  "fragment-in-path": {
    rule: "`#` in the path refused",
    setting: "-",
    envoy: "400 before any filter",
    source: `${SRC}source/common/runtime/runtime_features.cc (envoy.reloadable_features.http_reject_path_with_fragment, on); source/common/http/conn_manager_utility.cc (path checks)`,
  },
  "upgrade-refused": {
    rule: "Upgrade requests refused",
    setting: "-",
    envoy: "`Connection: upgrade` with an `Upgrade` header and no `upgrade_configs` on the listener: 403 (`upgrade_failed`), connection closed; Connection-nominated headers are not removed for such a request (it goes no further)",
    source: `${SRC}source/common/http/conn_manager_impl.cc (ActiveStream::decodeHeaders, upgrade_failed); ${SRC}source/common/http/conn_manager_utility.cc (mutateRequestHeaders skips Connection clean-up for upgrades)`,
  },
  "expect-100-continue": {
    rule: "Expect: 100-continue answered by Envoy",
    setting: "`downstreamHttp.proxy100Continue` (`proxy_100_continue`, false)",
    envoy: "Envoy writes `100 Continue` to the client before its filters run and removes `Expect`; the authorizer and S3 never see it",
    source: `${SRC}source/common/http/conn_manager_impl.cc (ActiveStream::decodeHeaders); ${DOCS}api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto (proxy_100_continue)`,
  },
  "hop-by-hop-removed": {
    rule: "Hop-by-hop headers removed",
    setting: "-",
    envoy: "Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding and Upgrade are removed before the filters (upgrade requests are refused instead, see above); TE survives only as `trailers`",
    source: `${SRC}source/common/http/conn_manager_utility.cc (mutateRequestHeaders, sanitizeTEHeader)`,
  },
  "chunked-reframed": {
    rule: "Chunked bodies re-framed",
    setting: "-",
    envoy: "the body is decoded from the client's chunks and encoded again by the upstream HTTP/1 codec (Content-Length kept when the client sent it)",
    source: `${SRC}source/common/http/http1/codec_impl.cc (StreamEncoderImpl::encodeHeadersBase)`,
  },
  "connection-close-scoped": {
    rule: "Connection: close ends only that connection",
    setting: "`downstreamIdleTimeoutSeconds` (`common_http_protocol_options.idle_timeout`)",
    envoy: "the response carries `connection: close` and that client connection closes; HTTP/1.1 connections are otherwise kept alive and reused",
    source: `${SRC}source/common/http/header_utility.cc (HeaderUtility::shouldCloseConnection)`,
  },
  "delayed-close": {
    rule: "Delayed close after a response that ends the connection",
    setting: "- (`delayed_close_timeout` not set: 1000 ms)",
    envoy:
      "when the connection manager closes a client connection (`connection: close`, a local reply before the request body has arrived, a codec error), it flushes the response, stops reading, sends no FIN yet, and closes the socket only when the client closes (FIN or RST) or the timeout passes with no write progress, so a client still uploading can read the whole response instead of a reset",
    source: `${DOCS}api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto (delayed_close_timeout); ${SRC}source/common/http/conn_manager_impl.cc (checkForDeferredClose: FlushWriteAndDelay); ${SRC}source/common/network/connection_impl.cc (ConnectionImpl::close, delayed close timer)`,
  },
  "strip-internal-headers": {
    rule: "Internal headers stripped before the check",
    setting: "`extAuthz.removedRequestHeaderPrefixes` (Lua `rajee.strip_internal_headers`)",
    envoy: "every `x-rajee-*` and `x-envoy-*` request header is removed",
    source: `envoy-templates/lua.ts (stripInternalHeadersLua); ${DOCS}configuration/http/http_filters/lua_filter`,
  },
  "refuse-repeated-headers": {
    rule: "Repeated single-value headers refused before the check",
    setting: "`SINGLE_VALUE_HEADERS` (src/s3/single-headers.ts; Lua `rajee.refuse_repeated_headers`)",
    envoy: "400 with the authorizer's S3 XML error (`InvalidToken` or `InvalidRequest`) when `headers:getNumValues(name) > 1`, or `:authority` holds a comma",
    source: `envoy-templates/lua.ts (refuseRepeatedHeadersLua); ${DOCS}configuration/http/http_filters/lua_filter (getNumValues)`,
  },
  "raw-repeats-to-authorizer": {
    rule: "Repeats reach the authorizer as separate lines",
    setting: "`extAuthz.encodeRawHeaders` (`encode_raw_headers`, true)",
    envoy: "header values are sent unsanitised, and repeated headers as repeated lines, not comma-joined",
    source: `${DOCS}api-v3/extensions/filters/http/ext_authz/v3/ext_authz.proto (encode_raw_headers)`,
  },
  "not-implemented-reads": {
    rule: "ACL, CORS and lifecycle reads answered 501 by Envoy",
    setting: "`NOT_IMPLEMENTED_READS` (src/s3/not-implemented.ts; routes `acl_read_not_implemented`, `cors_read_not_implemented`, `lifecycle_read_not_implemented`)",
    envoy: "`GET` with an `acl`, `cors` or `lifecycle` query parameter (its name as sent: route matching does not percent-decode names): S3's 501 `NotImplemented` XML as a direct response, ext_authz disabled on the route; nothing reaches the authorizer or S3",
    source: `${DOCS}api-v3/config/route/v3/route_components.proto (Route.direct_response, Route.response_headers_to_add, QueryParameterMatcher); ${DOCS}api-v3/extensions/filters/http/ext_authz/v3/ext_authz.proto (ExtAuthzPerRoute.disabled); source/common/router/config_impl.cc (matchRoute: QueryParamsMulti::parseQueryString, which source/common/http/utility.cc runs with decode_params=false)`,
  },
  "check-request-headers": {
    rule: "Only allowed headers reach the authorizer",
    setting: "`extAuthz.allowedRequestHeaders` (`allowed_headers`)",
    envoy: "the check request carries `:method`, `:path`, `:authority` (as `host`), `authorization` and the headers the allow-list matches; no other client header",
    source: `${DOCS}api-v3/extensions/filters/http/ext_authz/v3/ext_authz.proto (allowed_headers); ${SRC}source/extensions/filters/common/ext_authz/ext_authz_http_impl.cc (RawHttpClientImpl::check)`,
  },
  "check-request-content-length": {
    rule: "The check request's own Content-Length",
    setting: "-",
    envoy: "the check request's Content-Length is the length of the body sent to the authorizer (0 without one), never the client's",
    source: `${SRC}source/extensions/filters/common/ext_authz/ext_authz_http_impl.cc (RawHttpClientImpl::check: content-length set at initialisation, the client's skipped)`,
  },
  "client-content-length-copied": {
    rule: "Client Content-Length copied for the check",
    setting: "`extAuthz.clientContentLengthHeader` (Lua `rajee.client_content_length`, removed again by `rajee.upstream_path`)",
    envoy: "the client's Content-Length is copied to `x-rajee-client-content-length` before ext_authz (a client's own copy was stripped with the other `x-rajee-*`) and removed before S3",
    source: `envoy-templates/lua.ts (clientContentLengthLua, upstreamPathLua); ${DOCS}configuration/http/http_filters/lua_filter`,
  },
  "upstream-path-swap": {
    rule: "Upstream path applied after the check",
    setting: "`extAuthz.upstreamPathHeader` (Lua `rajee.upstream_path`)",
    envoy: "the authorizer's `x-rajee-upstream-path` becomes `:path` and is removed; a value that is not an origin-form path gives 503",
    source: `envoy-templates/lua.ts (upstreamPathLua); ${DOCS}configuration/http/http_filters/lua_filter`,
  },
} satisfies Record<string, EmulatedEnvoyRule>);

export type EmulatedRuleName = keyof typeof EMULATED_ENVOY_RULES;

/** The Markdown table docs/envoy.md carries under "Runtime behaviour we rely on". */
export function runtimeBehaviourTable(): string {
  const rows = Object.values(EMULATED_ENVOY_RULES).map((r: EmulatedEnvoyRule) => `| ${r.rule} | ${r.setting} | ${r.envoy} | ${r.source} |`);
  return ["| Rule | Setting | What Envoy does | Source |", "|---|---|---|---|", ...rows].join("\n");
}
