-- nslab.cli.runner — loading and running a lab file, the one way `run`, `up`,
-- `repl`, `test`, `check` and `graph` all do it: `lab` and `nslab` bound,
-- the lab file's directory searched by require, errors caught with the
-- lab-file line (a traceback only when verbose).
local core = require "nslab.core"
local util = require "nslab.util"
local EXIT = require("nslab.cli.verbs").EXIT

local M = {}

local say = require("nslab.cli.say").line

-- The lab name for file (or opt.name); nil and an exit status, with the
-- message printed, when the file is unreadable or the name is bad.
function M.lab_name(file, opt)
  if not util.readable_file(file) then
    say("cannot open lab file %s (check the path)", util.shown(file))
    return nil, EXIT.build
  end
  local name = opt.name or util.lab_name_of(file)
  if not util.valid_name(name) then
    say("%s: cannot use \"%s\" as a lab name (letters, digits, '-', '_'); pass --name NAME", file, util.shown(name))
    return nil, EXIT.usage
  end
  return name
end

-- Compile file with `lab` (a new lab named name) and `nslab` bound, plus
-- env_extra; returns chunk, err, env.
function M.load(nslab, file, name, env_extra)
  local env = setmetatable({}, { __index = _G })
  env.nslab = nslab
  env.lab = nslab.lab(name, { file = util.abspath(file) })
  for k, v in pairs(env_extra or {}) do env[k] = v end
  local dir = file:match("^(.*)/[^/]*$") or "."
  if not package.path:find(dir .. "/?.lua", 1, true) then
    package.path = dir .. "/?.lua;" .. package.path
  end
  os.exit = M.lab_exit
  local chunk, lerr = loadfile(file, "t", env)
  return chunk, lerr, env
end

-- os.exit(N) in a lab must not end nslab with the lab up: while a lab
-- runs it raises this instead, and the verb tears the lab down and then
-- exits N (`nslab test` reports it as an error and goes on).
local Exit = { __name = "nslab.exit" }
Exit.__tostring = function(e) return ("the lab script called os.exit(%s)"):format(tostring(e.arg)) end
M.Exit = Exit

function M.lab_exit(code)
  local status = code
  if code == nil or code == true then status = 0 elseif code == false then status = 1 end
  if math.type(status) ~= "integer" then status = 1 end
  error(setmetatable({ status = status & 255, arg = code }, Exit), 0)
end

-- The exit status a lab asked for with os.exit, or nil.
function M.exit_status(msg)
  return getmetatable(msg) == Exit and msg.status or nil
end

-- The library's own sources ("@/.../lua/nslab/"): where an error is
-- placed, the lab line that called into the library counts, not these.
local LIB = debug.getinfo(1, "S").source:match("^(@.*/nslab/)cli/runner%.lua$")

-- "FILE:LINE: " of the lab code that raised the error in flight: the
-- first frame from level on (above raiser, its callers in here and the
-- message handler) that has a line (error() itself, a C function, has
-- none) and is not the library's.
local function raiser(level)
  for level = level, 40 do
    local info = debug.getinfo(level, "Sl")
    if not info then break end
    local lib = LIB and info.source:sub(1, #LIB) == LIB
    if info.currentline and info.currentline > 0 and not lib then
      local src = info.source:sub(1, 1) == "@" and info.source:sub(2) or info.short_src
      return ("%s:%d: "):format(src, info.currentline)
    end
  end
  return ""
end

-- A shallow text of table t: { code = 7, "x" } (what error({...}) carried).
local function brief(t)
  local parts, n = {}, 0
  for k, v in pairs(t) do
    n = n + 1
    if n > 6 then parts[#parts + 1] = "..." break end
    local val = type(v) == "string" and ("%q"):format(v) or (type(v) == "table" and "{...}" or tostring(v))
    parts[#parts + 1] = math.type(k) == "integer" and val or (tostring(k) .. " = " .. val)
  end
  return n == 0 and "{}" or ("{ " .. table.concat(parts, ", ") .. " }")
end

-- The message of an error that is not a string: error({ code = 7 }),
-- error(42), error() -- with the file and line that raised it.
local function nonstring(m)
  if type(m) == "table" or type(m) == "userdata" then
    local mt = getmetatable(m)
    if type(mt) == "table" and mt.__tostring then
      local ok, s = pcall(tostring, m)
      if ok and type(s) == "string" then return raiser(4) .. s end
    end
  end
  local what = m == nil and "error() without a message" or type(m) == "table" and ("error(%s)"):format(brief(m))
    or ("error(%s)"):format(tostring(m))
  return raiser(4) .. what .. ": raise a message, like error(\"what went wrong\")" ..
    (type(m) == "table" and ", or give the table a __tostring" or "")
end

-- The xpcall message handler.
function M.handler(verbose)
  return function(m)
    if getmetatable(m) == Exit then return m end
    if type(m) ~= "string" then
      m = nonstring(m)
    elseif not m:match("^[^\n]-:%d+: ") then
      m = raiser(3) .. m   -- error("...", 0): say where all the same
    end
    -- a signal or `test --timeout` stops the script wherever it is, most
    -- often in the library (a command it waits for): name the lab's line
    local what = m:match("^[^\n]-:%d+: (timed out)$") or m:match("^[^\n]-:%d+: (interrupted by [^\n]*)$")
    if what then
      local where = util.where()
      if where ~= "" then m = where .. what end
    end
    if verbose then return debug.traceback(m, 2) end
    return m
  end
end

-- 130 or 143 (and the signal's name) when msg reports a signal, else nil.
function M.signal_status(msg)
  local sig = tostring(msg):match("interrupted by (%S+)")
  if sig then return sig:find("INT") and 130 or 143, sig end
  return nil
end

-- After a failed script: tear every lab of this process down, print the
-- one-line message (or the signal), and return the exit status.
function M.fail(nslab, file, msg, verbose)
  core.block_signals(true)
  local derr = nslab.down_all()
  core.block_signals(false)
  if derr then io.stderr:write("nslab: ", derr, "\n") end
  local code = M.exit_status(msg)
  if code then return code end
  local status, sig = M.signal_status(msg)
  if status then
    say("%s interrupted by %s; lab torn down", file, sig)
    return status
  end
  io.stderr:write(verbose and msg or util.oneline(msg), "\n")
  -- a command past its limit (node:exec's default) or `test --timeout`
  if msg:find("timed out after [%d.]+ s") or msg:find(": timed out$") then return EXIT.timeout end
  local failure = require("nslab.expect").last_failure
  if failure and msg:sub(1, #failure) == failure then return EXIT.failed end
  return EXIT.build
end

return M
