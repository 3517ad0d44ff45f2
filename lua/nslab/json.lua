-- nslab.json — the little JSON nslab needs: encode what `nslab inspect
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

local function fail(s, i, what)
  local line = select(2, s:sub(1, i):gsub("\n", "")) + 1
  error(("json: %s at line %d (byte %d)"):format(what, line, i), 0)
end

local function skip(s, i)
  return s:find("[^ \t\r\n]", i) or #s + 1
end

local decode_value

local function utf8_of(cp) return utf8.char(cp) end

local function decode_string(s, i)
  local out, j = {}, i + 1
  while true do
    local k = s:find('["\\]', j)
    if not k then fail(s, i, "unterminated string") end
    out[#out + 1] = s:sub(j, k - 1)
    if s:sub(k, k) == '"' then return table.concat(out), k + 1 end
    local c = s:sub(k + 1, k + 1)
    if c == "u" then
      local hex = s:sub(k + 2, k + 5)
      if not hex:match("^%x%x%x%x$") then fail(s, k, "bad \\u escape") end
      local cp = tonumber(hex, 16)
      local nxt = k + 6
      if cp >= 0xD800 and cp <= 0xDBFF and s:sub(nxt, nxt + 1) == "\\u" then
        local lo = tonumber(s:sub(nxt + 2, nxt + 5), 16)
        if lo and lo >= 0xDC00 and lo <= 0xDFFF then
          cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
          nxt = nxt + 6
        end
      end
      out[#out + 1] = utf8_of(cp)
      j = nxt
    else
      local map = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }
      if not map[c] then fail(s, k, "bad escape") end
      out[#out + 1] = map[c]
      j = k + 2
    end
  end
end

function decode_value(s, i)
  i = skip(s, i)
  local c = s:sub(i, i)
  if c == "{" then
    local t = {}
    i = skip(s, i + 1)
    if s:sub(i, i) == "}" then return t, i + 1 end
    while true do
      if s:sub(i, i) ~= '"' then fail(s, i, "expected a key") end
      local k
      k, i = decode_string(s, i)
      i = skip(s, i)
      if s:sub(i, i) ~= ":" then fail(s, i, "expected ':'") end
      t[k], i = decode_value(s, i + 1)
      i = skip(s, i)
      local d = s:sub(i, i)
      if d == "}" then return t, i + 1 end
      if d ~= "," then fail(s, i, "expected ',' or '}'") end
      i = skip(s, i + 1)
    end
  elseif c == "[" then
    local t = M.array {}
    i = skip(s, i + 1)
    if s:sub(i, i) == "]" then return t, i + 1 end
    while true do
      t[#t + 1], i = decode_value(s, i)
      i = skip(s, i)
      local d = s:sub(i, i)
      if d == "]" then return t, i + 1 end
      if d ~= "," then fail(s, i, "expected ',' or ']'") end
      i = i + 1
    end
  elseif c == '"' then
    return decode_string(s, i)
  elseif s:sub(i, i + 3) == "true" then
    return true, i + 4
  elseif s:sub(i, i + 4) == "false" then
    return false, i + 5
  elseif s:sub(i, i + 3) == "null" then
    return M.null, i + 4
  else
    local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
    if not num or num == "" or num == "-" then fail(s, i, "unexpected character") end
    local v = math.tointeger(tonumber(num)) or tonumber(num)
    if v == nil then fail(s, i, "bad number") end
    return v, i + #num
  end
end

-- json.decode(text) -> value, or nil, message
function M.decode(s)
  local ok, v, i = pcall(decode_value, s, 1)
  if not ok then return nil, v end
  if skip(s, i) <= #s then return nil, ("json: trailing text at byte %d"):format(i) end
  return v
end

return M
