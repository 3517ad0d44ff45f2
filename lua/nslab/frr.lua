-- nslab.frr — FRR routers in nodes (node:frr, node:vtysh, lab:frr_wait).
--
-- Each router gets private /etc/frr, /var/run/frr, /var/log/frr and
-- /var/tmp/frr (nslab.private: kept in the lab's state directory, seen only inside the
-- node), an integrated frr.conf, and the daemons its config asks for,
-- started in the foreground by node:spawn as the package starts them
-- (root, and each daemon drops to the user frr itself); then `vtysh -b`
-- hands every daemon its part of frr.conf, as the package's frrinit.sh
-- does. Daemons are ended with the node's other processes: by pid, and at
-- teardown every process of the node's network namespace (they would
-- survive a double fork otherwise).
local util = require "nslab.util"
local json = require "nslab.json"

local raise = util.raise

local M = {}

-- Where Debian's frr puts its daemons; NSLAB_FRR_DIR overrides (tests).
local function frr_dir() return os.getenv("NSLAB_FRR_DIR") or "/usr/lib/frr" end

local KNOWN = util.set { "zebra", "staticd", "ospfd", "ospf6d", "bgpd", "isisd", "ripd", "ripngd",
  "bfdd", "pimd", "ldpd", "eigrpd", "babeld", "fabricd", "vrrpd", "pbrd", "nhrpd", "pathd" }

-- Which daemons a config needs, in start order: zebra and staticd always
-- (staticd is cheap and any `ip route` needs it), the rest from `router
-- ...`, `bfd` and the like at the start of a line.
function M.daemons_for(config)
  local want = { zebra = true, staticd = true }
  for line in (config .. "\n"):gmatch("([^\n]*)\n") do
    local w1, w2 = line:match("^(%S+)%s*(%S*)")
    if w1 == "router" then
      local d = ({ ospf = "ospfd", ospf6 = "ospf6d", bgp = "bgpd", isis = "isisd", rip = "ripd",
        ripng = "ripngd", eigrp = "eigrpd", babel = "babeld", openfabric = "fabricd" })[w2]
      if d then want[d] = true end
    elseif w1 == "bfd" then
      want.bfdd = true
    elseif w1 == "mpls" and w2 == "ldp" then
      want.ldpd = true
    end
  end
  return want
end

local ORDER = { "zebra", "staticd", "bfdd", "ospfd", "ospf6d", "bgpd", "isisd", "ripd", "ripngd",
  "eigrpd", "babeld", "fabricd", "ldpd", "pimd", "vrrpd", "pbrd", "nhrpd", "pathd" }

local function list_of(set)
  local out = {}
  for _, d in ipairs(ORDER) do if set[d] then out[#out + 1] = d end end
  return out
end

local OPTS = util.set { "config", "daemons", "wait", "timeout" }
local O755, O640 = 493, 416

-- The first line of FRR's complaint, without vtysh's decoration.
local function complaint(text)
  for line in text:gmatch("[^\n]+") do
    if line:find("%%") or line:find("[Ee]rror") or line:find("line %d+") then
      return (line:gsub("^%s+", ""):gsub("%s+$", ""))
    end
  end
  return (text:match("[^\n]*%S[^\n]*") or ""):gsub("^%s+", "")
end

-- Whether every daemon's vty socket exists (read on the host, in the
-- backing of the node's private /var/run/frr: no command needed).
local function sockets_ready(st, list)
  for _, d in ipairs(list) do
    if not st.node.lab.core.exists(st.run .. "/" .. d .. ".vty") then return false, d end
  end
  return true
end

-- A daemon that ended before it answered, and the end of its log.
local function died(st)
  for d, p in pairs(st.procs) do
    if not p:running() then
      local log = ""
      local f = io.open(st.log .. "/" .. d .. ".log")
      if f then log = f:read("a") f:close() end
      local out = p:output() or ""
      local last = complaint(out ~= "" and out or log)
      return ("%s exited%s"):format(d, last ~= "" and (": " .. last) or "")
    end
  end
end

-- " (at FILE:LINE)" when the config line FRR refused appears on exactly
-- one line of the lab file (the usual [[...]] config written in it; Lua
-- comment lines do not count).
local function where_in_lab(st, why)
  local text = why:match("line %d+: %%[^:]*: (.-)%s*$")
  local file = st.where:match("^(.-):%d+: $")
  if not text or #text < 3 or not file then return "" end
  local f = io.open(file)
  if not f then return "" end
  local n, found = 0, nil
  for line in f:lines() do
    n = n + 1
    if line:find(text, 1, true) and not line:find("^%s*%-%-") then
      if found then f:close() return "" end
      found = n
    end
  end
  f:close()
  return found and (" (at %s:%d)"):format(file, found) or ""
end

local function fail(st, msg)
  error(("%sfrr in node \"%s\": %s"):format(st.where, st.node.name, msg), 0)
end

-- Start daemon d of the router st: in the foreground (nslab keeps its
-- pid), as root; it drops to frr:frr itself (-u/-g say so explicitly).
-- -P 0: no TCP vty, vtysh uses the unix sockets.
local function start(st, d)
  st.procs[d] = st.node:spawn { st.dir .. "/" .. d, "-u", "frr", "-g", "frr", "-A", "127.0.0.1",
    "-P", "0", "--log", "file:/var/log/frr/" .. d .. ".log" }
end

-- Bring the routers in list (started by node:frr) up, all at once: each
-- goes zebra -> its other daemons (only once zebra's socket is there:
-- a daemon that finds no zebra retries only after 10 s) -> `vtysh -b`
-- (in the background, so the others go on) -> loaded.
local function settle(list, timeout)
  if #list == 0 then return end
  local core = list[1].node.lab.core
  local deadline = core.clock() + timeout
  local interval = 0.002
  local pending = list
  while #pending > 0 do
    local left = {}
    for _, st in ipairs(pending) do
      if st.stage == "zebra" and core.exists(st.run .. "/zserv.api") then
        for i = 2, #st.daemons do start(st, st.daemons[i]) end
        st.stage = "daemons"
      end
      if st.stage == "daemons" and sockets_ready(st, st.daemons) then
        st.loader = st.node:spawn { "vtysh", "-b" }
        st.stage = "loading"
      end
      if st.stage == "loading" and not st.loader:running() then
        local status = st.loader:wait(1)
        st.stage, st.loaded = "loaded", true
        if status ~= 0 then
          local why = complaint(st.loader:output() or "")
          fail(st, ("frr.conf: %s%s"):format(why ~= "" and why or ("vtysh -b exited with status " .. tostring(status)),
            where_in_lab(st, why)))
        end
      end
      if st.stage ~= "loaded" then
        local why = died(st)
        if why then fail(st, why) end
        left[#left + 1] = st
      end
    end
    pending = left
    if #pending > 0 then
      if core.clock() > deadline then
        local st = pending[1]
        local _, d = sockets_ready(st, st.daemons)
        fail(st, st.stage == "loading" and ("vtysh -b did not finish within %g s"):format(timeout)
          or ("%s did not answer within %g s (its log: %s/%s.log)"):format(d or "zebra", timeout, st.log, d or "zebra"))
      end
      core.sleep(interval)
      interval = math.min(interval * 1.5, 0.05)
    end
  end
end

-- vtysh's JSON answer to cmd in node, decoded; nil, why.
local function vtysh_json(node, cmd)
  local st = node.lab.frr_state and node.lab.frr_state[node]
  if st and not st.loaded then settle({ st }, 10) end
  local r = node:exec({ "vtysh", "-c", cmd }, { timeout = 10 })
  if not r.ok then return nil, "vtysh: " .. complaint(r.err ~= "" and r.err or r.out) end
  local v, err = json.decode(r.out)
  if type(v) ~= "table" then return nil, ("cannot read `%s`: %s"):format(cmd, tostring(err)) end
  return v
end

-- Neighbours and sessions for nslab.converge (M.daemon_modules), from
-- FRR's JSON.
M.reader = {
  -- a router this process started, or (a lab attached by the REPL or
  -- `nslab check`) one whose zebra socket is there
  runs = function(node)
    if node.lab.frr_state and node.lab.frr_state[node] then return true end
    if node:is_root() then return false end
    return node:exec({ "test", "-S", "/var/run/frr/zebra.vty" }).ok
  end,
  ospf = function(node)
    local j, err = vtysh_json(node, "show ip ospf neighbor json")
    if not j then return nil, err end
    local list = {}
    for id, arr in pairs(j.neighbors or j) do
      if type(arr) == "table" then
        for _, e in ipairs(arr[1] and arr or { arr }) do
          list[#list + 1] = { id = id, address = e.ifaceAddress or e.address,
            state = tostring(e.nbrState or e.state or "?"), iface = e.ifaceName }
        end
      end
    end
    table.sort(list, function(a, b) return a.id < b.id end)
    return list
  end,
  bgp = function(node)
    local j, err = vtysh_json(node, "show bgp neighbors json")
    if not j then return nil, err end
    local list = {}
    for peer, e in pairs(j) do
      if type(e) == "table" and e.bgpState then list[#list + 1] = { peer = peer, state = e.bgpState } end
    end
    table.sort(list, function(a, b) return a.peer < b.peer end)
    return list
  end,
}

function M.install(Node, Lab)
  -- node:frr{config = [[...]] [, daemons = {...}, wait = true, timeout = 10]}
  function Node:frr(opts)
    opts = util.check_opts(opts, OPTS, "frr")
    if self:is_root() then raise("frr: the host (root namespace) cannot run a lab router; use a node") end
    if type(opts.config) ~= "string" then
      raise(("frr: config must be the text of an integrated frr.conf, got %s"):format(type(opts.config)))
    end
    if opts.timeout ~= nil and (type(opts.timeout) ~= "number" or opts.timeout <= 0) then
      raise("frr: timeout must be a positive number of seconds")
    end
    local state = self.lab.frr_state or {}
    self.lab.frr_state = state
    if state[self] then
      raise(("frr: node \"%s\" already runs FRR (started at %s)"):format(self.name, state[self].where:gsub(": $", "")))
    end
    local want
    if opts.daemons ~= nil then
      if type(opts.daemons) ~= "table" then raise("frr: daemons must be a list like { \"zebra\", \"ospfd\" }") end
      want = { zebra = true }
      for _, d in ipairs(opts.daemons) do
        if not KNOWN[d] then
          raise(("frr: unknown daemon %s (known: zebra, staticd, ospfd, ospf6d, bgpd, isisd, ripd, bfdd, ...)")
            :format(tostring(d)))
        end
        want[d] = true
      end
    else
      want = M.daemons_for(opts.config)
    end
    local core = self.lab.core
    local dir = frr_dir()
    if not core.exists(dir .. "/zebra") then
      raise("FRR is not installed (no " .. dir .. "/zebra): install the Debian package frr (apt-get install frr)")
    end
    if core.rootless and core.rootless() then
      -- zebra insists on its vty group (frrvty) and user frr, and a
      -- rootless lab's user namespace maps only the caller's own uid
      raise("FRR cannot run in a rootless lab: Debian's FRR daemons need the user frr and the group frrvty, " ..
        "and a rootless lab maps only your own uid; run this lab as root (sudo nslab ...), " ..
        "or use BIRD (node:bird), which runs rootless (docs/rootless.md)")
    end
    for d in pairs(want) do
      if not core.exists(dir .. "/" .. d) then
        raise(("frr: daemon %s is not in %s (FRR installed without it?)"):format(d, dir))
      end
    end
    local daemons = list_of(want)
    local owner = "frr:frr"
    self:private("/etc/frr", { owner = owner, mode = O755 })
    self:private("/var/run/frr", { owner = owner, mode = O755 })
    self:private("/var/log/frr", { owner = owner, mode = O755 })
    -- each daemon keeps a log buffer and crash log in /var/tmp/frr/NAME.PID
    -- (left behind when it is killed): the node's own, not the host's
    self:private("/var/tmp/frr", { owner = owner, mode = 448 })   -- 0700
    self:_private_write("/etc/frr/frr.conf", opts.config, O640, owner)
    self:_private_write("/etc/frr/vtysh.conf", "service integrated-vtysh-config\n", O640, "frr:frrvty")
    local dlines = {}
    for _, d in ipairs(ORDER) do dlines[#dlines + 1] = ("%s=%s"):format(d, want[d] and "yes" or "no") end
    self:_private_write("/etc/frr/daemons", table.concat(dlines, "\n") .. "\n", O640, owner)
    local backing = {}
    for _, e in ipairs(self:privates()) do backing[e.path] = e.backing end
    local st = { node = self, daemons = daemons, procs = {}, where = util.where(), dir = dir,
                 run = backing["/var/run/frr"], log = backing["/var/log/frr"], stage = "zebra" }
    state[self] = st
    if core.simulated then      -- a dry run (nslab graph, nslab check's replay)
      st.stage, st.loaded = "loaded", true
      return self
    end
    start(st, "zebra")
    if opts.wait ~= false then settle({ st }, opts.timeout or 10) end
    return self
  end

  -- node:vtysh(cmd | {cmd, ...}) -> vtysh's output in this node
  function Node:vtysh(cmd, opts)
    opts = util.check_opts(opts, util.set { "timeout" }, "vtysh")
    local argv = { "vtysh" }
    if type(cmd) == "string" then cmd = { cmd } end
    if type(cmd) ~= "table" or #cmd == 0 then
      raise("vtysh needs a command string like \"show ip ospf neighbor\" (or a list of them)")
    end
    for _, c in ipairs(cmd) do
      if type(c) ~= "string" then raise("vtysh: each command must be a string") end
      argv[#argv + 1] = "-c"
      argv[#argv + 1] = c
    end
    local st = self.lab.frr_state and self.lab.frr_state[self]
    if st and not st.loaded then settle({ st }, 10) end
    local r = self:exec(argv, { timeout = opts.timeout or 10 })
    if not r.ok then
      local why = complaint(r.err ~= "" and r.err or r.out)
      if not st and why:find("failed to connect", 1, true) then
        why = why .. " (start FRR in this node with node:frr{config=...})"
      end
      raise(("vtysh in node \"%s\": %s"):format(self.name,
        why ~= "" and why or ("vtysh exited with status " .. r.status)))
    end
    return r.out
  end

  -- lab:frr_wait([timeout]): wait for every router started with
  -- wait=false and load their configs (all at once).
  function Lab:frr_wait(timeout)
    -- a lab over machines: each machine's agent settles its own routers
    -- meanwhile (its answer, or failure, is read by sync)
    for _, m in ipairs(self.machine_list or {}) do
      if m.connected then m:send("frr_wait", { timeout = timeout }, self) end
    end
    local list = {}
    for _, n in ipairs(self.order) do
      local st = self.frr_state and self.frr_state[n]
      if st and not st.loaded then list[#list + 1] = st end
    end
    settle(list, timeout or 10 + #list * 0.5)
    if self.machine_list then self:sync() end
    return self
  end
end

return M
