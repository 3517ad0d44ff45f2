-- nslab.live.procs — processes and identity for labs that are up: a lab's
-- nodes, the processes inside a node, and which lab node a process is in
-- (`ip netns pids` / `ip netns identify` for labs). It reads only the
-- record under /run/nslab and the pins under /run/netns, so it answers
-- for labs built by any nslab process, `nslab up` and crashed ones too.
local core = require "nslab.core"
local util = require "nslab.util"
local live = require "nslab.live"

local M = {}

local function sorted_labs()
  local labs = core.journal_list()
  table.sort(labs)
  return labs
end

-- M.nodes(lab) -> { {node=, netns=, pin=}, ... } in creation order, or
-- nil, message when no such lab is up (nslab.live's one list of nodes).
M.nodes = live.nodes

-- M.node(lab, node) -> {node=, netns=, pin=} or nil, message naming the
-- nodes the lab has.
function M.node(lab, node)
  local nodes, err = M.nodes(lab)
  if not nodes then return nil, err end
  if node ~= "host" and not core.valid_name(node) then
    return nil, util.bad_name(node, "node")
  end
  local names = {}
  for _, n in ipairs(nodes) do
    if n.node == node then return n end
    names[#names + 1] = n.node
  end
  return nil, ("lab \"%s\" has no node \"%s\" (nodes: %s)"):format(lab, node,
    #names > 0 and table.concat(names, ", ") or "none")
end

-- M.pids(lab, node) -> { pid, ... } ascending: every process inside the
-- node's namespace, started by nslab or not.
function M.pids(lab, node)
  local n, err = M.node(lab, node)
  if not n then return nil, err end
  local pids, perr = core.pids_in(n.pin)
  if not pids then return nil, perr end
  return pids
end

-- M.identify(pid) -> { {lab=, node=, netns=}, ... } (normally one), or
-- nil, message saying where the process is instead.
function M.identify(pid)
  if math.type(pid) ~= "integer" or pid <= 0 then
    return nil, ("\"%s\" is not a process id"):format(tostring(pid))
  end
  local id = core.nsid_of_pid(pid)
  if not id then return nil, ("no process %d"):format(pid) end
  local found = {}
  for _, lab in ipairs(sorted_labs()) do
    for _, n in ipairs(M.nodes(lab) or {}) do
      if core.nsid(n.pin) == id then
        found[#found + 1] = { lab = lab, node = n.node, netns = n.netns }
      end
    end
  end
  if #found > 0 then return found end
  if id == core.nsid("/proc/self/ns/net") then
    return nil, ("process %d is in the host's network namespace, not in a lab node"):format(pid)
  end
  local pins = core.netns_pins()
  table.sort(pins)
  for _, name in ipairs(pins) do
    if core.nsid(core.netns_dir .. "/" .. name) == id then
      return nil, ("process %d is in network namespace \"%s\", which is not a node of any lab that is up")
        :format(pid, name)
    end
  end
  return nil, ("process %d is in an unnamed network namespace, not in a lab node"):format(pid)
end

return M
