-- nslab.live.machines — the parts of a lab on other machines, for the
-- coordinator's views (`nslab inspect`, `nslab graph LAB`, `nslab web`):
-- each machine's own `nslab inspect --json --here` over ssh, read in
-- parallel in the background, and the coordinator's record of the links
-- between machines (nslab.machine) to join the parts. A machine that
-- cannot be reached is said, and its nodes stay listed by name.
local core = require "nslab.core"
local json = require "nslab.json"
local machine = require "nslab.machine"
local util = require "nslab.util"

local M = {}

local shq, slurp = machine.shq, util.slurp

-- M.start(name) -> a reading under way (nil when the lab is on this
-- machine alone): one ssh per other machine, its answer into a file.
function M.start(name)
  local list = machine.recorded(name)
  if #list == 0 then return nil end
  local job = { name = name, parts = {} }
  for _, m in ipairs(list) do
    local argv = machine.ssh_argv(m)
    argv[#argv + 1] = ("%s inspect --json --here %s"):format(shq(m.nslab), shq(name))
    local p = { m = m, out = os.tmpname(), err = os.tmpname() }
    p.pid = core.spawn({ "sh", "-c", ("exec %s >%s 2>%s </dev/null"):format(machine.shell_line(argv),
      shq(p.out), shq(p.err)) }, {})
    job.parts[#job.parts + 1] = p
  end
  return job
end

-- The last line a failed reading left, for the message.
local function said(p)
  local last
  for l in (slurp(p.err) or ""):gmatch("[^\n]+") do
    if l:match("%S") then last = l end
  end
  return last
end

-- M.poll(job) -> true when every machine answered or failed (each part
-- then has data= or error=).
function M.poll(job)
  local done = true
  for _, p in ipairs(job.parts) do
    if p.pid and p.data == nil and p.error == nil then
      local st = core.waitpid(p.pid, true)
      if st == false then
        done = false
      else
        local d, e = json.decode(slurp(p.out) or "")
        if st == 0 and type(d) == "table" and type(d.nodes) == "table" then
          p.data = d
        else
          p.error = said(p) or (e and ("not an answer: " .. e)) or ("status " .. tostring(st))
        end
        os.remove(p.out)
        os.remove(p.err)
      end
    elseif not p.pid and p.error == nil then
      p.error = "ssh could not be started"
    end
  end
  return done
end

-- M.wait(job, timeout) -> job, every part answered or given up on
-- (a machine slower than timeout is said to be).
function M.wait(job, timeout)
  local deadline = core.clock() + timeout
  while not M.poll(job) do
    if core.clock() >= deadline then
      for _, p in ipairs(job.parts) do
        if p.data == nil and p.error == nil then
          core.kill(p.pid, 9)
          core.waitpid(p.pid, false)
          os.remove(p.out)
          os.remove(p.err)
          p.error = ("no answer within %g s"):format(timeout)
        end
      end
      break
    end
    core.sleep(0.02)
  end
  return job
end

-- M.read(name [, timeout]) -> the parts of lab name on other machines,
-- read now (nil on one machine).
function M.read(name, timeout)
  local job = M.start(name)
  return job and M.wait(job, timeout or 15)
end

-- JSON's empty arrays come back as empty tables: the lists of a node
-- marked again, so they encode as [] (docs/inspect.schema.json).
local function lists(n)
  local A = json.array
  for _, k in ipairs { "interfaces", "routes", "nat", "processes" } do
    if type(n[k]) == "table" then A(n[k]) end
  end
  for _, i in ipairs(n.interfaces or {}) do A(i.addresses or {}) end
  for _, t in ipairs(n.nat or {}) do
    for _, c in ipairs(A(t.chains or {})) do A(c.rules or {}) end
  end
  for _, p in ipairs(n.processes or {}) do A(p.argv or {}) end
  return n
end

-- M.join(data, job): the parts into data (`nslab inspect` data of this
-- machine's part): each machine says whether it was reached (and why
-- not), its nodes join data.nodes with their machine, and each link
-- between machines joins data.links with its VNI, each end naming the
-- other as its peer.
function M.join(data, job)
  local _, _, links = machine.recorded(data.lab)
  local by = {}
  for _, p in ipairs(job and job.parts or {}) do by[p.m.name] = p end
  for _, m in ipairs(data.machines or {}) do
    local p = by[m.name]
    if p and p.data then
      m.reached = true
      for _, n in ipairs(p.data.nodes) do
        n.machine = m.name
        data.nodes[#data.nodes + 1] = lists(n)
      end
      for _, l in ipairs(p.data.links or {}) do data.links[#data.links + 1] = l end
    else
      m.reached = false
      m.error = p and p.error or "not read"
    end
  end
  local iface = {}
  for _, n in ipairs(data.nodes) do
    for _, i in ipairs(n.interfaces or {}) do iface[n.name .. "\0" .. i.name] = i end
  end
  for _, l in ipairs(links) do
    data.links[#data.links + 1] = { a = l.a, b = l.b, vni = l.vni }
    local ia, ib = iface[l.a.node .. "\0" .. l.a.interface], iface[l.b.node .. "\0" .. l.b.interface]
    if ia then ia.peer = { node = l.b.node, interface = l.b.interface } end
    if ib then ib.peer = { node = l.a.node, interface = l.a.interface } end
  end
  data.machines = data.machines or json.array {}
  return data
end

return M
