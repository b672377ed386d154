-- Runs one Envoy Lua filter's envoy_on_request against a stand-in for Envoy's stream handle that
-- also offers handle:streamInfo():dynamicMetadata() (set(namespace, key, value), Envoy's Lua API).
-- Usage: lua metadata-harness.lua FILTER.lua HEADERS.tsv   (HEADERS: one "name<TAB>value" per line)
-- Prints the request headers afterwards ("name<TAB>value"), then every metadata entry set, in
-- order, as "METADATA<TAB>namespace<TAB>key<TAB>value".

local entries = {}
for line in io.lines(arg[2]) do
  local name, value = line:match("^([^\t]*)\t(.*)$")
  entries[#entries + 1] = { name, value }
end

local headers = setmetatable({}, {
  __index = {
    get = function(_, name)
      for _, e in ipairs(entries) do
        if e[1] == name then return e[2] end
      end
      return nil
    end,
    remove = function() error("this filter must not change the request") end,
    replace = function() error("this filter must not change the request") end,
    add = function() error("this filter must not change the request") end,
  },
})

local metadata = {}
local dynamic = {
  set = function(_, namespace, key, value)
    if type(namespace) ~= "string" or type(key) ~= "string" then error("set needs a namespace and a key") end
    metadata[#metadata + 1] = { namespace, key, tostring(value) }
  end,
}
local info = { dynamicMetadata = function() return dynamic end }
local handle = {
  headers = function() return headers end,
  streamInfo = function() return info end,
  respond = function() error("this filter must never answer") end,
}

dofile(arg[1])
envoy_on_request(handle)
for _, e in ipairs(entries) do io.write(e[1], "\t", e[2], "\n") end
for _, m in ipairs(metadata) do io.write("METADATA\t", m[1], "\t", m[2], "\t", m[3], "\n") end
