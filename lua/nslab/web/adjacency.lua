-- nslab.web.adjacency — routing adjacencies for `nslab web`: what the
-- FRR and BIRD daemons of a lab's nodes say about their OSPF neighbours
-- and BGP sessions, through the readers nslab.converge uses (nslab.frr's
-- vtysh JSON, nslab.bird's birdc). Only nodes that run a daemon are
-- asked, known from the lab's journal (their private /etc/frr or
-- /etc/bird: no command is run to find them), and asking costs a command
-- in the node, so the server polls them in small slices (M.BUDGET of a
-- tick), each node no more often than every M.INTERVAL seconds, and a
-- protocol that answered nothing (no BGP configured, say) only every
-- M.QUIET seconds. An idle lab without daemons costs one journal read
-- every M.RESCAN seconds while a page is open.
local core = require "nslab.core"

local M = {}

M.INTERVAL, M.BUDGET, M.QUIET, M.RESCAN = 3, 0.25, 30, 10

-- The directory that marks a node as running each daemon (its config).
local MARK = { ["/etc/frr"] = "nslab.frr", ["/etc/bird"] = "nslab.bird" }

-- { {node=, module=}, ... } in node order: the nodes running FRR or BIRD.
function M.daemon_nodes(lab)
  local out, seen = {}, {}
  for _, r in ipairs(core.journal_records(lab, "private") or {}) do
    local node, kind, path = r:match("^(%S+) (%S+) (%S+)$")
    local mod = kind == "dir" and MARK[path]
    if mod and not seen[node] then
      seen[node] = true
      out[#out + 1] = { node = node, module = mod }
    end
  end
  table.sort(out, function(a, b) return a.node < b.node end)
  return out
end

-- An adjacency is up when it carries routes: OSPF Full, BGP Established.
local function is_up(proto, state)
  if proto == "ospf" then return state:match("^Full") ~= nil end
  return state == "Established"
end

local P = {}
P.__index = P

-- M.poller(lab, attached) -> poller: attached() gives the lab as nslab's
-- objects (nslab.repl.attach, the web server's cached one) or nil, msg.
function M.poller(lab, attached)
  return setmetatable({ lab = lab, attached = attached, nodes = {}, state = {}, scanned = -math.huge,
                        next = 1, owner = {} }, P)
end

-- Which node holds each address (router ids are usually a loopback's).
function P:set_topology(data)
  self.owner = {}
  for _, n in ipairs(data.nodes) do
    for _, i in ipairs(n.interfaces) do
      for _, a in ipairs(i.addresses or {}) do self.owner[(tostring(a):gsub("/%d+$", ""))] = n.name end
    end
  end
end

function P:rescan(now, force)
  if not force and now - self.scanned < M.RESCAN then return end
  self.scanned = now
  local list = M.daemon_nodes(self.lab)
  local keep = {}
  for _, d in ipairs(list) do
    keep[d.node] = true
    self.state[d.node] = self.state[d.node] or { module = d.module, due = 0, quiet = {}, empty = {}, adj = {} }
  end
  for name in pairs(self.state) do
    if not keep[name] then self.state[name] = nil end
  end
  self.nodes = list
end

-- Ask one node's daemon; its adjacencies replace what it said before. A
-- protocol that fails (not configured, the daemon gone) or has answered
-- nothing five times running is asked again only after M.QUIET seconds,
-- unless all (an explicit GET) says to ask anyway.
function P:read(name, now, all)
  local s = self.state[name]
  s.due = now + M.INTERVAL
  local lab = self.attached()
  local node = lab and lab.nodes[name]
  if not node then
    s.adj = {}
    return
  end
  local reader = require(s.module).reader
  local adj = {}
  for _, proto in ipairs { "ospf", "bgp" } do
    if reader[proto] and (all or (s.quiet[proto] or 0) <= now) then
      local ok, list = pcall(reader[proto], node)
      if not ok or type(list) ~= "table" then list = nil end
      s.empty[proto] = (list and #list > 0) and 0 or (s.empty[proto] or 0) + 1
      s.quiet[proto] = (not list or s.empty[proto] >= 5) and now + M.QUIET or nil
      if list then
        for _, e in ipairs(list) do
          local peer = tostring(proto == "ospf" and e.id or e.peer)
          local state = tostring(e.state)
          adj[#adj + 1] = { node = name, proto = proto, peer = peer,
                            peer_node = self.owner[peer] or self.owner[tostring(e.address)],
                            iface = e.iface, state = state, up = is_up(proto, state) }
        end
      end
    end
  end
  s.adj = adj
end

-- Every adjacency known now, in a stable order (node, protocol, peer).
function P:list()
  local out = {}
  for _, d in ipairs(self.nodes) do
    for _, a in ipairs(self.state[d.node] and self.state[d.node].adj or {}) do out[#out + 1] = a end
  end
  return out
end

local function signature(list)
  local parts = {}
  for k, a in ipairs(list) do
    parts[k] = ("%s|%s|%s|%s|%s"):format(a.node, a.proto, a.peer, a.state, tostring(a.iface))
  end
  return table.concat(parts, "\n")
end

-- One slice of polling (the server's tick): nodes whose turn came, for
-- at most M.BUDGET seconds, or all of them when all is true (a GET of
-- /api/adjacencies). Returns the list when it changed since the last
-- call that returned one, else nil.
function P:tick(all)
  local now = core.clock()
  self:rescan(now, all)
  local t0, n = now, #self.nodes
  for _ = 1, n do
    if self.next > n then self.next = 1 end
    local d = self.nodes[self.next]
    self.next = self.next + 1
    if all or self.state[d.node].due <= now then
      self:read(d.node, now, all)
      if not all and core.clock() - t0 > M.BUDGET then break end
    end
  end
  local list = self:list()
  local sig = signature(list)
  if sig == self.sig then return nil end
  self.sig = sig
  return list
end

return M
