-- nslab.inspect — a lab that is up, as the kernel holds it: nodes,
-- interfaces, addresses, routes, NAT/filter rules and processes, read
-- through netlink, libnftables and /proc (nothing is changed). Any nslab
-- process can inspect any lab: the nodes come from the lab's record under
-- /run/nslab, everything else from the namespaces themselves.
-- `nslab inspect LAB --json` prints M.lab(LAB) as JSON; its shape is
-- docs/inspect.schema.json.
local core = require "nslab.core"
local json = require "nslab.json"
local util = require "nslab.util"

local M = {}

M.SCHEMA = "nslab-inspect/1"

local A = json.array

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

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

-- One namespace: interfaces (only `only` when given, a set of names),
-- routes, rules. Returns the node table and its raw links.
local function read_ns(ns, only, nft_cmd)
  local links, err = ns:links()
  if not links then return nil, err end
  local addrs = ns:addresses() or {}
  local routes = ns:routes() or {}
  local names = {}
  for _, l in ipairs(links) do names[l.index] = l.name end
  local byidx = {}
  local ifaces = A {}
  for _, l in ipairs(links) do
    if not only or only[l.name] then
      local i = { name = l.name, index = l.index, kind = l.kind or "device", up = l.up,
                  state = l.state, mtu = l.mtu, addresses = A {} }
      if l.mac then i.mac = l.mac end
      if l.master then i.master = names[l.master] or ("#" .. l.master) end
      ifaces[#ifaces + 1] = i
      byidx[l.index] = i
    end
  end
  for _, a in ipairs(addrs) do
    local i = byidx[a.ifindex]
    if i then i.addresses[#i.addresses + 1] = a.cidr end
  end
  local rt = A {}
  for _, r in ipairs(routes) do
    if r.table ~= 255 and r.type ~= "multicast" and (not only or (r.oif and byidx[r.oif])) then
      rt[#rt + 1] = route_entry(r, names)
    end
  end
  local nft = nft_cmd and ns:nft(nft_cmd) or ""
  if nft_cmd and ns.nft_release then ns:nft_release() end
  return { interfaces = ifaces, routes = rt, nat = M.parse_nft(nft) }, links
end

local function kind_of(node, forwarding)
  if forwarding then return "router" end
  local bridges, others, addressed = 0, 0, false
  for _, i in ipairs(node.interfaces) do
    if i.name ~= "lo" then
      if i.kind == "bridge" then bridges = bridges + 1 elseif not i.master then others = others + 1 end
      for _, a in ipairs(i.addresses) do
        if not a:match("^fe80") then addressed = true end
      end
    end
  end
  if bridges > 0 and others == 0 and not addressed then return "switch" end
  return "host"
end

local function is_on(v) return v ~= nil and tostring(v):match("^%s*1") ~= nil end

-- M.veth_finder(entries, links_of) -> find(ns, l): the entry (and its
-- link) holding the far end of veth l of namespace ns. It asks ns's socket
-- for the peer interface in the namespace ns calls l.peer_nsid (one
-- request) and looks it up by address, name and index among the veth ends
-- of every entry (links_of(entry) lists them); nil when that is not unique
-- (MACs set equal by hand) or cannot be asked. Used by inspect and by the
-- REPL's attach.
function M.veth_finder(entries, links_of)
  local by_if = {}
  for _, e in ipairs(entries) do
    for _, l in ipairs(links_of(e)) do
      if l.kind == "veth" and l.mac then
        local k = l.mac .. "|" .. l.name .. "|" .. l.index
        by_if[k] = by_if[k] == nil and { e, l } or false
      end
    end
  end
  return function(ns, l)
    if not l.peer_nsid or not ns.peer_of then return nil end
    local ok, mac, name = pcall(ns.peer_of, ns, l.peer_nsid, l.peer)
    local hit = ok and mac and by_if[mac .. "|" .. (name or "") .. "|" .. l.peer]
    if hit then return hit[1], hit[2] end
  end
end

-- M.lab(name) -> data | nil, message
function M.lab(name)
  if not core.valid_name(name) then
    return nil, (select(2, util.lab_arg("lab", name)):gsub("^lab: ", ""))
  end
  local recs = core.journal_records(name, "netns")
  if not recs then return nil, ("no lab named \"%s\" is up (see `nslab ls`)"):format(name) end
  local owner = core.journal_owner(name)
  local data = {
    schema = M.SCHEMA, lab = name,
    file = (slurp(core.lab_dir(name) .. "/file") or ""):gsub("\n$", ""),
    owner = owner and owner > 0 and owner or json.null,
    state = owner and owner > 0 and "running" or "up",
    nodes = A {}, links = A {},
  }
  if data.file == "" then data.file = json.null end
  local opened, prefix = {}, name .. "."
  local ok, err = pcall(function()
    local pins = {}
    for _, nsname in ipairs(recs) do pins[#pins + 1] = core.netns_dir .. "/" .. nsname end
    local pids = core.pids_in(pins)    -- one look at /proc for every node
    for _, nsname in ipairs(recs) do
      if nsname:sub(1, #prefix) == prefix then
        local ns, oerr = core.netns_open(nsname)
        if not ns then error(oerr, 0) end
        local n, links = read_ns(ns, nil, "list ruleset")
        if not n then error(links, 0) end
        n.name, n.netns = nsname:sub(#prefix + 1), nsname
        n.forwarding = { ipv4 = is_on(ns:sysctl_get("net.ipv4.ip_forward")),
                         ipv6 = is_on(ns:sysctl_get("net.ipv6.conf.all.forwarding")) }
        n.kind = kind_of(n, n.forwarding.ipv4 or n.forwarding.ipv6)
        n.processes = processes(pids[core.netns_dir .. "/" .. nsname] or {})
        data.nodes[#data.nodes + 1] = n
        opened[#opened + 1] = { node = n, ns = ns, links = links }
      end
    end
    -- the host namespace, as far as the lab touched it
    local hostlinks = core.journal_records(name, "link") or {}
    local nftrec = core.journal_records(name, "nft") or {}
    local pidrec = core.journal_records(name, "pid") or {}
    local hostpids = {}
    local selfns = core.nsid("/proc/self/ns/net")
    for _, r in ipairs(pidrec) do
      local pid = math.tointeger(tonumber(r:match("^(%d+)")))
      if pid and core.nsid_of_pid(pid) == selfns then hostpids[#hostpids + 1] = pid end
    end
    if #hostlinks > 0 or #nftrec > 0 or #hostpids > 0 then
      local ns = assert(core.netns_host())
      local only = {}
      for _, l in ipairs(hostlinks) do only[l:match("^(%S+)")] = true end
      local tname = nil
      for _, r in ipairs(nftrec) do
        local fam, t = r:match("^(%S+) (%S+)")
        if t then tname = ("list table %s %s"):format(fam, t) end
      end
      local n, links = read_ns(ns, only, tname)
      if not n then error(links, 0) end
      n.name, n.netns, n.kind = "host", json.null, "root"
      n.forwarding = { ipv4 = is_on(ns:sysctl_get("net.ipv4.ip_forward")),
                       ipv6 = is_on(ns:sysctl_get("net.ipv6.conf.all.forwarding")) }
      n.processes = processes(hostpids)
      data.nodes[#data.nodes + 1] = n
      opened[#opened + 1] = { node = n, ns = ns, links = links, only = only }
    end
    -- links: a veth end's peer (ifindex, and the id its namespace gives
    -- the peer's namespace) names the node at the other end
    -- The peer's namespace: one request per veth end (M.veth_finder);
    -- only when that is not unique (equal MACs set by hand) ask a for
    -- the id it gives each other node — a request per pair of nodes,
    -- which made `inspect` of 1000 nodes take 6.6 s.
    local find = M.veth_finder(opened, function(o) return o.links end)
    local function ids_of(a)
      if not a.ids then
        a.ids = {}
        for _, b in ipairs(opened) do
          if b ~= a then
            local id = a.ns:nsid_for(b.ns)
            if id and id >= 0 then a.ids[id] = b end
          end
        end
      end
      return a.ids
    end
    local function peer_node(a, l)
      if not l.peer_nsid then return a end
      return find(a.ns, l) or ids_of(a)[l.peer_nsid]
    end
    local seen, pos = {}, {}
    for k, o in ipairs(opened) do pos[o] = k end
    for ai, a in ipairs(opened) do
      for _, l in ipairs(a.links) do
        if l.kind == "veth" and l.peer and (not a.only or a.only[l.name]) then
          local b = peer_node(a, l)
          local bname
          if b then
            for _, pl in ipairs(b.links) do
              if pl.index == l.peer then bname = pl.name break end
            end
          end
          local key_a = ai .. ":" .. l.index
          if not seen[key_a] then
            local e = { a = { node = a.node.name, interface = l.name } }
            if b and bname then
              seen[pos[b] .. ":" .. l.peer] = true
              e.b = { node = b.node.name, interface = bname }
            else
              e.b = { node = json.null, interface = json.null }
            end
            seen[key_a] = true
            data.links[#data.links + 1] = e
          end
        end
      end
    end
    -- each interface names its peer too
    local node_named = {}
    for _, n in ipairs(data.nodes) do node_named[n.name] = node_named[n.name] or n end
    for _, l in ipairs(data.links) do
      for _, pair in ipairs { { l.a, l.b }, { l.b, l.a } } do
        local me, other = pair[1], pair[2]
        local n = node_named[me.node]
        for _, i in ipairs(n and n.interfaces or {}) do
          if i.name == me.interface then
            i.peer = other.node ~= json.null and { node = other.node, interface = other.interface } or json.null
          end
        end
      end
    end
  end)
  for _, o in ipairs(opened) do o.ns:close() end
  if not ok then return nil, err end
  return data
end

-- A short human-readable view of M.lab data.
function M.text(d, out)
  out = out or io.stdout
  out:write(("lab %s (%s%s)%s\n"):format(d.lab, d.state,
    d.owner ~= json.null and (", pid " .. d.owner) or "", d.file ~= json.null and ("  " .. d.file) or ""))
  for _, n in ipairs(d.nodes) do
    out:write(("\n%s  [%s%s]\n"):format(n.name, n.kind, n.netns ~= json.null and (", netns " .. n.netns) or ""))
    for _, i in ipairs(n.interfaces) do
      if i.name ~= "lo" then
        local peer = i.peer and i.peer ~= json.null and ("  -> %s:%s"):format(i.peer.node, i.peer.interface) or ""
        out:write(("  %-14s %-6s %-5s %s%s%s\n"):format(i.name, i.kind, i.up and "up" or "down",
          table.concat(i.addresses, " "), i.master and ("  master " .. i.master) or "", peer))
      end
    end
    for _, r in ipairs(n.routes) do
      if r.proto ~= "kernel" and r.dst:sub(1, 4) ~= "fe80" then
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
end

return M
