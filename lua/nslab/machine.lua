-- nslab.machine — a lab over several machines (docs/multi-host.md).
--
--   lab:machine("m1", { here = true, underlay = "192.168.77.11" })
--   lab:machine("m2", { ssh = "root@m2.lan", underlay = "192.168.77.12",
--                       nslab = "/usr/bin/nslab", ssh_config = "FILE" })
--   lab:router("r1", { on = "m2" })
--
-- The lab script runs here (the coordinator). Each other machine is
-- reached over ONE OpenSSH connection (a ControlMaster socket in the lab's
-- state directory) running `nslab agent LAB` there: line-delimited JSON
-- on its stdin/stdout, the agent's first line a version handshake. The
-- agent holds a real lab of the same name on its machine (its own journal,
-- so `nslab clean` there alone works) and applies what it is sent. A node
-- on another machine is a RemoteNode here: a mirror of its interfaces and
-- addresses (so routes `via = node`, ping targets and ip_towards resolve
-- here) whose other methods are forwarded as {node, method, args}. A link
-- between two machines is a VXLAN pair: each end made in its machine's
-- own namespace (the UDP socket there, local = that machine's underlay
-- address, remote = the peer's) and placed in the node; one VNI per link.
local core = require "nslab.core"
local util = require "nslab.util"
local json = require "nslab.json"
local cjson = require "cjson"
local Node = require "nslab.node"
local Link = require "nslab.link"

local raise = util.raise

local M = {}

-- The agent protocol's version: an agent that answers with another nslab
-- version is refused (what one side sends the other must understand).
M.PROTOCOL = 1

local Machine = {}
Machine.__index = Machine
Machine.__name = "nslab.machine"

function Machine:__tostring()
  return ("nslab.machine(%s%s)"):format(self.name, self.here and ", here" or "")
end

local OPTS = util.set { "ssh", "underlay", "nslab", "ssh_config", "here" }

-- a word for the remote shell (ssh joins its words with spaces)
local function shq(s)
  s = tostring(s)
  if s:find("^[%w%-_./:=@,+]+$") then return s end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end
M.shq = shq

-- argv as one shell command line
function M.shell_line(argv)
  local words = {}
  for i, w in ipairs(argv) do words[i] = shq(w) end
  return table.concat(words, " ")
end

-- lab:machine(name, opts) -> the machine (declared only: it is reached
-- when the first node is placed on it).
function M.declare(lab, name, opts)
  util.check_name(name, "machine")
  opts = util.check_opts(opts, OPTS, "machine")
  lab.machines = lab.machines or {}
  if lab.machines[name] then raise(("machine \"%s\" is declared twice"):format(name)) end
  if opts.here ~= nil and type(opts.here) ~= "boolean" then
    raise(("machine \"%s\": here= must be true or false"):format(name))
  end
  if opts.underlay == nil then
    raise(("machine \"%s\" needs underlay = \"ADDRESS\": the address this machine's VXLAN links use " ..
      "(it is never guessed)"):format(name))
  end
  if type(opts.underlay) ~= "string" then
    raise(("machine \"%s\": underlay= must be an address like \"192.168.77.12\", got %s"):format(name, type(opts.underlay)))
  end
  local u = util.check_cidr(opts.underlay, false, ("machine \"%s\": underlay"):format(name))
  if u.prefix then raise(("machine \"%s\": underlay \"%s\" must be an address without a prefix"):format(name, opts.underlay)) end
  for _, k in ipairs { "ssh", "nslab", "ssh_config" } do
    if opts[k] ~= nil and (type(opts[k]) ~= "string" or opts[k] == "") then
      raise(("machine \"%s\": %s= must be a non-empty string, got %s"):format(name, k, type(opts[k])))
    end
  end
  if opts.here and (opts.ssh or opts.nslab or opts.ssh_config) then
    raise(("machine \"%s\" is here (the coordinator): it takes no ssh=, nslab= or ssh_config="):format(name))
  end
  for _, other in ipairs(lab.machine_list or {}) do
    if other.underlay == opts.underlay then
      raise(("machines \"%s\" and \"%s\" have the same underlay address %s"):format(other.name, name, opts.underlay))
    end
    if opts.here and other.here then
      raise(("machines \"%s\" and \"%s\" are both here= (only the coordinator is)"):format(other.name, name))
    end
  end
  local m = setmetatable({
    name = name, here = opts.here or false, underlay = opts.underlay, family = u.family,
    ssh = opts.ssh or name, nslab = opts.nslab or os.getenv("NSLAB_REMOTE_NSLAB") or "nslab",
    ssh_config = opts.ssh_config or os.getenv("NSLAB_SSH_CONFIG"),
    line = util.where(),
  }, Machine)
  lab.machines[name] = m
  lab.machine_list = lab.machine_list or {}
  lab.machine_list[#lab.machine_list + 1] = m
  return m
end

-- The machine named by on= (nil: here).
function M.of(lab, on)
  if type(on) ~= "string" then
    raise(("on= must be the name of a machine (lab:machine), got %s"):format(type(on)))
  end
  local m = lab.machines and lab.machines[on]
  if not m then
    local names = {}
    for _, x in ipairs(lab.machine_list or {}) do names[#names + 1] = x.name end
    raise(("unknown machine \"%s\" (%s)"):format(on, #names > 0 and ("machines: " .. table.concat(names, ", "))
      or "declare it first: lab:machine(\"NAME\", { ssh = ..., underlay = ... })"))
  end
  if m.here then return nil end
  return m
end

-- A dry run (nslab graph FILE, nslab check) has a stand-in core: nodes
-- placed elsewhere are then made on it, and no machine is reached.
function M.dry(lab) return lab.core ~= core end

---- ssh and the agent's protocol ---------------------------------------------------

-- ssh's options: one connection, the master of a control socket; no
-- password prompts; a dead peer noticed within 15 s.
function M.ssh_argv(m, ctl, master)
  local argv = { "ssh" }
  if m.ssh_config then argv[#argv + 1] = "-F"; argv[#argv + 1] = m.ssh_config end
  for _, o in ipairs { "BatchMode=yes", "ConnectTimeout=10", "ServerAliveInterval=5",
                       "ServerAliveCountMax=3" } do
    argv[#argv + 1] = "-o"; argv[#argv + 1] = o
  end
  if ctl then
    argv[#argv + 1] = "-o"; argv[#argv + 1] = "ControlPath=" .. ctl
    argv[#argv + 1] = "-o"; argv[#argv + 1] = "ControlMaster=" .. (master and "yes" or "no")
  end
  argv[#argv + 1] = m.ssh
  argv[#argv + 1] = "--"
  return argv
end

-- The last line ssh (or the remote shell) wrote to file, for messages.
local function last_line(file)
  local f = io.open(file)
  if not f then return nil end
  local last
  for l in f:lines() do if l:match("%S") then last = l:gsub("%s+$", "") end end
  f:close()
  return last
end

function Machine:_where()
  return ("machine \"%s\" (ssh %s)"):format(self.name, self.ssh)
end

-- Why the agent's connection ended: its status and what it said.
function Machine:_ended()
  local how, code = "exit", 0
  if self.w then how, code = select(2, self.w:close()) end
  if self.r then self.r:close() end
  self.w, self.r, self.connected = nil, nil, nil
  local said = last_line(self.errfile) or ""
  if not self.reached then
    if code == 127 then
      return ("%s: nslab is not found there (%s): install the same nslab on every machine, or give nslab = " ..
        "\"/path/to/nslab\""):format(self:_where(), self.nslab)
    end
    if code == 255 or said:find("^ssh:") then
      return ("%s: cannot connect: %s"):format(self:_where(), said ~= "" and said or "ssh failed")
    end
  end
  -- (ssh exits 255 also when the agent was killed or the connection broke)
  return ("%s: its agent ended or the connection broke (%s %s)%s"):format(self:_where(), how or "exit",
    tostring(code), said ~= "" and (": " .. said) or "")
end

-- Start `ssh ... nslab agent LAB` (the first node placed on the machine
-- does it) and check the handshake.
function Machine:_connect(lab)
  if self.connected then return self end
  if self.lost then raise(self.lost) end
  lab:_begin()
  local dir = lab.journal:dir()
  M.record(lab)
  local out = ("%s/agent-%s.out"):format(dir, self.name)
  self.errfile = ("%s/agent-%s.err"):format(dir, self.name)
  self.ctl = ("%s/ssh-%s.ctl"):format(dir, self.name)
  os.remove(out)
  local ok, err = core.mkfifo(out)
  if not ok then raise(err) end
  local argv = M.ssh_argv(self, self.ctl, true)
  argv[#argv + 1] = shq(self.nslab) .. " agent " .. shq(lab.name)
  local words = {}
  for i, a in ipairs(argv) do words[i] = shq(a) end
  -- io.popen carries one direction: the answers come back through a fifo
  local cmd = ("exec %s >%s 2>%s"):format(table.concat(words, " "), shq(out), shq(self.errfile))
  self.w = io.popen(cmd, "w")
  self.r = io.open(out, "r")
  core.cloexec(self.w)
  core.cloexec(self.r)
  os.remove(out)
  self.connected = true
  local line = self.r:read("l")
  local _, hello = pcall(cjson.decode, line or "")
  if type(hello) ~= "table" or hello.agent ~= "nslab" then
    self.lost = self:_ended()
    if line and line ~= "" then
      self.lost = ("%s: `%s agent` did not answer as an nslab agent (it said: %s)"):format(self:_where(),
        self.nslab, util.oneline(line:sub(1, 80)))
    end
    raise(self.lost)
  end
  if hello.version ~= core.version or hello.protocol ~= M.PROTOCOL then
    self:_ended()
    self.lost = ("%s runs nslab %s, this is nslab %s: install the same version on every machine")
      :format(self:_where(), tostring(hello.version), core.version)
    raise(self.lost)
  end
  self.reached = true
  local r = self:call("begin", { lab = lab.name, underlay = self.underlay, machine = self.name })
  self.mtu = r.mtu
  return self
end

-- A node on another machine than to (nil: a node there is sent as is),
-- as the agent there can know it: its name and its addresses
-- (node:has_route(p, {via = r2}) with r2 elsewhere compares r2's).
local function foreign(v, to)
  if not to or not v.is_node or v.machine == to then return nil end
  local ifs = {}
  for _, i in ipairs(v.ifaces) do ifs[#ifs + 1] = { name = i.name, addrs = i.addrs } end
  return { kind = v.kind, ifaces = ifs }
end

-- Values on the wire (to machine to): nodes become {__node = NAME}, with
-- what a node elsewhere is (foreign); functions and userdata cannot cross.
local function wire(v, where, depth, to)
  local t = type(v)
  if t == "table" then
    if v.is_node or v.is_switch then return { __node = v.name, __foreign = foreign(v, to) } end
    if v == json.null then return cjson.null end
    depth = (depth or 0) + 1
    if depth > 20 then raise(where .. ": a value nested too deep to send") end
    local o = {}
    for k, x in pairs(v) do
      if type(k) ~= "string" and math.type(k) ~= "integer" then raise(where .. ": table keys must be strings or integers") end
      o[k] = wire(x, where, depth, to)
    end
    return o
  elseif t == "function" or t == "userdata" or t == "thread" then
    raise(("%s: a %s cannot be sent to another machine"):format(where, t))
  end
  return v
end
M.wire = wire

-- The reverse: {__node = NAME} is the lab's node of that name (find
-- returns it, given what a node elsewhere is), JSON null nil, whole
-- floats integers.
local function unwire(v, find)
  if v == cjson.null then return nil end
  if type(v) == "number" then return math.tointeger(v) or v end
  if type(v) ~= "table" then return v end
  if v.__node then return find(v.__node, v.__foreign) end
  local o = {}
  for k, x in pairs(v) do o[k] = unwire(x, find) end
  return o
end
M.unwire = unwire

-- Requests whose answer nothing waits for (a node, a link, an address,
-- a route) are sent at once and their answers read later, up to
-- PIPELINE at a time (more would fill the pipes both ways): a build does
-- not wait a round trip per object. A failure among them is raised at the
-- next request that waits, or when the lab is kept or taken down, with
-- the lab line of the request that failed.
local PIPELINE = 64

function Machine:_write(op, args)
  if not self.connected then raise(self.lost or (self:_where() .. ": not connected")) end
  args = args or {}
  args.op = op
  if not (self.w:write(cjson.encode(args), "\n") and self.w:flush()) then
    self.lost = self:_ended()
    raise(self.lost)
  end
end

-- Read one answer; checks it recorded there become the lab's, at where.
function Machine:_answer(lab, where)
  local line = self.r:read("l")
  if not line then
    self.lost = self:_ended()
    error(where .. util.oneline(self.lost), 0)
  end
  local a = cjson.decode(line)
  if lab and type(a.checks) == "table" then
    local expect = require "nslab.expect"
    for _, c in ipairs(a.checks) do
      expect.record(lab, { desc = c.desc, ok = c.ok == true, found = unwire(c.found), expected = unwire(c.expected),
                           detail = unwire(c.detail), where = where:gsub(": $", "") })
    end
  end
  if not a.ok then
    error(where .. util.oneline(("on machine \"%s\": %s"):format(self.name, tostring(a.error))), 0)
  end
  return a
end

-- Read the answers of every request sent without waiting.
function Machine:_drain(lab)
  local pending = self.pending
  if not pending or #pending == 0 then return end
  self.pending = {}
  local first
  for _, where in ipairs(pending) do
    local ok, err = pcall(self._answer, self, lab, where)
    if not ok then
      first = first or err
      if not self.connected then break end
    end
  end
  if first then error(first, 0) end
end

-- Send a request and go on; its answer is read later (_drain).
function Machine:send(op, args, lab)
  if self.pending and #self.pending >= PIPELINE then self:_drain(lab) end
  self:_write(op, args)
  self.pending = self.pending or {}
  self.pending[#self.pending + 1] = util.where()
end

-- Tell the agent the addresses of the lab's nodes elsewhere (for its
-- nodes' hosts files), when they changed since it was last told.
function Machine:_hosts(lab)
  if self.hosts_at == lab.addr_version then return end
  local list, nodes = {}, {}
  for _, n in ipairs(lab.order) do
    if n.kind ~= "switch" and not n:is_root() and n.machine ~= self then
      for _, i in ipairs(n.ifaces) do
        for _, a in ipairs(i.addrs) do list[#list + 1] = a:match("^[^/]+") .. "\t" .. n.name end
      end
      -- and each as a stand-in there, by name (has_route's via = "r2")
      local f = foreign(n, self)
      f.name = n.name
      nodes[#nodes + 1] = f
    end
  end
  self:send("hosts", { lines = list, nodes = nodes }, lab)
  self.hosts_at = lab.addr_version
end

-- Send one request, wait for its answer; the agent's error is raised at
-- the lab line with the machine's name.
function Machine:call(op, args, lab)
  self:_drain(lab)
  self:_write(op, args)
  local a = self:_answer(lab, util.where())
  if a.result == nil or a.result == cjson.null then return nil end
  return unwire(a.result, function(n) return lab and lab:get(n) or n end)
end

-- End the agent: "keep" leaves its part up (nslab up), "down" tears it
-- down; either way its connection closes. Returns an error or nil.
function Machine:finish(how, lab)
  if not self.connected then return nil end
  if how == "keep" then pcall(self._hosts, self, lab) end
  local ok, err = pcall(self._drain, self, lab)
  local ok2, err2 = true, nil
  if self.connected then ok2, err2 = pcall(self.call, self, how) end
  self:_ended()
  return (not ok and err) or (not ok2 and err2) or nil
end

-- The record of the machines a lab uses, in its state directory
-- (`machines`): `nslab down` and `nslab clean` reach them from it, `nslab
-- inspect` says where each node is. Lines, fields split by tabs:
--   here    NAME                          this machine's name in the lab
--   machine NAME SSH NSLAB SSH_CONFIG     another machine
--   node    NODE MACHINE                  a node placed on another machine
--   link    A IFA B IFB VNI MTU           a link between machines (VXLAN)
local function link_line(l)
  return table.concat({ "link", l.a.sw and l.a.sw.name or l.a.node.name, l.a.ifname,
    l.b.sw and l.b.sw.name or l.b.node.name, l.b.ifname, tostring(l.id), tostring(l.mtu) }, "\t") .. "\n"
end

function M.record(lab)
  local f = assert(io.open(lab.journal:dir() .. "/machines", "w"))
  for _, m in ipairs(lab.machine_list or {}) do
    if m.here then
      f:write("here\t", m.name, "\n")
    else
      f:write(table.concat({ "machine", m.name, m.ssh, m.nslab, m.ssh_config or "" }, "\t"), "\n")
    end
  end
  for _, n in ipairs(lab.order) do
    if n.remote then f:write("node\t", n.name, "\t", n.machine.name, "\n") end
  end
  for _, l in ipairs(lab.links) do
    if l.cross then f:write(link_line(l)) end
  end
  f:close()
end

local function record_node(lab, node, m)
  local f = assert(io.open(lab.journal:dir() .. "/machines", "a"))
  f:write("node\t", node, "\t", m, "\n")
  f:close()
end
M.record_node = record_node

-- The record of lab name (a lab that is up): the other machines (a list
-- of {name=, ssh=, nslab=, ssh_config=, nodes = {...}}), this machine's
-- name (nil when none was given), and the links between machines (a list
-- of {a = {node=, interface=}, b = {...}, vni=, mtu=}).
function M.recorded(name)
  local f = io.open((core.lab_dir(name) or "") .. "/machines")
  if not f then return {}, nil, {} end
  local out, by, here, links = {}, {}, nil, {}
  for l in f:lines() do
    local w = {}
    for x in (l .. "\t"):gmatch("([^\t]*)\t") do w[#w + 1] = x end
    if w[1] == "here" then
      here = w[2]
    elseif w[1] == "machine" and #w == 5 then
      local m = setmetatable({ name = w[2], ssh = w[3], nslab = w[4], ssh_config = w[5] ~= "" and w[5] or nil,
                               nodes = {} }, Machine)
      out[#out + 1], by[w[2]] = m, m
    elseif w[1] == "node" and by[w[3]] then
      local list = by[w[3]].nodes
      list[#list + 1] = w[2]
    elseif w[1] == "link" and #w == 7 then
      links[#links + 1] = { a = { node = w[2], interface = w[3] }, b = { node = w[4], interface = w[5] },
                            vni = math.tointeger(tonumber(w[6])), mtu = math.tointeger(tonumber(w[7])) }
    end
  end
  f:close()
  return out, here, links
end

-- `nslab down LAB` / `nslab clean` on the coordinator: take the lab's
-- part down on each machine it used (a fresh ssh; --force: an agent still
-- running there is ended). Returns a list of "machine: message" failures.
function M.down_recorded(name, say)
  local fails = {}
  for _, m in ipairs(M.recorded(name)) do
    local err = M.down_on(name, m)
    if err then fails[#fails + 1] = err
    elseif say then say(("lab %s: its part on machine %s is down"):format(name, m.name)) end
  end
  return fails
end

-- Take lab name down on machine m by a fresh connection; an error or nil
-- (a lab not up there is no error: a run's agent took its part down).
function M.down_on(name, m)
  local argv = M.ssh_argv(m)
  argv[#argv + 1] = ("%s down --force %s"):format(shq(m.nslab), shq(name))
  local status, out, err = core.exec(argv, { timeout = 60 })
  local text = ((err or "") .. (out or "")):gsub("%s+$", "")
  if status == 0 or text:find("no lab named", 1, true) then return nil end
  return ("machine \"%s\" (ssh %s): %s"):format(m.name, m.ssh,
    util.oneline(text:match("[^\n]*$") or ("status " .. tostring(status))))
end

-- `nslab exec|shell LAB NODE` on the coordinator for a node lab name
-- placed on another machine: the ssh command line that runs the same verb
-- there (a fresh connection: an `up` lab keeps no agent), or nil when no
-- other machine holds that node. tty: ask ssh for a terminal (shell).
function M.remote_verb(name, node, verb, words, tty)
  local m = M.machine_of(name, node)
  if not m then return nil end
  local argv = M.ssh_argv(m)
  if tty then table.insert(argv, 2, "-t") end
  local cmd = { shq(m.nslab), verb, shq(name), shq(node) }
  if words then
    cmd[#cmd + 1] = "--"
    for _, w in ipairs(words) do cmd[#cmd + 1] = shq(w) end
  end
  argv[#argv + 1] = table.concat(cmd, " ")
  return argv, m
end

-- The recorded machine (M.recorded) that holds node of lab name, or nil.
function M.machine_of(name, node)
  for _, m in ipairs(M.recorded(name)) do
    for _, n in ipairs(m.nodes) do
      if n == node then return m end
    end
  end
  return nil
end

-- `nslab capture LAB NODE:IFACE ...` on the coordinator for a node on
-- machine m: the shell command that runs it there writing pcap to ssh's
-- standard output (file: where it goes here, "-" our standard output).
-- words: the capture's options after -w. (Ended here by Ctrl-C, ssh
-- goes; the capture there ends at its next packet, which it cannot write,
-- or when the lab goes down.)
function M.remote_capture(name, m, endpoint, words, file)
  local argv = M.ssh_argv(m)
  local cmd = { shq(m.nslab), "capture", shq(name), shq(endpoint), "-w", "-" }
  for _, w in ipairs(words) do cmd[#cmd + 1] = shq(w) end
  argv[#argv + 1] = table.concat(cmd, " ")
  local q = {}
  for i, a in ipairs(argv) do q[i] = shq(a) end
  return table.concat(q, " ") .. (file ~= "-" and (" >" .. shq(file)) or "")
end

---- nodes on other machines --------------------------------------------------------

-- A RemoteNode mirrors the interfaces and addresses of a node another
-- machine's agent holds. What reads only those (addrs, ip, ip_towards,
-- ping and connect's targets) runs here; every other method of a node is
-- sent to the agent.
local RemoteNode = {}
M.RemoteNode = RemoteNode

local LOCAL = util.set { "addrs", "ip", "ip_towards", "_target", "ping", "connect", "is_root",
  "_next_ifname", "_add_iface", "_adopt" }

-- Calls that may name a node of a third machine (nslab.converge's
-- checks): the agent learns the others' addresses first.
local NAMES_NODES = util.set { "has_route", "no_route", "ospf_full", "bgp_established" }

local forwarders = {}
local function forwarder(k)
  local f = forwarders[k]
  if not f then
    f = function(self, ...)
      if NAMES_NODES[k] then self.machine:_hosts(self.lab) end
      local n = select("#", ...)
      local args = wire({ ... }, ("node \"%s\": %s"):format(self.name, k), 0, self.machine)
      local r = self.machine:call("call", { node = self.name, method = k, args = args, n = n }, self.lab)
      return table.unpack(r.v, 1, r.n)
    end
    forwarders[k] = f
  end
  return f
end

local RemoteMeta = {
  __name = "nslab.node",
  __index = function(_, k)
    local f = RemoteNode[k]
    if f ~= nil then return f end
    if LOCAL[k] then return Node[k] end
    if type(Node[k]) == "function" then return forwarder(k) end
    return Node[k]
  end,
  __tostring = function(self)
    return ("nslab.node(%s on %s%s)"):format(self.netns, self.machine.name, self.kind == "router" and ", router" or "")
  end,
}

-- On an agent: a node of the lab on another machine, named in a call's
-- arguments (has_route's via=, ospf_full's peer). It has the node's
-- addresses as the coordinator sent them, and only what reads those.
local StandIn = {
  __name = "nslab.node",
  __index = function(self, k)
    if LOCAL[k] then return Node[k] end
    if type(Node[k]) == "function" then
      return function()
        raise(("node \"%s\" is on another machine: %s cannot be called on it here"):format(self.name, k))
      end
    end
    return Node[k]
  end,
  __tostring = function(self) return ("nslab.node(%s, on another machine)"):format(self.name) end,
}

function M.stand_in(lab, name, f)
  local n = setmetatable({ lab = lab, name = name, kind = f.kind, ifaces = {}, remote = true, stand_in = true },
    StandIn)
  for _, i in ipairs(f.ifaces or {}) do
    local x = { name = i.name, addrs = i.addrs or {} }
    n.ifaces[i.name], n.ifaces[#n.ifaces + 1] = x, x
  end
  return n
end

local noop = function() end
RemoteNode._write_hosts, RemoteNode._stop_all = noop, noop
RemoteNode._hosts_version = noop
RemoteNode.remote = true

-- lab:host/router(name, {on = "m2"}) on another machine.
function M.node(lab, m, name, kind, opts, extra)
  if name == "host" then
    raise(("\"host\" is this machine's own namespace; it cannot be placed on machine \"%s\""):format(m.name))
  end
  m:_connect(lab)
  m:send("node", { name = name, kind = kind, sysctl = opts.sysctl, ifname = extra and extra.ifname,
    mtu = extra and extra.mtu }, lab)
  record_node(lab, name, m.name)
  return setmetatable({
    lab = lab, name = name, kind = kind, machine = m, netns = lab.name .. "." .. name,
    ifaces = {}, ifseq = 0, line = util.where(),
  }, RemoteMeta)
end

function RemoteNode:iface(name)
  util.check_ifname(name)
  local i = self.ifaces[name]
  if i then return i end
  return self:_add_iface(name, 0, { foreign = true })
end

function RemoteNode:addr(ifname, c)
  local list = type(c) == "table" and c or { c }
  for _, x in ipairs(list) do util.check_cidr(x, true) end
  self.machine:send("call", { node = self.name, method = "addr", args = { ifname, list }, n = 2 }, self.lab)
  local i = self:iface(ifname)
  for _, x in ipairs(list) do i.addrs[#i.addrs + 1] = x end
  self.lab.addr_version = self.lab.addr_version + 1
  return self
end

-- A gateway given as a node is resolved here, where every node's
-- addresses are known; the agent gets the address.
function RemoteNode:route(dst, via, opts)
  if type(via) == "table" and via.is_node then
    local fam = dst ~= "default" and type(dst) == "string" and (dst:find(":", 1, true) and 6 or 4) or
      (type(opts) == "table" and opts.family) or nil
    local gw = via:ip_towards(self, fam)
    if not gw then
      raise(("route %s via node \"%s\": it shares no network with \"%s\""):format(tostring(dst), via.name, self.name))
    end
    via = gw
  end
  self.machine:send("call", { node = self.name, method = "route", args = wire({ dst, via, opts }, "route"), n = 3 },
    self.lab)
  return self
end

local Result = {}
Result.__index = Result
Result.__name = "nslab.result"
Result.__tostring = function(r) return r.out end
Result.__concat = function(a, b) return tostring(a) .. tostring(b) end

function RemoteNode:exec(cmd, opts)
  self.machine:_hosts(self.lab)
  local r = self.machine:call("call", { node = self.name, method = "exec", args = wire({ cmd, opts }, "exec"), n = 2 },
    self.lab)
  r = r.v[1]
  r.node, r.cmd = self, cmd
  return setmetatable(r, Result)
end

-- A process there, held here as nslab.remote_proc (its methods sent to
-- the agent by pid).
function RemoteNode:spawn(cmd, opts)
  self.machine:_hosts(self.lab)
  local r = self.machine:call("call", { node = self.name, method = "spawn", args = wire({ cmd, opts }, "spawn"), n = 2 },
    self.lab)
  return require("nslab.remote_proc").process(self, r.v[1].__proc, cmd)
end

-- A capture there; its file ends up here (nslab.remote_proc).
function RemoteNode:capture(ifname, opts)
  return require("nslab.remote_proc").capture(self, ifname, opts)
end

-- node:_ssh_argv(words [, tty]) -> the argv that runs `nslab WORDS...` on
-- the node's machine over the lab's open connection (its control socket:
-- no new ssh handshake). With a terminal (tty: the REPL's `enter` runs
-- `nslab shell LAB NODE` there) a connection of its own: through the
-- control socket the terminal would be read by the master ssh, which is
-- not in the terminal's foreground (it would stop on SIGTTIN).
function RemoteNode:_ssh_argv(words, tty)
  local m = self.machine
  local argv = M.ssh_argv(m, not tty and m.ctl or nil, false)
  if tty then table.insert(argv, #argv - 1, "-t") end
  local cmd = { shq(m.nslab) }
  for _, w in ipairs(words) do cmd[#cmd + 1] = shq(w) end
  argv[#argv + 1] = table.concat(cmd, " ")
  return argv
end

---- links between machines ---------------------------------------------------------

-- The VXLAN header and the outer headers: 50 bytes over IPv4, 70 over IPv6.
local function overhead(family) return family == 6 and 70 or 50 end

-- The MTU of the interface holding address on this machine (its own
-- namespace), or nil and a message.
function M.underlay_mtu(lab, address)
  local ns = lab:_host_ns()
  local addrs = ns:addresses() or {}
  for _, a in ipairs(addrs) do
    if a.cidr:match("^[^/]+") == address then
      for _, l in ipairs(ns:links() or {}) do
        if l.index == a.ifindex then return l.mtu end
      end
    end
  end
  return nil, ("no interface of this machine has the underlay address %s (check the machine's underlay=)"):format(address)
end

-- One end of a link between machines, made on this machine: the VXLAN
-- device in this machine's own namespace (its UDP socket stays there),
-- placed in node's namespace under the name asked for, then addressed.
function M.vxlan_end(lab, node, ifname, o)
  lab:_begin()
  if node:is_root() then lab:_record(lab.journal:link(ifname)) end
  local idx, err = lab.core.vxlan(lab:_host_ns(), node.ns, ifname,
    { id = o.id, port = 4789, ["local"] = o["local"], remote = o.remote, mtu = o.mtu })
  if not idx then raise(err) end
  node:_add_iface(ifname, idx, { kind = "vxlan", vni = o.id, remote = o.remote })
  for _, c in ipairs(o.addrs or {}) do node:addr(ifname, c) end
  return idx
end

-- A link's end between machines made on this machine: e = {node=,
-- ifname=, sw=}; a switch's end is a port of its bridge.
function M.vxlan_port(lab, e, o)
  local idx = M.vxlan_end(lab, e.node, e.ifname, o)
  if e.sw then
    local ok, err = e.node.ns:link_set(idx, e.ifname, { master = e.sw.index })
    if not ok then raise(err) end
    e.sw.ports[#e.sw.ports + 1] = e
  end
  return idx
end

-- The machine a node is on (nil: here) and the underlay MTU there.
local function side(lab, node)
  local m = node.machine
  if m then return m, m.underlay, m.mtu, m.family end
  local here
  for _, x in ipairs(lab.machine_list or {}) do if x.here then here = x end end
  if not here then
    raise(("node \"%s\" is on this machine and is linked to another: declare this machine with its underlay " ..
      "address, lab:machine(\"NAME\", { here = true, underlay = \"ADDRESS\" })"):format(node.name))
  end
  if not here.mtu then
    local mtu, err = M.underlay_mtu(lab, here.underlay)
    if not mtu then raise(("machine \"%s\": %s"):format(here.name, err)) end
    here.mtu = mtu
  end
  return nil, here.underlay, here.mtu, here.family
end

-- VNIs: a base from the lab's name (two labs over the same machines
-- rarely meet), one more per link.
local function next_vni(lab)
  if not lab.vni_base then
    local h = 5381
    for i = 1, #lab.name do h = (h * 33 + lab.name:byte(i)) % 4093 end
    lab.vni_base = 4096 + h * 4096
  end
  lab.next_vni = (lab.next_vni or 0) + 1
  if lab.next_vni >= 4096 then raise("more than 4095 links between machines in one lab") end
  return lab.vni_base + lab.next_vni
end

local LINK_OPTS = util.set { "names", "mtu" }

-- One end of a link between machines: {node=, ifname=, sw=} and its
-- addresses. A switch end must be on this machine (its VXLAN end joins
-- the bridge).
local function endpoint(x, name, list, which)
  local e = {}
  if x.is_switch then
    if list ~= nil and list ~= false then
      raise(("the %s end is switch \"%s\": a switch port takes no address (give the bridge one with sw:addr)")
        :format(which, x.name))
    end
    e.sw, e.node = x, x.node
    e.ifname = name and util.check_ifname(name) or x:_next_port()
    list = {}
  else
    e.node = x
    e.ifname = name and util.check_ifname(name) or x:_next_ifname()
    if list == nil or list == false then list = {} end
    if type(list) == "string" then list = { list } end
    if type(list) ~= "table" then raise(("address for the %s end must be a string or a list of strings"):format(which)) end
    for _, c in ipairs(list) do util.check_cidr(c, true) end
  end
  if e.node.ifaces[e.ifname] then
    raise(("node \"%s\" already has an interface \"%s\""):format(e.node.name, e.ifname))
  end
  return e, list
end

-- lab:link(a, b, ...) where a or b is on another machine.
function M.link(lab, a, b, addrs, opts)
  if a == b then raise(("cannot link node \"%s\" to itself"):format(a.name)) end
  if a.is_switch and b.is_switch then raise("cannot link two switches directly; put a node between them") end
  opts = util.check_opts(opts, LINK_OPTS, "link between machines")
  addrs = util.check_link_addrs(addrs)
  local names = opts.names or {}
  if type(names) ~= "table" then raise("link option names= must be a list of two interface names") end
  if opts.mtu ~= nil then util.check_int(opts.mtu, 68, 65535, "mtu") end
  local ea, aa = endpoint(a, names[1], addrs[1], "first")
  local eb, ba = endpoint(b, names[2], addrs[2], "second")
  local na, nb = ea.ifname, eb.ifname
  a, b = ea.node, eb.node
  local ma, ua, mtua, fa = side(lab, a)
  local mb, ub, mtub, fb = side(lab, b)
  local l = setmetatable({ lab = lab, a = ea, b = eb, line = util.where() }, Link)
  if ma and ma == mb then
    -- both ends on the same other machine: a veth pair made there
    -- (a switch's end: a port, no address; by the switch's name)
    ma:send("link", { a = ea.sw and ea.sw.name or a.name, b = eb.sw and eb.sw.name or b.name,
      addrs = { not ea.sw and aa, not eb.sw and ba }, opts = { names = { na, nb }, mtu = opts.mtu } }, lab)
    a:_add_iface(na, 0, { addrs = aa, peer = eb })
    b:_add_iface(nb, 0, { addrs = ba, peer = ea })
  else
    if fa ~= fb then raise(("link %s <-> %s: the machines' underlay addresses mix IPv4 and IPv6"):format(a.name, b.name)) end
    local mtu = math.min(mtua, mtub) - overhead(fa)
    if opts.mtu then
      if opts.mtu > mtu then
        raise(("link %s <-> %s: mtu %d is more than the underlay carries (%d: underlay MTU %d minus %d for VXLAN)")
          :format(a.name, b.name, opts.mtu, mtu, math.min(mtua, mtub), overhead(fa)))
      end
      mtu = opts.mtu
    end
    local id = next_vni(lab)
    local function make(m, e, here, there, list)
      local o = { id = id, ["local"] = here, remote = there, mtu = mtu, addrs = list }
      if m then
        m:send("vxlan", { node = e.node.name, ifname = e.ifname, o = o, sw = e.sw and e.sw.name }, lab)
        e.node:_add_iface(e.ifname, 0, { kind = "vxlan", vni = id, remote = there, addrs = list })
        if e.sw then e.sw.ports[#e.sw.ports + 1] = e end
      else
        M.vxlan_port(lab, e, o)
      end
    end
    make(ma, ea, ua, ub, aa)
    make(mb, eb, ub, ua, ba)
    l.kind, l.id, l.mtu, l.cross = "vxlan", id, mtu, true
    a.ifaces[na].tunnel, b.ifaces[nb].tunnel = eb, ea
    -- in the lab's record: `nslab inspect` and `nslab web` here draw it
    local f = assert(io.open(lab.journal:dir() .. "/machines", "a"))
    f:write(link_line(l))
    f:close()
  end
  lab.addr_version = lab.addr_version + 1
  lab.links[#lab.links + 1] = l
  return l
end

-- Forget interface ifname of node (a link's end), on node's machine: here
-- its device is deleted, elsewhere its agent does it. A switch port leaves
-- the switch's list.
function M.drop_iface(lab, node, ifname)
  if node.remote then
    node.machine:call("unlink", { node = node.name, ifname = ifname }, lab)
  elseif node.ns then
    local ok, err = node.ns:link_delete(ifname)
    if not ok and node.ns:link_index(ifname) then raise(err) end
    if node:is_root() then lab:_record(lab.journal:del_link(ifname)) end
  end
  local i = node.ifaces[ifname]
  node.ifaces[ifname] = nil
  for k, x in ipairs(node.ifaces) do
    if x.name == ifname then table.remove(node.ifaces, k) break end
  end
  for _, sw in pairs(lab.switches or {}) do
    if sw.node == node then
      for k, p in ipairs(sw.ports) do
        if p.ifname == ifname then table.remove(sw.ports, k) break end
      end
    end
  end
  return i
end

-- node is removed from the lab (lab:remove, here or on its machine): the
-- far ends of its links to other machines go too (a VXLAN end does not
-- go with its peer as a veth's does), and the lab's record forgets them.
function M.drop_far_ends(lab, node)
  local any
  for _, i in ipairs(node.ifaces) do
    local e = i.tunnel
    if e and e.node.machine ~= node.machine and not e.node.removed then
      M.drop_iface(lab, e.node, e.ifname)
      any = true
    end
  end
  return any
end

-- lab:remove(node) of a node on another machine: its agent removes it
-- there, as lab:remove does here (processes, namespace, links).
function M.remove(lab, node)
  M.drop_far_ends(lab, node)
  node.machine:call("remove", { node = node.name }, lab)
end

-- Leave every machine's part up (nslab up) or take it down; the first
-- failure's message, or nil.
function M.finish(lab, how)
  local first
  for i = #(lab.machine_list or {}), 1, -1 do
    local m = lab.machine_list[i]
    -- its processes and captures first, while the agent answers: going
    -- down, each is stopped as here (its status known here); kept, each
    -- capture is stopped and its file brought here (its file there would
    -- go with the lab)
    for _, n in ipairs(m.connected and lab.order or {}) do
      for _, p in ipairs(n.machine == m and n.procs or {}) do
        if how == "down" or p.file then
          local ok, err = pcall(p._teardown, p)
          if not ok then first = first or err end
        end
      end
    end
    local err = m:finish(how, lab)
    -- an agent that is gone (killed, connection lost) left its part:
    -- a fresh connection takes it down
    if how == "down" and m.reached and m.lost then err = M.down_on(lab.name, m) or err end
    first = first or err
  end
  return first
end

return M
