-- nslab.converge — waiting for routing protocols without fixed sleeps:
-- checks that poll until they hold or a timeout passes, and then say what
-- is still missing. A route is read from the kernel (netlink, the node's
-- routing tables); neighbours and sessions from the daemon the node runs,
-- through the reader of its module (M.daemon_modules: nslab.frr asks
-- vtysh for JSON, nslab.bird birdc).
--
-- Plain functions (ok, found, expected; they never raise on a failed
-- expectation): M.has_route, M.no_route, M.ospf_full, M.bgp_established.
-- Recorded as checks (nslab test, TAP, JUnit): node:has_route(...),
-- node:no_route, node:ospf_full, node:bgp_established, and the same as
-- lab:expect_has_route(node, ...), lab:expect_no_route,
-- lab:expect_ospf_full, lab:expect_bgp_established.
local core = require "nslab.core"
local util = require "nslab.util"
local expect = require "nslab.expect"

local raise = util.raise

local M = {}

-- The daemon modules that can report neighbours and sessions: each has
-- M.reader = { runs = fn(node) -> bool, ospf = fn(node) -> list | nil,
-- err, bgp = fn(node) -> list | nil, err }; ospf lists { id=, address=,
-- state=, iface= } (state "Full/DR", ...), bgp lists { peer=, state= }.
-- Loaded on the first check that needs one (also in a lab the REPL or
-- `nslab check` attached, where no daemon was started by this process).
M.daemon_modules = { "nslab.frr", "nslab.bird" }

local function reader_of(node, what)
  for _, name in ipairs(M.daemon_modules) do
    local r = require(name).reader
    if r and r.runs(node) then
      if not r[what] then return nil, ("%s in node \"%s\" cannot report %s"):format(name, node.name, what) end
      return r
    end
  end
  return nil, ("node \"%s\" runs no routing daemon (start one with node:frr{config=...} or "
    .. "node:bird{config=...})"):format(node.name)
end

local function check_timeout(t, default)
  if t == nil then return default end
  if type(t) ~= "number" or t <= 0 then raise("timeout must be a positive number of seconds") end
  return t
end

local function elapsed(t0, clock) return ("%.1f s"):format(clock() - t0) end

-- Poll fn (-> ok, found) until ok or timeout; returns ok, found (the last).
local function poll(node, timeout, fn)
  local k = node.lab.core
  local t0 = k.clock()
  local found
  local ok = util.eventually(function()
    local good
    good, found = fn()
    return good
  end, { timeout = timeout, interval = 0.05 }, k)
  if ok then return true, ("%s (after %s)"):format(found, elapsed(t0, k.clock)) end
  return false, ("%s (still, after %s)"):format(found, elapsed(t0, k.clock))
end

---- routes (netlink) -----------------------------------------------------------

local ROUTE_OPTS = util.set { "via", "dev", "timeout", "desc", "table" }

-- The gateway address a via= option names (node, node name or address).
local function via_addr(node, via)
  if via == nil then return nil end
  if type(via) == "table" or (type(via) == "string" and not core.cidr(via)) then
    local vn = type(via) == "table" and via or node.lab:get(via)
    if vn.is_switch then vn = vn.node end
    local a = vn:ip_towards(node)
    if not a then raise(("route check: node \"%s\" shares no network with \"%s\""):format(vn.name, node.name)) end
    return a, ("%s (%s)"):format(vn.name, a)
  end
  local c = util.check_cidr(via, false, "via")
  return c.addr, c.addr
end

local function route_target(prefix)
  if prefix == "default" then return { network = "default" } end
  if type(prefix) ~= "string" then raise(("route check: prefix must be a string like \"10.0.0.5/32\", got %s")
    :format(type(prefix))) end
  local c = util.check_cidr(prefix, false, "prefix")
  if not c.prefix then c = core.cidr(prefix .. (c.family == 6 and "/128" or "/32")) end
  return c
end

-- Routes of node to want (a parsed cidr), each { via, dev } per next hop.
local function routes_to(node, want, tbl)
  local routes, err = node.ns:routes()
  if not routes then return nil, err end
  local links = node.ns:links() or {}
  local names = {}
  for _, l in ipairs(links) do names[l.index] = l.name end
  local out = {}
  for _, r in ipairs(routes) do
    local match
    if want.network == "default" then match = r.dst == "default"
    else
      local c = r.dst ~= "default" and core.cidr(r.dst:find("/") and r.dst or (r.dst .. (r.family == 6 and "/128" or "/32")))
      match = c and c.network == want.network and c.prefix == want.prefix
    end
    if match and r.table == (tbl or 254) and (r.type == "unicast" or r.type == nil) then
      local hops = r.nexthops or { { via = r.via, oif = r.oif } }
      for _, h in ipairs(hops) do
        out[#out + 1] = { via = h.via, dev = h.oif and names[h.oif] or nil, proto = r.proto }
      end
    end
  end
  return out
end

-- M.routes_to(node, prefix [, table]) -> the next hops ({via=, dev=,
-- proto=}) of node's routes to exactly prefix, read once; nil, err.
function M.routes_to(node, prefix, tbl)
  return routes_to(node, route_target(prefix), tbl)
end

-- M.missing_routes(node, prefixes [, table]) -> the prefixes of the
-- list node has no route to (one netlink read for all); nil, err.
function M.missing_routes(node, prefixes, tbl)
  -- a node on another machine reads its routes there (nslab.machine)
  if node.remote then return node:missing_routes(prefixes, tbl) end
  local routes, err = node.ns:routes()
  if not routes then return nil, err end
  local have = {}
  for _, r in ipairs(routes) do
    if r.table == (tbl or 254) and (r.type == "unicast" or r.type == nil) then
      local c = r.dst ~= "default" and core.cidr(r.dst:find("/") and r.dst or (r.dst .. (r.family == 6 and "/128" or "/32")))
      have[c and (c.network .. "/" .. c.prefix) or "default"] = true
    end
  end
  local out = {}
  for _, p in ipairs(prefixes) do
    local w = route_target(p)
    if not have[w.network == "default" and "default" or (w.network .. "/" .. w.prefix)] then out[#out + 1] = p end
  end
  return out
end

local function show_hops(hops)
  local t = {}
  for _, h in ipairs(hops) do
    t[#t + 1] = (h.via and ("via " .. h.via) or "directly") .. (h.dev and (" dev " .. h.dev) or "")
  end
  return table.concat(t, ", ")
end

-- M.has_route(node, prefix [, {via=, dev=, timeout=5, table=254}]) ->
-- ok, found, expected: node's kernel holds a route to exactly prefix
-- (through via and/or dev, when given; any next hop of a multipath route).
function M.has_route(node, prefix, opts)
  opts = util.check_opts(opts, ROUTE_OPTS, "has_route")
  local want = route_target(prefix)
  local via, via_label = via_addr(node, opts.via)
  if opts.dev ~= nil then util.check_ifname(opts.dev) end
  local timeout = check_timeout(opts.timeout, 5)
  local expected = ("%s has a route to %s%s%s"):format(node.name, prefix,
    via and (" via " .. via_label) or "", opts.dev and (" dev " .. opts.dev) or "")
  local ok, found = poll(node, timeout, function()
    local hops, err = routes_to(node, want, opts.table)
    if not hops then return false, "cannot read routes: " .. tostring(err) end
    if #hops == 0 then return false, "no route to " .. prefix end
    for _, h in ipairs(hops) do
      if (not via or h.via == via) and (not opts.dev or h.dev == opts.dev) then
        return true, "route " .. show_hops({ h })
      end
    end
    return false, "route " .. show_hops(hops)
  end)
  return ok, found, expected
end

-- M.no_route(node, prefix [, {timeout=5, table=254}]) -> ok, found,
-- expected: the route to prefix is gone (withdrawn) within the timeout.
function M.no_route(node, prefix, opts)
  opts = util.check_opts(opts, util.set { "timeout", "desc", "table" }, "no_route")
  local want = route_target(prefix)
  local timeout = check_timeout(opts.timeout, 5)
  local expected = ("%s has no route to %s"):format(node.name, prefix)
  local ok, found = poll(node, timeout, function()
    local hops, err = routes_to(node, want, opts.table)
    if not hops then return false, "cannot read routes: " .. tostring(err) end
    if #hops == 0 then return true, "no route to " .. prefix end
    return false, "route " .. show_hops(hops)
  end)
  return ok, found, expected
end

---- neighbours and sessions (the daemon's own view) ---------------------------

-- Addresses that stand for a neighbour given as a node (all of its
-- addresses: router ids are usually one of them) or as an address.
local function idents(node, who, what)
  if type(who) == "table" or (type(who) == "string" and not core.cidr(who)) then
    local n = type(who) == "table" and who or node.lab:get(who)
    if n.is_switch then raise(("%s: %s is a switch, not a router"):format(what, n.name)) end
    local set, label = {}, n.name
    for _, a in ipairs(n:addrs()) do set[a.addr] = true end
    return set, label
  end
  if type(who) ~= "string" then
    raise(("%s: the neighbour must be a node, a node name or an address, got %s"):format(what, type(who)))
  end
  local c = util.check_cidr(who, false, what)
  return { [c.addr] = true }, c.addr
end

local OSPF_OPTS = util.set { "timeout", "desc" }

-- M.ospf_full(node [, neighbour] [, {timeout=10}]) -> ok, found,
-- expected: node's OSPF has the neighbour (a node, its name, its router
-- id or its address on the link) in state Full; without a neighbour,
-- node has at least one neighbour and every one is Full.
function M.ospf_full(node, who, opts)
  if type(who) == "table" and not who.is_node and not who.is_switch then who, opts = nil, who end
  opts = util.check_opts(opts, OSPF_OPTS, "ospf_full")
  local set, label
  if who ~= nil then set, label = idents(node, who, "ospf_full") end
  local timeout = check_timeout(opts.timeout, 10)
  local expected = label and ("%s has OSPF neighbour %s Full"):format(node.name, label)
    or ("%s has every OSPF neighbour Full"):format(node.name)
  local r, rerr = reader_of(node, "ospf")
  if not r then return false, rerr, expected end
  local ok, found = poll(node, timeout, function()
    local list, err = r.ospf(node)
    if not list then return false, err end
    local seen = {}
    local full, other = 0, 0
    for _, n in ipairs(list) do
      local mine = not set or set[n.id] or set[n.address]
      if mine then
        seen[#seen + 1] = ("%s %s"):format(n.id, n.state)
        if n.state:match("^Full") then full = full + 1 else other = other + 1 end
      end
    end
    if #seen == 0 then
      return false, set and ("no such neighbour (neighbours: %s)"):format(#list > 0 and
        table.concat((function() local t = {} for _, n in ipairs(list) do t[#t + 1] = n.id .. " " .. n.state end return t end)(), ", ")
        or "none") or "no OSPF neighbours"
    end
    return full > 0 and other == 0, table.concat(seen, ", ")
  end)
  return ok, found, expected
end

-- M.bgp_established(node, peer [, {timeout=10}]) -> ok, found, expected:
-- node's BGP session with peer (an address, or a node: any of its
-- addresses that node peers with) is Established.
function M.bgp_established(node, who, opts)
  opts = util.check_opts(opts, OSPF_OPTS, "bgp_established")
  if who == nil then raise("bgp_established: which peer? (an address, a node or a node name)") end
  local set, label = idents(node, who, "bgp_established")
  local timeout = check_timeout(opts.timeout, 10)
  local expected = ("%s has its BGP session with %s Established"):format(node.name, label)
  local r, rerr = reader_of(node, "bgp")
  if not r then return false, rerr, expected end
  local ok, found = poll(node, timeout, function()
    local list, err = r.bgp(node)
    if not list then return false, err end
    local names = {}
    for _, p in ipairs(list) do
      if set[p.peer] then return p.state == "Established", ("%s %s"):format(p.peer, p.state) end
      names[#names + 1] = p.peer .. " " .. p.state
    end
    return false, ("no such peer (peers: %s)"):format(#names > 0 and table.concat(names, ", ") or "none")
  end)
  return ok, found, expected
end

---- as checks -------------------------------------------------------------------

local CHECKS = { "has_route", "no_route", "ospf_full", "bgp_established" }

function M.install(Node, Lab)
  -- node:missing_routes(prefixes [, table]) -> those it has no route to
  function Node:missing_routes(prefixes, tbl) return M.missing_routes(self, prefixes, tbl) end
  for _, name in ipairs(CHECKS) do
    local fn = M[name]
    -- node:has_route(...) records a check on the node's lab, returns ok
    Node[name] = function(self, ...)
      local args = table.pack(...)
      local opts = args[args.n]
      local desc = type(opts) == "table" and not opts.is_node and not opts.is_switch and opts.desc or nil
      local ok, found, expected = fn(self, ...)
      return expect.record(self.lab, { desc = desc or expected, ok = ok, found = found, expected = expected })
    end
    -- lab:expect_has_route(node, ...) the same
    Lab["expect_" .. name] = function(self, node, ...)
      local n = type(node) == "string" and self:get(node) or node
      if type(n) ~= "table" or not n.is_node then
        raise(("expect_%s: the first argument must be a node or a node name"):format(name))
      end
      return Node[name](n, ...)
    end
  end
end

return M
