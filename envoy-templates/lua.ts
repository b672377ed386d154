import type { SingleValueHeader } from "../src/s3/single-headers";

/**
 * The two Lua filters in the S3 listener's chain. They are the only request rewriting Envoy does,
 * and each does one thing.
 */

function luaStringList(values: readonly string[]): string {
  return `{ ${values.map((v) => `"${v}"`).join(", ")} }`;
}

/**
 * Runs before ext_authz: removes every request header whose name starts with one of `prefixes`
 * (`x-rajee-`, `x-envoy-`), so a client can never pose as the authorizer or steer Envoy.
 * Names are compared lower case (Envoy stores header names lower case). Headers are collected
 * first and removed after the walk, because the map must not change while it is iterated.
 */
export function stripInternalHeadersLua(prefixes: readonly string[]): string {
  for (const prefix of prefixes) {
    if (!/^[a-z0-9-]+$/.test(prefix)) throw new Error(`header prefix ${JSON.stringify(prefix)} is not a lower-case token`);
  }
  return `local prefixes = ${luaStringList(prefixes)}
function envoy_on_request(handle)
  local headers = handle:headers()
  local doomed = {}
  for name, _ in pairs(headers) do
    local lower = string.lower(name)
    for _, prefix in ipairs(prefixes) do
      if string.sub(lower, 1, #prefix) == prefix then
        doomed[#doomed + 1] = name
        break
      end
    end
  end
  for _, name in ipairs(doomed) do
    headers:remove(name)
  end
end
`;
}

/**
 * Runs after the internal headers are stripped and before ext_authz: copies the client's
 * Content-Length into `header`, because the check request ext_authz sends carries its own length
 * (0, or the buffered body's) instead of the client's (source/extensions/filters/common/ext_authz/
 * ext_authz_http_impl.cc), and the authorizer needs the client's value to verify a signature that
 * covers it. A client cannot set `header` itself: its `x-rajee-` prefix was stripped just before.
 */
export function clientContentLengthLua(header: string): string {
  if (!/^x-rajee-[a-z0-9-]+$/.test(header)) throw new Error(`header ${JSON.stringify(header)} is not a lower-case x-rajee- token`);
  return `function envoy_on_request(handle)
  local headers = handle:headers()
  local length = headers:get("content-length")
  if length ~= nil then
    headers:replace("${header}", length)
  end
end
`;
}

/**
 * Runs after ext_authz: removes the internal headers in `internal` (the client's copied
 * Content-Length), which S3 must never see; then, when the authorizer returned `header` (copied onto the request through
 * `allowed_upstream_headers`), it becomes `:path` and is removed, so S3 receives exactly the path
 * the authorizer judged and signed. A value that is not an origin-form path fails closed with 503.
 */
export function upstreamPathLua(header: string, internal: readonly string[] = []): string {
  for (const name of [header, ...internal]) {
    if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`header ${JSON.stringify(name)} is not a lower-case token`);
  }
  const removals = internal.map((name) => `  headers:remove("${name}")\n`).join("");
  return `function envoy_on_request(handle)
  local headers = handle:headers()
${removals}  local path = headers:get("${header}")
  if path == nil then
    return
  end
  headers:remove("${header}")
  if string.sub(path, 1, 1) ~= "/" or string.find(path, "[%c ]") ~= nil then
    handle:respond({[":status"] = "503"}, "")
    return
  end
  headers:replace(":path", path)
end
`;
}

/**
 * Where the client's request line is recorded before any filter rewrites it: the dynamic metadata
 * namespace (the filter's own name, as Envoy's filters do) and its keys. The access log reads them
 * with `%DYNAMIC_METADATA(<namespace>:<key>)%`.
 */
export const CLIENT_REQUEST_METADATA = Object.freeze({
  namespace: "rajee.record_client_request",
  pathKey: "path",
  authorityKey: "authority",
} as const);

/**
 * Runs first in the S3 listener's chain: records the client's `:path` without its query (presigned
 * URLs carry their credentials there) and its `:authority`, as sent, in dynamic metadata
 * (`handle:streamInfo():dynamicMetadata():set(namespace, key, value)`, Envoy's Lua filter API).
 * Later filters rewrite both (the upstream path, the route's host rewrite); the access log
 * reports these recorded values instead. Changes nothing on the request.
 */
export function recordClientRequestLua(): string {
  const m = CLIENT_REQUEST_METADATA;
  return `function envoy_on_request(handle)
  local headers = handle:headers()
  local path = headers:get(":path") or ""
  local query = string.find(path, "?", 1, true)
  if query ~= nil then
    path = string.sub(path, 1, query - 1)
  end
  local metadata = handle:streamInfo():dynamicMetadata()
  metadata:set("${m.namespace}", "${m.pathKey}", path)
  metadata:set("${m.namespace}", "${m.authorityKey}", headers:get(":authority") or "")
end
`;
}

/** How Envoy's header map names a client header: `Host` becomes the `:authority` pseudo-header. */
const ENVOY_HEADER_KEY: Readonly<Record<string, string>> = Object.freeze({ host: ":authority" });

/** A Lua string literal for printable ASCII text (JSON's escapes for `"`, `\\` and newline are Lua's too). */
function luaString(text: string): string {
  if (!/^[\x20-\x7e\n]*$/.test(text)) throw new Error(`${JSON.stringify(text)} is not printable ASCII`);
  return JSON.stringify(text);
}

/**
 * Runs before ext_authz: answers 400 with an S3 XML error when a header in `headers` (the
 * single-value list of src/s3/single-headers.ts) appears more than once, with the authorizer's own
 * code and message. `headers:getNumValues(name)` counts the copies (Envoy's Lua API). Envoy's
 * HTTP/1 codec joins repeats of its inline headers into one value with `,`, and `Host` is stored
 * as `:authority`: so two Host lines arrive as one `:authority` holding a comma, which no S3 host
 * name contains, and a comma there is refused too. `errorBody(header, requestId)` renders the XML
 * (it must escape the message); the request id is Envoy's `x-request-id` when it looks like one.
 */
export function refuseRepeatedHeadersLua(
  headers: readonly SingleValueHeader[],
  errorBody: (header: SingleValueHeader, requestId: string) => string,
): string {
  // The bodies differ only in the code and message: keep the shared text once (the rendered
  // config must stay small) and, per header, only the part that differs.
  const marker = "\u0000";
  const split = headers.map((header) => {
    if (!/^[a-z0-9-]+$/.test(header.name)) throw new Error(`header ${JSON.stringify(header.name)} is not a lower-case token`);
    const [before, after, ...rest] = errorBody(header, marker).split(marker);
    if (before === undefined || after === undefined || rest.length > 0) throw new Error("the error body must hold the request id exactly once");
    return { key: ENVOY_HEADER_KEY[header.name] ?? header.name, before, after };
  });
  const after = split[0]?.after ?? "";
  if (split.some((s) => s.after !== after)) throw new Error("the error bodies must end the same after the request id");
  const befores = split.map((s) => s.before);
  const head = commonPrefix(befores);
  const tail = commonPrefix(befores.map((b) => [...b.slice(head.length)].reverse().join(""))).split("").reverse().join("");
  const entries = split.map(
    (s) => `  { k = ${luaString(s.key)},${s.key.startsWith(":") ? " comma = true," : ""} m = ${luaString(s.before.slice(head.length, s.before.length - tail.length))} },`,
  );
  return `local head, tail, after = ${luaString(head)}, ${luaString(tail)}, ${luaString(after)}
local single = {
${entries.join("\n")}
}
function envoy_on_request(handle)
  local headers = handle:headers()
  for _, h in ipairs(single) do
    local value = headers:get(h.k)
    if headers:getNumValues(h.k) > 1 or (h.comma and value ~= nil and string.find(value, ",", 1, true) ~= nil) then
      local id = headers:get("x-request-id") or ""
      if #id > 128 or string.find(id, "^[%w%._:%-]+$") == nil then
        id = ""
      end
      local response = { [":status"] = "400", ["content-type"] = "application/xml" }
      if id ~= "" then
        response["x-amz-request-id"] = id
      end
      handle:respond(response, head .. h.m .. tail .. id .. after)
      return
    end
  end
end
`;
}

function commonPrefix(texts: readonly string[]): string {
  const first = texts[0] ?? "";
  let length = first.length;
  for (const text of texts) {
    let i = 0;
    while (i < length && i < text.length && text[i] === first[i]) i += 1;
    length = i;
  }
  return first.slice(0, length);
}
