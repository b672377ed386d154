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
 * Runs after ext_authz: when the authorizer returned `header` (copied onto the request through
 * `allowed_upstream_headers`), it becomes `:path` and is removed, so S3 receives exactly the path
 * the authorizer judged and signed. A value that is not an origin-form path fails closed with 503.
 */
export function upstreamPathLua(header: string): string {
  if (!/^[a-z0-9-]+$/.test(header)) throw new Error(`header ${JSON.stringify(header)} is not a lower-case token`);
  return `function envoy_on_request(handle)
  local headers = handle:headers()
  local path = headers:get("${header}")
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
