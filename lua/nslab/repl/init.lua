-- nslab.repl — `nslab repl`: explore a live lab at a terminal.
--
-- A line is, in this order: a verb (`nodes`, `pingall`, `enter r1`, ...),
-- a Mininet-style command (`client ping -c1 server`: run in node client,
-- node names in the arguments replaced by their addresses), or Lua run
-- against the live lab (`lab`, and every node by its name). GNU readline
-- (nslab.core) gives history, Emacs keys and Tab completion; Ctrl-C stops
-- what runs and never the REPL; Ctrl-D or `exit` leaves.
--
-- The parts: display (colours, tables), kernel (the kernel's view of a
-- node and the verbs that show it), attach (a lab that is up, from
-- nslab.live), verbs (the verb table, Mininet-style lines, enter,
-- pingall), links (verbs on links), complete (Tab), loop (the session and
-- its read loop). This file is the entry: arguments, build or attach, run.
local core = require "nslab.core"
local nslab = require "nslab"
local util = require "nslab.util"
local runner = require "nslab.cli.runner"
local display = require "nslab.repl.display"
local verbs = require "nslab.repl.verbs"
local attach = require "nslab.repl.attach"
local Session = require "nslab.repl.loop"

local M = {}

local function err(fmt, ...) return require("nslab.cli.say").fail(1, fmt, ...) end

-- Run the lab file; returns the lab, or nil and the exit status.
local function build(file, opt)
  local name, status = runner.lab_name(file, opt)
  if not name then return nil, status end
  local chunk, lerr, env = runner.load(nslab, file, name)
  if not chunk then
    io.stderr:write(lerr, "\n")
    return nil, 1
  end
  local ok, msg = xpcall(chunk, runner.handler(opt.verbose))
  if not ok then return nil, runner.fail(nslab, file, msg, opt.verbose) end
  return env.lab, env
end

-- nslab repl LAB.lua | NAME (the command line: nslab.cli.verbs)
function M.main(opt)
  os.exit = runner.lab_exit   -- at the prompt too: leave through the teardown
  if not core.privileged() then
    return err("repl needs root to enter network namespaces; run it as root (sudo nslab repl ...)")
  end
  local target, lab, env, mode = opt.target, nil, nil, "built"
  if target:match("%.lua$") or target:find("/") or core.exists(target) then
    local st
    lab, st = build(target, opt)
    if not lab then return st end
    env = st
  else
    if opt.keep or opt.name then
      err("repl: --keep and --name go with a lab file; an attached lab stays up anyway")
      return 2
    end
    local _, oerr = require("nslab.live").owned(target)   -- another user's lab: says whose
    if core.journal_owner(target) == nil and not (oerr or ""):find("not to you", 1, true) then
      return err("repl: no lab file \"%s\" and no lab of that name is up (see `nslab ls`)", util.shown(target))
    end
    local e
    lab, e = attach(target)
    if not lab then return err("repl: attach to %s: %s", target, e) end
    mode = "attach"
    local owner = core.journal_owner(target)
    if owner and owner > 0 then
      io.stderr:write(("nslab: lab %s belongs to nslab process %d; it goes when that process ends\n")
        :format(target, owner))
    end
  end
  local self = Session.new(lab, env, mode, opt.keep)
  local hist = self:histfile()
  local editing, why = core.rl_setup { complete = function(text, line, start, stop)
    local ok, list, append = pcall(self.complete, self, text, line, start, stop)
    if ok then return list, append end
    return {}, ""
  end }
  if not editing then
    -- readline is opened on first use; without it lines are read plainly
    io.stderr:write("nslab: repl without line editing or history: ", why, "\n")
    hist = nil
  end
  if hist then core.history_load(hist, 1000) end
  core.repl_signals(true)
  self:banner()
  local ok, e = pcall(self.loop, self)
  -- held from here to the end: a hang-up brings SIGHUP twice (the
  -- terminal's owner, then the tty itself), and the second, landing
  -- before finish() blocked signals, cut the teardown short
  core.block_signals(true)
  self.signals_held = true
  core.repl_signals(false)
  core.rl_done()
  if hist then core.history_save(hist, 1000) end
  local derr = self:finish()
  if derr then io.stderr:write("nslab: ", derr, "\n") end
  if not ok then
    local sig = tostring(e):match("interrupted by (%S+)")
    if sig then
      io.stderr:write(("nslab: repl interrupted by %s%s\n"):format(sig,
        mode == "attach" and "" or (opt.keep and "; lab left up" or "; lab torn down")))
      return sig:find("HUP") and 129 or 143
    end
    io.stderr:write("nslab: repl: ", Session.errtext(e), "\n")
    return 1
  end
  return derr and 1 or (self.exit_code or 0)
end

-- for tests and embedding
M.substitute = verbs.substitute

-- How a line would be read, without running it (for the fuzzer): its
-- words, and the command text with every word offered for node-name
-- replacement (here replaced by itself, upper-cased, to exercise quoting).
function M.parse_line(line)
  local words = display.split_words(line)
  return words, verbs.substitute(line, function(w) return w:upper() end)
end
M.compile = Session.compile
M.attach = attach

return M

