-- nslab.repl.attach — `nslab repl NAME`: the lab object of a lab another
-- process built, from nslab.live. Thin on purpose: the reading and its
-- rules are nslab.live's; here the snapshot becomes Node, Switch and Link
-- objects through their constructors (Node.new, Switch.adopt, Link.adopt),
-- in a lab made with `attach`, so what is added from the REPL is
-- appended to the lab's journal and `nslab down` undoes it.
local core = require "nslab.core"
local Lab = require "nslab.lab"
local Node = require "nslab.node"
local Switch = require "nslab.switch"
local Link = require "nslab.link"
local live = require "nslab.live"

return function(name)
  local snap, e = live.read(name, { keep = true, routes = false })
  if not snap then return nil, e end
  for _, s in ipairs(snap.skipped) do
    io.stderr:write(("nslab: %s: %s (skipped)\n"):format(s.node, s.error))
  end
  local lab = Lab.new(name, { file = snap.file, attach = true })
  local node_of = {}
  for _, en in ipairs(snap.nodes) do
    local node = Node.new(lab, en.name, en.ns, en.kind, en.netns)
    node_of[en] = node
    lab.nodes[en.name] = node
    if en.root then
      lab.host_ns = en.ns
      table.insert(lab.order, 1, node)
    else
      lab.order[#lab.order + 1] = node
    end
    local bridges = {}
    for _, l in ipairs(en.links) do
      if l.name ~= "lo" then
        local i = node:_add_iface(l.name, l.index, { kind = l.kind })
        if l.kind ~= "veth" then i.foreign = l.kind ~= "bridge" or nil end
        for _, a in ipairs(l.addrs) do
          if (a.scope == "global" or a.scope == "site") and core.cidr(a.cidr) then
            i.addrs[#i.addrs + 1] = a.cidr
          end
        end
        if l.kind == "bridge" then bridges[#bridges + 1] = l end
      end
    end
    for _, b in ipairs(bridges) do
      local swname = node.kind == "switch" and #bridges == 1 and node.name or b.name
      if not lab.switches[swname] then Switch.adopt(lab, swname, node, b.name, b.index) end
    end
    node:_hosts_version(lab.addr_version)    -- its hosts file is there already
  end
  local sw_at = {}     -- node -> bridge ifindex -> switch
  for _, sw in pairs(lab.switches) do
    sw_at[sw.node] = sw_at[sw.node] or {}
    sw_at[sw.node][sw.index] = sw
  end
  local function end_of(en, l)
    local node = node_of[en]
    return { node = node, ifname = l.name, sw = l.master and sw_at[node] and sw_at[node][l.master] }
  end
  for _, p in ipairs(snap.links) do
    if p.b then
      lab.links[#lab.links + 1] = Link.adopt(lab, end_of(p.a[1], p.a[2]), end_of(p.b[1], p.b[2]))
    end
  end
  return lab
end
