-- nslab.lab — a lab: its nodes, switches and links, the journal of what it
-- created, and teardown. A lab touches the kernel only from its first node,
-- and only through its own lab.core (nslab.core unless the lab was made
-- with another: nslab.cli.dry's stand-in).
local kernel = require "nslab.core"
local util = require "nslab.util"
local Node = require "nslab.node"
local Switch = require "nslab.switch"
local Link = require "nslab.link"

local raise = util.raise

local Lab = {}
Lab.__index = Lab
Lab.__name = "nslab.lab"

-- nslab.lab(name [, {file=, core=, hosts=, attach=}]): core is the kernel
-- interface (default nslab.core); hosts = false writes no /etc/netns/LAB.NODE
-- files; attach: the lab is up already (built by another process) and this
-- one grows it: changes are appended to its journal, which stays owned by
-- whoever owned it (nslab.repl.attach).
function Lab.new(name, opts)
  util.check_name(name, "lab")
  opts = util.check_opts(opts, util.set { "file", "core", "hosts", "attach" }, "nslab.lab")
  if opts.core ~= nil and type(opts.core) ~= "table" then raise("nslab.lab: core= must be a table like nslab.core") end
  if opts.hosts ~= nil and type(opts.hosts) ~= "boolean" then raise("nslab.lab: hosts= must be true or false") end
  local core = opts.core or kernel
  return setmetatable({
    name = name,
    file = opts.file,
    core = core,
    etc_hosts = opts.hosts ~= false,
    attached = opts.attach and true or nil,
    nodes = {},        -- name -> Node (switches' own namespaces included)
    order = {},        -- nodes in creation order
    switches = {},     -- name -> Switch
    links = {},
    line = util.where(),
    addr_version = 0,  -- bumped on every address change (hosts files)
    _checks = {},      -- checks and exercises (nslab.expect)
    _exercises = {},
    _started_at = core.clock(),
  }, Lab)
end

function Lab:__tostring()
  return ("nslab.lab(%s, %d nodes, %d links%s)"):format(self.name, #self.order,
    #self.links, self.closed and ", down" or "")
end

---- events ----------------------------------------------------------------------

-- lab:on(event, fn): fn(lab, ...) is called each time the lab emits event,
-- so a module that follows a lab (the command line's progress line)
-- subscribes instead of replacing the lab's methods. Events:
--   "node"  (node)          a node (or a switch's own namespace) was added
--   "link"  (link)          a link was made (a veth or another kind)
--   "plan"  (nodes, links)  a generator announces how many are coming
--   "exec"  (node, cmd)     a command is about to start in node
--   "check" (result)        a check was recorded
--   "keep"                  the lab is left up (nslab up)
--   "down"                  teardown begins
-- A lab nobody listens to pays one field test per event: the per-object
-- events are emitted only `if self.listeners` (a 1000-node chain).
function Lab:on(event, fn)
  if type(event) ~= "string" then raise("lab:on: the event must be a name like \"node\"") end
  if type(fn) ~= "function" then raise("lab:on: give a function to call") end
  local all = self.listeners or {}
  self.listeners = all
  local fns = all[event] or {}
  all[event] = fns
  fns[#fns + 1] = fn
  return self
end

function Lab:_emit(event, ...)
  local all = self.listeners
  local fns = all and all[event]
  if not fns then return end
  for i = 1, #fns do fns[i](self, ...) end
end

---- building --------------------------------------------------------------------

-- First kernel action: root, /run/netns, and the claim on the lab name.
function Lab:_begin()
  if self.closed then raise(("lab \"%s\" is already down"):format(self.name)) end
  if self.journal then return end
  local core = self.core
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

-- Record intent before acting, so a crash at any point is recoverable:
-- lab:_record(lab.journal:netns(name)) — the journal's typed methods (one
-- per record kind, and del_KIND) write the line, this raises on failure.
function Lab:_record(ok, err)
  if not ok then raise(err) end
end

function Lab:_host_ns()
  if not self.host_ns then
    local ns, err = self.core.netns_host()
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

-- (extra: what a switch's agent needs, {ifname=, mtu=}; nslab.switch)
function Lab:_add_node(name, kind, opts, extra)
  util.check_name(name, kind == "switch" and "switch" or "node")
  opts = util.check_opts(opts, util.set { "sysctl", "on" }, "node")
  self:_check_free(name, kind == "switch" and "switch" or "node")
  if opts.sysctl ~= nil and type(opts.sysctl) ~= "table" then
    raise("node option sysctl= must be a table like { [\"net.ipv4.ip_forward\"] = 1 }")
  end
  -- on another machine (nslab.machine): its agent makes it there; a
  -- node the file does not place may be placed by `--machines`
  -- (nslab.cli.place: self.placement)
  local on = opts.on
  if on ~= nil then
    self.on_given = self.on_given or {}
    self.on_given[name] = on
  elseif self.placement and self.placement[name] then
    on = self.placement[name]
    if not (self.machines and self.machines[on]) then
      raise(("node \"%s\" is placed on machine \"%s\" by --machines, but the lab declares that machine only " ..
        "after this line: declare machines (lab:machine) before nodes"):format(name, on))
    end
  end
  local m = on ~= nil and require("nslab.machine").of(self, on)
  if m and require("nslab.machine").dry(self) then
    -- a dry run (nslab graph FILE) makes it here and remembers where it goes
    self.placed = self.placed or {}
    self.placed[name] = m.name
  elseif m then
    local node = require("nslab.machine").node(self, m, name, kind, opts, extra)
    self.nodes[name] = node
    self.order[#self.order + 1] = node
    if self.listeners then self:_emit("node", node) end
    return node
  end
  self:_begin()
  local node
  if name == "host" then
    node = Node.new(self, name, self:_host_ns(), "root", nil)
  else
    local nsname = self.core.lab_ns(self.name) .. "." .. name
    self:_record(self.journal:netns(nsname))
    local ns, err = self.core.netns_create(nsname)
    if not ns then raise(err) end
    node = Node.new(self, name, ns, kind, nsname)
  end
  self.nodes[name] = node
  self.order[#self.order + 1] = node
  for k, v in pairs(opts.sysctl or {}) do node:sysctl(k, v) end
  if self.listeners then self:_emit("node", node) end
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

-- lab:switch(name [, {node=, ifname=, mtu=, on=}]) -> a bridge, in its own
-- namespace or inside a node (a bridge that carries a gateway address).
function Lab:switch(name, opts)
  if type(opts) == "table" and opts.node ~= nil and opts.on == nil and self.machines and self:get(opts.node).remote then
    raise(("switch \"%s\": a switch inside a node on another machine is not supported yet (docs/multi-host.md)")
      :format(tostring(name)))
  end
  return Switch.new(self, name, opts)
end

-- Wait until every other machine has done what it was sent (nslab.machine
-- sends nodes, links, addresses and routes without waiting); a failure
-- there is raised at the lab line that asked for it.
function Lab:sync()
  for _, m in ipairs(self.machine_list or {}) do
    if m.connected then m:_drain(self) end
  end
  return self
end

-- lab:machine(name, {ssh=, underlay=, nslab=, ssh_config=, here=}) -> a
-- machine nodes are placed on with on = name (nslab.machine).
function Lab:machine(name, opts)
  return require("nslab.machine").declare(self, name, opts)
end

-- lab:link(a, b [, {addrA, addrB}] [, {names=, mtu=, mac=, down=}])
function Lab:link(a, b, addrs, opts)
  -- lab:link(a, b, {names=...}): a table with named keys in third place is
  -- the options (addresses are a list), whatever the keys are
  if opts == nil and type(addrs) == "table" and type(next(addrs)) == "string" then
    addrs, opts = nil, addrs
  end
  -- an end on another machine (nslab.machine): made by its agent
  if self.machines then
    local ga, gb = self:get(a), self:get(b)
    if ga.remote or gb.remote or (ga.is_switch and ga.node.remote) or (gb.is_switch and gb.node.remote) then
      local l = require("nslab.machine").link(self, ga, gb, addrs, opts)
      if self.listeners then self:_emit("link", l) end
      return l
    end
  end
  -- other kinds: nslab.kinds (kind = "veth" is the default, spelled out)
  if type(opts) == "table" and opts.kind ~= nil then
    if opts.kind ~= "veth" then
      local t = require("nslab.kinds").tunnel(self, a, b, addrs, opts)
      if self.listeners then self:_emit("link", t) end
      return t
    end
    local o = {}
    for k, v in pairs(opts) do if k ~= "kind" then o[k] = v end end
    opts = o
  end
  local l = Link.new(self, a, b, addrs, opts)
  self.links[#self.links + 1] = l
  if self.listeners then self:_emit("link", l) end
  return l
end

-- The node lab:remove(x) takes out: x itself, or the namespace of a
-- switch that has one of its own.
function Lab:_removable(x)
  local node = self:get(x)
  if node.is_switch then
    local sw = node
    if sw.node.kind ~= "switch" then
      raise(("switch \"%s\" lives in node \"%s\"; remove that node"):format(sw.name, sw.node.name))
    end
    node = sw.node
  end
  if node:is_root() then raise("cannot remove \"host\": it is the machine's own namespace") end
  return node
end

-- End every process in node: the lab's own, then whatever else runs
-- there (`ip netns exec` shells, daemons) until none is left.
local function end_processes(node)
  local core = node.lab.core
  node:_stop_all()
  local pin = core.netns_dir .. "/" .. node.netns
  local gone = util.eventually(function()
    return (core.procs_kill(pin) or 0) == 0
  end, { timeout = 5 }, core)
  if not gone then raise(("node \"%s\": processes inside would not end"):format(node.name)) end
end

-- Delete node's interfaces now, so its links are gone when we return (a
-- namespace itself is freed later, asynchronously), then its namespace
-- and /etc/netns files; the journal records the removal.
function Lab:_delete_netns(node)
  local core = self.core
  for k = #node.ifaces, 1, -1 do
    local i = node.ifaces[k]
    if not i.foreign then node.ns:link_delete(i.name) end
  end
  node.ns:close()
  local ok, err = core.netns_delete(node.netns)
  if not ok then raise(err) end
  core.netns_etc_remove(node.netns)
  self:_record(self.journal:del_netns(node.netns))
end

local function remove_item(list, x)
  for k, v in ipairs(list) do
    if v == x then table.remove(list, k) return end
  end
end

-- Forget node, its switches, links and the far ends of those links.
function Lab:_forget(node)
  for _, i in ipairs(node.ifaces) do
    local peer = i.peer
    if peer and peer.node ~= node then
      local pn = peer.node
      pn.ifaces[peer.ifname] = nil
      for k, pi in ipairs(pn.ifaces) do
        if pi.name == peer.ifname then table.remove(pn.ifaces, k) break end
      end
      if pn:is_root() then self:_record(self.journal:del_link(peer.ifname)) end
      if peer.sw then remove_item(peer.sw.ports, peer) end
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
  remove_item(self.order, node)
  node.removed = true
  self.addr_version = self.addr_version + 1
end

-- lab:remove(node | name): take a node (or a switch with its own
-- namespace) out of the running lab: every process inside it ends, its
-- namespace goes and with it every link to it; the journal records the
-- removal (`del netns LAB.NODE`) so teardown and `nslab nodes` agree.
function Lab:remove(x)
  local node = self:_removable(x)
  if node.remote then
    require("nslab.machine").remove(self, node)
  else
    end_processes(node)
    -- a lab over machines: the far ends of its VXLAN links too
    if self.machines then require("nslab.machine").drop_far_ends(self, node) end
    self:_delete_netns(node)
  end
  self:_forget(node)
  -- the lab's record of machines, nodes and links between them, anew
  if self.machines and self.journal then require("nslab.machine").record(self) end
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
  local ia, ib = first.node.lab.core.veth(first.node.ns, first.ifname, second.node.ns, second.ifname, {
    mtu = opts.mtu, mac_a = first.mac, mac_b = second.mac,
    master_a = first.sw and first.sw.index or nil, down = opts.down,
  })
  if not ia then raise(ib) end
  return ia, ib
end

-- A node or switch by name (or the object itself).
function Lab:get(x)
  if type(x) == "table" and (getmetatable(x) == Node or getmetatable(x) == Switch or x.remote) then
    if x.lab ~= self then raise(("%s belongs to another lab"):format(tostring(x))) end
    return x
  end
  if type(x) ~= "string" then
    raise(("expected a node or a node name, got %s"):format(type(x)))
  end
  local sw = self.switches[x]
  if sw then return sw end
  -- (foreign: on an agent, the nodes of other machines, nslab.machine)
  local n = self.nodes[x] or (self.foreign and self.foreign[x])
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
  self:_emit("keep")
  if self.machines then
    local err = require("nslab.machine").finish(self, "keep")
    if err then io.stderr:write("nslab: ", err, "\n") end
  end
  -- (an attached lab may have been taken down by another process)
  if self.journal and not self.closed and (not self.attached or self.core.journal_owner(self.name)) then
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
  local owner = self.attached and self.core.journal_owner(self.name)
  if owner and owner > 0 then
    raise(("lab \"%s\" belongs to nslab process %d; it goes down when that process ends"):format(self.name, owner))
  end
  self:_emit("down")
  self.closed = true
  -- the parts on other machines first (nslab.machine)
  local merr = self.machines and require("nslab.machine").finish(self, "down")
  for _, n in ipairs(self.order) do n:_stop_all() end
  if not self.journal or self.kept then
    self:_close_handles()
    return 0
  end
  self.journal:close()
  -- unpin first, close our sockets after: the other order made each unpin
  -- of a 1000-node lab wait for the namespace's end (~0.3 ms each, 10x)
  local n, err = self.core.journal_down(self.name)
  self:_close_handles()
  if not n then error(("lab %s: teardown: %s"):format(self.name, err), 0) end
  if merr then error(("lab %s: teardown: %s"):format(self.name, merr), 0) end
  return n
end
Lab.__close = Lab.down

-- Checks, assertions and exercises (nslab.expect): lab:check,
-- lab:eventually, lab:expect_*, lab:exercise.
require("nslab.expect").install(Lab)

-- Loaded on first use: routing daemons (nslab.frr), convergence checks
-- (nslab.converge), tunnels and other interface kinds (nslab.kinds).
util.later("nslab.frr", { Node, Lab }, { { Node, { "frr", "vtysh" } }, { Lab, { "frr_wait" } } })
util.later("nslab.converge", { Node, Lab }, {
  { Node, { "has_route", "no_route", "ospf_full", "bgp_established", "missing_routes" } },
  { Lab, { "expect_has_route", "expect_no_route", "expect_ospf_full", "expect_bgp_established" } } })
util.later("nslab.kinds", { Lab, Node }, { { Lab, { "vxlan", "wireguard" } },
  { Node, { "macvlan", "vlan", "dummy" } } })

-- BIRD 2 in nodes and the checks on its protocols (nslab.bird).
util.later("nslab.bird", { Node, Lab }, { { Node, { "bird", "birdc", "bird_configure",
  "bird_protocols", "bird_ospf_neighbors" } }, { Lab, { "expect_bird_up" } } })

return Lab
