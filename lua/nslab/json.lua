-- nslab.json — the JSON nslab needs: encode what `nslab inspect
-- --json` reports (keys sorted, so output is stable and diffable) and
-- decode what `ip -j` prints when a check observes the kernel.
local M = {}

-- A value that encodes as null, and a marker for tables that must encode
-- as arrays even when empty.
M.null = setmetatable({}, { __name = "json.null", __tostring = function() return "null" end })
local ARRAY = { __name = "json.array" }

function M.array(t) return setmetatable(t or {}, ARRAY) end

local ESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
              ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local function str(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return ESC[c] or ("\\u%04x"):format(c:byte())
  end) .. '"'
end

local function is_array(t)
  if getmetatable(t) == ARRAY then return true end
  local n = 0
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 then return false end
    n = n + 1
  end
  return n > 0 and n == #t
end

local function enc(v, out, indent, depth, seen)
  local ty = type(v)
  if v == nil or v == M.null then
    out[#out + 1] = "null"
  elseif ty == "boolean" then
    out[#out + 1] = tostring(v)
  elseif ty == "number" then
    if v ~= v or v == math.huge or v == -math.huge then error("json: cannot encode " .. tostring(v), 0) end
    out[#out + 1] = math.type(v) == "integer" and tostring(v) or ("%.14g"):format(v)
  elseif ty == "string" then
    out[#out + 1] = str(v)
  elseif ty == "table" then
    if seen[v] then error("json: cannot encode a table that contains itself", 0) end
    seen[v] = true
    local nl, pad, pad1 = "", "", ""
    if indent then
      nl = "\n"
      pad = indent:rep(depth)
      pad1 = indent:rep(depth + 1)
    end
    if is_array(v) then
      if #v == 0 then
        out[#out + 1] = "[]"
      else
        out[#out + 1] = "[" .. nl
        for i = 1, #v do
          out[#out + 1] = pad1
          enc(v[i], out, indent, depth + 1, seen)
          out[#out + 1] = (i < #v and "," or "") .. nl
        end
        out[#out + 1] = pad .. "]"
      end
    else
      local keys = {}
      for k in pairs(v) do
        if type(k) ~= "string" then error("json: object keys must be strings, got " .. type(k), 0) end
        keys[#keys + 1] = k
      end
      table.sort(keys)
      if #keys == 0 then
        out[#out + 1] = "{}"
      else
        out[#out + 1] = "{" .. nl
        for i, k in ipairs(keys) do
          out[#out + 1] = pad1 .. str(k) .. (indent and ": " or ":")
          enc(v[k], out, indent, depth + 1, seen)
          out[#out + 1] = (i < #keys and "," or "") .. nl
        end
        out[#out + 1] = pad .. "}"
      end
    end
    seen[v] = nil
  else
    error("json: cannot encode a " .. ty, 0)
  end
end

-- json.encode(value [, {indent="  "}]) -> text
function M.encode(v, opts)
  local out = {}
  enc(v, out, opts and opts.indent, 0, {})
  return table.concat(out)
end

---- decoding -----------------------------------------------------------------

-- lua-cjson parses (in C); what it gives back is then made what nslab's
-- own decoder gave: whole numbers as integers (cjson 2.1 on Lua 5.4 makes
-- every number a float: 24 -> 24.0), null as M.null, and non-empty
-- arrays marked as arrays. (An empty array and an empty object are the
-- same to cjson 2.1; both come back as an empty table.)
-- loaded on first use: encoding needs no cjson
local cjson, cnull

local function load_cjson()
  local ok, c = pcall(require, "cjson")
  -- one line naming the package, not Lua's list of the paths it tried
  if not ok then error("cannot load the Lua module cjson: apt-get install lua-cjson", 0) end
  cjson = c.new()
  cnull = cjson.null
end

local function fix(v)
  if v == cnull then return M.null end
  if type(v) == "number" then return math.tointeger(v) or v end
  if type(v) ~= "table" then return v end
  for k, x in pairs(v) do v[k] = fix(x) end   -- (24 == 24.0: assign always)
  if v[1] ~= nil then setmetatable(v, ARRAY) end
  return v
end

-- json.decode(text) -> value, or nil, message
function M.decode(s)
  if not cjson then
    local ok, e = pcall(load_cjson)
    if not ok then return nil, e end
  end
  local ok, v = pcall(cjson.decode, s)
  if not ok then return nil, "json: " .. tostring(v):gsub("^Expected", "expected") end
  return fix(v)
end

return M
