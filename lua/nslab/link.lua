-- nslab.link — a veth pair between two nodes, or a node and a switch,
-- created with each end directly in its namespace.
local util = require "nslab.util"

local raise = util.raise

local Link = {}
Link.__index = Link
Link.__name = "nslab.link"

local OPTS = util.set { "names", "mtu", "mac", "down" }

-- One end: {node=, sw=, ifname=} after validation, and its addresses (a
-- list, which the interface keeps once they are added).
local function endpoint(lab, x, name, addrs, which)
  local o = lab:get(x)
  local e = {}
  if o.is_switch then
    e.sw, e.node = o, o.node
    if addrs ~= nil and addrs ~= false then
      raise(("the %s end is switch \"%s\": a switch port takes no address (give the bridge one with sw:addr)")
        :format(which, o.name))
    end
    e.ifname = name and util.check_ifname(name) or o:_next_port()
  else
    e.node = o
    e.ifname = name and util.check_ifname(name) or o:_next_ifname()
    if type(addrs) == "string" then addrs = { addrs } end
    if addrs ~= nil and addrs ~= false then
      if type(addrs) ~= "table" then
        raise(("address for the %s end must be a string or a list of strings"):format(which))
      end
      for _, a in ipairs(addrs) do util.check_cidr(a, true) end
    end
  end
  local old = e.node.ifaces[e.ifname]
  if old then
    raise(("node \"%s\" already has an interface \"%s\""):format(e.node.name, e.ifname))
  end
  return e, (not o.is_switch and addrs) or nil
end

function Link.new(lab, a, b, addrs, opts)
  opts = util.check_opts(opts, OPTS, "link")
  addrs = util.check_link_addrs(addrs)
  local names = opts.names or {}
  if type(names) ~= "table" then raise("link option names= must be a list of two interface names") end
  local mac = opts.mac or {}
  if opts.mtu ~= nil then util.check_int(opts.mtu, 68, 65535, "mtu") end
  local ea, aa = endpoint(lab, a, names[1], addrs[1], "first")
  local eb, ab = endpoint(lab, b, names[2], addrs[2], "second")
  if ea.node == eb.node and not ea.sw and not eb.sw then
    raise(("cannot link node \"%s\" to itself"):format(ea.node.name))
  end
  if ea.node == eb.node and ea.ifname == eb.ifname then
    raise(("both ends are named \"%s\" in \"%s\""):format(ea.ifname, ea.node.name))
  end
  ea.mac, eb.mac = mac[1], mac[2]
  if ea.sw and eb.sw then raise("cannot link two switches directly; put a node between them") end
  -- the switch side goes first: only the first end can be enslaved in
  -- the same request that creates the pair
  local first, second = ea, eb
  if eb.sw then first, second = eb, ea end
  lab:_begin()
  for _, e in ipairs { first, second } do
    if e.node:is_root() then lab:_record(lab.journal:link(e.ifname)) end
  end
  local ia, ib = lab.core_veth(first, second, opts)
  first.node:_add_iface(first.ifname, ia)
  second.node:_add_iface(second.ifname, ib)
  first.node.ifaces[first.ifname].peer = second
  second.node.ifaces[second.ifname].peer = first
  local l = setmetatable({ lab = lab, a = ea, b = eb, line = util.where() }, Link)
  for _, e in ipairs { ea, eb } do
    if e.sw then e.sw.ports[#e.sw.ports + 1] = e end
  end
  for _, c in ipairs(aa or {}) do ea.node:addr(ea.ifname, c) end
  for _, c in ipairs(ab or {}) do eb.node:addr(eb.ifname, c) end
  return l
end

-- Link.adopt(lab, ea, eb) -> the link for a veth pair that is already
-- there (a lab read back by nslab.live); ea, eb = {node=, ifname=, sw=}
-- with both interfaces known to their nodes. Nothing is created.
function Link.adopt(lab, ea, eb)
  ea.node.ifaces[ea.ifname].peer, eb.node.ifaces[eb.ifname].peer = eb, ea
  for _, e in ipairs { ea, eb } do
    if e.sw then e.sw.ports[#e.sw.ports + 1] = e end
  end
  return setmetatable({ lab = lab, a = ea, b = eb, line = "" }, Link)
end

function Link:__tostring()
  local function s(e) return (e.sw and e.sw.name or e.node.name) .. ":" .. e.ifname end
  return ("nslab.link(%s <-> %s)"):format(s(self.a), s(self.b))
end

-- Set both ends up or down at run time.
function Link:set(opts)
  opts = util.check_opts(opts, util.set { "up", "mtu" }, "link:set")
  self.a.node:set(self.a.ifname, opts)
  self.b.node:set(self.b.ifname, opts)
  return self
end
function Link:up() return self:set { up = true } end
function Link:down() return self:set { up = false } end

return Link
