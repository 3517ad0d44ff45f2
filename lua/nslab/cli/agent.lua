-- nslab.cli.agent — `nslab agent LAB`: this machine's part of a lab whose
-- script runs on another machine (nslab.machine; docs/multi-host.md).
-- Started by the coordinator over ssh; reads one JSON request a line on
-- stdin, answers one JSON line each on stdout ({ok = true, result = ...} or
-- {ok = false, error = "..."}). Its first line is the handshake. It holds a
-- real lab of that name here (its own journal, so `nslab ls`, `nslab
-- clean` and `nslab down` on this machine alone see it). When stdin closes
-- (the coordinator ended, was killed, or the connection dropped) the lab
-- is torn down, unless the coordinator asked to keep it (nslab up).
local core = require "nslab.core"
local cjson = require "cjson"
local machine = require "nslab.machine"
local EXIT = require("nslab.cli.verbs").EXIT

local M = {}

local out

-- The processes and captures this agent started, by pid: the coordinator
-- holds them as nslab.remote_proc objects and calls their methods by pid.
local procs = {}

local function send(t)
  io.stdout:write(cjson.encode(t), "\n")
  io.stdout:flush()
end

-- Results as JSON can carry them: nodes by name, a command's result as
-- its fields, a process as its pid; functions and handles are left out.
function out(v, depth)
  if v == cjson.null then return v end
  local t = type(v)
  if t == "table" then
    if v.is_node or v.is_switch then return { __node = v.name } end
    local mt = getmetatable(v)
    local name = mt and mt.__name
    if name == "nslab.result" then
      return { out = v.out, err = v.err, status = v.status, ok = v.ok, timed_out = v.timed_out or false }
    elseif name == "nslab.process" or name == "nslab.capture" then
      procs[v.pid] = v
      return { __proc = v.pid }
    end
    if (depth or 0) > 20 then return nil end
    local o = {}
    for k, x in pairs(v) do
      if type(k) == "string" or math.type(k) == "integer" then o[k] = out(x, (depth or 0) + 1) end
    end
    return o
  elseif t == "function" or t == "userdata" or t == "thread" then
    return nil
  end
  return v
end

local ops = {}

function ops.begin(st, req)
  local nslab = require "nslab"
  st.lab = nslab.lab(req.lab)
  -- checks a forwarded call records (node:has_route, ...) are not printed
  -- here (stdout is the protocol): they go back with the answer, and the
  -- coordinator's lab records them
  st.lab._sink = {}
  st.lab._agent = true
  st.lab:_begin()
  local mtu, err = machine.underlay_mtu(st.lab, req.underlay)
  if not mtu then error(err, 0) end
  -- this machine's name in the lab, for `nslab inspect` here
  st.lab:machine(req.machine, { here = true, underlay = req.underlay })
  machine.record(st.lab)
  return { mtu = mtu }
end

function ops.node(st, req)
  if req.kind == "switch" then
    st.lab:switch(req.name, { ifname = req.ifname, mtu = req.mtu ~= cjson.null and req.mtu or nil })
    return
  end
  local kind = req.kind == "router" and "router" or "host"
  st.lab[kind](st.lab, req.name, { sysctl = req.sysctl })
end

-- The node or switch of that name here; one the coordinator says is on
-- another machine, a stand-in with its addresses (nslab.machine).
local function find(st)
  return function(n, foreign)
    if foreign and not st.lab.nodes[n] and not st.lab.switches[n] then
      return machine.stand_in(st.lab, n, foreign)
    end
    return st.lab:get(n)
  end
end

-- A node by name: a switch's own namespace too (a method called on a
-- switch's mirror is its node's)
local function node_named(st, name) return st.lab.nodes[name] or st.lab:get(name) end

function ops.call(st, req)
  local node = node_named(st, req.node)
  local f = node[req.method]
  if type(f) ~= "function" or req.method:sub(1, 1) == "_" then
    error(("a node has no method \"%s\""):format(tostring(req.method)), 0)
  end
  local args = machine.unwire(req.args or {}, find(st))
  local r = table.pack(f(node, table.unpack(args, 1, req.n or #args)))
  -- a JSON list, holes as null: {v = [...], n = N}
  local v = {}
  for i = 1, r.n do
    local x = out(r[i])
    if x == nil then x = cjson.null end
    v[i] = x
  end
  return { v = v, n = r.n }
end

-- node:capture there: into a file in this machine's state directory,
-- copied by the coordinator when it ends (ssh cat, nslab.remote_proc).
function ops.capture(st, req)
  local node = st.lab:get(req.node)
  local dir = st.lab.journal:dir() .. "/captures"
  st.lab.core.mkdir(dir)
  st.ncapture = (st.ncapture or 0) + 1
  local o = machine.unwire(req.o or {}, find(st))
  o.file = ("%s/%s.%d.pcap"):format(dir, node.name, st.ncapture)
  local c = node:capture(req.ifname, o)
  procs[c.pid] = c
  return { pid = c.pid, ifname = c.ifname, file = c.file }
end

-- A method of a process or capture started here: {r = its answer,
-- status = its exit status once it has ended}.
local proc_ops = {
  wait = function(p, t)
    -- (short: the coordinator loops; nothing else is answered meanwhile)
    return p:wait(math.min(tonumber(t) or 0, require("nslab.remote_proc").SLICE))
  end,
  kill = function(p, sig) return p:kill(sig) end,
  stop = function(p) return p:stop() end,
  output = function(p) return p:output() end,
  packets = function(p) return p:packets() end,
}

function ops.proc(_, req)
  local p = procs[req.pid]
  if not p or p.node.name ~= req.node then
    error(("node \"%s\" has no process %s here"):format(tostring(req.node), tostring(req.pid)), 0)
  end
  local f = proc_ops[req.method]
  if not f or req.method == "packets" and not p.file then
    error(("a process has no method \"%s\""):format(tostring(req.method)), 0)
  end
  local args = machine.unwire(req.args or {}, function() end)
  local r = f(p, table.unpack(args, 1, 2))
  return { r = r, status = p.status }
end

function ops.link(st, req)
  local a = machine.unwire(req, find(st))
  st.lab:link(a.a, a.b, a.addrs, a.opts)
end

function ops.vxlan(st, req)
  local o = machine.unwire(req.o, find(st))
  if type(req.sw) == "string" then
    local sw = st.lab:get(req.sw)
    machine.vxlan_port(st.lab, { node = sw.node, ifname = req.ifname, sw = sw }, o)
  else
    machine.vxlan_end(st.lab, node_named(st, req.node), req.ifname, o)
  end
end

-- the addresses of the lab's nodes on other machines, for this machine's
-- /etc/netns/LAB.NODE/hosts files
function ops.hosts(st, req)
  st.lab.extra_hosts = table.concat(req.lines or {}, "\n")
  -- the nodes elsewhere, found by name (lab:get) as stand-ins
  st.lab.foreign = {}
  for _, f in ipairs(req.nodes or {}) do st.lab.foreign[f.name] = machine.stand_in(st.lab, f.name, f) end
  st.lab.addr_version = st.lab.addr_version + 1
end

-- a link's end here whose far end was removed on another machine
function ops.unlink(st, req)
  machine.drop_iface(st.lab, node_named(st, req.node), req.ifname)
end

-- lab:remove of a node of this machine's part
function ops.remove(st, req)
  st.lab:remove(req.node)
end

-- lab:frr_wait on the coordinator: this machine's routers started with
-- wait = false
function ops.frr_wait(st, req)
  st.lab:frr_wait(req.timeout)
end

function ops.keep(st)
  st.lab:keep()
  st.kept = true
end

function ops.down(st)
  st.lab:down()
end

function M.agent(a)
  io.stdout:setvbuf("full")
  send({ agent = "nslab", version = core.version, protocol = machine.PROTOCOL })
  local st = {}
  local ok, err = pcall(function()
    for line in io.stdin:lines() do
      local okd, req = pcall(cjson.decode, line)
      local op = okd and type(req) == "table" and ops[req.op]
      if not op then
        send({ ok = false, error = "bad request: " .. line:sub(1, 80) })
      elseif req.op ~= "begin" and not st.lab then
        send({ ok = false, error = "the lab is not begun" })
      else
        local okc, res = pcall(op, st, req)
        local checks = st.lab and #st.lab._sink > 0 and out(st.lab._sink) or nil
        if checks then st.lab._sink = {} end
        if okc then send({ ok = true, result = out(res), checks = checks })
        else send({ ok = false, error = tostring(res), checks = checks }) end
        if req.op == "keep" or req.op == "down" then return end
      end
    end
  end)
  -- stdin closed, or asked to end: this machine's part goes unless kept
  core.block_signals(true)
  if st.lab and not st.kept then pcall(st.lab.down, st.lab) end
  core.block_signals(false)
  if not ok then io.stderr:write("nslab agent ", a.lab, ": ", tostring(err), "\n") return EXIT.failed end
  return EXIT.ok
end

return M
