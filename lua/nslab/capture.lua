-- nslab.capture — packet capture on a node's interface into a pcap file
-- (libpcap, readable by tcpdump and Wireshark). The capture runs in a
-- helper process that opened its handle inside the node; it is active when
-- node:capture returns, and ends with :stop(), after count packets, or by
-- itself when the lab goes down — always leaving a whole file.
local util = require "nslab.util"
local Process = require "nslab.process"

local raise = util.raise

local M = {}

-- A capture is a process of its node (node.procs), so the lab stops it
-- on teardown like anything it spawned.
local Capture = setmetatable({}, { __index = Process })
Capture.__index = Capture
Capture.__name = "nslab.capture"

M.Capture = Capture

-- How the helper ended (Process:wait's status).
M.DONE, M.ERROR, M.GONE = 0, 1, 3

function Capture:__tostring()
  return ("nslab.capture(%s:%s -> %s%s)"):format(self.node.name, self.ifname, self.file,
    self:running() and "" or ", ended")
end

-- Whole packets written so far (nil for a capture to standard output).
function Capture:packets()
  if self.file == "-" then return nil end
  local n, err = self.node.lab.core.pcap_count(self.file)
  if not n then raise(err) end
  return n
end

-- Ask the helper to finish (SIGTERM: it writes what it has and closes the
-- file), wait for it; returns the number of packets in the file.
function Capture:stop()
  if self:running() then
    Process.kill(self, 15)
    if not self:wait(5) then
      Process.kill(self, 9)
      self:wait(2)
    end
  end
  return self:packets()
end

-- Teardown calls kill(9) on every process of a node: a capture still gets
-- SIGTERM first, so its file is complete.
function Capture:kill(sig)
  Process.check_signal(sig)
  if not self:running() then return false end
  Process.kill(self, 15)
  if not self:wait(2) and sig and sig ~= 15 then Process.kill(self, sig) end
  return true
end

local OPTS = util.set { "file", "count", "filter", "snaplen", "promisc" }

-- capture's options checked, the same for a node on another machine
-- (nslab.remote): the options, or an error at the lab line.
function M.check(opts)
  opts = util.check_opts(opts, OPTS, "capture")
  if type(opts.file) ~= "string" or opts.file == "" then
    raise("capture: give the pcap file to write, like {file = \"client.pcap\"} (\"-\" for standard output)")
  end
  if opts.count ~= nil then util.check_int(opts.count, 1, 2147483647, "capture count") end
  if opts.snaplen ~= nil then util.check_int(opts.snaplen, 64, 262144, "capture snaplen") end
  if opts.filter ~= nil and type(opts.filter) ~= "string" then
    raise("capture filter must be a string in pcap-filter(7) syntax, like \"icmp or arp\"")
  end
  if opts.promisc ~= nil and type(opts.promisc) ~= "boolean" then
    raise("capture option promisc must be true or false")
  end
  return opts
end

function M.install(Node)
  -- node:capture(ifname, {file=, count=, filter=, snaplen=, promisc=})
  -- -> a capture: c:stop(), c:wait([timeout]), c:packets(), c:running()
  function Node:capture(ifname, opts)
    opts = M.check(opts)
    if self.removed then
      raise(("node \"%s\" was removed from lab \"%s\""):format(self.name, self.lab.name))
    end
    if self.lab.closed then raise(("lab \"%s\" is already down"):format(self.lab.name)) end
    local i = self:iface(ifname)
    -- the helper ends when this goes: the node's pin, or for the host
    -- namespace the lab's state directory (works for a REPL attached to a
    -- lab another process owns, too: nothing is added to the journal)
    local core = self.lab.core
    local watch = self:is_root() and core.lab_dir(self.lab.name)
      or (core.netns_dir .. "/" .. self.netns)
    local pid, start = core.capture(self.ns, i.name, opts.file, {
      count = opts.count, filter = opts.filter, snaplen = opts.snaplen,
      promisc = opts.promisc, session = true, watch = watch,
      -- (an agent's stdio is its ssh channel: the helper must not hold it)
      detach = self.lab._agent,
    })
    if not pid then raise(start) end
    local c = setmetatable(Process.new(self, pid, start, "/dev/null",
      { "capture", i.name, "-w", opts.file }), Capture)
    c.ifname, c.file, c.count = i.name, opts.file, opts.count
    return self:_adopt(c)
  end
end

return M
