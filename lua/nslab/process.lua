-- nslab.process — a background process started in a node by spawn().
local util = require "nslab.util"

local Process = {}
Process.__index = Process
Process.__name = "nslab.process"

function Process.new(node, pid, start, log, cmd)
  return setmetatable({ node = node, pid = pid, start = start, log = log, cmd = cmd }, Process)
end

function Process:__tostring()
  return ("nslab.process(%d in %s%s)"):format(self.pid, self.node.name,
    self:running() and "" or ", ended")
end

-- Reap it if it ended; true while it runs.
function Process:running()
  if self.status then return false end
  local st = self.node.lab.core.waitpid(self.pid, true)
  if st == false then return true end
  self.status = st or -1
  return false
end

-- The arguments of kill and wait, checked alike for a process here and
-- one on another machine (nslab.remote).
function Process.check_signal(sig)
  if sig ~= nil then util.check_int(sig, 1, 64, "kill: the signal") end
end

function Process.check_timeout(timeout)
  if timeout ~= nil and (type(timeout) ~= "number" or timeout < 0 or timeout ~= timeout) then
    util.raise(("wait: the timeout must be seconds (a number >= 0) or nothing, got %s"):format(tostring(timeout)))
  end
end

-- Signal the whole process group (it runs in its own session).
function Process:kill(sig)
  Process.check_signal(sig)
  if not self:running() then return false end
  local core = self.node.lab.core
  core.kill(-self.pid, sig or 15)
  core.kill(self.pid, sig or 15)
  return true
end

-- Wait up to timeout seconds (forever if nil); returns the exit status
-- (128+signal when killed) or nil if still running.
function Process:wait(timeout)
  Process.check_timeout(timeout)
  local core = self.node.lab.core
  if timeout == nil then
    if not self.status then
      local st = core.waitpid(self.pid, false)
      if st == false then return nil end -- cut short by a signal (its error follows)
      self.status = st or -1
    end
    return self.status
  end
  local deadline = core.clock() + timeout
  while self:running() do
    if core.clock() >= deadline then return nil end
    core.sleep(0.01)
  end
  return self.status
end

-- Stop politely, then firmly.
function Process:stop()
  if self:kill(15) and not self:wait(2) then
    self:kill(9)
    self:wait(2)
  end
  return self.status
end

-- What it wrote so far (stdout and stderr, interleaved).
function Process:output()
  local f = io.open(self.log, "r")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

return Process
