-- nslab.repl.kernel — the kernel's view of a node, read through nslab.live
-- (the rules `nslab inspect` keeps), and the REPL verbs that show it:
-- nodes, links, net, dump, route, nft, pids, identify. Registered by
-- nslab.repl.verbs with its verb() registrar.
local core = require "nslab.core"
local live = require "nslab.live"
local procs = require "nslab.live.procs"
local display = require "nslab.repl.display"

local out, table_out = display.out, display.table_out

local M = {}

---- the kernel's view of a node ---------------------------------------------

-- A node as the kernel holds it now (nslab.live.namespace: its rules);
-- in the root namespace only what the lab made.
local function kernel_view(node, routes)
  local only
  if node:is_root() then
    only = {}
    for _, i in ipairs(node.ifaces) do only[i.name] = true end
  end
  return live.namespace(node.ns, { only = only, routes = routes or false, root = node:is_root() })
end

-- Interfaces of a node, each with .addrs.
local function kernel_ifaces(node)
  local v, e = kernel_view(node)
  if not v then return nil, e end
  return v.links
end

-- A route the way `ip route` prints it.
local function route_text(r, names)
  local p = { r.dst }
  if r.type ~= "unicast" then table.insert(p, 1, r.type) end
  if r.via then p[#p + 1] = "via " .. r.via end
  if r.oif then p[#p + 1] = "dev " .. (names[r.oif] or r.oif) end
  if r.table ~= 254 then p[#p + 1] = "table " .. r.table end
  if r.proto and r.proto ~= "boot" then p[#p + 1] = "proto " .. r.proto end
  if r.scope ~= "global" then p[#p + 1] = "scope " .. r.scope end
  if r.src then p[#p + 1] = "src " .. r.src end
  if r.metric then p[#p + 1] = "metric " .. r.metric end
  return table.concat(p, " ")
end

-- The routes of a node by nslab.live's rule (every table but local),
-- IPv4 first, without the IPv6 link-local route every interface carries.
local function node_routes(node)
  local v, e = kernel_view(node, true)
  if not v then return nil, e end
  local lines = {}
  for _, r in ipairs(v.routes) do
    if not live.link_local_route(r) then lines[#lines + 1] = route_text(r, v.names) end
  end
  return lines
end

---- the verbs -------------------------------------------------------------------

-- Collected here in help's order, in two groups that nslab.repl.verbs
-- registers around pingall and enter: M.looking and M.processes.
M.looking, M.processes = {}, {}
local group = M.looking
local function verb(...) group[#group + 1] = table.pack(...) end

-- register(list, verb): hand each of list's verbs to the registrar.
function M.register(list, reg)
  for _, v in ipairs(list) do reg(table.unpack(v, 1, v.n)) end
end

local function end_text(e)
  return (e.sw and e.sw.name or e.node.name) .. ":" .. e.ifname
end

verb("nodes", "", "every node: its kind, namespace and addresses", [[
One line per node: name, kind (host, router, switch, root for the machine's
own namespace), its namespace (ip netns exec NAMESPACE ...), and the
addresses the kernel has on its interfaces (link-local ones left out).]],
function(self)
  local c = self.c
  local rows = { { c.dim "NODE", c.dim "KIND", c.dim "NAMESPACE", c.dim "ADDRESSES" } }
  for _, n in ipairs(self.lab.order) do
    local addrs = {}
    for _, l in ipairs(kernel_ifaces(n) or {}) do
      if l.name ~= "lo" then
        for _, a in ipairs(l.addrs) do
          if a.scope ~= "link" then addrs[#addrs + 1] = a.cidr end
        end
      end
    end
    rows[#rows + 1] = { c.bold(n.name), n.kind, n.netns or "(host)", table.concat(addrs, " ") }
  end
  table_out(rows)
end)

verb("links", "", "every link: its two ends and their state", [[
One line per veth link: NODE:IFNAME at each end (a switch end names the
switch and its port) and whether both ends are up as the kernel says.]],
function(self)
  local c = self.c
  local rows = {}
  for _, l in ipairs(self.lab.links) do
    local state = {}
    for _, e in ipairs { l.a, l.b } do
      local up = false
      for _, k in ipairs(e.node.ns:links() or {}) do
        if k.name == e.ifname then up = k.up end
      end
      state[#state + 1] = up
    end
    local s = (state[1] and state[2]) and c.green "up" or c.red "down"
    rows[#rows + 1] = { end_text(l.a), "<->", end_text(l.b), s }
  end
  if #rows == 0 then out("no links\n") return end
  table_out(rows)
end)

verb("net", "", "each node with its interfaces and what they lead to", [[
Like Mininet's `net`: one line per node listing IFNAME:PEER-NODE:PEER-IFNAME
for each of its links (a switch port shows the switch).]],
function(self)
  local c = self.c
  for _, n in ipairs(self.lab.order) do
    local parts = {}
    for _, i in ipairs(n.ifaces) do
      if i.peer then
        parts[#parts + 1] = ("%s:%s"):format(i.name, end_text(i.peer))
      elseif i.bridge then
        parts[#parts + 1] = i.name .. ":" .. c.dim("bridge " .. i.bridge.name)
      else
        parts[#parts + 1] = i.name
      end
    end
    out(c.bold(n.name), " ", table.concat(parts, " "), "\n")
  end
end)

local function dump_node(self, n)
  local c = self.c
  out(c.head(n.name), " ", c.dim(("(%s%s)"):format(n.kind, n.netns and (", netns " .. n.netns) or "")), "\n")
  local v = kernel_view(n, true)
  local links, names = v and v.links, v and v.names
  if not links then
    out("  ", c.red "cannot list interfaces", "\n")
    return
  end
  local rows = {}
  for _, l in ipairs(links) do
    local addrs = {}
    for _, a in ipairs(l.addrs) do addrs[#addrs + 1] = a.cidr end
    local extra = {}
    if l.kind then extra[#extra + 1] = l.kind end
    if l.master then extra[#extra + 1] = "master " .. (names[l.master] or l.master) end
    extra[#extra + 1] = "mtu " .. l.mtu
    local st = l.up and (l.state == "down" and c.yellow "NO-CARRIER" or c.green(l.state:upper()))
      or c.red "DOWN"
    rows[#rows + 1] = { l.name, st, table.concat(addrs, " "), c.dim(table.concat(extra, " ")) }
  end
  table_out(rows, "  ")
  local routes = {}
  for _, r in ipairs(v.routes) do
    if not live.link_local_route(r) then routes[#routes + 1] = route_text(r, names) end
  end
  for k, r in ipairs(routes) do
    out("  ", k == 1 and c.dim "route " or "      ", r, "\n")
  end
end

verb("dump", "[NODE...]", "interfaces, addresses and routes of every node", [[
For each node (or the ones named): every interface with its state,
addresses, kind and MTU, then its routes as `ip route` shows them. All of
it read from the kernel, so changes made by hand show up too.]],
function(self, a)
  if #a == 0 then
    for _, n in ipairs(self.lab.order) do dump_node(self, n) end
  else
    for _, name in ipairs(a) do dump_node(self, self:node(name, "dump")) end
  end
end)

verb("route", "NODE...", "the routing table of a node", [[
The node's main routing table, IPv4 then IPv6, in `ip route` form
(IPv6 link-local routes left out).]],
function(self, a)
  if #a == 0 then self:node(nil, "route") end
  for _, name in ipairs(a) do
    local n = self:node(name, "route")
    if #a > 1 then out(self.c.head(n.name), "\n") end
    local lines, e = node_routes(n)
    if not lines then error("route: " .. e, 0) end
    if #lines == 0 then out("(no routes)\n") end
    for _, r in ipairs(lines) do out(r, "\n") end
  end
end)

verb("nft", "NODE", "the nftables ruleset of a node", [[
The whole ruleset of the node's namespace, as `nft list ruleset` prints
it (NAT and filter rules made by masquerade, dnat, forward, nft_rule, or
by hand). On the host, only the lab's own table.]],
function(self, a)
  local n = self:node(a[1], "nft")
  local text = n:ruleset()
  out(text ~= "" and text or "(no rules)\n")
  if text ~= "" and text:sub(-1) ~= "\n" then out("\n") end
end)

group = M.processes

verb("pids", "NODE", "the processes running inside a node", [[
Every process whose network namespace is the node's (what
`ip netns pids` answers), with its command line.]],
function(self, a)
  local n = self:node(a[1], "pids")
  if n:is_root() then error("pids: \"host\" is the machine's own namespace: every process is there", 0) end
  local pids, e = procs.pids(self.lab.name, n.name)
  if not pids then error("pids: " .. e, 0) end
  if #pids == 0 then out("(no processes)\n") return end
  local rows = {}
  for _, pid in ipairs(pids) do
    local f = io.open("/proc/" .. pid .. "/cmdline")
    local cmd = f and f:read("a") or ""
    if f then f:close() end
    rows[#rows + 1] = { tostring(pid), (cmd:gsub("%z$", ""):gsub("%z", " ")) }
  end
  table_out(rows)
end)

verb("identify", "PID", "which node a process is in", [[
The node whose network namespace holds process PID (what
`ip netns identify` answers), or that it is in none of this lab's.]],
function(self, a)
  local pid = tonumber(a[1] or "")
  if not pid then error("identify: give a process id, like `identify 1234`", 0) end
  local id, e = core.nsid_of_pid(pid)
  if not id then error("identify: " .. e, 0) end
  for _, n in ipairs(self.lab.order) do
    local nid = n:is_root() and core.nsid("/proc/self/ns/net") or core.nsid(core.netns_dir .. "/" .. n.netns)
    if nid == id then
      out(("%d is in node %s%s\n"):format(pid, self.c.bold(n.name), n.netns and (" (" .. n.netns .. ")") or ""))
      return
    end
  end
  out(("%d is in none of lab %s's nodes\n"):format(pid, self.lab.name))
end)

return M
