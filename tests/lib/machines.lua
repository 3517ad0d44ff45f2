-- machines — simulated machines for multi-host specs (issue 17): each one
-- network, mount, UTS and PID namespaces of its own with a real sshd as
-- PID 1, on an underlay bridge (192.168.77.0/24, m1 = .11) in a namespace
-- of its own. The work is done by tests/tools/sim-machines (see its
-- header for what a machine shares with the sandbox: /tmp, the checkout);
-- this module keeps its supervisor as a child, so nothing is orphaned and
-- everything goes down when the spec's process ends, even by a crash.
--   local sim = require("machines").up(3)
--   sim:run("m1", "ssh -F " .. sim.ssh_config .. " m2 hostname")
--   sim:down()
local T = require "nslab_test"

local M = {}
M.TOOL = T.SRC .. "/tests/tools/sim-machines"
M.NET = "192.168.77"

local q = T.q
local Sim = {}
Sim.__index = Sim

local function exists(path)
  local f = io.open(path, "r")
  if f then f:close() end
  return f ~= nil
end

-- M.up(n, { dir = DIR }) -> sim; DIR (default: a new one under /tmp) must
-- be new or empty. Errors with the tool's message when a machine fails.
function M.up(n, opts)
  opts = opts or {}
  assert(math.type(n) == "integer" and n >= 1, "machines.up: n must be a whole number >= 1")
  local dir, made = opts.dir, false
  if not dir then
    local st, out = T.sh("mktemp -d /tmp/nslab-sim-XXXXXX")
    dir = st == 0 and out:match("%S+")
    assert(dir, "machines.up: cannot make a directory under /tmp")
    made = true
  elseif not exists(dir) then
    assert(T.sh("mkdir -p " .. q(dir)) == 0, "machines.up: cannot make " .. dir)
    made = true
  end
  local st, abs = T.sh("cd " .. q(dir) .. " && pwd")
  assert(st == 0, "machines.up: cannot enter " .. dir)
  dir = abs:match("[^\n]+")
  local log = dir .. "/supervise.log"
  -- the supervisor tears down on SIGTERM, which it also gets when this
  -- process ends (parent-death signal), or on EOF of its stdin
  -- (as T.sh: sshd and the tools run without the sanitizer runtime the
  -- test driver may carry)
  local preload = os.getenv("NSLAB_SANITIZER_PRELOAD") and "unset LD_PRELOAD; " or ""
  local pipe = assert(io.popen(("%sexec setpriv --pdeathsig TERM %s supervise %s %d >%s 2>&1")
    :format(preload, q(M.TOOL), q(dir), n, q(log)), "w"))
  local up = T.eventually(function()
    return exists(dir .. "/machines") or exists(dir .. "/failed") or
      (T.slurp(log) or ""):find("sim-machines:", 1, true) ~= nil
  end, 90)
  if not exists(dir .. "/machines") then
    pipe:close()
    local why = T.slurp(dir .. "/failed") or T.slurp(log) or ""
    T.sh(("rm -f %s/failed %s"):format(q(dir), q(log)))
    if made then os.remove(dir) end
    error(("machines.up(%d): %s"):format(n, up and why or "not up after 90 s: " .. why), 2)
  end
  local sim = setmetatable({ dir = dir, ssh_config = dir .. "/ssh_config", key = dir .. "/key",
    machines = {}, _pipe = pipe, _made = made, _log = log }, Sim)
  for line in io.lines(dir .. "/machines") do
    local name, addr, pid = line:match("^(%S+) (%S+) (%d+)$")
    local m = { name = name, addr = addr, pid = tonumber(pid) }
    sim.machines[#sim.machines + 1] = m
    sim.machines[name] = m
  end
  return sim
end

-- The command line that runs shell command cmd as root on machine name
-- (for T.bg and the like).
function Sim:cmd(name, cmd)
  local m = self.machines[name]
  assert(m, ("no machine %s"):format(tostring(name)))
  -- -p: orphans are reaped by the machine's PID 1 (its sshd); cd: the
  -- caller's directory (the mount namespace starts at /)
  return ("nsenter -t %d -n -m -u -p -- sh -c %s"):format(m.pid,
    q(("cd %s 2>/dev/null || cd /; %s"):format(q(os.getenv("PWD") or "/"), cmd)))
end

-- Run shell command cmd as root on machine name: status, stdout, stderr.
function Sim:run(name, cmd)
  return T.sh(self:cmd(name, cmd))
end

-- Start shell command cmd on machine name in the background (output to
-- log, default /dev/null); returns the pid, as this process sees it, of
-- the command itself (of its shell when cmd is more than one simple
-- command), so kill -9 from here reaches it. Inside the machine, pids
-- are its own (a PID namespace).
function Sim:bg(name, cmd, log)
  local _, out = T.sh(("%s </dev/null >%s 2>&1 & echo $!"):format(self:cmd(name, cmd), q(log or "/dev/null")))
  local nsenter = tonumber(out:match("%d+"))
  local pid = T.eventually(function()
    local c = T.slurp(("/proc/%d/task/%d/children"):format(nsenter, nsenter))
    return c and tonumber(c:match("%d+"))
  end, 10)
  assert(pid, ("machines: %s did not start on %s"):format(cmd, name))
  return pid
end

-- Shell command cmd run over SSH from machine `from` on machine `to`.
function Sim:ssh(from, to, cmd)
  return self:run(from, ("ssh -F %s %s %s"):format(q(self.ssh_config), to, q(cmd)))
end

-- Everything of the machines gone (processes, namespaces, mounts); safe
-- to call twice. Errors when the tool said something was left.
function Sim:down()
  if not self._pipe then return end
  -- (a signal, not a line: writing to a supervisor that died would
  -- kill us with SIGPIPE)
  local sup = (T.slurp(self.dir .. "/supervisor") or ""):match("%d+")
  if sup then T.sh("kill -TERM " .. sup) end
  self._pipe:close()   -- waits until the supervisor has torn down and ended
  self._pipe = nil
  local log = T.slurp(self._log) or ""
  os.remove(self._log)
  if self._made then os.remove(self.dir) end
  assert(not log:find("sim-machines:", 1, true), log)
end

return M
