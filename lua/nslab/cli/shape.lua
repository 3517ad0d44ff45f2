-- nslab.cli.shape — command-line verbs on the interfaces of labs that are
-- up: shape, unshape, link (up/down) and capture. Dispatched from
-- nslab.cli; nodes are found from the lab's record (nslab.live.procs), so they
-- work for labs of any nslab process, `nslab up` and crashed ones alike.
local core = require "nslab.core"
local procs = require "nslab.live.procs"
local shape = require "nslab.shape"

local M = {}

local function err(verb, fmt, ...) return require("nslab.cli.say").fail(1, verb .. ": " .. fmt, ...) end

-- A usage error: one line, exit status 2.
local function usage(verb, fmt, ...)
  err(verb, fmt, ...)
  return 2
end

-- The namespace of NODE in LAB (open it; close when done), the path whose
-- disappearance means the node is gone, or nil, message.
local function open_node(lab, node)
  if node == "host" then
    if not procs.nodes(lab) then return nil, ("no lab named \"%s\" is up (see `nslab ls`)"):format(lab) end
    local ns, e = core.netns_host()
    if not ns then return nil, e end
    return ns, core.lab_dir(lab)
  end
  local n, e = procs.node(lab, node)
  if not n then return nil, e end
  local ns, oe = core.netns_open(n.netns)
  if not ns then return nil, oe end
  return ns, n.pin
end

-- "NODE:IFACE" of LAB -> ns, ifindex, ifname, node, watch or nil, message.
local function target(lab, spec)
  local node, ifname = (spec or ""):match("^([^:]+):(.+)$")
  if not node then
    return nil, ("\"%s\" is not NODE:IFACE (like client:eth0)"):format(spec or "")
  end
  local ns, watch = open_node(lab, node)
  if not ns then return nil, watch end
  local idx = ns:link_index(ifname)
  if not idx then
    ns:close()
    return nil, ("node \"%s\" of lab \"%s\" has no interface \"%s\""):format(node, lab, ifname)
  end
  return ns, idx, ifname, node, watch
end

local function need_root(verb)
  if core.privileged() then return true end
  err(verb, "needs root to enter a node; run it as root (sudo nslab %s ...)", verb)
  return false
end

local function show_shape(node, ifname, ns, idx)
  local t, e = shape.read(ns, idx, ifname)
  if t == nil then return nil, e end
  io.stdout:write(("%s:%s: %s\n"):format(node, ifname, t and t.text or "not shaped"))
  return true
end

-- nslab shape LAB NODE:IFACE [rate=R burst=B latency=T limit=B delay=T
-- jitter=T loss=P% duplicate=P%]: set (and print) the shaping of what
-- leaves IFACE; without settings, print it.
function M.shape(a)
  local opts = {}
  for _, word in ipairs(a.settings) do
    local key, value = word:match("^([%a_]+)=(.*)$")
    if not key then return usage("shape", "\"%s\" is not KEY=VALUE (like rate=10mbit)", word) end
    opts[key] = value
  end
  local spec, perr
  if next(opts) then
    spec, perr = shape.parse(opts)
    if not spec then return usage("shape", "%s", (perr:gsub("^shape: ", ""))) end
  end
  if not need_root("shape") then return 1 end
  local ns, idx, ifname, node = target(a.lab, a.endpoint)
  if not ns then return err("shape", "%s", idx) end
  local ok, e = true, nil
  if spec then ok, e = shape.apply(ns, idx, ifname, spec) end
  if ok then ok, e = show_shape(node, ifname, ns, idx) end
  ns:close()
  if not ok then return err("shape", "%s", e) end
  return 0
end

-- nslab unshape LAB NODE:IFACE
function M.unshape(a)
  if not need_root("unshape") then return 1 end
  local ns, idx, ifname, node = target(a.lab, a.endpoint)
  if not ns then return err("unshape", "%s", idx) end
  local ok, e = ns:shape_clear(idx, ifname)
  if ok then ok, e = show_shape(node, ifname, ns, idx) end
  ns:close()
  if not ok then return err("unshape", "%s", e) end
  return 0
end

-- Setting an interface down makes the kernel drop its IPv6 addresses and
-- the routes through it. `link down` keeps them in the lab's state
-- directory (gone with the lab) and `link up` puts them back, so the lab
-- is as before, as node:set does for a lab's own objects.
local function saved_path(lab, node, ifname)
  -- lab and node were checked by target(); the interface name is the
  -- kernel's, which never holds '/'
  return ("%s/down.%s.%s"):format(core.lab_dir(lab), node, ifname)
end

local function snapshot(ns, idx)
  local lines = {}
  for _, a in ipairs(ns:addresses() or {}) do
    if a.ifindex == idx and a.family == 6 and a.scope == "global" then
      lines[#lines + 1] = "addr " .. a.cidr
    end
  end
  for _, r in ipairs(ns:routes() or {}) do
    if r.oif == idx and r.table == 254 and r.type == "unicast" and r.proto ~= "kernel" then
      lines[#lines + 1] = ("route %s %s %d %d"):format(r.dst, r.via or "-", r.metric or -1, r.family)
    end
  end
  return lines
end

local function restore(ns, idx, ifname, path)
  local f = io.open(path)
  if not f then return end
  for line in f:lines() do
    local cidr = line:match("^addr (%S+)$")
    if cidr then ns:addr_add(idx, ifname, cidr) end
    local dst, via, metric, fam = line:match("^route (%S+) (%S+) (%-?%d+) (%d)$")
    if dst then
      ns:route_add(dst, via ~= "-" and via or nil, idx, ifname, tonumber(metric), true, tonumber(fam))
    end
  end
  f:close()
  os.remove(path)
end

-- nslab link LAB NODE:IFACE up|down: a veth end down takes the link down
-- (its peer loses carrier), as unplugging the cable would.
function M.link(a)
  if not need_root("link") then return 1 end
  local ns, idx, ifname, node = target(a.lab, a.endpoint)
  if not ns then return err("link", "%s", idx) end
  local up, path = a.state == "up", saved_path(a.lab, node, ifname)
  if not up and not core.exists(path) then
    local f = io.open(path, "w")
    if f then
      f:write(table.concat(snapshot(ns, idx), "\n"), "\n")
      f:close()
    end
  end
  local ok, e = ns:link_set(idx, ifname, { up = up })
  if ok and up then restore(ns, idx, ifname, path) end
  ns:close()
  if not ok then return err("link", "%s", e) end
  io.stdout:write(("%s:%s: %s\n"):format(node, ifname, a.state))
  return 0
end

-- Wait for the capture helper pid to end; a signal (Ctrl-C reaches both
-- of us) raises "interrupted by ..." here, and the helper is asked to
-- finish. Returns its exit status.
local function wait_capture(pid)
  local status
  local ok, e = pcall(function()
    while true do
      local st = core.waitpid(pid, true)
      if st ~= false then status = st return end
      core.sleep(0.1)
    end
  end)
  if not ok then
    if not tostring(e):find("interrupted by", 1, true) then error(e, 0) end
    core.kill(pid, 15)
    status = core.waitpid(pid, false)
  end
  return status
end

-- nslab capture for a node the lab placed on another machine
-- (nslab.machine): the same verb there over ssh, its pcap written here;
-- nil when no other machine holds the node.
local function capture_far(o, filter)
  local machine = require "nslab.machine"
  local node = o.endpoint:match("^([^:]+):.+$")
  local m = node and machine.machine_of(o.lab, node)
  if not m then return nil end
  local words = {}
  if o.count then words[#words + 1] = "-c"; words[#words + 1] = tostring(o.count) end
  if o.snaplen then words[#words + 1] = "-s"; words[#words + 1] = tostring(o.snaplen) end
  if not o.promisc then words[#words + 1] = "-p" end
  for _, w in ipairs(filter) do words[#words + 1] = w end
  local quiet = o.file == "-"
  if not quiet then
    io.stderr:write(("capturing on %s of lab %s (machine %s) into %s%s; Ctrl-C stops\n"):format(o.endpoint,
      o.lab, m.name, o.file, o.count and (" (%d packets)"):format(o.count) or ""))
  end
  local ok, how, code = os.execute(machine.remote_capture(o.lab, m, o.endpoint, words, o.file))
  if not ok and how == "exit" and code ~= 130 then
    -- (it said why there, on our standard error)
    if not quiet and (core.pcap_count(o.file) or 0) == 0 then os.remove(o.file) end
    return code
  end
  if not quiet then
    local n = core.pcap_count(o.file) or 0
    io.stderr:write(("%d packet%s captured in %s\n"):format(n, n == 1 and "" or "s", o.file))
  end
  return 0
end

-- nslab capture LAB NODE:IFACE -w FILE [-c COUNT] [-s SNAPLEN] [-p]
-- [FILTER...]: write what passes IFACE to FILE (pcap) until Ctrl-C,
-- COUNT packets, or the lab going down.
function M.capture(o)
  if not need_root("capture") then return 1 end
  local lab, filter = o.lab, o.filter
  o.file, o.promisc = o.write, not o.no_promiscuous_mode
  if o.snaplen then o.snaplen = math.min(o.snaplen, 262144) end
  local ns, idx, ifname, node, watch = target(lab, o.endpoint)
  if not ns then
    local far = capture_far(o, filter)
    if far then return far end
    return err("capture", "%s", idx)
  end
  local pid, start = core.capture(ns, ifname, o.file, {
    count = o.count, snaplen = o.snaplen, promisc = o.promisc,
    filter = #filter > 0 and table.concat(filter, " ") or nil,
    session = false, watch = watch,
  })
  ns:close()
  if not pid then return err("capture", "%s", start) end
  local quiet = o.file == "-"
  if not quiet then
    io.stderr:write(("capturing on %s:%s of lab %s into %s%s; Ctrl-C stops\n"):format(node, ifname,
      lab, o.file, o.count and (" (%d packets)"):format(o.count) or ""))
  end
  local status = wait_capture(pid)
  if status ~= 0 and status ~= 3 and status ~= 15 + 128 then
    return err("capture", "the capture on %s:%s failed (status %s)", node, ifname, tostring(status))
  end
  if not quiet then
    local n = core.pcap_count(o.file) or 0
    local why = status == 3 and (" (%s:%s or lab %s went away)"):format(node, ifname, lab) or ""
    io.stderr:write(("%d packet%s captured in %s%s\n"):format(n, n == 1 and "" or "s", o.file, why))
  end
  return 0
end

return M
