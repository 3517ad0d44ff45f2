-- nslab.node — a node is a network namespace (or, for "host", the root
-- namespace): its interfaces, addresses, routes, sysctls, commands. The
-- kernel is reached through the node's namespace (node.ns) and the lab's
-- core (lab.core); nslab.core's own functions serve only for parsing.
local cidr = require("nslab.core").cidr
local util = require "nslab.util"
local Process = require "nslab.process"
local Link = require "nslab.link"

local raise = util.raise

local Node = {}
Node.__index = Node
Node.__name = "nslab.node"
Node.is_node = true

-- Eight fields, no more: a node of a 1000-node lab is then one small
-- table (Lua sizes a table's fields in powers of two). Processes (procs)
-- come with the first one.
function Node.new(lab, name, ns, kind, netns)
  return setmetatable({
    lab = lab,
    name = name,
    ns = ns,
    kind = kind,            -- "host", "router", "switch" or "root"
    netns = netns,          -- pinned name (LAB.NODE); nil for the root
    ifaces = {},            -- name -> { name, index, addrs = {}, peer }, and
                            -- the same in creation order at 1, 2, ...
    ifseq = 0,
    line = util.where(),
  }, Node)
end

function Node:__tostring()
  return ("nslab.node(%s%s)"):format(self.netns or "host", self.kind == "router" and ", router" or "")
end

function Node:is_root() return self.kind == "root" end

-- The next default interface name: eth0, eth1, ... (in the root namespace
-- a lab-tagged name, so it never clashes with the host's own interfaces).
function Node:_next_ifname()
  while true do
    local name
    if self:is_root() then
      name = ("nsl%s-%d"):format(util.tag(self.lab.name), self.ifseq)
    else
      name = "eth" .. self.ifseq
    end
    self.ifseq = self.ifseq + 1
    if not self.ifaces[name] then return name end
  end
end

function Node:_add_iface(name, index, extra)
  local i = extra or {}
  i.name, i.index, i.addrs = name, index, i.addrs or {}
  self.ifaces[name] = i
  self.ifaces[#self.ifaces + 1] = i
  return i
end

-- An interface of this node by name: one the lab made, or one the kernel
-- already has (lo, or a host interface).
function Node:iface(name)
  util.check_ifname(name)
  local i = self.ifaces[name]
  if i then return i end
  local idx = self.ns:link_index(name)
  if not idx then
    local known = {}
    for _, x in ipairs(self.ifaces) do known[#known + 1] = x.name end
    raise(("node \"%s\" has no interface \"%s\" (it has: %s)"):format(self.name, name,
      #known > 0 and table.concat(known, ", ") or "lo only"))
  end
  return self:_add_iface(name, idx, { foreign = true })
end

-- node:addr(ifname, "10.0.0.1/24" | {list}) adds addresses, v4 or v6.
function Node:addr(ifname, cidr)
  if type(cidr) == "table" then
    for _, c in ipairs(cidr) do self:addr(ifname, c) end
    return self
  end
  util.check_cidr(cidr, true)
  local i = self:iface(ifname)
  self.lab:_begin()
  if self:is_root() then self.lab:_record(self.lab.journal:addr(i.name, cidr)) end
  local ok, err = self.ns:addr_add(i.index, i.name, cidr)
  if not ok then raise(err) end
  i.addrs[#i.addrs + 1] = cidr
  self.lab.addr_version = self.lab.addr_version + 1
  return self
end

-- All addresses of the node: list of parsed cidrs ({addr, prefix, family,
-- network, text, iface}). Interfaces keep only the text (a 1000-link lab
-- holds 2000 addresses).
function Node:addrs(family)
  local out = {}
  for _, i in ipairs(self.ifaces) do
    for _, text in ipairs(i.addrs) do
      local c = cidr(text)
      if not family or c.family == family then
        c.text, c.iface = text, i.name
        out[#out + 1] = c
      end
    end
  end
  return out
end

-- First address of the node (IPv4 unless family 6), without prefix.
function Node:ip(family)
  local a = self:addrs(family or 4)[1] or (not family and self:addrs(6)[1])
  return a and a.addr or nil
end

-- The address of this node (of family 4 or 6, or either) on a network
-- shared with other (a node), used
-- for `route(..., via = node)` and Mininet-style name replacement.
function Node:ip_towards(other, family)
  for _, mine in ipairs(other:addrs(family)) do
    for _, a in ipairs(self:addrs(mine.family)) do
      if a.network == mine.network then return a.addr end
    end
  end
  return nil
end

local ROUTE_OPTS = util.set { "dev", "metric", "family", "replace" }

-- node:route(dst, via [, {dev=, metric=, family=, replace=}])
-- dst: "default" or a prefix; via: gateway address, a node sharing a
-- network with this one, an interface name of this node, or nil with dev.
function Node:route(dst, via, opts)
  opts = util.check_opts(opts, ROUTE_OPTS, "route")
  if type(dst) ~= "string" then raise("route destination must be \"default\" or a prefix like 10.0.2.0/24") end
  local gw, dev = nil, opts.dev
  -- the family comes from the destination, so a node gateway on a
  -- dual-stack link gives the address of the same family
  local family = opts.family
  if dst ~= "default" then family = util.check_cidr(dst, false, "route destination").family end
  if type(via) == "table" and via.is_node then
    gw = via:ip_towards(self, family)
    if not gw then
      raise(("route %s via node \"%s\": it shares no network with \"%s\""):format(dst, via.name, self.name))
    end
    family = family or (gw:find(":", 1, true) and 6 or 4)
  elseif type(via) == "string" then
    local c = cidr(via)
    if c then
      gw = via
      if c.prefix then raise(("gateway \"%s\" must be an address without a prefix"):format(via)) end
      if family and c.family ~= family then
        raise(("route %s via %s mixes IPv4 and IPv6"):format(dst, gw))
      end
      family = c.family
    elseif self.ifaces[via] or self.ns:link_index(via) then
      dev = via
    else
      raise(("bad gateway \"%s\" (expected an address, a node, or an interface of \"%s\")")
        :format(via, self.name))
    end
  elseif via ~= nil then
    raise(("bad gateway %s (expected an address, a node, or an interface name)"):format(tostring(via)))
  end
  if not gw and not dev then
    raise(("route %s needs a gateway or a device"):format(dst))
  end
  if opts.metric ~= nil then util.check_int(opts.metric, 0, 4294967295, "metric") end
  local oif = 0
  if dev then oif = self:iface(dev).index end
  self.lab:_begin()
  if self:is_root() then
    local d = dst == "default" and ((family == 6 or (gw and gw:find(":"))) and "::/0" or "0.0.0.0/0") or dst
    self.lab:_record(self.lab.journal:route(d, gw, dev, opts.metric or -1))
  end
  local ok, err = self.ns:route_add(dst, gw, oif, dev, opts.metric or -1, opts.replace, family or 4)
  if not ok then raise(err) end
  self.routes = self.routes or {}     -- for _restore after a link comes back up
  self.routes[#self.routes + 1] = { dst, gw, oif, dev, opts.metric or -1, family or 4 }
  return self
end

-- node:sysctl(key) reads; node:sysctl(key, value) writes and returns the
-- old value. In the root namespace the old value is restored on teardown.
function Node:sysctl(key, value)
  if type(key) ~= "string" then raise("sysctl name must be a string like \"net.ipv4.ip_forward\"") end
  if value == nil then
    local v, err = self.ns:sysctl_get(key)
    if not v then raise(err) end
    return v
  end
  if type(value) == "boolean" then value = value and "1" or "0" end
  value = tostring(value)
  self.lab:_begin()
  if self:is_root() then
    local old, err = self.ns:sysctl_get(key)
    if not old then raise(err) end
    self.lab:_record(self.lab.journal:sysctl(key, old))
  end
  local old, err = self.ns:sysctl_set(key, value)
  if not old then raise(err) end
  return old
end

-- Bring an interface up or down, or change its MTU, at run time.
function Node:set(ifname, opts)
  opts = util.check_opts(opts, util.set { "up", "mtu" }, "set")
  local i = self:iface(ifname)
  if opts.mtu ~= nil then util.check_int(opts.mtu, 68, 65535, "mtu") end
  local ok, err = self.ns:link_set(i.index, i.name, { up = opts.up, mtu = opts.mtu })
  if not ok then raise(err) end
  if opts.up then self:_restore(i) end
  return self
end

-- An interface set down loses its IPv6 addresses and every route through
-- it (the kernel's doing, as with `ip link set down`): give back what the
-- lab declared when it comes up. Routes whose gateway is still behind a
-- link that is down fail here and come back with that link.
function Node:_restore(i)
  for _, text in ipairs(i.addrs) do
    self.ns:addr_add(i.index, i.name, text)  -- IPv4 ones stayed (refused, ignored)
  end
  for _, r in ipairs(self.routes or {}) do
    self.ns:route_add(r[1], r[2], r[3], r[4], r[5], true, r[6])
  end
end

---- running commands -------------------------------------------------------

-- /etc/netns/LAB.NODE/hosts: every node of the lab by name, so commands
-- in nodes (and `ip netns exec`) resolve each other.
function Node:_write_hosts()
  local lab = self.lab
  if self:is_root() or not lab.etc_hosts or self:_hosts_version() == lab.addr_version then return end
  local core = lab.core
  local dir = core.etc_netns_dir .. "/" .. self.netns
  if not lab._etc_ready then
    -- An /etc/netns that nslab made holds the file .nslab, and every lab
    -- that uses it records its removal: the last lab to end removes it
    -- (teardown removes it only once nothing but .nslab is left). One the
    -- user made is never removed.
    local mark = core.etc_netns_dir .. "/.nslab"
    if not core.exists(core.etc_netns_dir) then
      lab:_record(lab.journal:rmdir(core.etc_netns_dir))
      local ok, err, code = core.mkdir(core.etc_netns_dir)
      if not ok and code ~= 17 then raise(err) end
      local f, ferr = io.open(mark, "w")
      if not f then raise(ferr) end
      f:close()
    elseif core.exists(mark) then
      lab:_record(lab.journal:rmdir(core.etc_netns_dir))
    end
    lab._etc_ready = true
  end
  local ok, err, code = core.mkdir(dir)
  if not ok and code ~= 17 then raise(err) end
  -- every node's file lists the same addresses: build that part once per
  -- change of the lab's addresses, not once per node
  if lab._hosts_version ~= lab.addr_version then
    local lines = {}
    for _, n in ipairs(lab.order) do
      if n.kind ~= "switch" and not n:is_root() then
        for _, i in ipairs(n.ifaces) do
          for _, a in ipairs(i.addrs) do lines[#lines + 1] = a:match("^[^/]+") .. "\t" .. n.name end
        end
      end
    end
    -- (an agent's lab: the nodes of the lab's other machines, nslab.machine)
    if lab.extra_hosts and lab.extra_hosts ~= "" then lines[#lines + 1] = lab.extra_hosts end
    lab._hosts_body, lab._hosts_version = table.concat(lines, "\n"), lab.addr_version
  end
  local f = assert(io.open(dir .. "/hosts", "w"))
  f:write("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t", self.name, "\n",
    lab._hosts_body, lab._hosts_body ~= "" and "\n" or "")
  f:close()
  -- no name server is reachable from a lab node: ask one on the node's
  -- own loopback, which fails at once instead of after DNS timeouts
  if not self:_hosts_version() then
    f = assert(io.open(dir .. "/resolv.conf", "w"))
    f:write("# nslab: lab nodes find each other in /etc/hosts; no DNS server unless the lab runs one\n",
            "nameserver 127.0.0.1\n")
    f:close()
  end
  self:_hosts_version(self.lab.addr_version)
end

-- The lab's address version this node's hosts file was written at (kept
-- by the lab, not in the node's own fields); with v, record it.
function Node:_hosts_version(v)
  local lab = self.lab
  local at = lab.hosts_at
  if not at then at = setmetatable({}, { __mode = "k" }); lab.hosts_at = at end
  if v then at[self] = v end
  return at[self]
end

local EXEC_OPTS = util.set { "timeout", "env", "input", "cwd", "check" }

local Result = {}
Result.__index = Result
Result.__name = "nslab.result"
Result.__tostring = function(r) return r.out end
Result.__concat = function(a, b) return tostring(a) .. tostring(b) end

local function argv_of(cmd)
  if type(cmd) == "string" then return { "/bin/sh", "-c", cmd } end
  if type(cmd) == "table" and #cmd > 0 then return cmd end
  raise("command must be a string (run by /bin/sh) or a non-empty list of arguments")
end

-- Words of the shell that are not programs, or behave differently as one
-- (dash's echo and kill): a string starting with one of them needs sh.
local SHELL_WORDS = util.set { ".", ":", "alias", "bg", "break", "cd", "command", "continue",
  "echo", "eval", "exec", "exit", "export", "fg", "getopts", "hash", "jobs", "kill", "local",
  "read", "readonly", "return", "set", "shift", "times", "trap", "type", "ulimit", "umask",
  "unalias", "unset", "wait", "case", "do", "done", "elif", "else", "esac", "fi", "for",
  "function", "if", "in", "select", "then", "until", "while" }

-- A string command that sh would only split into words ("ping -c 1 10.0.0.2")
-- runs without sh, as make does: a shell costs a second exec, half of
-- node:exec's time. Anything sh would interpret (quotes, $, globs,
-- redirections, ;|&, ~, #, a VAR=value prefix, a builtin) goes to sh.
local function plain_argv(cmd)
  if cmd:find("[^%w%s%-_./:,+@%%^=]") or cmd:find("[\n\r\v\f]") then return nil end
  local argv = {}
  for w in cmd:gmatch("%S+") do argv[#argv + 1] = w end
  if #argv == 0 or argv[1]:find("=", 1, true) or SHELL_WORDS[argv[1]] then return nil end
  return argv
end

function Node:_exec_opts(opts)
  if self.removed then raise(("node \"%s\" was removed from lab \"%s\""):format(self.name, self.lab.name)) end
  local o = { timeout = opts.timeout, env = opts.env, input = opts.input, cwd = opts.cwd }
  if not self:is_root() then
    self:_write_hosts()
    o.ns, o.nsname, o.hostname = self.ns, self.netns, self.name
  end
  return o
end

-- node:exec(cmd [, opts]) -> result: r.out, r.err, r.status, r.ok
-- (tostring(r) is the output, so print(node:exec "ip route") works).
-- Without timeout= the command may run nslab.defaults.exec_timeout
-- seconds, then is killed and the script fails at the calling line; with
-- timeout=N it is killed after N s and r.timed_out is set.
function Node:exec(cmd, opts)
  opts = util.check_opts(opts, EXEC_OPTS, "exec")
  local argv = argv_of(cmd)
  local limit = opts.timeout
  if limit == nil then
    -- the default limit, so that a hung command fails the script at its
    -- line instead of hanging it (and a CI job) for good
    limit = util.defaults.exec_timeout
  elseif limit ~= false and (type(limit) ~= "number" or limit <= 0) then
    raise("exec timeout must be a positive number of seconds (or false: no limit)")
  end
  local eo = self:_exec_opts(opts)
  eo.timeout = limit or nil
  local core = self.lab.core
  if self.lab.listeners then self.lab:_emit("exec", self, cmd) end
  local direct = type(cmd) == "string" and not opts.env and plain_argv(cmd)
  local status, out, err, timed_out = core.exec(direct or argv, eo)
  if not status and direct then
    -- not found or not runnable: sh's own message and status, as always
    status, out, err, timed_out = core.exec(argv, eo)
  end
  if not status then raise(("in node \"%s\": %s"):format(self.name, out)) end
  if timed_out and opts.timeout == nil then
    raise(("command %q in node \"%s\" timed out after %g s (the default limit of node:exec; pass " ..
      "timeout=SECONDS, or timeout=false for none)"):format(type(cmd) == "string" and cmd or table.concat(cmd, " "),
      self.name, limit))
  end
  local r = setmetatable({ out = out, err = err, status = status, ok = status == 0,
                           timed_out = timed_out, node = self, cmd = cmd }, Result)
  if opts.check and not r.ok then
    local first = (err:match("[^\n]+") or out:match("[^\n]+") or "")
    raise(("command %q in node \"%s\" failed with status %d%s"):format(
      type(cmd) == "string" and cmd or table.concat(cmd, " "), self.name, status,
      first ~= "" and (": " .. first) or ""))
  end
  return r
end

-- node:spawn(cmd [, {env=, cwd=}]) -> a process running in the background,
-- its output in a log file under the lab's state directory.
function Node:spawn(cmd, opts)
  opts = util.check_opts(opts, util.set { "env", "cwd" }, "spawn")
  local argv = argv_of(cmd)
  self.lab:_begin()
  local core = self.lab.core
  local logdir = self.lab.journal:dir() .. "/logs"
  core.mkdir(logdir)
  self.lab.nspawn = (self.lab.nspawn or 0) + 1
  local log = ("%s/%s.%d.log"):format(logdir, self.name, self.lab.nspawn)
  local eo = self:_exec_opts(opts)
  if self.lab.listeners then self.lab:_emit("exec", self, cmd) end
  local pid, start = core.spawn(argv, eo, log)
  if not pid then raise(("in node \"%s\": %s"):format(self.name, start)) end
  self.lab:_record(self.lab.journal:pid(pid, start))
  return self:_adopt(Process.new(self, pid, start, log, cmd))
end

-- Keep p among the node's processes (stopped with the node); the list is
-- made with the first.
function Node:_adopt(p)
  local procs = self.procs or {}
  self.procs = procs
  procs[#procs + 1] = p
  return p
end

function Node:_stop_all()
  for _, p in ipairs(self.procs or {}) do p:kill(9) end
  for _, p in ipairs(self.procs or {}) do p:wait(1) end
end

-- Resolve a ping/connect target: a node (its address on a shared network,
-- else its first), a node name, or an address.
function Node:_target(t, family)
  if type(t) == "table" and t.is_node then
    local a = t:ip_towards(self, family) or t:ip(family)
    if not a then raise(("node \"%s\" has no address to reach"):format(t.name)) end
    return a
  end
  if type(t) == "table" and t.is_switch then return self:_target(t.node, family) end
  if type(t) == "string" then
    if cidr(t) then return t end
    return self:_target(self.lab:get(t), family)
  end
  raise(("bad target %s (expected a node, a node name or an address)"):format(tostring(t)))
end

-- node:ping(target [, {count=, timeout=, family=}]) -> ok, result
function Node:ping(target, opts)
  opts = util.check_opts(opts, util.set { "count", "timeout", "family" }, "ping")
  local addr = self:_target(target, opts.family)
  local count = opts.count or 1
  util.check_int(count, 1, 1000, "ping count")
  local wait = opts.timeout or 2
  local r = self:exec({ "ping", "-n", "-q", "-c", tostring(count), "-W", tostring(wait), addr },
    { timeout = wait * count + 5 })
  return r.ok, r
end

-- node:connect(target, port [, {timeout=, send=}]) -> ok, output: a TCP
-- connection from this node (socat), returning what the server sent.
function Node:connect(target, port, opts)
  opts = util.check_opts(opts, util.set { "timeout", "send" }, "connect")
  local addr = self:_target(target)
  util.check_int(port, 1, 65535, "port")
  if addr:find(":") then addr = "[" .. addr .. "]" end
  local t = opts.timeout or 3
  local r = self:exec({ "socat", "-T" .. t, "-", ("TCP:%s:%d,connect-timeout=%s"):format(addr, port, t) },
    { input = opts.send or "", timeout = t + 2 })
  return r.ok, r.out, r
end

-- Mixins, loaded on first use (util.later): NAT and filtering
-- (nslab.nat), shaping (node:shape, link:shape; nslab.shape), capture
-- (nslab.capture) and private files (node:private, node:file;
-- nslab.private).
util.later("nslab.nat", { Node }, { { Node, { "masquerade", "snat", "dnat", "port_forward",
  "forward", "forward_policy", "nft", "nft_rule", "ruleset" } } })
util.later("nslab.shape", { Node }, { { Node, { "shape", "unshape", "shaping" } },
  { Link, { "shape", "unshape" } } })
util.later("nslab.capture", { Node }, { { Node, { "capture" } } })
util.later("nslab.private", { Node }, { { Node, { "private", "file", "_private_write", "privates" } } })

return Node
