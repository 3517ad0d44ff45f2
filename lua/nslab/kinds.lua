-- nslab.kinds — links beyond veth pairs.
--
--   lab:link(a, b, addrs, {kind = "vxlan", id=, port=, via=, underlay=, names=, mtu=})
--   lab:vxlan(a, b, addrs, opts)       the same
--   lab:link(a, b, addrs, {kind = "wireguard", via=, names=})   (lab:wireguard)
--   node:macvlan(parent, addrs, {name=, mode=})
--   node:vlan(parent, id, addrs, {name=})
--   node:dummy(name, addrs)
--
-- A tunnel end can live in one node while its UDP socket lives in another
-- (via=): the end node then holds no interface but the tunnel, so the
-- tunnel is its only way out — seed 001's kill switch by construction.
-- A kind the kernel lacks is reported by name, module and config option.
local util = require "nslab.util"
local Link = require "nslab.link"

local raise = util.raise

local M = {}

local TUNNEL_OPTS = util.set { "kind", "id", "port", "via", "underlay", "names", "mtu" }

-- The list of addresses for one end, validated.
local function end_addrs(addrs, which)
  if addrs == nil or addrs == false then return {} end
  if type(addrs) == "string" then addrs = { addrs } end
  if type(addrs) ~= "table" then
    raise(("address for the %s end must be a string or a list of strings"):format(which))
  end
  for _, c in ipairs(addrs) do util.check_cidr(c, true) end
  return addrs
end

local function fresh_ifname(node, name, default)
  name = util.check_ifname(name or default)
  if node.ifaces[name] then
    raise(("node \"%s\" already has an interface \"%s\""):format(node.name, name))
  end
  return name
end

-- Create one device with make() -> ifindex | nil, msg; record it first
-- when it lands in the root namespace.
local function make_dev(lab, node, name, make)
  lab:_begin()
  if node:is_root() then lab:_record(lab.journal:link(name)) end
  local idx, err = make()
  if not idx then raise(err) end
  return idx
end

local function node_of(lab, x, what)
  local n = lab:get(x)
  if not n.is_node then raise(("%s must be a node, not switch \"%s\""):format(what, n.name)) end
  return n
end

-- lab:link(a, b, addrs, {kind = "vxlan" | "wireguard", ...})
function M.tunnel(lab, a, b, addrs, opts)
  opts = util.check_opts(opts, TUNNEL_OPTS, "link")
  local kind = opts.kind
  if kind ~= "vxlan" and kind ~= "wireguard" then
    raise(("link kind \"%s\" (use \"veth\", \"vxlan\" or \"wireguard\"; for macvlan, vlan and dummy " ..
      "use node:macvlan, node:vlan, node:dummy)"):format(tostring(kind)))
  end
  a, b = node_of(lab, a, "a tunnel end"), node_of(lab, b, "a tunnel end")
  if a == b then raise(("cannot link node \"%s\" to itself"):format(a.name)) end
  addrs = util.check_link_addrs(addrs)
  local aa, ba = end_addrs(addrs[1], "first"), end_addrs(addrs[2], "second")
  local via = opts.via or {}
  if type(via) ~= "table" then raise("link option via= must be a list of two nodes: where each end's socket lives") end
  local ua = via[1] and node_of(lab, via[1], "via") or a
  local ub = via[2] and node_of(lab, via[2], "via") or b
  if opts.mtu ~= nil then util.check_int(opts.mtu, 68, 65535, "mtu") end
  local names = opts.names or {}
  if type(names) ~= "table" then raise("link option names= must be a list of two interface names") end
  local id = opts.id
  if id == nil then
    lab.next_vni = (lab.next_vni or 0) + 1
    id = 100 + lab.next_vni
  end
  util.check_int(id, 0, 16777215, "vxlan id")
  local na = fresh_ifname(a, names[1], kind == "vxlan" and ("vxlan" .. id) or "wg0")
  local nb = fresh_ifname(b, names[2], kind == "vxlan" and ("vxlan" .. id) or "wg0")
  local ia, ib
  if kind == "vxlan" then
    local port = opts.port or 4789
    util.check_int(port, 1, 65535, "vxlan port")
    local under = opts.underlay or {}
    if type(under) ~= "table" then raise("link option underlay= must be a list of two addresses") end
    local la = under[1] or ua:ip_towards(ub)
    local lb = under[2] or ub:ip_towards(ua)
    -- a routed underlay: aim at the far socket node's first address
    local ra, rb = lb or ub:ip(), la or ua:ip()
    for _, x in ipairs { la or false, lb or false } do
      if x then util.check_cidr(x, false, "vxlan underlay") end
    end
    if not ra or not rb then
      raise(("vxlan link %s <-> %s: no underlay address for %s (link it to the underlay first, or give " ..
        "underlay = {addrA, addrB})"):format(a.name, b.name, ra and ua.name or ub.name))
    end
    ia = make_dev(lab, a, na, function()
      return lab.core.vxlan(ua.ns, a.ns, na, { id = id, port = port, ["local"] = la, remote = ra, mtu = opts.mtu })
    end)
    local ok, err = pcall(make_dev, lab, b, nb, function()
      return lab.core.vxlan(ub.ns, b.ns, nb, { id = id, port = port, ["local"] = lb, remote = rb, mtu = opts.mtu })
    end)
    if not ok then a.ns:link_delete(na) error(err, 0) end
    ib = err
  else
    if opts.port or opts.underlay then
      raise("wireguard links take no port= or underlay=: set peers and keys with `wg` in the node")
    end
    ia = make_dev(lab, a, na, function() return lab.core.link_kind(ua.ns, a.ns, "wireguard", na) end)
    local ok, err = pcall(make_dev, lab, b, nb, function() return lab.core.link_kind(ub.ns, b.ns, "wireguard", nb) end)
    if not ok then a.ns:link_delete(na) error(err, 0) end
    ib = err
  end
  local ea = { node = a, ifname = na, addrs = aa, via = ua }
  local eb = { node = b, ifname = nb, addrs = ba, via = ub }
  a:_add_iface(na, ia, { kind = kind, tunnel = eb })
  b:_add_iface(nb, ib, { kind = kind, tunnel = ea })
  local l = setmetatable({ lab = lab, a = ea, b = eb, kind = kind, id = kind == "vxlan" and id or nil,
                           line = util.where() }, Link)
  lab.links[#lab.links + 1] = l
  for _, c in ipairs(aa) do a:addr(na, c) end
  for _, c in ipairs(ba) do b:addr(nb, c) end
  return l
end

-- The parent of a macvlan or vlan: "IFNAME" of this node, or
-- {node, "IFNAME"} (a node or node name and one of its interfaces).
local function parent_of(self, parent)
  local pnode, pname = self, parent
  if type(parent) == "table" and not parent.is_node then
    pnode, pname = self.lab:get(parent[1]), parent[2]
    if pnode.is_switch then pnode, pname = pnode.node, pname or pnode.ifname end
  end
  if type(pname) ~= "string" then
    raise("parent must be an interface name of this node, or {node, \"IFNAME\"}")
  end
  return pnode, pnode:iface(pname)
end

local function install_node(Node)
  -- node:macvlan(parent, addrs [, {name=, mode=}]) -> ifname
  function Node:macvlan(parent, addrs, opts)
    opts = util.check_opts(opts, util.set { "name", "mode" }, "macvlan")
    local pnode, pi = parent_of(self, parent)
    local list = end_addrs(addrs, "macvlan")
    local name = fresh_ifname(self, opts.name, opts.name or self:_next_ifname())
    local idx = make_dev(self.lab, self, name, function()
      return self.lab.core.macvlan(pnode.ns, pi.index, self.ns, name, opts.mode)
    end)
    self:_add_iface(name, idx, { kind = "macvlan", parent = pi })
    for _, c in ipairs(list) do self:addr(name, c) end
    return name
  end

  -- node:vlan(parent, id, addrs [, {name=}]) -> ifname (PARENT.ID by default)
  function Node:vlan(parent, id, addrs, opts)
    opts = util.check_opts(opts, util.set { "name" }, "vlan")
    local pnode, pi = parent_of(self, parent)
    util.check_int(id, 1, 4094, "vlan id")
    local list = end_addrs(addrs, "vlan")
    local default = pi.name .. "." .. id
    if #default > 15 then default = "vlan" .. id end
    local name = fresh_ifname(self, opts.name, default)
    local idx = make_dev(self.lab, self, name, function()
      return self.lab.core.vlan(pnode.ns, pi.index, self.ns, name, id)
    end)
    self:_add_iface(name, idx, { kind = "vlan", parent = pi, vid = id })
    for _, c in ipairs(list) do self:addr(name, c) end
    return name
  end

  -- node:dummy(name, addrs) -> ifname: an interface that goes nowhere
  -- (a loopback-like home for addresses).
  function Node:dummy(name, addrs)
    name = fresh_ifname(self, name, nil)
    local list = end_addrs(addrs, "dummy")
    local idx = make_dev(self.lab, self, name, function()
      return self.lab.core.link_kind(self.ns, self.ns, "dummy", name)
    end)
    self:_add_iface(name, idx, { kind = "dummy" })
    for _, c in ipairs(list) do self:addr(name, c) end
    return name
  end
end

function M.install(Lab, Node)
  -- lab:vxlan(a, b, addrs, opts) / lab:wireguard(a, b, addrs, opts)
  function Lab:vxlan(a, b, addrs, opts)
    local o = { kind = "vxlan" }
    for k, v in pairs(opts or {}) do o[k] = v end
    return M.tunnel(self, a, b, addrs, o)
  end
  function Lab:wireguard(a, b, addrs, opts)
    local o = { kind = "wireguard" }
    for k, v in pairs(opts or {}) do o[k] = v end
    return M.tunnel(self, a, b, addrs, o)
  end
  install_node(Node)
end

return M
