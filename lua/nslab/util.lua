-- nslab.util — validation and error reporting shared by the library.
--
-- Errors a user causes are raised with the lab file's line in front
-- (the first stack frame outside lua/nslab/), at level 0 so Lua adds
-- nothing of ours: "labs/x.lua:12: interface name ... ".
local core = require "nslab.core"

local M = {}

local libdir = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or ""

-- The "file:line: " of the nearest caller outside this library.
function M.where()
  for level = 2, 60 do
    local info = debug.getinfo(level, "Sl")
    if not info then break end
    local src = info.source
    if info.what ~= "C" and info.currentline and info.currentline > 0 and
       not (src:sub(1, 1) == "@" and src:sub(2, #libdir + 1) == libdir) then
      local name = src:sub(1, 1) == "@" and src:sub(2) or info.short_src
      return name .. ":" .. info.currentline .. ": "
    end
  end
  return ""
end

-- Control characters in a message (a user's name with a newline in it)
-- are escaped, so an error is always one line.
local ESC = { ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
function M.oneline(msg)
  return (tostring(msg):gsub("[%c\127]", function(c)
    return ESC[c] or ("\\x%02x"):format(c:byte())
  end))
end

-- Settings for every lab of this process (nslab.defaults). exec_timeout:
-- the seconds node:exec lets a command run when the call names no
-- timeout (false: no limit); $NSLAB_EXEC_TIMEOUT sets it from outside.
local env_limit = tonumber(os.getenv("NSLAB_EXEC_TIMEOUT") or "")
M.defaults = { exec_timeout = env_limit and (env_limit > 0 and env_limit or false) or 60 }

function M.raise(msg)
  error(M.where() .. M.oneline(msg), 0)
end

-- Refuse option keys we do not know, by name (a typo must not be ignored).
function M.check_opts(opts, known, what)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    M.raise(("%s: options must be a table, got %s"):format(what, type(opts)))
  end
  for k in pairs(opts) do
    if not known[k] then
      local names = {}
      for n in pairs(known) do names[#names + 1] = n end
      table.sort(names)
      M.raise(("%s: unknown option '%s' (known: %s)"):format(what, tostring(k),
        table.concat(names, ", ")))
    end
  end
  return opts
end

function M.set(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

local NAME = "^[%w][%w_%-]*$"

-- Node, switch and lab names become part of namespace names (LAB.NODE)
-- and of paths (/run/nslab/LAB): one rule, kept in C (src/kernel/names.c), so the
-- library, the command line and the journal can never disagree.
M.valid_name = core.valid_name

-- True when path opens and reads as a file (a directory opens, but
-- reading it fails).
function M.readable_file(path)
  local f = io.open(path, "r")
  if not f then return false end
  local ok = f:read(0) ~= nil or select(2, f:read(1)) == nil
  f:close()
  return ok
end

-- The whole of a file, or nil when it cannot be read.
function M.slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- A name as a message shows it: control characters as '?', and cut at
-- 64 bytes, so a hostile name still gives one short line.
function M.shown(s)
  s = tostring(s):gsub("%c", "?")
  if #s > 64 then s = s:sub(1, 61) .. "..." end
  return s
end

-- Why name is refused as a lab (or, with what = "node", node) name.
function M.bad_name(name, what)
  return ("\"%s\" is not a %s name (letters, digits, '-' and '_', at most 64 bytes; see `nslab %s`)")
    :format(M.shown(name), what or "lab", what == "node" and "nodes LAB" or "ls")
end

-- For verbs that take the name of a lab that is up: the name, or nil and
-- the line to print ("..", "a/b", "" and the like never reach a path).
function M.lab_arg(verb, name)
  -- a key: NAME, or NAME@UID (another user's lab, for root's --all-users)
  if core.valid_lab(name) then return name end
  return nil, verb .. ": " .. M.bad_name(name)
end

function M.check_name(name, what)
  if type(name) ~= "string" then
    M.raise(("%s name must be a string, got %s"):format(what, type(name)))
  end
  if #name == 0 then M.raise(what .. " name is empty") end
  if #name > 64 then
    M.raise(("%s name \"%s\" is %d bytes; use at most 64"):format(what, name, #name))
  end
  if not name:match(NAME) then
    M.raise(("bad %s name \"%s\" (use letters, digits, '-' and '_', starting with a letter or digit)")
      :format(what, name))
  end
  return name
end

-- Linux interface names: 1..15 bytes, no '/', ':' or whitespace.
function M.check_ifname(name, what)
  what = what or "interface"
  if type(name) ~= "string" then
    M.raise(("%s name must be a string, got %s"):format(what, type(name)))
  end
  if #name == 0 then M.raise(what .. " name is empty") end
  if #name > 15 then
    M.raise(("%s name \"%s\" is %d bytes; Linux allows at most 15"):format(what, name, #name))
  end
  -- stricter than Linux on purpose: names end up quoted in nft rules
  if name == "." or name == ".." or not name:match("^[%w%._@%-+]+$") then
    M.raise(("bad %s name \"%s\" (use letters, digits and . _ - @ +)"):format(what, name))
  end
  return name
end

-- A parsed address; need_prefix makes "10.0.0.1" without /24 an error.
function M.check_cidr(text, need_prefix, what)
  what = what or "address"
  if type(text) ~= "string" then
    M.raise(("%s must be a string like \"10.0.0.1/24\", got %s"):format(what, type(text)))
  end
  local c, err = core.cidr(text)
  if not c then M.raise(err) end
  if need_prefix and not c.prefix then
    M.raise(("%s \"%s\" needs a prefix length, like %s/%d"):format(what, text, text,
      c.family == 4 and 24 or 64))
  end
  return c
end

-- Methods from a module a plain lab never needs (NAT, shaping, capture,
-- tunnels): until one is first called they are stubs, so `nslab run` does
-- not load the module. The first call runs require(module).install(...),
-- which puts the real methods in place, and passes the call on.
-- stubs: { {class, {method names}}, ... }; M.later_modules keeps them
-- for the test that checks install defines exactly these names.
M.later_modules = {}
function M.later(module, args, stubs)
  M.later_modules[module] = { args = args, stubs = stubs }
  local function load()
    require(module).install(table.unpack(args))
  end
  for _, s in ipairs(stubs) do
    local class = s[1]
    for _, name in ipairs(s[2]) do
      local stub
      stub = function(...)
        load()
        if class[name] == stub then
          error(("internal: %s.install did not define %s"):format(module, name))
        end
        return class[name](...)
      end
      class[name] = stub
    end
  end
end

function M.check_int(v, lo, hi, what)
  if math.type(v) ~= "integer" then
    M.raise(("%s must be an integer, got %s"):format(what, tostring(v)))
  end
  if v < lo or v > hi then
    M.raise(("%s %d is out of range %d-%d"):format(what, v, lo, hi))
  end
  return v
end

-- Poll fn until it returns a truthy value or timeout seconds pass, on
-- the clock of kernel (a lab's lab.core; nslab.core by default).
function M.eventually(fn, opts, kernel)
  opts = opts or {}
  local clock, sleep = (kernel or core).clock, (kernel or core).sleep
  local timeout, interval = opts.timeout or 5, opts.interval or 0.02
  local deadline = clock() + timeout
  while true do
    local v, detail = fn()
    if v then return v end
    if clock() >= deadline then return nil, detail end
    sleep(interval)
    interval = math.min(interval * 1.5, 0.25)
  end
end

-- The addresses of a link: nil, or a list of at most two entries (one per
-- end, each a CIDR or a list of CIDRs); anything more would be dropped.
function M.check_link_addrs(addrs)
  if addrs == nil then return {} end
  if type(addrs) ~= "table" then
    M.raise("link addresses must be a list: { \"10.0.0.1/24\", \"10.0.0.2/24\" }")
  end
  for k in pairs(addrs) do
    if math.type(k) ~= "integer" or k < 1 or k > 2 then
      local n = 0
      for _ in pairs(addrs) do n = n + 1 end
      M.raise(("a link has two ends, so at most two addresses, one per end; got %d (for more on one end " ..
        "give a list: { { \"10.0.0.1/24\", \"fd00::1/64\" }, \"10.0.0.2/24\" })"):format(n))
    end
  end
  return addrs
end

-- The lab name a file gives by default: labs/bridge-nat.lua -> bridge-nat.
function M.lab_name_of(file)
  return ((file:match("([^/]+)$") or file):gsub("%.lua$", ""))
end

-- An absolute path for a lab file, as the user's shell sees it.
function M.abspath(p)
  if p:sub(1, 1) == "/" then return p end
  local pwd = os.getenv("PWD")
  return pwd and (pwd .. "/" .. p) or p
end

-- Short per-lab tag for names in the host namespace.
function M.tag(s)
  local h = 5381
  for i = 1, #s do h = (h * 33 + s:byte(i)) % 2176782336 end
  local digits, out = "0123456789abcdefghijklmnopqrstuvwxyz", ""
  for _ = 1, 4 do
    local d = h % 36
    out = digits:sub(d + 1, d + 1) .. out
    h = h // 36
  end
  return out
end

return M
