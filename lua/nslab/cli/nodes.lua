-- nslab.cli.nodes — the command-line verbs that look into labs that are
-- up: exec, shell, nodes, pids, identify, monitor. Dispatched from
-- nslab.cli; the work is in nslab.live.procs and nslab.core.
local core = require "nslab.core"
local procs = require "nslab.live.procs"
local live = require "nslab.live"
local util = require "nslab.util"

local M = {}
local nodes_json

-- Exit statuses of exec and shell when the command itself never ran,
-- as env(1), chroot(1) and timeout(1) use them.
local FAILED, CANNOT_EXEC, NOT_FOUND = 125, 126, 127

local err = require("nslab.cli.say").fail   -- err(status, fmt, ...) -> status

-- Join NODE of LAB in this very process and exec argv: no fork, so the
-- command's exit status is nslab's. Returns only when that fails.
local function exec_in(verb, lab, node, argv)
  if not core.privileged() then
    return err(FAILED, "%s needs root to enter a node; run it as root (sudo nslab %s ...)", verb, verb)
  end
  local pin, nsname, hostname
  local n, e = procs.node(lab, node)
  if n then
    pin, nsname, hostname = n.pin, n.netns, n.node
  elseif node == "host" and procs.nodes(lab) then
    -- the root namespace: nothing to enter
  else
    -- a node the lab placed on another machine: the same verb there, over
    -- ssh, in place of this process (its exit status is the command's)
    local far = require("nslab.machine").remote_verb(lab, node, verb,
      verb == "exec" and argv or nil, verb == "shell")
    if not far then return err(FAILED, "%s: %s", verb, e) end
    argv = far
  end
  local _, msg, code = core.exec_in(pin, nsname, hostname, argv)
  if code == 2 then return err(NOT_FOUND, "%s: %s", verb, msg) end
  if code == 13 or code == 8 then return err(CANNOT_EXEC, "%s: %s", verb, msg) end
  return err(FAILED, "%s: %s", verb, msg)
end

-- nslab exec LAB NODE [--] CMD ARG...
function M.exec(a)
  return exec_in("exec", a.lab, a.node, a.command)
end

-- nslab shell LAB NODE: $SHELL (else /bin/sh) inside the node; its
-- prompt shows the node, since the node's hostname is its name.
function M.shell(a)
  local sh = os.getenv("SHELL")
  if not sh or sh == "" or not io.open(sh, "r") then sh = "/bin/sh" end
  return exec_in("shell", a.lab, a.node, { sh })
end

-- A node's interfaces (not lo) and their addresses (not link-local):
-- { { name =, addresses = { CIDR... } }... }, or nil when it cannot be read.
local function iface_list(pin_name)
  local ns = core.netns_open(pin_name)
  if not ns or not ns.links then
    if ns then ns:close() end
    return nil
  end
  local ok, out = pcall(function()
    local byidx, order = {}, {}
    for _, l in ipairs(ns:links() or {}) do
      if l.name ~= "lo" then
        byidx[l.index] = { name = l.name, addresses = {} }
        order[#order + 1] = byidx[l.index]
      end
    end
    for _, ad in ipairs(ns:addresses() or {}) do
      if byidx[ad.ifindex] and ad.scope ~= "link" then table.insert(byidx[ad.ifindex].addresses, ad.cidr) end
    end
    return order
  end)
  ns:close()
  return ok and out or nil
end

-- "eth0 10.0.1.2/24, eth1 10.0.2.1/24", or "-".
local function ifaces_of(pin_name)
  local parts = {}
  for _, i in ipairs(iface_list(pin_name) or {}) do
    parts[#parts + 1] = table.concat({ i.name, table.unpack(i.addresses) }, " ")
  end
  return #parts > 0 and table.concat(parts, ", ") or "-"
end

-- nslab nodes LAB --json: { lab =, nodes = { { name =, netns =, pids = N|null,
-- interfaces = [ { name =, addresses = [CIDR...] } ] | null } } } (docs/cli.md).
function nodes_json(lab, nodes)
  local json = require "nslab.json"
  local list = {}
  for _, n in ipairs(nodes) do
    local pids = core.pids_in(n.pin)
    local ifaces = iface_list(n.netns)
    if ifaces then
      for _, i in ipairs(ifaces) do json.array(i.addresses) end
    end
    list[#list + 1] = { name = n.node, netns = n.netns, pids = pids and #pids or json.null,
                        interfaces = ifaces and json.array(ifaces) or json.null }
  end
  io.stdout:write(json.encode({ lab = lab, nodes = json.array(list) }, { indent = "  " }), "\n")
  return 0
end

-- nslab nodes LAB: the lab's node namespaces, how many processes each
-- holds, and its interfaces with their addresses.
function M.nodes(a)
  local nodes, e = procs.nodes(a.lab)
  if not nodes then return err(1, "nodes: %s", e) end
  if a.json then return nodes_json(a.lab, nodes) end
  local wn, wns = 4, 5
  for _, n in ipairs(nodes) do wn, wns = math.max(wn, #n.node), math.max(wns, #n.netns) end
  local fmt = ("%%-%ds  %%-%ds  %%4s  %%s\n"):format(wn, wns)
  io.stdout:write(fmt:format("NODE", "NETNS", "PIDS", "INTERFACES"))
  for _, n in ipairs(nodes) do
    local pids = core.pids_in(n.pin)
    io.stdout:write(fmt:format(n.node, n.netns, pids and #pids or "-", ifaces_of(n.netns)))
  end
  require("nslab.cli.rootless").enter_help(io.stdout, nodes[1] and nodes[1].pin)
  return 0
end

-- nslab pids LAB NODE: one pid a line, as `ip netns pids` prints them.
function M.pids(a)
  local pids, e = procs.pids(a.lab, a.node)
  if not pids then return err(1, "pids: %s", e) end
  for _, p in ipairs(pids) do io.stdout:write(p, "\n") end
  return 0
end

-- nslab identify PID: "LAB NODE" for the node the process is in.
function M.identify(a)
  local pid = math.tointeger(tonumber(a.pid))
  if not pid or pid < 1 then return err(2, "identify: \"%s\" is not a process id", util.shown(a.pid)) end
  local found, e = procs.identify(pid)
  if not found then return err(1, "identify: %s", e) end
  for _, f in ipairs(found) do io.stdout:write(f.lab, " ", f.node, "\n") end
  return 0
end

-- One line per event (docs/processes.md):
--   node add|del NODE          link add NODE IFNAME KIND    link del|up|down NODE IFNAME
--   addr add|del NODE IFNAME CIDR                            lab up|down
local function event_line(e)
  if e.what == "lab" then return "lab " .. e.action end
  local parts = { e.what, e.action, e.node }
  if e.ifname then parts[#parts + 1] = e.ifname end
  if e.what == "addr" or (e.what == "link" and e.action == "add") then
    parts[#parts + 1] = (e.detail and e.detail ~= "") and e.detail or "-"
  end
  return table.concat(parts, " ")
end

-- nslab monitor LAB: events until the lab goes down (or Ctrl-C). A lab
-- that is not up yet is waited for.
function M.monitor(a)
  if not core.privileged() then
    return err(1, "monitor needs root to look into the lab's namespaces; run it as root (sudo nslab monitor ...)")
  end
  local lab, bad = util.lab_arg("monitor", a.lab)
  if not lab then return err(1, "%s", bad) end
  -- the owner rule of every verb (nslab.live.owned); only "not up" waits
  local mine, merr = live.owned(lab)
  if not mine and not merr:find("^no lab named") then return err(1, "monitor: %s", merr) end
  local plain = lab:match("^(.-)@%d+$")
  if plain and not live.all_users and core.lab_ns(plain) ~= core.lab_ns(lab) then
    return err(1, "monitor: lab \"%s\" would be another user's, not yours (root may watch it with --all-users)", lab)
  end
  local m, e = core.monitor(lab)
  if not m then return err(1, "monitor: %s", e) end
  local nodes = procs.nodes(lab)
  if nodes then
    io.stderr:write(("nslab: monitor: watching lab \"%s\" (%d nodes); Ctrl-C stops\n"):format(lab, #nodes))
  else
    io.stderr:write(("nslab: monitor: lab \"%s\" is not up; waiting for it\n"):format(lab))
  end
  local ok, res = pcall(function()
    while true do
      local events, perr = m:poll(1)
      if not events then return err(1, "monitor: %s", perr) end
      for _, ev in ipairs(events) do
        io.stdout:write(event_line(ev), "\n")
        if ev.what == "lab" and ev.action == "down" then
          io.stdout:flush()
          return 0
        end
      end
      io.stdout:flush()
    end
  end)
  m:close()
  if not ok then
    if tostring(res):find("interrupted by", 1, true) then return 130 end
    error(res, 0)
  end
  return res
end

return M
