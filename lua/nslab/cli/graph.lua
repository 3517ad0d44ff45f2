-- nslab.cli.graph — a lab as a Graphviz DOT graph, the one drawing rule for
-- `nslab graph` and the live page (`nslab web`). Each node is a table: a
-- header (name, kind) and one row per interface with its addresses, so no
-- text rides on an edge (labels of crossing links piled up in the middle
-- of leaf-spine); an edge joins two interface rows (ports). A switch with
-- the hosts that hang only off it is a cluster, so a tenant network stays
-- together. From a lab object (usually one run dry) or from `nslab
-- inspect` data of a lab that is up; both become one model first (M.model*)
-- and one writer (M.write) draws it. Element ids survive into SVG (node:N,
-- a_if:N:IF, link:A:IF--B:IF) so the page can colour them live.
local M = {}

local function q(s)
  return '"' .. tostring(s):gsub('\\', '\\\\'):gsub('"', '\\"'):gsub("\n", "\\n") .. '"'
end
M.quote = q

-- text inside an HTML-like label
local function h(s)
  return (tostring(s):gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"))
end

-- header colours by kind (the page's legend uses the same)
local COLOR = { host = "#dbe7fd", router = "#fbd9c4", switch = "#d3eedb", root = "#e4e4e4", other = "#eeeeee" }
M.COLOR = COLOR

-- Above this many nodes dot's crossing minimisation takes minutes and its
-- ranks make a strip; sfdp (force-directed) places 1000 nodes in seconds.
local BIG = 150
local FOLD = 24

-- The ids the page finds in the SVG.
function M.node_id(node) return "node:" .. node end
function M.if_id(node, ifname) return "if:" .. node .. ":" .. ifname end
function M.link_id(a, ai, b, bi) return ("link:%s:%s--%s:%s"):format(a, ai, b, bi) end

-- model = { name=, title=, nodes = { {name=, kind=, sub=, ifaces = { {name=,
-- addrs={}, up=} } } }, links = { {a={node, ifname}, b={...}, kind=,
-- tip=, up=} } }. Groups are derived here from the links alone.
local function groups(model)
  local byname, deg, only = {}, {}, {}
  for _, n in ipairs(model.nodes) do byname[n.name] = n deg[n.name] = 0 end
  local function note(x, y)
    deg[x] = (deg[x] or 0) + 1
    only[x] = only[x] == nil and y or (only[x] == y and y or false)
  end
  for _, l in ipairs(model.links) do
    if l.b.node then
      note(l.a.node, l.b.node)
      note(l.b.node, l.a.node)
    end
  end
  -- a host (not a router, not a switch) whose every link goes to one switch
  local members = {}
  for _, n in ipairs(model.nodes) do
    local sw = only[n.name] and byname[only[n.name]]
    if n.kind ~= "switch" and n.kind ~= "router" and sw and sw.kind == "switch" then
      members[sw.name] = members[sw.name] or {}
      table.insert(members[sw.name], n.name)
    end
  end
  return members
end

local function node_label(n)
  local t = { ('<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" BGCOLOR="white">') }
  t[#t + 1] = ('<TR><TD BGCOLOR="%s" ID="%s:head"><B>%s</B><BR/><FONT POINT-SIZE="9">%s</FONT></TD></TR>')
    :format(COLOR[n.kind] or COLOR.other, h(M.node_id(n.name)), h(n.name), h(n.sub or n.kind))
  if n.folded then
    t[#t + 1] = ('<TR><TD>%d ports</TD></TR>'):format(#n.ifaces)
  end
  for k, i in ipairs(n.folded and {} or n.ifaces) do
    local lines = { "<B>" .. h(i.name) .. "</B>" }
    for _, a in ipairs(i.addrs or {}) do lines[#lines + 1] = h(a) end
    local down = i.up == false
    -- HREF makes Graphviz keep the cell as a group (id "a_" .. ID) in SVG
    t[#t + 1] = ('<TR><TD PORT="p%d" HREF="#" TITLE="%s:%s" ID="%s" ALIGN="LEFT"%s>%s%s%s</TD></TR>'):format(k,
      h(n.name), h(i.name), h(M.if_id(n.name, i.name)), down and ' BGCOLOR="#f4cccc"' or "",
      down and '<FONT COLOR="#888888">' or "",
      table.concat(lines, '<BR ALIGN="LEFT"/>') .. '<BR ALIGN="LEFT"/>', down and "</FONT>" or "")
  end
  t[#t + 1] = "</TABLE>"
  return "<" .. table.concat(t) .. ">"
end

-- M.write(model) -> DOT text.
function M.write(model)
  local big = #model.nodes > BIG
  local out = {}
  out[#out + 1] = ("graph %s {"):format(q(model.name))
  if big then
    out[#out + 1] = ('  graph [label=%s, labelloc=t, fontname="Helvetica", fontsize=16, layout=sfdp, ' ..
      'overlap=prism, overlap_scaling=-4, splines=false, outputorder=edgesfirst, K=1.2];'):format(q(model.title))
  else
    out[#out + 1] = ('  graph [label=%s, labelloc=t, fontname="Helvetica", fontsize=16, rankdir=LR, ' ..
      'newrank=true, nodesep=0.25, ranksep=0.9, splines=true, outputorder=edgesfirst];'):format(q(model.title))
  end
  out[#out + 1] = '  node [shape=plain, fontname="Helvetica", fontsize=10];'
  out[#out + 1] = '  edge [penwidth=1.6, color="#4a5a70"];'
  local port, nodes = {}, {}
  for _, n in ipairs(model.nodes) do
    nodes[n.name] = n
    -- a switch of many ports would be a column taller than the rest of
    -- the picture: its edges meet the box instead
    n.folded = n.kind == "switch" and #n.ifaces > FOLD or nil
    port[n.name] = {}
    for k, i in ipairs(n.ifaces) do port[n.name][i.name] = k end
  end
  local function node_line(n, indent)
    return ("%s%s [id=%s, label=%s];"):format(indent, q(n.name), q(M.node_id(n.name)), node_label(n))
  end
  local members = groups(model)
  local placed = {}
  -- the switch groups and then the other nodes of list, at indent
  local function emit(list, indent)
    if not big then
      for _, n in ipairs(list) do
        local m = members[n.name]
        if m and #m > 0 and not placed[n.name] then
          out[#out + 1] = ("%ssubgraph %s {"):format(indent, q("cluster_" .. n.name))
          out[#out + 1] = ('%s  id=%s; label=""; style="rounded,filled"; color="#c8d8c8"; fillcolor="#f5faf5";')
            :format(indent, q("group:" .. n.name))
          out[#out + 1] = node_line(n, indent .. "  ")
          placed[n.name] = true
          for _, name in ipairs(m) do
            out[#out + 1] = node_line(nodes[name], indent .. "  ")
            placed[name] = true
          end
          out[#out + 1] = indent .. "}"
        end
      end
    end
    for _, n in ipairs(list) do
      if not placed[n.name] then
        out[#out + 1] = node_line(n, indent)
        placed[n.name] = true
      end
    end
  end
  -- a lab over machines: a box for each machine (a switch group that
  -- spans machines is left out: its hosts are in their machines' boxes)
  local on, order = {}, {}
  for _, n in ipairs(model.nodes) do
    if n.machine then
      if not on[n.machine] then on[n.machine] = {} order[#order + 1] = n.machine end
      table.insert(on[n.machine], n)
    end
  end
  if #order > 1 and not big then
    for sw, m in pairs(members) do
      for _, name in ipairs(m) do
        if nodes[name].machine ~= nodes[sw].machine then members[sw] = nil break end
      end
    end
    for _, name in ipairs(order) do
      out[#out + 1] = ("  subgraph %s {"):format(q("cluster_machine_" .. name))
      out[#out + 1] = ('    id=%s; label=%s; labeljust=l; fontsize=12; style="dashed,rounded"; color="#7a8aa0";')
        :format(q("machine:" .. name), q("machine " .. name))
      emit(on[name], "    ")
      out[#out + 1] = "  }"
    end
  end
  emit(model.nodes, "  ")
  local function ep(e)
    local p = port[e.node] and port[e.node][e.ifname]
    if big or not p or nodes[e.node].folded then return q(e.node) end
    return q(e.node) .. ":p" .. p
  end
  for _, l in ipairs(model.links) do
    if l.b.node and nodes[l.a.node] and nodes[l.b.node] then
      local attrs = { "id=" .. q(M.link_id(l.a.node, l.a.ifname, l.b.node, l.b.ifname)),
                      "tooltip=" .. q(("%s:%s — %s:%s%s"):format(l.a.node, l.a.ifname, l.b.node, l.b.ifname,
                        l.tip and (" (" .. l.tip .. ")") or "")) }
      if l.kind and l.kind ~= "veth" then
        attrs[#attrs + 1] = 'style=dashed, color="#3b6fd6"'
      elseif l.kind == "holds" then
        attrs[#attrs + 1] = 'style=dotted'
      end
      if l.up == false then attrs[#attrs + 1] = 'style=dashed, color="#cc3333"' end
      out[#out + 1] = ("  %s -- %s [%s];"):format(ep(l.a), ep(l.b), table.concat(attrs, ", "))
    end
  end
  out[#out + 1] = "}"
  return table.concat(out, "\n") .. "\n"
end

local function copy(list)
  local t = {}
  for _, v in ipairs(list or {}) do t[#t + 1] = v end
  return t
end

-- The model of a lab object (built, or run dry).
function M.model(lab)
  local m = { name = lab.name, title = "lab " .. lab.name, nodes = {}, links = {} }
  local vertex, entry = {}, {}
  local function iface(n, name, addrs)
    for _, i in ipairs(n.ifaces) do if i.name == name then return i end end
    local i = { name = name, addrs = addrs or {} }
    n.ifaces[#n.ifaces + 1] = i
    return i
  end
  -- a lab over machines: the name of this one, for the nodes kept here
  local here
  for _, x in ipairs(lab.machine_list or {}) do if x.here then here = x.name end end
  -- nodes in creation order; a switch's own namespace is drawn as the switch
  for _, n in ipairs(lab.order) do
    if n.kind ~= "switch" then
      local e = { name = n.name, kind = n.kind, sub = n.kind == "root" and "host namespace" or n.kind, ifaces = {} }
      -- a lab over machines (nslab.machine): where the node is
      local on = n.machine and n.machine.name or (lab.placed and lab.placed[n.name]) or here
      if on then e.sub, e.machine = e.sub .. " on " .. on, on end
      m.nodes[#m.nodes + 1] = e
      vertex[n], entry[n.name] = n.name, e
    end
  end
  local swnames = {}
  for name in pairs(lab.switches) do swnames[#swnames + 1] = name end
  table.sort(swnames)
  for _, name in ipairs(swnames) do
    local sw = lab.switches[name]
    local own = sw.node.kind == "switch"
    local id = own and sw.name or ("switch:" .. sw.name)
    local e = { name = id, kind = "switch", ifaces = {},
                sub = "bridge " .. sw.ifname .. (own and "" or (" in " .. sw.node.name)) }
    local on = sw.node.machine and sw.node.machine.name or (lab.placed and lab.placed[sw.node.name]) or here
    if on then e.sub, e.machine = e.sub .. " on " .. on, on end
    local i = sw.node.ifaces[sw.ifname]
    if i and i.addrs and #i.addrs > 0 then iface(e, sw.ifname, copy(i.addrs)) end
    m.nodes[#m.nodes + 1] = e
    vertex[sw], entry[id] = id, e
    if not own then
      -- a bridge inside a node: the node holds it
      iface(entry[sw.node.name], sw.ifname)
      m.links[#m.links + 1] = { a = { node = sw.node.name, ifname = sw.ifname },
                                b = { node = id, ifname = sw.ifname }, kind = "holds" }
    end
  end
  for _, l in ipairs(lab.links) do
    local function ends(x)
      local v = x.sw and vertex[x.sw] or vertex[x.node]
      if not v then return nil end
      local i = x.node.ifaces[x.ifname]
      iface(entry[v], x.ifname, x.sw and {} or copy(i and i.addrs))
      return { node = v, ifname = x.ifname }
    end
    local a, b = ends(l.a), ends(l.b)
    if a and b then
      local kind, id = l.kind, l.id
      -- ends on two machines: a VXLAN pair when built (a dry run makes a veth)
      local ma, mb = entry[a.node].machine, entry[b.node].machine
      if ma and mb and ma ~= mb then kind = "vxlan" end
      m.links[#m.links + 1] = { a = a, b = b, kind = kind,
                                tip = kind and kind ~= "veth" and (kind .. (id and (" " .. id) or "")) or nil }
    end
  end
  -- interfaces a node has but no link uses (a tunnel's underlay, a dummy)
  for _, n in ipairs(lab.order) do
    local e = entry[n.name]
    if e and n.ifaces then
      local names = {}
      for name in pairs(n.ifaces) do
        if type(name) == "string" and name ~= "lo" then names[#names + 1] = name end
      end
      table.sort(names)
      for _, name in ipairs(names) do
        local i = n.ifaces[name]
        if i.addrs and #i.addrs > 0 then iface(e, name, copy(i.addrs)) end
      end
    end
  end
  return m
end

-- The model of `nslab inspect` data (a lab that is up): every interface
-- but lo, its state and addresses; a switch's bridge in its header.
function M.model_inspect(data)
  local m = { name = data.lab, title = "lab " .. data.lab .. " (live)", nodes = {}, links = {} }
  for _, n in ipairs(data.nodes) do
    local e = { name = n.name, kind = n.kind, sub = n.kind == "root" and "host namespace" or n.kind, ifaces = {} }
    -- a lab over machines: where the node is
    if type(n.machine) == "string" then e.sub, e.machine = e.sub .. " on " .. n.machine, n.machine end
    local bridges = {}
    for _, i in ipairs(n.interfaces) do
      if i.kind == "bridge" then bridges[#bridges + 1] = i.name end
    end
    if n.kind == "switch" and #bridges > 0 then
      e.sub = "bridge " .. table.concat(bridges, " ") .. (e.machine and (" on " .. e.machine) or "")
    end
    for _, i in ipairs(n.interfaces) do
      if i.name ~= "lo" and not (n.kind == "switch" and i.kind == "bridge" and #i.addresses == 0) then
        -- link-local addresses (fe80::) every interface has: left out,
        -- as the human views do
        local addrs = {}
        for _, a in ipairs(i.addresses) do
          if not a:lower():match("^fe80:") then addrs[#addrs + 1] = a end
        end
        e.ifaces[#e.ifaces + 1] = { name = i.name, addrs = addrs, up = i.up }
      end
    end
    m.nodes[#m.nodes + 1] = e
  end
  local up = {}
  for _, n in ipairs(data.nodes) do
    for _, i in ipairs(n.interfaces) do up[n.name .. "\0" .. i.name] = i.up and i.state ~= "down" end
  end
  for _, l in ipairs(data.links) do
    if l.b.node and l.b.node ~= require("nslab.json").null then
      m.links[#m.links + 1] = {
        a = { node = l.a.node, ifname = l.a.interface }, b = { node = l.b.node, ifname = l.b.interface },
        up = up[l.a.node .. "\0" .. l.a.interface] and up[l.b.node .. "\0" .. l.b.interface],
        -- a link between machines (nslab.live.machines)
        kind = l.vni and "vxlan" or nil, tip = l.vni and ("vxlan " .. l.vni) or nil }
    end
  end
  return m
end

-- M.dot(lab) -> DOT text for a lab object (built, or run dry).
function M.dot(lab) return M.write(M.model(lab)) end

-- M.dot_inspect(data) -> DOT text from `nslab inspect` data.
function M.dot_inspect(data) return M.write(M.model_inspect(data)) end

-- M.render(dot, path) -> true | nil, message: SVG, PNG or PDF through
-- Graphviz (the format from the file name), or the DOT itself.
function M.render(dot, path)
  local fmt = path:match("%.(%w+)$")
  fmt = fmt and fmt:lower()
  if fmt == "dot" or fmt == "gv" or fmt == nil then
    local f, err = io.open(path, "w")
    if not f then return nil, err end
    f:write(dot)
    f:close()
    return true
  end
  if fmt ~= "svg" and fmt ~= "png" and fmt ~= "pdf" then
    return nil, ("cannot write \"%s\": use a name ending in .dot, .svg, .png or .pdf"):format(path)
  end
  local qp = "'" .. path:gsub("'", "'\\''") .. "'"
  return M.run_dot(dot, "-T" .. fmt .. " -o " .. qp, path)
end

-- M.run_dot(dot, args, what) -> true | nil, message: Graphviz's dot with
-- args (output to a file), reading dot on its input.
function M.run_dot(dot, args, what)
  if not os.execute("command -v dot >/dev/null 2>&1") then
    return nil, ("writing %s needs Graphviz's `dot` (Debian: apt-get install graphviz); " ..
      "without it, write DOT: nslab graph LAB.lua -o LAB.dot"):format(what)
  end
  local errf = os.tmpname()
  local p = io.popen(("dot %s 2>%s"):format(args, errf), "w")
  p:write(dot)
  local ok = p:close()
  local ef = io.open(errf)
  local e = ef and ef:read("a") or ""
  if ef then ef:close() end
  os.remove(errf)
  if not ok then return nil, ("dot failed: %s"):format(e:match("[^\n]+") or "unknown error") end
  return true
end

return M
