-- nslab.cli.graph — a lab as a Graphviz DOT graph: nodes (shaped by kind),
-- switches, and links labelled at each end with the interface name and
-- its addresses. From a lab object (usually one run dry, so drawing needs
-- neither root nor the kernel) or from `nslab inspect` data of a lab that
-- is up. SVG and PNG come from Graphviz's `dot`.
local M = {}

local function q(s)
  return '"' .. tostring(s):gsub('\\', '\\\\'):gsub('"', '\\"'):gsub("\n", "\\n") .. '"'
end
M.quote = q

local STYLE = {
  host   = 'shape=box, style="rounded,filled", fillcolor="#e8f0fe"',
  router = 'shape=ellipse, style=filled, fillcolor="#fde9d9"',
  switch = 'shape=box3d, style=filled, fillcolor="#e6f4ea"',
  root   = 'shape=house, style=filled, fillcolor="#eeeeee"',
  other  = 'shape=box',
}

local function header(out, name, title)
  out[#out + 1] = ("graph %s {"):format(q(name))
  out[#out + 1] = ("  graph [label=%s, labelloc=t, fontname=\"Helvetica\", fontsize=14, overlap=false, " ..
    "splines=true, nodesep=0.6, ranksep=1.1];"):format(q(title))
  out[#out + 1] = '  node [fontname="Helvetica", fontsize=11];'
  out[#out + 1] = '  edge [fontname="Helvetica", fontsize=8, labelfontsize=8, labeldistance=2.2, labelangle=25];'
end

local function end_label(ifname, addrs)
  local t = { ifname }
  for _, a in ipairs(addrs or {}) do t[#t + 1] = a end
  return table.concat(t, "\n")
end

local function addr_texts(iface)
  local t = {}
  for _, text in ipairs(iface and iface.addrs or {}) do t[#t + 1] = text end
  return t
end

-- M.dot(lab) -> DOT text for a lab object (built, or run dry).
function M.dot(lab)
  local out = {}
  header(out, lab.name, "lab " .. lab.name)
  local vertex = {} -- node or switch -> vertex id
  -- nodes in creation order; a switch's own namespace is drawn as the switch
  for _, n in ipairs(lab.order) do
    if n.kind ~= "switch" then
      local label = n.name .. "\n" .. (n.kind == "root" and "host namespace" or n.kind)
      out[#out + 1] = ("  %s [label=%s, %s];"):format(q(n.name), q(label), STYLE[n.kind] or STYLE.other)
      vertex[n] = n.name
    end
  end
  local swnames = {}
  for name in pairs(lab.switches) do swnames[#swnames + 1] = name end
  table.sort(swnames)
  for _, name in ipairs(swnames) do
    local sw = lab.switches[name]
    local id = sw.node.kind == "switch" and sw.name or ("switch:" .. sw.name)
    local addrs = addr_texts(sw.node.ifaces[sw.ifname])
    local label = sw.name .. "\nbridge " .. sw.ifname
    if #addrs > 0 then label = label .. "\n" .. table.concat(addrs, "\n") end
    out[#out + 1] = ("  %s [label=%s, %s];"):format(q(id), q(label), STYLE.switch)
    vertex[sw] = id
    if sw.node.kind ~= "switch" then
      -- a bridge inside a node: the node holds it
      out[#out + 1] = ("  %s -- %s [style=dashed, label=%s];"):format(q(sw.node.name), q(id),
        q("holds " .. sw.ifname))
    end
  end
  for _, l in ipairs(lab.links) do
    local function ends(e)
      local v = e.sw and vertex[e.sw] or vertex[e.node]
      local iface = e.node.ifaces[e.ifname]
      return v, end_label(e.ifname, e.sw and {} or addr_texts(iface))
    end
    local va, la = ends(l.a)
    local vb, lb = ends(l.b)
    if va and vb then
      local extra = ""
      if l.kind and l.kind ~= "veth" then
        extra = (", style=dashed, color=\"#3b6fd6\", label=%s"):format(q(l.kind .. (l.id and (" " .. l.id) or "")))
      end
      out[#out + 1] = ("  %s -- %s [taillabel=%s, headlabel=%s%s];"):format(q(va), q(vb), q(la), q(lb), extra)
    end
  end
  out[#out + 1] = "}"
  return table.concat(out, "\n") .. "\n"
end

-- M.dot_inspect(data) -> DOT text from `nslab inspect` data (a lab that
-- is up, as the kernel holds it).
function M.dot_inspect(data)
  local out = {}
  header(out, data.lab, "lab " .. data.lab .. " (live)")
  local addrs_of = {}
  for _, n in ipairs(data.nodes) do
    local label = n.name .. "\n" .. (n.kind == "root" and "host namespace" or n.kind)
    local bridges = {}
    for _, i in ipairs(n.interfaces) do
      addrs_of[n.name .. "\0" .. i.name] = i.addresses
      if i.kind == "bridge" and n.kind ~= "switch" then bridges[#bridges + 1] = i.name end
    end
    out[#out + 1] = ("  %s [label=%s, %s];"):format(q(n.name), q(label), STYLE[n.kind] or STYLE.other)
  end
  for _, l in ipairs(data.links) do
    local function lab_of(e)
      local a = e.node and addrs_of[e.node .. "\0" .. e.interface] or {}
      return end_label(e.interface, a)
    end
    out[#out + 1] = ("  %s -- %s [taillabel=%s, headlabel=%s];"):format(q(l.a.node), q(l.b.node),
      q(lab_of(l.a)), q(lab_of(l.b)))
  end
  out[#out + 1] = "}"
  return table.concat(out, "\n") .. "\n"
end

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
  if not os.execute("command -v dot >/dev/null 2>&1") then
    return nil, ("writing %s needs Graphviz's `dot` (Debian: apt-get install graphviz); " ..
      "without it, write DOT: nslab graph LAB.lua -o LAB.dot"):format(path)
  end
  local qp = "'" .. path:gsub("'", "'\\''") .. "'"
  local errf = os.tmpname()
  local p = io.popen(("dot -T%s -o %s 2>%s"):format(fmt, qp, errf), "w")
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
