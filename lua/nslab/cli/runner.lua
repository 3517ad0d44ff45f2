-- nslab.cli.runner — loading and running a lab file, the one way `run`, `up`,
-- `repl`, `test`, `check` and `graph` all do it: `lab` and `nslab` bound,
-- the lab file's directory searched by require, errors caught with the
-- lab-file line (a traceback only when verbose).
local core = require "nslab.core"
local util = require "nslab.util"

local M = {}

local function say(fmt, ...)
  io.stderr:write("nslab: ", fmt:format(...), "\n")
end

-- The lab name for file (or opt.name); nil and an exit status, with the
-- message printed, when the file is unreadable or the name is bad.
function M.lab_name(file, opt)
  if not util.readable_file(file) then
    say("cannot open lab file %s (check the path)", util.shown(file))
    return nil, 1
  end
  local name = opt.name or util.lab_name_of(file)
  if not util.valid_name(name) then
    say("%s: cannot use \"%s\" as a lab name (letters, digits, '-', '_'); pass --name NAME", file, util.shown(name))
    return nil, 1
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
  local chunk, lerr = loadfile(file, "t", env)
  return chunk, lerr, env
end

-- Exit statuses shared by the verbs (docs/cli.md).
M.EXIT = { ok = 0, failed = 1, usage = 2, build = 3, timeout = 4 }

-- The xpcall message handler. A signal or an alarm stops the script
-- wherever it is, most often inside the library (a command it waits
-- for): the message names the lab file's line that was running instead.
function M.handler(verbose)
  return function(m)
    m = type(m) == "string" and m or tostring(m)
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
  local status, sig = M.signal_status(msg)
  if status then
    say("%s interrupted by %s; lab torn down", file, sig)
    return status
  end
  io.stderr:write(verbose and msg or util.oneline(msg), "\n")
  return 1
end

return M
