-- nslab.repl.complete — Tab completion: verbs, node names, a node's
-- interfaces after its name, and Lua names and fields (`lab.ro<Tab>`,
-- `router:ro<Tab>`), walked from the session's environment without
-- calling anything.
local verbs = require "nslab.repl.verbs"
local display = require "nslab.repl.display"

local split_words = display.split_words
local ORDER = verbs.ORDER

local M = {}

local KEYWORDS = { "and", "break", "do", "else", "elseif", "end", "false", "for", "function",
  "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while" }

-- Completion: verbs, node names, a node's interfaces, Lua names.
function M.lua_names(self, prefix)
  local seen, t = {}, {}
  local function add(k)
    if type(k) == "string" and k:match("^[%a_][%w_]*$") and k:sub(1, #prefix) == prefix and not seen[k] then
      seen[k] = true
      t[#t + 1] = k
    end
  end
  for k in pairs(self.env) do add(k) end
  for k in pairs(_G) do add(k) end
  for _, n in ipairs(self:node_names()) do add(n) end
  for _, k in ipairs(KEYWORDS) do add(k) end
  return t
end

-- Fields of v: its own keys, then those its metatables' __index tables
-- offer (methods of nodes, labs, strings).
local function fields(v, methods_only)
  local t, seen = {}, {}
  local function scan(x, depth)
    if depth > 5 then return end
    if type(x) == "table" then
      for k, val in pairs(x) do
        if type(k) == "string" and not seen[k] and (not methods_only or type(val) == "function") then
          seen[k] = true
          t[#t + 1] = k
        end
      end
    end
    local mt = getmetatable(x)
    if type(mt) == "table" and type(rawget(mt, "__index")) == "table" then
      scan(mt.__index, depth + 1)
    end
  end
  if type(v) == "string" then v = string end
  scan(v, 0)
  return t
end

function M.complete_lua(self, text)
  local base, sep, part = text:match("^(.*)([%.:])([%w_]*)$")
  if not base then return M.lua_names(self, text), "" end
  -- walk NAME(.NAME)* from the environment; nothing is called
  local v
  for name, s in (base .. "."):gmatch("([%a_][%w_]*)([%.:])") do
    if v == nil then
      v = self.env[name]
    elseif type(v) == "table" then
      v = v[name]
    else
      v = nil
    end
    if v == nil or s == ":" then break end
  end
  if v == nil or not base:match("^[%a_][%w_%.]*$") then return {}, "" end
  local t = {}
  for _, k in ipairs(fields(v, sep == ":")) do
    if k:sub(1, #part) == part and k:match("^[%a_][%w_]*$") and (k:sub(1, 1) ~= "_" or part:sub(1, 1) == "_") then
      t[#t + 1] = base .. sep .. k
    end
  end
  table.sort(t)
  return t, ""
end

-- M.complete(session, text, line, start) -> candidates, what to append
function M.complete(self, text, line, start)
  local before = line:sub(1, start)
  local w = split_words(before)
  local function pick(list, append)
    local t = {}
    for _, x in ipairs(list) do
      if x:sub(1, #text) == text then t[#t + 1] = x end
    end
    table.sort(t)
    return t, append or " "
  end
  if text:find("[%.:]") then return M.complete_lua(self, text) end
  if #w == 0 then
    local t, words = {}, {}
    for _, v in ipairs(ORDER) do words[v] = true end
    for _, n in ipairs(self:node_names()) do words[n] = true end
    for k in pairs(words) do
      if k:sub(1, #text) == text then t[#t + 1] = k end
    end
    local lua = M.lua_names(self, text)
    for _, k in ipairs(lua) do
      if not words[k] then t[#t + 1] = k end
    end
    table.sort(t)
    return t, (#t == 1 and words[t[1]]) and " " or ""
  end
  local first = w[1]
  if first == "help" and #w == 1 then return pick(ORDER) end
  if (first == "enter" or first == "nft" or first == "pids") and #w == 1 then
    return pick(self:node_names())
  end
  if first == "route" or first == "dump" then return pick(self:node_names()) end
  local t = self.lab.switches[first] or self.lab.nodes[first]
  if t and not before:match("^%s*[%w_%-]+[%.:%(]") then
    local node = t.is_switch and t.node or t
    local list = self:node_names()
    for _, l in ipairs(node.ns:links() or {}) do list[#list + 1] = l.name end
    return pick(list)
  end
  return M.lua_names(self, text), ""
end

return M
