-- nslab.live.inspect — `nslab inspect` (and `nslab graph LAB`): a lab
-- that is up as the kernel holds it — nodes, interfaces, addresses, routes,
-- NAT/filter rules and processes — read by nslab.live (its rules for node
-- kind, routes and links) and shaped as docs/inspect.schema.json; M.text
-- is the short human view. Nothing is changed.
local core = require "nslab.core"
local json = require "nslab.json"
local live = require "nslab.live"

local M = {}

M.SCHEMA = "nslab-inspect/1"

local A = json.array

local slurp = require("nslab.util").slurp

-- nft's text ruleset as tables: {family=, name=, chains={ {name=, type=,
-- hook=, priority=, policy=, rules={...}} }}.
function M.parse_nft(text)
  local tables = A {}
  local t, c
  for line in (text or ""):gmatch("[^\n]+") do
    local s = line:match("^%s*(.-)%s*$")
    local fam, name = s:match("^table (%S+) (%S+) {$")
    if fam then
      t = { family = fam, name = name, chains = A {} }
      tables[#tables + 1] = t
    elseif t and s:match("^chain (%S+) {$") then
      c = { name = s:match("^chain (%S+) {$"), rules = A {} }
      t.chains[#t.chains + 1] = c
    elseif c and s:match("^type ") then
      c.type, c.hook, c.priority = s:match("^type (%S+) hook (%S+) priority ([^;]+);")
      c.policy = s:match("policy (%a+);")
    elseif s == "}" then
      if c then c = nil else t = nil end
    elseif c and s ~= "" then
      c.rules[#c.rules + 1] = s
    end
  end
  return tables
end

local function processes(pids)
  local out = A {}
  for _, pid in ipairs(pids or {}) do
    local cmd = slurp("/proc/" .. pid .. "/cmdline")
    if cmd then
      local argv = A {}
      for a in cmd:gmatch("([^%z]*)%z") do argv[#argv + 1] = a end
      local comm = (slurp("/proc/" .. pid .. "/comm") or ""):gsub("\n$", "")
      out[#out + 1] = { pid = pid, comm = comm, argv = argv,
                        command = #argv > 0 and table.concat(argv, " ") or ("[" .. comm .. "]") }
    end
  end
  return out
end

local function route_entry(r, names)
  local e = { family = r.family, dst = r.dst, type = r.type, scope = r.scope,
              table = r.table == 254 and "main" or tostring(r.table) }
  if r.via then e.via = r.via end
  if r.oif then e.dev = names[r.oif] or ("#" .. r.oif) end
  if r.src then e.src = r.src end
  if r.metric then e.metric = r.metric end
  if r.proto then e.proto = tostring(r.proto) end
  return e
end

-- One entry of a live.read snapshot as a node of the schema (nat and
-- processes only when the snapshot read them).
local function node_of(e)
  local ifaces = A {}
  for _, l in ipairs(e.links) do
    local i = { name = l.name, index = l.index, kind = l.kind or "device", up = l.up,
                state = l.state, mtu = l.mtu, addresses = A {} }
    if l.mac then i.mac = l.mac end
    if l.master then i.master = e.names[l.master] or ("#" .. l.master) end
    for _, a in ipairs(l.addrs) do i.addresses[#i.addresses + 1] = a.cidr end
    ifaces[#ifaces + 1] = i
  end
  local rt = A {}
  for _, r in ipairs(e.routes) do rt[#rt + 1] = route_entry(r, e.names) end
  return {
    name = e.name, netns = e.netns or json.null, kind = e.kind,
    interfaces = ifaces, routes = rt, nat = e.nft and M.parse_nft(e.nft) or nil,
    forwarding = { ipv4 = e.forwarding.ipv4, ipv6 = e.forwarding.ipv6 },
    processes = e.pids and processes(e.pids) or nil,
  }
end

-- M.lab(name [, opts]) -> data | nil, message; data.skipped lists nodes
-- whose namespace could not be opened (not part of the JSON). With
-- opts.topology only the topology is read (no nat, no processes: the
-- rulesets and /proc are most of the time for 1000 nodes).
function M.lab(name, opts)
  local full = not (opts and opts.topology)
  local snap, err = live.read(name, { nft = full, pids = full })
  if not snap then return nil, err end
  local owner = snap.owner > 0 and snap.owner or nil
  local data = {
    schema = M.SCHEMA, lab = name, file = snap.file or json.null,
    owner = owner or json.null, state = owner and "running" or "up",
    nodes = A {}, links = A {},
  }
  local node_at = {}
  for k, e in ipairs(snap.nodes) do
    data.nodes[k] = node_of(e)
    node_at[e] = data.nodes[k]
  end
  -- each link once, and each interface names its peer
  local function iface(e, l)
    for _, i in ipairs(node_at[e].interfaces) do
      if i.index == l.index then return i end
    end
  end
  for _, p in ipairs(snap.links) do
    local a, b = p.a, p.b
    local l = { a = { node = a[1].name, interface = a[2].name } }
    if b then
      l.b = { node = b[1].name, interface = b[2].name }
      iface(a[1], a[2]).peer = { node = l.b.node, interface = l.b.interface }
      iface(b[1], b[2]).peer = { node = l.a.node, interface = l.a.interface }
    else
      l.b = { node = json.null, interface = json.null }
      iface(a[1], a[2]).peer = json.null
    end
    data.links[#data.links + 1] = l
  end
  -- a lab placed over machines (nslab.machine): this machine's name on
  -- each node here, and the nodes each other machine holds; unless
  -- opts.here, each other machine's part read there (nslab.live.machines)
  -- joins this one; opts.parts: a reading of them already made
  if core.exists((core.lab_dir(name) or "") .. "/machines") then
    local others, here = require("nslab.machine").recorded(name)
    for _, n in ipairs(data.nodes) do n.machine = here or json.null end
    data.machines = A {}
    for _, m in ipairs(others) do
      data.machines[#data.machines + 1] = { name = m.name, ssh = m.ssh, nodes = A(m.nodes) }
    end
    if #others > 0 and not (opts and opts.here) then
      local parts = require "nslab.live.machines"
      parts.join(data, opts and opts.parts or parts.read(name))
    end
  end
  return data, snap.skipped
end

-- M.node(name, node) -> one node of M.lab's data, read alone (rules and
-- processes included), without the peers of its interfaces (they need
-- the whole lab) | nil, message. The host part needs the whole lab: it is
-- read through M.lab.
function M.node(name, node)
  if node == "host" then
    local data, err = M.lab(name)
    if not data then return nil, err end
    for _, n in ipairs(data.nodes) do
      if n.name == "host" then return n end
    end
    return nil, ("lab %s has no node \"host\""):format(name)
  end
  local nodes, err = live.nodes(name)
  if not nodes then return nil, err end
  for _, n in ipairs(nodes) do
    if n.node == node then
      local ns, oerr = core.netns_open(n.netns)
      if not ns then return nil, oerr end
      local ok, e, rerr = pcall(live.namespace, ns, { nft = true })
      ns:close()
      if not ok then return nil, tostring(e) end
      if not e then return nil, rerr end
      e.name, e.netns, e.pids = n.node, n.netns, core.pids_in({ n.pin })[n.pin] or {}
      return node_of(e)
    end
  end
  return nil, ("lab %s has no node \"%s\""):format(name, tostring(node))
end

-- A short human-readable view of M.lab data.
function M.text(d, out)
  out = out or io.stdout
  out:write(("lab %s (%s%s)%s\n"):format(d.lab, d.state,
    d.owner ~= json.null and (", pid " .. d.owner) or "", d.file ~= json.null and ("  " .. d.file) or ""))
  for _, n in ipairs(d.nodes) do
    out:write(("\n%s  [%s%s%s]\n"):format(n.name, n.kind, n.netns ~= json.null and (", netns " .. n.netns) or "",
      n.machine and n.machine ~= json.null and (", machine " .. n.machine) or ""))
    for _, i in ipairs(n.interfaces) do
      if i.name ~= "lo" then
        local peer = i.peer and i.peer ~= json.null and ("  -> %s:%s"):format(i.peer.node, i.peer.interface) or ""
        out:write(("  %-14s %-6s %-5s %s%s%s\n"):format(i.name, i.kind, i.up and "up" or "down",
          table.concat(i.addresses, " "), i.master and ("  master " .. i.master) or "", peer))
      end
    end
    for _, r in ipairs(n.routes) do
      if r.proto ~= "kernel" and not live.link_local_route(r) then
        out:write(("  route %s%s%s\n"):format(r.dst, r.via and (" via " .. r.via) or "", r.dev and (" dev " .. r.dev) or ""))
      end
    end
    for _, t in ipairs(n.nat) do
      for _, c in ipairs(t.chains) do
        for _, rule in ipairs(c.rules) do
          out:write(("  nft %s %s %s: %s\n"):format(t.family, t.name, c.name, rule))
        end
      end
    end
    for _, p in ipairs(n.processes) do
      out:write(("  pid %d %s\n"):format(p.pid, p.command))
    end
  end
  for _, m in ipairs(d.machines or {}) do
    if m.reached == false then
      out:write(("\non machine %s (ssh %s), not reached: %s\n  its nodes: %s\n"):format(m.name, m.ssh,
        m.error or "?", #m.nodes > 0 and table.concat(m.nodes, " ") or "none"))
    elseif m.reached == nil then
      out:write(("\non machine %s (ssh %s; `nslab inspect %s` there): %s\n"):format(m.name, m.ssh, d.lab,
        #m.nodes > 0 and table.concat(m.nodes, " ") or "no nodes"))
    end
  end
end

return M
