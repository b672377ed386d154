-- Runs one Envoy Lua filter's envoy_on_request against a stand-in for Envoy's stream handle.
-- Usage: lua harness.lua FILTER.lua HEADERS.tsv   (HEADERS: one "name<TAB>value" per line)
-- Prints the request headers afterwards, one "name<TAB>value" per line in order, then, if the
-- filter answered locally, "RESPOND<TAB>status", "RESPONSE_HEADER<TAB>name<TAB>value" lines and
-- "BODY<TAB>body" (newlines as \n) when there is a body.
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
    -- Like Envoy: several values of one key come back joined with ",".
    get = function(_, name)
      local values = {}
      for _, e in ipairs(entries) do
        if e[1] == name then values[#values + 1] = e[2] end
      end
      if #values == 0 then return nil end
      return table.concat(values, ",")
    end,
    getNumValues = function(_, name)
      local n = 0
      for _, e in ipairs(entries) do
        if e[1] == name then n = n + 1 end
      end
      return n
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
  respond = function(_, h, body) responded = { headers = h, body = body } end,
}

dofile(arg[1])
envoy_on_request(handle)
for _, e in ipairs(entries) do io.write(e[1], "\t", e[2], "\n") end
if responded ~= nil then
  io.write("RESPOND\t", responded.headers[":status"], "\n")
  local names = {}
  for name, _ in pairs(responded.headers) do
    if name ~= ":status" then names[#names + 1] = name end
  end
  table.sort(names)
  for _, name in ipairs(names) do io.write("RESPONSE_HEADER\t", name, "\t", responded.headers[name], "\n") end
  if responded.body ~= nil and responded.body ~= "" then
    io.write("BODY\t", (string.gsub(responded.body, "\n", "\\n")), "\n")
  end
end
