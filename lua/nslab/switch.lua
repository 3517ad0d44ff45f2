-- nslab.switch — a Linux bridge, in a namespace of its own (LAB.NAME) or
-- inside a node the script names (seed 000 puts it where the gateway is).
local util = require "nslab.util"

local raise = util.raise

local Switch = {}
Switch.__index = Switch
Switch.__name = "nslab.switch"

local OPTS = util.set { "node", "ifname", "mtu", "on" }

function Switch.new(lab, name, opts)
  util.check_name(name, "switch")
  opts = util.check_opts(opts, OPTS, "switch")
  if lab.switches[name] then
    raise(("switch \"%s\" already exists in lab \"%s\""):format(name, lab.name))
  end
  if opts.mtu ~= nil then util.check_int(opts.mtu, 68, 65535, "mtu") end
  if opts.on ~= nil and opts.node ~= nil then
    raise(("switch \"%s\": give on= or node=, not both (a switch inside a node is on that node's machine)")
      :format(name))
  end
  local holder, ifname
  if opts.node ~= nil then
    holder = opts.node == "host" and (lab.nodes.host or lab:host "host") or lab:get(opts.node)
    if not holder.is_node then raise("switch option node= must name a node") end
    lab:_check_free(name, "switch")
    ifname = util.check_ifname(opts.ifname or name, "bridge")
    if holder.ifaces[ifname] then
      raise(("node \"%s\" already has an interface \"%s\""):format(holder.name, ifname))
    end
  else
    ifname = util.check_ifname(opts.ifname or "br0", "bridge")
    -- on another machine (on=, nslab.machine): its agent makes the
    -- switch there, this is its mirror
    holder = lab:_add_node(name, "switch", opts.on ~= nil and { on = opts.on } or nil,
      { ifname = ifname, mtu = opts.mtu })
  end
  -- (the agent made the bridge: here only its mirror)
  if holder.remote then return Switch.adopt(lab, name, holder, ifname, 0, util.where()) end
  if holder:is_root() then lab:_record(lab.journal:link(ifname)) end
  local idx, err = holder.ns:bridge(ifname, opts.mtu)
  if not idx then raise(err) end
  -- A switch's own namespace holds the bridge and its ports only, and a
  -- port is layer 2: made after this, a port gets no IPv6 link-local
  -- address, no fe80::/64 and ff00::/8 route (the namespace's lookup for
  -- every frame the bridge passes up walked one of each per port) and sends
  -- no router solicitation or MLD report of its own. The bridge keeps IPv6
  -- (made before); a bridge inside a node is left alone. A kernel without
  -- IPv6 has no such key: nothing to turn off.
  if holder.kind == "switch" then
    holder.ns:sysctl_set("net.ipv6.conf.default.disable_ipv6", "1")
  end
  return Switch.adopt(lab, name, holder, ifname, idx, util.where())
end

-- Switch.adopt(lab, name, holder, ifname, index [, line]) -> the switch
-- for a bridge that is already there (just made, made by another
-- machine's agent, or in a lab read back by nslab.live): nothing is
-- created or recorded; ports come with the links adopted to it.
function Switch.adopt(lab, name, holder, ifname, index, line)
  local sw = setmetatable({
    lab = lab, name = name, node = holder, ifname = ifname, index = index,
    ports = {}, portseq = 0, line = line or "", is_switch = true,
  }, Switch)
  local i = holder.ifaces[ifname] or holder:_add_iface(ifname, index)
  i.bridge = sw
  lab.switches[name] = sw
  return sw
end

function Switch:__tostring()
  return ("nslab.switch(%s, bridge %s in %s)"):format(self.name, self.ifname,
    self.node.netns or "host")
end

function Switch:_next_port()
  while true do
    self.portseq = self.portseq + 1
    local base = self.node.kind == "switch" and "p" or (self.ifname .. "-p")
    local name = base .. self.portseq
    if #name > 15 then name = ("br%dp%d"):format(self.index, self.portseq) end
    if not self.node.ifaces[name] then return name end
  end
end

-- sw:addr("192.168.15.1/24"): an address on the bridge itself.
function Switch:addr(cidr)
  self.node:addr(self.ifname, cidr)
  return self
end

function Switch:addrs(family) return self.node:addrs(family) end

return Switch
