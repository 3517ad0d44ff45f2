-- nslab.remote_proc — a process and a capture in a node on another
-- machine (nslab.machine), as the coordinator holds them: the surface of
-- nslab.process and nslab.capture, each method sent to that machine's
-- agent as {op = "proc", pid, method, args}. The agent holds the real
-- objects (so its lab stops them when it goes down, as here).
--
-- wait() with no timeout is a loop of short waits there (at most SLICE
-- each): the agent answers one request at a time, and a wait that held it
-- would hold every other call to that machine. A capture writes into the
-- agent's state directory; when it has ended (stop, count, kill, the lab
-- going down) its bytes are copied by `cat` over the lab's ssh control
-- socket (no new handshake; binary, at the link's speed) into the file
-- the lab named here.
local util = require "nslab.util"
local Process = require "nslab.process"
local capture = require "nslab.capture"

local raise = util.raise

local M = {}

M.SLICE = 0.5       -- seconds one wait holds the agent

---- a process -------------------------------------------------------------

local RemoteProcess = {}
RemoteProcess.__index = RemoteProcess
RemoteProcess.__name = "nslab.process"
M.RemoteProcess = RemoteProcess

function M.process(node, pid, cmd)
  local p = setmetatable({ node = node, pid = pid, cmd = cmd, remote = true }, RemoteProcess)
  return node:_adopt(p)
end

-- One method there; its answer, and its status once it has ended.
function RemoteProcess:_call(method, ...)
  local n = self.node
  local r = n.machine:call("proc", { node = n.name, pid = self.pid, method = method, args = { ... } }, n.lab)
  if r.status and not self.status then
    self.status = r.status
    self:_ended()
  end
  return r.r
end

function RemoteProcess:_ended() end

function RemoteProcess:__tostring()
  local ended = self.status ~= nil
  if not ended and self.node.machine.connected then
    local ok, running = pcall(self.running, self)
    ended = ok and not running
  end
  return ("nslab.process(%d in %s on %s%s)"):format(self.pid, self.node.name, self.node.machine.name,
    ended and ", ended" or "")
end

function RemoteProcess:running()
  if self.status then return false end
  self:_call("wait", 0)
  return self.status == nil
end

function RemoteProcess:kill(sig)
  Process.check_signal(sig)
  if self.status then return false end
  return self:_call("kill", sig) == true
end

function RemoteProcess:wait(timeout)
  Process.check_timeout(timeout)
  local core = self.node.lab.core
  local deadline = timeout and core.clock() + timeout
  while not self.status do
    local left = deadline and deadline - core.clock()
    if left and left <= 0 then
      -- (a timeout of 0 still looks once)
      if timeout == 0 then self:_call("wait", 0) end
      break
    end
    self:_call("wait", math.min(left or M.SLICE, M.SLICE))
  end
  return self.status
end

function RemoteProcess:stop()
  if not self.status then self:_call("stop") end
  return self.status
end

function RemoteProcess:output()
  return self:_call("output") or ""
end

-- The lab going down (nslab.machine.finish, before the agent ends): as
-- Node:_stop_all here, so the status is known here too.
function RemoteProcess:_teardown()
  if not self.status then
    self:kill(9)
    self:wait(1)
  end
end

---- a capture -------------------------------------------------------------

local RemoteCapture = setmetatable({}, { __index = RemoteProcess })
RemoteCapture.__index = RemoteCapture
RemoteCapture.__name = "nslab.capture"
M.RemoteCapture = RemoteCapture

-- node:capture on a node of another machine.
function M.capture(node, ifname, opts)
  opts = capture.check(opts)
  -- the file is made now, as by a capture here (its bytes come at the end)
  if opts.file ~= "-" then
    local f, err = io.open(opts.file, "wb")
    if not f then raise(("cannot write %s: %s"):format(opts.file, tostring(err):gsub("^.-: ", ""))) end
    f:close()
  end
  local r = node.machine:call("capture", { node = node.name, ifname = ifname,
    o = { count = opts.count, filter = opts.filter, snaplen = opts.snaplen, promisc = opts.promisc } }, node.lab)
  local c = setmetatable({ node = node, pid = r.pid, remote = true, ifname = r.ifname, file = opts.file,
    rfile = r.file,
    count = opts.count, cmd = { "capture", r.ifname, "-w", opts.file } }, RemoteCapture)
  return node:_adopt(c)
end

function RemoteCapture:__tostring()
  return ("nslab.capture(%s:%s on %s -> %s%s)"):format(self.node.name, self.ifname, self.node.machine.name,
    self.file, (self.status or (self.node.machine.connected and not self:running())) and ", ended" or "")
end

-- Ended there: its file, whole, here (once).
function RemoteCapture:_ended()
  if self.fetched then return end
  self.fetched = true
  local machine = require "nslab.machine"
  local m = self.node.machine
  local argv = machine.ssh_argv(m, m.ctl, false)
  argv[#argv + 1] = "cat " .. machine.shq(self.rfile)
  local cmd = machine.shell_line(argv)
  if self.file ~= "-" then cmd = cmd .. " >" .. machine.shq(self.file) end
  io.stdout:flush()
  local ok, how, code = os.execute(cmd)
  if not ok then
    raise(("capture on %s:%s: cannot copy its file from machine \"%s\" (ssh %s: %s %s)"):format(self.node.name,
      self.ifname, m.name, m.ssh, tostring(how), tostring(code)))
  end
end

function RemoteCapture:packets()
  if self.file == "-" then return nil end
  if self.fetched then
    local n, err = self.node.lab.core.pcap_count(self.file)
    if not n then raise(err) end
    return n
  end
  return self:_call("packets")
end

function RemoteCapture:stop()
  if not self.status then self:_call("stop") end
  return self:packets()
end

-- (the agent's Capture:kill asks the helper to finish first: the file
-- stays whole)
function RemoteCapture:_teardown()
  if not self.status then self:_call("stop") end
end

return M
