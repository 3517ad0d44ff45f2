-- nslab.topo — topology generators: linear, star, tree, ring and
-- leaf-spine (Clos) labs with every address and route filled in, so that
--
--   local t = require("nslab.topo").tree{ depth = 3, fanout = 2 }
--
-- in a lab file is a working routed lab (every host reaches every other)
-- and t:check() proves it with packets. Each generator is also a lab
-- module in the shape users can write their own: a function taking the
-- lab and options, adding to the lab, returning what it made.
--
-- Addressing: link k (in creation order) gets the k-th /30 of base
-- (default 10.0.0.0/16): .1 on its first end, .2 on its second; with
-- ipv6=true also fd00:<base6 block>:<k>::1/64 and ::2. Routing: a host
-- (one link) gets a default route; a router gets a route to every link
-- it is not on, via the first hop of a shortest path (fewest hops, ties
-- broken by link order; no ECMP).
local core = require "nslab.core"
local util = require "nslab.util"

local raise = util.raise

local M = {}

local Topo = {}
Topo.__index = Topo
Topo.__name = "nslab.topo"

---- options and the lab ----------------------------------------------------------

local COMMON = { "lab", "name", "prefix", "base", "ipv6", "base6" }

local function opts_for(what, opts, extra)
  local known = util.set(COMMON)
  for _, k in ipairs(extra) do known[k] = true end
  return util.check_opts(opts, known, "topo." .. what)
end

local function is_lab(x)
  local mt = type(x) == "table" and getmetatable(x)
  return mt and mt.__name == "nslab.lab" or false
end

-- The lab a lab file has pre-bound as `lab`, found through the calling
-- chunk's environment (so `topo.tree{...}` in a lab file builds into it).
local function caller_lab()
  for level = 3, 8 do
    local info = debug.getinfo(level, "f")
    if not info then break end
    for i = 1, 255 do
      local name, val = debug.getupvalue(info.func, i)
      if not name then break end
      if name == "_ENV" and type(val) == "table" then
        local l = rawget(val, "lab")
        if is_lab(l) then return l end
      end
    end
  end
  return nil
end

-- topo.X(lab, opts) or topo.X{lab=, ...} or topo.X{...} (the calling lab
-- file's `lab`, else a new lab named opts.name or X).
local function lab_and_opts(what, a, b, extra)
  local lab, opts
  if is_lab(a) then
    lab, opts = a, b or {}
  else
    opts = a or {}
  end
  opts = opts_for(what, opts, extra)
  if opts.lab ~= nil then
    if lab then raise(("topo.%s: give the lab once (first argument or lab=)"):format(what)) end
    if not is_lab(opts.lab) then raise(("topo.%s: lab= must be a lab"):format(what)) end
    lab = opts.lab
  end
  lab = lab or caller_lab()
  if not lab then
    lab = require("nslab").lab(opts.name or what)
  end
  return lab, opts
end

local function count(opts, key, default, lo, hi)
  local v = opts[key]
  if v == nil then v = default end
  util.check_int(v, lo, hi, key)
  return v
end

---- addressing --------------------------------------------------------------------

local function v4_to_int(a)
  local x1, x2, x3, x4 = a:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  return ((tonumber(x1) * 256 + tonumber(x2)) * 256 + tonumber(x3)) * 256 + tonumber(x4)
end

local function int_to_v4(n)
  return ("%d.%d.%d.%d"):format(n >> 24 & 255, n >> 16 & 255, n >> 8 & 255, n & 255)
end

local function addressing(opts)
  local base = opts.base or "10.0.0.0/16"
  local c = util.check_cidr(base, true, "topo base")
  if c.family ~= 4 then raise(("topo base \"%s\" must be an IPv4 prefix (IPv6 comes from base6=)"):format(base)) end
  if c.prefix > 30 then raise(("topo base \"%s\" is too small: it needs room for /30 links"):format(base)) end
  local start = v4_to_int(c.network:match("^[^/]+"))
  local room = 1 << (30 - c.prefix)
  local b6 = opts.base6 or "fd00:a"
  if type(b6) ~= "string" or not b6:match("^%x+:%x+$") then
    raise(("topo base6 \"%s\" must be two groups like \"fd00:a\" (links get fd00:a:0:K::/64)"):format(tostring(b6)))
  end
  return function(k)
    if k > room then
      raise(("topo: base %s has room for %d links; this topology needs more (give a larger base=)"):format(base, room))
    end
    local net = start + (k - 1) * 4
    local a, b = int_to_v4(net + 1) .. "/30", int_to_v4(net + 2) .. "/30"
    if opts.ipv6 then
      return { a, ("%s:0:%x::1/64"):format(b6, k) }, { b, ("%s:0:%x::2/64"):format(b6, k) }
    end
    return a, b
  end
end

---- building ----------------------------------------------------------------------

-- A topology under construction: a list of nodes (name, kind) and edges.
local function new_spec(kind, lab, opts)
  return { kind = kind, lab = lab, opts = opts, nodes = {}, edges = {}, byname = {} }
end

local function add(spec, name, kind)
  local n = { name = (spec.opts.prefix or "") .. name, kind = kind, edges = {} }
  spec.nodes[#spec.nodes + 1] = n
  spec.byname[n.name] = n
  return n
end

local function connect(spec, a, b)
  local e = { a = a, b = b, k = #spec.edges + 1 }
  spec.edges[#spec.edges + 1] = e
  a.edges[#a.edges + 1] = e
  b.edges[#b.edges + 1] = e
  return e
end

local function other(e, n) return e.a == n and e.b or e.a end

-- Shortest-path first hops from n: node -> edge of n to take.
local function first_hops(n)
  local hop, dist, queue, head = { [n] = false }, { [n] = 0 }, { n }, 1
  while queue[head] do
    local u = queue[head]
    head = head + 1
    for _, e in ipairs(u.edges) do
      local v = other(e, u)
      if dist[v] == nil then
        dist[v] = dist[u] + 1
        hop[v] = u == n and e or hop[u]
        queue[#queue + 1] = v
      end
    end
  end
  return hop, dist
end

-- Make the spec real in its lab: nodes, links with addresses, routes.
local function realize(spec)
  local lab, opts = spec.lab, spec.opts
  lab:_emit("plan", #spec.nodes, #spec.edges)
  local addr = addressing(opts)
  local t = setmetatable({ lab = lab, kind = spec.kind, nodes = {}, hosts = {}, routers = {},
                           links = {}, ipv6 = opts.ipv6 and true or false }, Topo)
  for _, n in ipairs(spec.nodes) do
    n.obj = n.kind == "router" and lab:router(n.name) or lab:host(n.name)
    t.nodes[#t.nodes + 1] = n.obj
    t[n.kind == "router" and "routers" or "hosts"][#t[n.kind == "router" and "routers" or "hosts"] + 1] = n.obj
  end
  for _, e in ipairs(spec.edges) do
    local aa, ba = addr(e.k)
    e.addr_a, e.addr_b = aa, ba
    e.link = lab:link(e.a.obj, e.b.obj, { aa, ba })
    t.links[#t.links + 1] = e.link
  end
  local function gw_of(e, n, family)
    local a = e.a == n and e.addr_b or e.addr_a -- the far end's address
    if type(a) == "table" then a = a[family == 6 and 2 or 1] end
    return a:match("^[^/]+")
  end
  local function net_of(e, family)
    local a = e.addr_a
    if type(a) == "table" then a = a[family == 6 and 2 or 1] end
    return core.cidr(a).network
  end
  local families = opts.ipv6 and { 4, 6 } or { 4 }
  for _, n in ipairs(spec.nodes) do
    if #n.edges == 1 and n.kind ~= "router" then
      for _, f in ipairs(families) do
        n.obj:route("default", gw_of(n.edges[1], n, f), f == 6 and { family = 6 } or nil)
      end
    elseif #n.edges > 0 then
      local hop, dist = first_hops(n)
      local mine = {}
      for _, e in ipairs(n.edges) do mine[e] = true end
      for _, e in ipairs(spec.edges) do
        if not mine[e] then
          -- towards the nearer end of that link
          local ha, hb = hop[e.a], hop[e.b]
          local via = ha or hb
          if ha and hb then via = (dist[e.a] <= dist[e.b]) and ha or hb end
          if via then
            for _, f in ipairs(families) do
              n.obj:route(net_of(e, f), gw_of(via, n, f))
            end
          end
        end
      end
    end
  end
  return t
end

---- generators -------------------------------------------------------------------

-- topo.linear{n=3, hosts=1}: routers r1 - r2 - ... - rN in a chain, each
-- with `hosts` hosts (h1, h2, ... in order).
function M.linear(a, b)
  local lab, opts = lab_and_opts("linear", a, b, { "n", "hosts" })
  local n = count(opts, "n", 2, 1, 250)
  local hosts = count(opts, "hosts", 1, 0, 64)
  local spec = new_spec("linear", lab, opts)
  local routers, h = {}, 0
  for i = 1, n do
    routers[i] = add(spec, "r" .. i, "router")
    if i > 1 then connect(spec, routers[i - 1], routers[i]) end
  end
  for i = 1, n do
    for _ = 1, hosts do
      h = h + 1
      connect(spec, add(spec, "h" .. h, "host"), routers[i])
    end
  end
  return realize(spec)
end

-- topo.star{n=4}: hosts h1..hN around one router "hub".
function M.star(a, b)
  local lab, opts = lab_and_opts("star", a, b, { "n" })
  local n = count(opts, "n", 4, 1, 250)
  local spec = new_spec("star", lab, opts)
  local hub = add(spec, "hub", "router")
  for i = 1, n do connect(spec, add(spec, "h" .. i, "host"), hub) end
  return realize(spec)
end

-- topo.tree{depth=2, fanout=2}: `depth` levels of routers (r1 the root,
-- numbered breadth first), fanout children each; fanout^depth hosts at
-- the bottom (Mininet's TreeTopo, routed).
function M.tree(a, b)
  local lab, opts = lab_and_opts("tree", a, b, { "depth", "fanout" })
  local depth = count(opts, "depth", 2, 1, 8)
  local fanout = count(opts, "fanout", 2, 1, 16)
  if fanout ^ depth > 256 then
    raise(("topo.tree: depth %d, fanout %d makes %d hosts; keep it at most 256"):format(depth, fanout,
      math.floor(fanout ^ depth)))
  end
  local spec = new_spec("tree", lab, opts)
  local level, r = { add(spec, "r1", "router") }, 1
  for _ = 2, depth do
    local nxt = {}
    for _, parent in ipairs(level) do
      for _ = 1, fanout do
        r = r + 1
        local c = add(spec, "r" .. r, "router")
        connect(spec, parent, c)
        nxt[#nxt + 1] = c
      end
    end
    level = nxt
  end
  local h = 0
  for _, parent in ipairs(level) do
    for _ = 1, fanout do
      h = h + 1
      connect(spec, add(spec, "h" .. h, "host"), parent)
    end
  end
  return realize(spec)
end

-- topo.ring{n=4, hosts=1}: routers r1..rN in a ring, each with `hosts`
-- hosts; traffic takes the shorter way round.
function M.ring(a, b)
  local lab, opts = lab_and_opts("ring", a, b, { "n", "hosts" })
  local n = count(opts, "n", 4, 3, 250)
  local hosts = count(opts, "hosts", 1, 0, 64)
  local spec = new_spec("ring", lab, opts)
  local routers, h = {}, 0
  for i = 1, n do routers[i] = add(spec, "r" .. i, "router") end
  for i = 1, n do connect(spec, routers[i], routers[i % n + 1]) end
  for i = 1, n do
    for _ = 1, hosts do
      h = h + 1
      connect(spec, add(spec, "h" .. h, "host"), routers[i])
    end
  end
  return realize(spec)
end

-- topo.leafspine{spines=2, leaves=4, hosts=1} (alias topo.clos): every
-- leaf linked to every spine, `hosts` hosts per leaf; leaf-to-leaf
-- traffic crosses one spine.
function M.leafspine(a, b)
  local lab, opts = lab_and_opts("leafspine", a, b, { "spines", "leaves", "hosts" })
  local ns = count(opts, "spines", 2, 1, 64)
  local nl = count(opts, "leaves", 4, 1, 128)
  local hosts = count(opts, "hosts", 1, 0, 64)
  local spec = new_spec("leafspine", lab, opts)
  local spines, leaves, h = {}, {}, 0
  for i = 1, ns do spines[i] = add(spec, "spine" .. i, "router") end
  for i = 1, nl do
    leaves[i] = add(spec, "leaf" .. i, "router")
    for j = 1, ns do connect(spec, leaves[i], spines[j]) end
  end
  for i = 1, nl do
    for _ = 1, hosts do
      h = h + 1
      connect(spec, add(spec, "h" .. h, "host"), leaves[i])
    end
  end
  return realize(spec)
end
M.clos = M.leafspine

---- checks -----------------------------------------------------------------------

function Topo:__tostring()
  return ("nslab.topo(%s: %d routers, %d hosts, %d links)"):format(self.kind, #self.routers,
    #self.hosts, #self.links)
end

-- t:pairs() -> the host pairs t:check() tries: every pair up to 6 hosts;
-- beyond, each host with the first and the last (so every host and the
-- longest paths are covered without n^2 pings).
function Topo:pairs()
  local h, out = self.hosts, {}
  if #h <= 6 then
    for i = 1, #h do
      for j = i + 1, #h do out[#out + 1] = { h[i], h[j] } end
    end
  else
    for i = 2, #h do out[#out + 1] = { h[1], h[i] } end
    for i = 2, #h - 1 do out[#out + 1] = { h[i], h[#h] } end
  end
  return out
end

-- t:check([{family=4|6}]): the topology's own reachability checks,
-- recorded on the lab (both families when built with ipv6=true): every
-- pair of t:pairs() by ping, and each host's route to the farthest host
-- through its own router.
function Topo:check(opts)
  opts = util.check_opts(opts, util.set { "family", "timeout" }, "topo check")
  local families = opts.family and { opts.family } or (self.ipv6 and { 4, 6 } or { 4 })
  local lab = self.lab
  local all = true
  for _, f in ipairs(families) do
    for _, p in ipairs(self:pairs()) do
      all = lab:expect_reach(p[1], p[2], { family = f, timeout = opts.timeout }) and all
    end
  end
  local hosts = self.hosts
  if #hosts >= 2 then
    for _, hn in ipairs { hosts[1], hosts[#hosts] } do
      local far = hn == hosts[1] and hosts[#hosts] or hosts[1]
      local up = hn.ifaces[1] and hn.ifaces[1].peer and hn.ifaces[1].peer.node
      if up then all = lab:expect_route(hn, far, { via = up }) and all end
    end
  end
  return all
end

return M
