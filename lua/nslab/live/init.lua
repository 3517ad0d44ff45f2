-- nslab.live — a lab that is up, read back from its journal and the
-- kernel: the one reader behind `nslab inspect` (nslab.live.inspect),
-- `nslab graph LAB`, `nslab repl LAB` (nslab.repl.attach) and the process
-- verbs (nslab.live.procs). Nothing is changed. One rule each for:
--   nodes   the journal's standing `netns LAB.NODE` records, in creation
--           order; "host" (the root namespace) when the lab touched it
--           (an interface, an nftables table, a process there);
--   kind    M.kind: router when IPv4 or IPv6 forwarding is on, switch when
--           only a bridge and its ports and no address, else host;
--   routes  M.keep_route: every table but local (255), no multicast
--           routes; in the root namespace only those through the lab's
--           interfaces;
--   links   veth ends paired by their peer (M.veth_finder, one request per
--           end), falling back to namespace ids when that is ambiguous.
local core = require "nslab.core"
local util = require "nslab.util"

local M = {}

local function no_lab(name)
  return ("no lab named \"%s\" is up (see `nslab ls`)"):format(name)
end

local function slurp(path)
  local f = path and io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- Whose labs a command acts on: the caller's own (core.user: the user
-- behind sudo, or behind a rootless namespace). Root of the machine acts
-- on every user's when the command line says --all-users (M.all_users,
-- set by nslab.cli). A lab whose state someone else could write is
-- refused either way (core.journal_trusted).
M.all_users = false

-- A name the caller has no lab of, but other users have (each user behind
-- sudo names labs in a space of their own: NAME there is NAME@UID to the
-- others, paths.h): the line that says so, or nil.
local function elsewhere(lab)
  if lab:find("@", 1, true) then return nil end
  local keys = {}
  for _, key in ipairs(core.journal_list()) do
    if key:match("^(.*)@%d+$") == lab then
      keys[#keys + 1] = ("%s (%s)"):format(key, core.user_name(core.journal_user(key) or -1))
    end
  end
  if #keys == 0 then return nil end
  table.sort(keys)
  if M.all_users then
    return ("no lab of yours named \"%s\" is up; other users' are %s: name one"):format(lab,
      table.concat(keys, ", "))
  end
  if #keys > 1 then
    return ("lab \"%s\" belongs to other users, not to you (root may act on one with --all-users: %s)")
      :format(lab, table.concat(keys, ", "))
  end
  return ("lab \"%s\" belongs to %s, not to you (root may act on it with --all-users, as %s)")
    :format(lab, keys[1]:match("%((.*)%)"), keys[1]:match("^%S+"))
end

-- M.owned(lab) -> true | nil, message. lab is a key: NAME, or NAME@UID
-- for another user's (nslab ls --all-users shows them so).
function M.owned(lab)
  local uid = core.journal_user(lab)
  if uid == nil then return nil, elsewhere(lab) or no_lab(lab) end
  local ok, terr = core.journal_trusted(lab)
  if not ok then return nil, terr end
  if M.all_users or uid == (core.user()) then return true end
  return nil, ("lab \"%s\" belongs to %s, not to you (root may act on it with --all-users)")
    :format(lab, core.user_name(uid))
end

-- M.nodes(lab) -> { {node=, netns=, pin=}, ... } in creation order, or
-- nil, message when the name is bad, no such lab is up or it is not the
-- caller's (M.owned).
function M.nodes(lab)
  if not core.valid_lab(lab) then
    return nil, util.bad_name(lab)
  end
  local mine, merr = M.owned(lab)
  if not mine then return nil, merr end
  local recs = core.journal_records(lab, "netns")
  if not recs then return nil, no_lab(lab) end
  local out, prefix = {}, core.lab_ns(lab) .. "."
  for _, ns in ipairs(recs) do
    if ns:sub(1, #prefix) == prefix then
      out[#out + 1] = { node = ns:sub(#prefix + 1), netns = ns, pin = core.netns_dir .. "/" .. ns }
    end
  end
  return out
end

-- The file the lab was built from, or nil.
function M.file(lab)
  local s = slurp(core.lab_dir(lab) and core.lab_dir(lab) .. "/file")
  s = s and s:gsub("\n$", "")
  return s ~= "" and s or nil
end

-- What the lab made in the root namespace: {links = set of interface
-- names, nft = { {family, table}, ... }, pids = {pid, ...}}, or nil when
-- it made nothing there.
function M.host_part(lab)
  local links, nft, pids = {}, {}, {}
  local any = false
  for _, l in ipairs(core.journal_records(lab, "link") or {}) do
    links[l:match("^(%S+)")] = true
    any = true
  end
  for _, r in ipairs(core.journal_records(lab, "nft") or {}) do
    local fam, t = r:match("^(%S+) (%S+)")
    if t then nft[#nft + 1] = { fam, t } any = true end
  end
  local selfns = core.nsid("/proc/self/ns/net")
  for _, r in ipairs(core.journal_records(lab, "pid") or {}) do
    local pid = math.tointeger(tonumber(r:match("^(%d+)")))
    if pid and core.nsid_of_pid(pid) == selfns then pids[#pids + 1] = pid any = true end
  end
  return any and { links = links, nft = nft, pids = pids } or nil
end

-- The one route rule: every table but local (255), no multicast routes.
function M.keep_route(r)
  return r.table ~= 255 and r.type ~= "multicast"
end

-- The route every IPv6 interface carries (fe80::/64): kept in the data,
-- left out of the human views (`nslab inspect`, the REPL's route, dump).
function M.link_local_route(r)
  return r.family == 6 and r.dst:sub(1, 5) == "fe80:"
end

local function is_on(v) return v ~= nil and tostring(v):match("^%s*1") ~= nil end

-- The one kind rule, from a namespace's interfaces (raw links with
-- .addrs) and its forwarding switches.
function M.kind(links, fwd4, fwd6)
  if fwd4 or fwd6 then return "router" end
  local bridges, others, addressed = 0, 0, false
  for _, l in ipairs(links) do
    if l.name ~= "lo" then
      if l.kind == "bridge" then bridges = bridges + 1 elseif not l.master then others = others + 1 end
      for _, a in ipairs(l.addrs) do
        if a.scope ~= "link" and a.scope ~= "host" then addressed = true end
      end
    end
  end
  if bridges > 0 and others == 0 and not addressed then return "switch" end
  return "host"
end

-- M.veth_finder(entries, links_of) -> find(ns, l): the entry (and its
-- link) holding the far end of veth l of namespace ns. It asks ns's socket
-- for the peer interface in the namespace ns calls l.peer_nsid (one
-- request) and looks it up by address, name and index among the veth ends
-- of every entry (links_of(entry) lists them); nil when that is not unique
-- (MACs set equal by hand) or cannot be asked.
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

-- M.namespace(ns [, opts]) -> entry | nil, message: one namespace as the
-- kernel holds it: links (each with .addrs, the address records of that
-- interface; only those named in the set opts.only, for the root
-- namespace), names (ifindex -> name, all interfaces), routes by the rule
-- (IPv4 first; with opts.only, only those through its interfaces; not
-- read when opts.routes is false), forwarding {ipv4=, ipv6=}, kind (by
-- the rule; "root" with opts.root) and, with opts.nft, the ruleset text
-- (opts.nft_cmd: another nft command, or false for none).
function M.namespace(ns, opts)
  opts = opts or {}
  local links, err = ns:links()
  if not links then return nil, err end
  local e = { ns = ns, names = {}, links = {} }
  local byidx, only = {}, opts.only
  for _, l in ipairs(links) do
    e.names[l.index] = l.name
    if not only or only[l.name] then
      l.addrs = {}
      byidx[l.index] = l
      e.links[#e.links + 1] = l
    end
  end
  for _, a in ipairs(ns:addresses() or {}) do
    local l = byidx[a.ifindex]
    if l then l.addrs[#l.addrs + 1] = a end
  end
  if opts.routes ~= false then
    e.routes = {}
    local rs = ns:routes() or {}
    for _, fam in ipairs { 4, 6 } do
      for _, r in ipairs(rs) do
        if r.family == fam and M.keep_route(r) and (not only or (r.oif and byidx[r.oif])) then
          e.routes[#e.routes + 1] = r
        end
      end
    end
  end
  if opts.nft then
    e.nft = ""
    if opts.nft_cmd ~= false then
      e.nft = ns:nft(opts.nft_cmd or "list ruleset") or ""
      if ns.nft_release then ns:nft_release() end
    end
  end
  e.forwarding = { ipv4 = is_on(ns:sysctl_get("net.ipv4.ip_forward")),
                   ipv6 = is_on(ns:sysctl_get("net.ipv6.conf.all.forwarding")) }
  e.kind = opts.root and "root" or M.kind(e.links, e.forwarding.ipv4, e.forwarding.ipv6)
  return e
end

-- Pair veth ends: each pair once, as { a = {entry, link}, b = {entry,
-- link} | nil } (b nil when the far end is in no node of the lab).
local function pair_links(entries)
  local find = M.veth_finder(entries, function(e) return e.links end)
  local function ids_of(a)
    -- a request per pair of nodes: only when the peer lookup is ambiguous
    -- (it made reading 1000 nodes take 6.6 s as the first way)
    if not a.ids then
      a.ids = {}
      for _, b in ipairs(entries) do
        if b ~= a then
          local id = a.ns:nsid_for(b.ns)
          if id and id >= 0 then a.ids[id] = b end
        end
      end
    end
    return a.ids
  end
  local out, seen = {}, {}
  for _, a in ipairs(entries) do
    for _, l in ipairs(a.links) do
      if l.kind == "veth" and l.peer and not seen[l] then
        local b, lb
        if not l.peer_nsid then
          b = a
        else
          b, lb = find(a.ns, l)
          if not b then b = ids_of(a)[l.peer_nsid] end
        end
        if b and not lb then
          for _, pl in ipairs(b.links) do
            if pl.index == l.peer and pl.kind == "veth" and pl ~= l then lb = pl break end
          end
        end
        seen[l] = true
        if lb then seen[lb] = true end
        out[#out + 1] = { a = { a, l }, b = lb and { b, lb } or nil }
      end
    end
  end
  return out
end

-- M.read(lab [, opts]) -> snapshot | nil, message. opts: routes (default
-- true), nft (read each node's ruleset; the lab's own tables in the root
-- namespace), pids (the processes in each node), keep (leave the
-- namespaces open in the snapshot; else M.read closes them).
-- snapshot = { lab=, file=, owner= (pid, 0 without one), nodes = {entry},
--   links = {pair}, skipped = { {node=, error=} } } where entry = { name=,
--   netns=, ns=, root=, kind=, forwarding={ipv4=, ipv6=}, links=, names=,
--   routes=, nft=, pids=, only= (root: the lab's interface names) }.
function M.read(lab, opts)
  opts = opts or {}
  local nodes, err = M.nodes(lab)
  if not nodes then return nil, err end
  local owner = core.journal_owner(lab)
  local snap = { lab = lab, file = M.file(lab), owner = owner or 0, nodes = {}, skipped = {} }
  local pids
  if opts.pids then
    local pins = {}
    for _, n in ipairs(nodes) do pins[#pins + 1] = n.pin end
    pids = core.pids_in(pins)    -- one look at /proc for every node
  end
  local ok, perr = pcall(function()
    for _, n in ipairs(nodes) do
      local ns, oerr = core.netns_open(n.netns)
      if not ns then
        snap.skipped[#snap.skipped + 1] = { node = n.node, error = oerr }
      else
        local e, rerr = M.namespace(ns, { routes = opts.routes, nft = opts.nft })
        if not e then ns:close() error(rerr, 0) end
        e.name, e.netns, e.pids = n.node, n.netns, pids and (pids[n.pin] or {})
        snap.nodes[#snap.nodes + 1] = e
      end
    end
    local host = M.host_part(lab)
    if host then
      local ns = assert(core.netns_host())
      local cmd = false
      for _, t in ipairs(host.nft) do cmd = ("list table %s %s"):format(t[1], t[2]) end
      local e, rerr = M.namespace(ns, { routes = opts.routes, nft = opts.nft, nft_cmd = cmd,
                                        only = host.links, root = true })
      if not e then ns:close() error(rerr, 0) end
      e.name, e.root, e.only, e.pids = "host", true, host.links, opts.pids and host.pids or nil
      snap.nodes[#snap.nodes + 1] = e
    end
    snap.links = pair_links(snap.nodes)
  end)
  if not ok or not opts.keep then M.close(snap) end
  if not ok then return nil, perr end
  return snap
end

-- Close the namespaces a snapshot holds open.
function M.close(snap)
  for _, e in ipairs(snap.nodes) do
    if e.ns then e.ns:close() end
    e.ns = nil
  end
end

return M
