-- nslab.state — regression of a lab's state: what `nslab inspect --json`
-- saved once, compared with a lab that is up now (`nslab inspect LAB
-- --compare FILE`, lab:expect_state(file)). Both sides become facts,
-- "node: what" = value, leaving out what changes on every build:
-- interface indexes, MAC addresses and the IPv6 link-local addresses and
-- routes made from them, pids, nft counters, the lab's name and owner,
-- and the operational state of interfaces (their admin state counts).
-- The difference is a sorted list of lines, one per fact:
--   ~ router: interface sv-rt1: state: up -> down
--   - client: address 10.0.1.2/24 on cl-rt0
--   + client: address 10.0.1.9/24 on cl-rt0
local M = {}

local function link_local(s)
  return type(s) == "string" and s:lower():match("^fe80:") ~= nil
end

-- A route's value: everything but its destination, device, table and
-- metric (those are its key: a node has one fe80::/64 per interface).
local function route_value(r)
  local t = {}
  for _, k in ipairs { "via", "src", "proto", "type", "scope" } do
    if r[k] ~= nil then t[#t + 1] = k .. " " .. tostring(r[k]) end
  end
  return table.concat(t, " ")
end

local function nft_rule(s)
  return (tostring(s):gsub("counter packets %d+ bytes %d+", "counter"):gsub("%s+# handle %d+", ""))
end

-- Facts are gathered as key -> values; a key met more than once (two
-- equal routes) keeps each value, numbered in sorted order, so that the
-- kernel's listing order does not matter.
local function put(facts, key, value)
  local vs = facts[key]
  if not vs then vs = {}; facts[key] = vs end
  vs[#vs + 1] = tostring(value)
end

local function flatten(multi)
  local f = {}
  for k, vs in pairs(multi) do
    table.sort(vs)
    for i, v in ipairs(vs) do f[i == 1 and k or ("%s (#%d)"):format(k, i)] = v end
  end
  return f
end

-- The facts of an inspect document (docs/inspect.schema.json): a table
-- key -> value, both strings.
function M.facts(d)
  local f = {}
  for _, n in ipairs(d.nodes or {}) do
    local p = n.name .. ": "
    put(f, p .. "kind", n.kind)
    if type(n.forwarding) == "table" then
      put(f, p .. "forwarding ipv4", n.forwarding.ipv4)
      put(f, p .. "forwarding ipv6", n.forwarding.ipv6)
    end
    for _, i in ipairs(n.interfaces or {}) do
      local ip = ("%sinterface %s: "):format(p, i.name)
      -- admin state, not the operational one: that settles (unknown ->
      -- up) asynchronously after a build, and a link set down shows here
      for _, k in ipairs { "kind", "up", "mtu", "master" } do
        if i[k] ~= nil then put(f, ip .. k, i[k]) end
      end
      if type(i.peer) == "table" then
        put(f, ip .. "peer", ("%s:%s"):format(tostring(i.peer.node), tostring(i.peer.interface)))
      end
      for _, a in ipairs(i.addresses or {}) do
        if not link_local(a) then put(f, ("%saddress %s on %s"):format(p, a, i.name), "present") end
      end
    end
    for _, r in ipairs(n.routes or {}) do
      local dst = tostring(r.dst)
      -- the kernel's own fe80::/64 of each interface is left out, as
      -- link-local addresses are: it appears when the link's carrier does,
      -- which the kernel announces up to a second after the build (an
      -- identical rebuild then differed, seen under ASan); a fe80 route a
      -- lab adds itself is kept
      if not link_local(dst) or (dst:match("/64$") and r.proto ~= "kernel") then
        put(f, ("%sroute %s%s%s%s"):format(p, r.table ~= "main" and ("table " .. tostring(r.table) .. " ") or "",
          dst, r.dev and (" dev " .. r.dev) or "", r.metric and (" metric " .. r.metric) or ""), route_value(r))
      end
    end
    for _, t in ipairs(n.nat or {}) do
      local tp = ("%snft %s %s"):format(p, t.family, t.name)
      put(f, tp, "present")
      for _, c in ipairs(t.chains or {}) do
        local cp = ("%s chain %s"):format(tp, c.name)
        local hdr = {}
        for _, k in ipairs { "type", "hook", "priority", "policy" } do
          if c[k] then hdr[#hdr + 1] = k .. " " .. tostring(c[k]) end
        end
        put(f, cp, table.concat(hdr, " "))
        for _, rule in ipairs(c.rules or {}) do put(f, cp .. ": " .. nft_rule(rule), "present") end
      end
    end
    for _, pr in ipairs(n.processes or {}) do
      put(f, ("%sprocess %s"):format(p, pr.command or table.concat(pr.argv or {}, " ")), "running")
    end
  end
  for _, l in ipairs(d.links or {}) do
    local a = ("%s:%s"):format(tostring(l.a and l.a.node), tostring(l.a and l.a.interface))
    local b = ("%s:%s"):format(tostring(l.b and l.b.node), tostring(l.b and l.b.interface))
    if a > b then a, b = b, a end
    put(f, ("link %s -- %s"):format(a, b), "present")
  end
  return flatten(f)
end

-- The difference from saved to live (inspect documents), as sorted lines;
-- empty when they agree.
function M.diff(saved, live)
  local a, b = M.facts(saved), M.facts(live)
  local keys, seen = {}, {}
  for k in pairs(a) do keys[#keys + 1] = k; seen[k] = true end
  for k in pairs(b) do if not seen[k] then keys[#keys + 1] = k end end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do
    local x, y = a[k], b[k]
    if x ~= y then
      if x == nil then
        out[#out + 1] = "+ " .. k .. ((y == "present" or y == "running") and "" or (": " .. y))
      elseif y == nil then
        out[#out + 1] = "- " .. k .. ((x == "present" or x == "running") and "" or (": " .. x))
      else
        out[#out + 1] = ("~ %s: %s -> %s"):format(k, x, y)
      end
    end
  end
  return out
end

-- Read a saved state (inspect --json); doc or nil, message.
function M.load(path)
  local f, ferr = io.open(path, "r")
  if not f then return nil, ("cannot read saved state %s (%s)"):format(path, ferr) end
  local text = f:read("a")
  f:close()
  local ok, d = pcall(require("nslab.json").decode, text)
  if not ok or type(d) ~= "table" or d.schema ~= "nslab-inspect/1" then
    return nil, ("%s is not a saved state (the output of `nslab inspect LAB --json`)"):format(path)
  end
  return d
end

-- Compare lab name (up) with the saved state at path: lines (empty when
-- they agree), or nil, message.
function M.compare(name, path)
  local saved, serr = M.load(path)
  if not saved then return nil, serr end
  local live, lerr = require("nslab.live.inspect").lab(name)
  if not live then return nil, lerr end
  return M.diff(saved, live)
end

-- The summary line of a difference.
function M.summary(lines)
  local add, del, chg = 0, 0, 0
  for _, l in ipairs(lines) do
    local c = l:sub(1, 1)
    if c == "+" then add = add + 1 elseif c == "-" then del = del + 1 else chg = chg + 1 end
  end
  return ("%d changed, %d missing, %d new"):format(chg, del, add)
end

return M
