-- nslab.lab — a lab: its nodes, switches and links, the journal of what it
-- created, and teardown. A lab touches the kernel only from its first node.
local core = require "nslab.core"
local util = require "nslab.util"
local Node = require "nslab.node"
local Switch = require "nslab.switch"
local Link = require "nslab.link"

local raise = util.raise

local Lab = {}
Lab.__index = Lab
Lab.__name = "nslab.lab"

-- opts.attach: the lab is up already (built by another process) and this
-- one grows it: changes are appended to its journal, which stays owned by
-- whoever owned it (nslab.repl.attach).
function Lab.new(name, opts)
  util.check_name(name, "lab")
  opts = util.check_opts(opts, util.set { "file", "attach" }, "nslab.lab")
  return setmetatable({
    name = name,
    file = opts.file,
    attached = opts.attach and true or nil,
    nodes = {},        -- name -> Node (switches' own namespaces included)
    order = {},        -- nodes in creation order
    switches = {},     -- name -> Switch
    links = {},
    line = util.where(),
    addr_version = 0,  -- bumped on every address change (hosts files)
  }, Lab)
end

function Lab:__tostring()
  return ("nslab.lab(%s, %d nodes, %d links%s)"):format(self.name, #self.order,
    #self.links, self.closed and ", down" or "")
end

-- First kernel action: root, /run/netns, and the claim on the lab name.
function Lab:_begin()
  if self.closed then raise(("lab \"%s\" is already down"):format(self.name)) end
  if self.journal then return end
  if not core.privileged() then
    raise("nslab needs root to create network namespaces; run it as root (sudo nslab ...)")
  end
  local ok, err = core.prepare()
  if not ok then raise(err) end
  local j
  if self.attached then
    j, err = core.journal_attach(self.name)
  else
    j, err = core.journal_begin(self.name, self.file)
  end
  if not j then raise(err) end
  self.journal = j
end

-- Record intent before acting, so a crash at any point is recoverable.
function Lab:_record(line)
  local ok, err = self.journal:add(line)
  if not ok then raise(err) end
end

function Lab:_host_ns()
  if not self.host_ns then
    local ns, err = core.netns_host()
    if not ns then raise(err) end
    self.host_ns = ns
  end
  return self.host_ns
end

-- Node and switch names share one space (lab:get finds either).
function Lab:_check_free(name, what)
  local old = self.nodes[name] or self.switches[name]
  if old then
    raise(("%s \"%s\" already exists in lab \"%s\" (declared at %s)"):format(what, name,
      self.name, (old.line or ""):gsub(": $", "")))
  end
end

function Lab:_add_node(name, kind, opts)
  util.check_name(name, kind == "switch" and "switch" or "node")
  opts = util.check_opts(opts, util.set { "sysctl" }, "node")
  self:_check_free(name, kind == "switch" and "switch" or "node")
  self:_begin()
  local node
  if name == "host" then
    node = Node.new(self, name, self:_host_ns(), "root", nil)
  else
    local nsname = self.name .. "." .. name
    self:_record("netns " .. nsname)
    local ns, err = core.netns_create(nsname)
    if not ns then raise(err) end
    node = Node.new(self, name, ns, kind, nsname)
  end
  self.nodes[name] = node
  self.order[#self.order + 1] = node
  for k, v in pairs(opts.sysctl or {}) do node:sysctl(k, v) end
  return node
end

-- lab:host(name) -> a plain node. The name "host" means the root
-- namespace itself, touched only because the script names it.
function Lab:host(name, opts) return self:_add_node(name, "host", opts) end
Lab.node = Lab.host

-- lab:router(name) -> a node with IPv4 and IPv6 forwarding on.
function Lab:router(name, opts)
  local n = self:_add_node(name, "router", opts)
  n:sysctl("net.ipv4.ip_forward", "1")
  n:sysctl("net.ipv6.conf.all.forwarding", "1")
  return n
end

-- lab:switch(name [, {node=, ifname=, mtu=}]) -> a bridge, in its own
-- namespace or inside a node (a bridge that carries a gateway address).
function Lab:switch(name, opts)
  return Switch.new(self, name, opts)
end

-- lab:link(a, b [, {addrA, addrB}] [, {names=, mtu=, mac=, down=}])
function Lab:link(a, b, addrs, opts)
  -- lab:link(a, b, {names=...}): a table with named keys in third place is
  -- the options (addresses are a list), whatever the keys are
  if opts == nil and type(addrs) == "table" and type(next(addrs)) == "string" then
    addrs, opts = nil, addrs
  end
  -- other kinds: nslab.kinds (kind = "veth" is the default, spelled out)
  if type(opts) == "table" and opts.kind ~= nil then
    if opts.kind ~= "veth" then return require("nslab.kinds").tunnel(self, a, b, addrs, opts) end
    local o = {}
    for k, v in pairs(opts) do if k ~= "kind" then o[k] = v end end
    opts = o
  end
  local l = Link.new(self, a, b, addrs, opts)
  self.links[#self.links + 1] = l
  return l
end

-- lab:remove(node | name): take a node (or a switch with its own
-- namespace) out of the running lab: every process inside it ends, its
-- namespace goes and with it every link to it; the journal records the
-- removal (`del netns LAB.NODE`) so teardown and `nslab nodes` agree.
function Lab:remove(x)
  local node = self:get(x)
  local sw
  if node.is_switch then
    sw = node
    if sw.node.kind ~= "switch" then
      raise(("switch \"%s\" lives in node \"%s\"; remove that node"):format(sw.name, sw.node.name))
    end
    node = sw.node
  end
  if node:is_root() then raise("cannot remove \"host\": it is the machine's own namespace") end
  local pin = core.netns_dir .. "/" .. node.netns
  node:_stop_all()
  -- also what nslab did not start (`ip netns exec` shells, daemons)
  local gone = util.eventually(function()
    local pids = core.pids_in(pin) or {}
    for _, pid in ipairs(pids) do core.kill(pid, 9) end
    return #pids == 0
  end, { timeout = 5 })
  if not gone then raise(("node \"%s\": processes inside would not end"):format(node.name)) end
  -- delete what the lab made in it now, so its links are gone when we
  -- return (a namespace itself is freed later, asynchronously)
  for k = #node.ifaces, 1, -1 do
    local i = node.ifaces[k]
    if not i.foreign then node.ns:link_delete(i.name) end
  end
  node.ns:close()
  local ok, err = core.netns_delete(node.netns)
  if not ok then raise(err) end
  local etc = core.etc_netns_dir .. "/" .. node.netns
  os.remove(etc .. "/hosts")
  os.remove(etc .. "/resolv.conf")
  os.remove(etc)
  self:_record("del netns " .. node.netns)
  -- forget the node, its switches, links and the far ends of those links
  for _, i in ipairs(node.ifaces) do
    local peer = i.peer
    if peer and peer.node ~= node then
      local pn = peer.node
      pn.ifaces[peer.ifname] = nil
      for k, pi in ipairs(pn.ifaces) do
        if pi.name == peer.ifname then table.remove(pn.ifaces, k) break end
      end
      if pn:is_root() then self:_record("del link " .. peer.ifname) end
      if peer.sw then
        for k, p in ipairs(peer.sw.ports) do
          if p == peer then table.remove(peer.sw.ports, k) break end
        end
      end
    end
  end
  for name, s in pairs(self.switches) do
    if s.node == node then self.switches[name] = nil end
  end
  for k = #self.links, 1, -1 do
    local l = self.links[k]
    if l.a.node == node or l.b.node == node then table.remove(self.links, k) end
  end
  self.nodes[node.name] = nil
  for k, n in ipairs(self.order) do
    if n == node then table.remove(self.order, k) break end
  end
  node.removed = true
  self.addr_version = self.addr_version + 1
  return self
end

-- Write /etc/netns/LAB.NODE/hosts for every node now (nodes write their
-- own before each exec; this serves `ip netns exec` and `nslab exec`).
function Lab:write_hosts()
  for _, n in ipairs(self.order) do
    if n.kind ~= "switch" and not n:is_root() then n:_write_hosts() end
  end
end

-- Create the veth pair of a link (first end may be a switch port).
function Lab.core_veth(first, second, opts)
  local ia, ib = core.veth(first.node.ns, first.ifname, second.node.ns, second.ifname, {
    mtu = opts.mtu, mac_a = first.mac, mac_b = second.mac,
    master_a = first.sw and first.sw.index or nil, down = opts.down,
  })
  if not ia then raise(ib) end
  return ia, ib
end

-- A node or switch by name (or the object itself).
function Lab:get(x)
  if type(x) == "table" and (getmetatable(x) == Node or getmetatable(x) == Switch) then
    if x.lab ~= self then raise(("%s belongs to another lab"):format(tostring(x))) end
    return x
  end
  if type(x) ~= "string" then
    raise(("expected a node or a node name, got %s"):format(type(x)))
  end
  local sw = self.switches[x]
  if sw then return sw end
  local n = self.nodes[x]
  if n then return n end
  local names = {}
  for _, o in ipairs(self.order) do names[#names + 1] = o.name end
  raise(("unknown node \"%s\" in lab \"%s\" (nodes: %s)"):format(x, self.name,
    #names > 0 and table.concat(names, ", ") or "none yet"))
end

function Lab:is_up()
  return self.journal ~= nil and not self.closed
end

-- Leave the lab up after this process ends (nslab up).
function Lab:keep()
  -- (an attached lab may have been taken down by another process)
  if self.journal and not self.closed and (not self.attached or core.journal_owner(self.name)) then
    self:write_hosts()
  end
  if self.journal then
    -- an attached lab's owner (if any) stays its owner
    if self.attached then self.journal:close() else self.journal:release() end
    self.kept = true
  end
  self:_close_handles()
end

function Lab:_close_handles()
  for _, n in ipairs(self.order) do
    if n.ns then n.ns:close() end
  end
  if self.host_ns then self.host_ns:close() end
end

-- Tear everything down from the journal (processes first, then objects
-- newest first). Harmless to call twice.
function Lab:down()
  if self.closed then return 0 end
  -- as `nslab down`: a lab a running nslab process owns goes with it
  local owner = self.attached and core.journal_owner(self.name)
  if owner and owner > 0 then
    raise(("lab \"%s\" belongs to nslab process %d; it goes down when that process ends"):format(self.name, owner))
  end
  self.closed = true
  for _, n in ipairs(self.order) do n:_stop_all() end
  if not self.journal or self.kept then
    self:_close_handles()
    return 0
  end
  self.journal:close()
  -- unpin first, close our sockets after: the other order made each unpin
  -- of a 1000-node lab wait for the namespace's end (~0.3 ms each, 10x)
  local n, err = core.journal_down(self.name)
  self:_close_handles()
  if not n then error(("lab %s: teardown: %s"):format(self.name, err), 0) end
  return n
end
Lab.__close = Lab.down

-- Checks, assertions and exercises (nslab.expect): lab:check,
-- lab:eventually, lab:expect_*, lab:exercise.
require("nslab.expect").install(Lab)

-- Tunnels and other interface kinds (nslab.kinds), loaded on first use.
util.later("nslab.kinds", { Lab, Node }, { { Lab, { "vxlan", "wireguard" } },
  { Node, { "macvlan", "vlan", "dummy" } } })

return Lab
