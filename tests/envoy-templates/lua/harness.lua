-- Runs one Envoy Lua filter's envoy_on_request against a stand-in for Envoy's stream handle.
-- Usage: lua harness.lua FILTER.lua HEADERS.tsv   (HEADERS: one "name<TAB>value" per line)
-- Prints the request headers afterwards, one "name<TAB>value" per line in order, then
-- "RESPOND<TAB>status" if the filter answered locally.
-- Like Envoy's header map, it refuses changes while pairs() is iterating it.

local entries = {}
for line in io.lines(arg[2]) do
  local name, value = line:match("^([^\t]*)\t(.*)$")
  entries[#entries + 1] = { name, value }
end

local iterating = false
local function guard()
  if iterating then error("header map modified during iteration") end
end

local headers = setmetatable({}, {
  __index = {
    get = function(_, name)
      for _, e in ipairs(entries) do
        if e[1] == name then return e[2] end
      end
      return nil
    end,
    remove = function(_, name)
      guard()
      local kept = {}
      for _, e in ipairs(entries) do
        if e[1] ~= name then kept[#kept + 1] = e end
      end
      entries = kept
    end,
    replace = function(_, name, value)
      guard()
      for _, e in ipairs(entries) do
        if e[1] == name then e[2] = value; return end
      end
      entries[#entries + 1] = { name, value }
    end,
  },
  __pairs = function()
    local i = 0
    iterating = true
    return function()
      i = i + 1
      local e = entries[i]
      if e == nil then iterating = false; return nil end
      return e[1], e[2]
    end
  end,
})

local responded = nil
local handle = {
  headers = function() return headers end,
  respond = function(_, h, _) responded = h[":status"] end,
}

dofile(arg[1])
envoy_on_request(handle)
for _, e in ipairs(entries) do io.write(e[1], "\t", e[2], "\n") end
if responded ~= nil then io.write("RESPOND\t", responded, "\n") end
