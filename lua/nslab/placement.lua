-- nslab.placement — spreading a lab's nodes over machines without editing
-- the lab (`nslab run --machines m1,m2 LAB.lua`, docs/multi-host.md).
--
-- Two pieces, both free of the kernel and of the command line:
--   the inventory   where a machine the lab does not declare is: a file of
--                   lines `NAME [here] ssh=TARGET underlay=ADDRESS
--                   [nslab=PATH] [ssh_config=FILE]` (M.read_inventory)
--   the partition   which machine each node the lab does not place itself
--                   goes to: about the same number of nodes on each, and
--                   few links between machines (M.partition)
-- nslab.cli.place runs the lab file dry to learn its graph, calls these,
-- and hands the result to the real run (lab.placement, read by
-- Lab:_add_node for every node made without on=).
local core = require "nslab.core"

local M = {}

---- the inventory -----------------------------------------------------------------

-- The inventory file: $NSLAB_MACHINES_FILE, else nslab/machines under
-- $XDG_CONFIG_HOME (default ~/.config) of the user running nslab.
function M.inventory_path()
  local f = os.getenv("NSLAB_MACHINES_FILE")
  if f and f ~= "" then return f end
  local base = os.getenv("XDG_CONFIG_HOME")
  if not base or base == "" then base = (os.getenv("HOME") or "") .. "/.config" end
  return base .. "/nslab/machines"
end

local KEYS = { ssh = true, underlay = true, nslab = true, ssh_config = true }

-- A valid underlay address (no prefix), or nil and why.
local function address(s)
  local c, err = core.cidr(s)
  if not c then return nil, err end
  if c.prefix then return nil, ("underlay \"%s\" must be an address without a prefix"):format(s) end
  return c
end

-- M.parse_inventory(text, path) -> { by = {NAME = entry}, list = {...},
-- here = entry or nil }, or nil and "PATH:LINE: what is wrong". An entry:
-- { name, here, line, opts = { underlay=, ssh=, nslab=, ssh_config= } }
-- (opts as lab:machine takes them).
function M.parse_inventory(text, path)
  local inv = { by = {}, list = {}, path = path }
  local n = 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    local function bad(fmt, ...) return nil, ("%s:%d: " .. fmt):format(path, n, ...) end
    line = line:gsub("#.*$", "")
    local words = {}
    for w in line:gmatch("%S+") do words[#words + 1] = w end
    if #words > 0 then
      local name = words[1]
      if not core.valid_name(name) or name == "here" then
        return bad("\"%s\" cannot name a machine (letters, digits, '-', '_'; not \"here\")", name)
      end
      if inv.by[name] then return bad("machine \"%s\" is listed twice (first at line %d)", name, inv.by[name].line) end
      local e = { name = name, line = n, opts = {} }
      for i = 2, #words do
        local w = words[i]
        local k, v = w:match("^([%w_]+)=(.*)$")
        if w == "here" then
          e.here = true
        elseif not k then
          return bad("\"%s\": write KEY=VALUE (ssh=, underlay=, nslab=, ssh_config=) or here", w)
        elseif not KEYS[k] then
          return bad("unknown key \"%s\" (ssh=, underlay=, nslab=, ssh_config=)", k)
        elseif v == "" then
          return bad("%s= needs a value", k)
        elseif e.opts[k] then
          return bad("%s= is given twice", k)
        else
          e.opts[k] = v
        end
      end
      if not e.opts.underlay then
        return bad("machine \"%s\" needs underlay=ADDRESS: the address its VXLAN links use (it is never guessed)", name)
      end
      local ok, err = address(e.opts.underlay)
      if not ok then return bad("machine \"%s\": %s", name, err) end
      if e.here then
        if e.opts.ssh or e.opts.nslab or e.opts.ssh_config then
          return bad("machine \"%s\" is here (this machine): it takes no ssh=, nslab= or ssh_config=", name)
        end
        if inv.here then return bad("machines \"%s\" and \"%s\" are both here", inv.here.name, name) end
        inv.here = e
        e.opts.here = true
      end
      for _, o in ipairs(inv.list) do
        if o.opts.underlay == e.opts.underlay then
          return bad("machines \"%s\" and \"%s\" have the same underlay address %s", o.name, name, e.opts.underlay)
        end
      end
      inv.by[name] = e
      inv.list[#inv.list + 1] = e
    end
  end
  return inv
end

-- M.read_inventory(path) -> the inventory (an empty one when the file
-- does not exist: inv.missing), or nil and a message.
function M.read_inventory(path)
  local f = io.open(path, "r")
  if not f then return { by = {}, list = {}, path = path, missing = true } end
  local text = f:read("a")
  f:close()
  if not text then return nil, ("cannot read the inventory file %s: give a file of machine lines"):format(path) end
  return M.parse_inventory(text, path)
end

-- The words of `--machines a,b,c`: a list of names, or nil and why.
-- "here" is this machine (the lab's or the inventory's `here`).
function M.parse_list(s)
  local list, seen = {}, {}
  for w in (s .. ","):gmatch("([^,]*),") do
    if w == "" then
      return nil, ("--machines needs machine names separated by commas, like m1,m2, got \"%s\""):format(s)
    end
    if w ~= "here" and not core.valid_name(w) then
      return nil, ("--machines: \"%s\" cannot name a machine (letters, digits, '-', '_')"):format(w)
    end
    if seen[w] then return nil, ("--machines names \"%s\" twice"):format(w) end
    seen[w] = true
    list[#list + 1] = w
  end
  return list
end

---- the partition ------------------------------------------------------------------

-- M.partition(g, machines) -> on, load, cut, where.
--   g.nodes   { {name=, counts=bool, pin=nil|MACHINE}, ... } in creation
--             order (pin: a node that must stay where it is; counts:
--             false for what is no node of its own, a switch, "host")
--   g.edges   { {a=NAME, b=NAME, tight=bool}, ... } (tight: the two ends
--             must be on one machine, a tunnel kind the agent cannot make)
--   machines  the machine names to spread over, in order
-- on: {NAME = MACHINE} for every node not pinned; load: {MACHINE = nodes
-- counted there} (pinned ones too); cut: edges between two machines;
-- where: {NAME = MACHINE or pin} for every node.
--
-- How: the nodes tied by tight edges are one unit; the free units are
-- taken in depth-first preorder over the links (from the first node
-- made), so a subtree, a stretch of chain or ring, comes together, and cut
-- in consecutive blocks, each machine filled to its share (the total over
-- the machines, pinned nodes counted where they are). A chain split in two
-- is cut once, a ring in three three times, a tree near its branches.
-- Cheap: linear in nodes and links.
function M.partition(g, machines)
  local parent, byname, adj = {}, {}, {}
  local function find(x)
    while parent[x] ~= x do
      parent[x] = parent[parent[x]]
      x = parent[x]
    end
    return x
  end
  for _, n in ipairs(g.nodes) do
    parent[n.name], byname[n.name], adj[n.name] = n.name, n, {}
  end
  for _, e in ipairs(g.edges) do
    if byname[e.a] and byname[e.b] then
      local la, lb = adj[e.a], adj[e.b]
      la[#la + 1], lb[#lb + 1] = e.b, e.a
      if e.tight then
        local ra, rb = find(e.a), find(e.b)
        if ra ~= rb then parent[rb] = ra end
      end
    end
  end
  -- units: members, size (nodes counted), pin (of any member)
  local units = {}
  for _, n in ipairs(g.nodes) do
    local r = find(n.name)
    local u = units[r]
    if not u then
      u = { members = {}, size = 0 }
      units[r] = u
    end
    u.members[#u.members + 1] = n.name
    if n.counts then u.size = u.size + 1 end
    if n.pin and not u.pin then u.pin = n.pin end
  end
  local k = #machines
  local pos, load = {}, {}
  for i, m in ipairs(machines) do pos[m], load[i] = i, 0 end
  local total = 0
  for _, n in ipairs(g.nodes) do
    local u = units[find(n.name)]
    if n.counts and (not u.pin or pos[u.pin]) then total = total + 1 end
    if n.counts and u.pin and pos[u.pin] then load[pos[u.pin]] = load[pos[u.pin]] + 1 end
  end
  local target = {}
  for i = 1, k do target[i] = total // k + (i <= total % k and 1 or 0) end
  -- free units in depth-first preorder over the links
  local order, seen, queued = {}, {}, {}
  local function visit(x)
    seen[x] = true
    local u = units[find(x)]
    if not u.pin and not queued[u] then
      queued[u] = true
      order[#order + 1] = u
    end
  end
  for _, start in ipairs(g.nodes) do
    if not seen[start.name] then
      visit(start.name)
      local stack, next_of = { start.name }, { [start.name] = 1 }
      while #stack > 0 do
        local x = stack[#stack]
        local i = next_of[x]
        local y = adj[x][i]
        if y == nil then
          stack[#stack] = nil
        else
          next_of[x] = i + 1
          if not seen[y] then
            visit(y)
            stack[#stack + 1], next_of[y] = y, 1
          end
        end
      end
    end
  end
  local on, c = {}, 1
  for _, u in ipairs(order) do
    while c < k and load[c] >= target[c] do c = c + 1 end
    for _, name in ipairs(u.members) do on[name] = machines[c] end
    load[c] = load[c] + u.size
  end
  local where = {}
  for _, n in ipairs(g.nodes) do where[n.name] = on[n.name] or units[find(n.name)].pin end
  local cut = 0
  for _, e in ipairs(g.edges) do
    if where[e.a] ~= where[e.b] then cut = cut + 1 end
  end
  local counts = {}
  for i, m in ipairs(machines) do counts[m] = load[i] end
  return on, counts, cut, where
end

return M
