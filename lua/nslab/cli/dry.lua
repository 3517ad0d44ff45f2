-- nslab.cli.dry — run a lab file without building it.
--
-- A stand-in for nslab.core records what a lab declares (namespaces,
-- interfaces, addresses, routes, sysctls, rules) instead of asking the
-- kernel; the labs of a dry run are made with it as their core
-- (nslab.lab(name, { core = stand_in })). Two uses:
--
--   "dry"     `nslab graph LAB.lua`: nothing touches the kernel, no root
--             needed; commands "succeed" with no output and time passes
--             instantly, so a script's checks run through quickly (and
--             never fail: nothing is proven in a dry run).
--   "attach"  `nslab check LAB`: the lab is up (built by `nslab up`); the
--             script is replayed dry to learn its nodes and exercises,
--             then M.live() points observation (exec, spawn of helpers,
--             netlink reads) at the real namespaces so exercise checks
--             see the real lab. Nothing the script declares is applied
--             again, and the lab's journal is never touched.
--
-- These modes are whole commands, not something to mix with building
-- real labs in the same process: M.load quiets the process's checks.
local real = require "nslab.core"
local util = require "nslab.util"

local M = {}

---- the stand-in's namespaces ------------------------------------------------------

-- A stand-in namespace keeps what a lab declares in it; in attach mode it
-- observes the real namespace instead (opened on first use). One class:
-- a 1000-node lab makes 1000 small tables, not 1000 sets of closures.
local Ns = {}

local NsMeta = { __name = "nslab.netns (dry)", __index = function(_, k)
  local m = Ns[k]
  if m ~= nil then return m end
  return function()
    return nil, ("dry run: %s is not simulated"):format(k)
  end
end }

local function fake_ns(state, name, is_host)
  return setmetatable({ _state = state, _name = name, _host = is_host, _real = false,
    _links = { { index = 1, name = "lo", up = true } }, _addrs = {}, _routes = {}, _sysctl = {},
    _nft = {}, _next = 1 }, NsMeta)
end

-- The real namespace once the state is live, else nil.
function Ns:_live()
  if not self._state.live then return nil end
  if not self._real then
    local r, err
    if self._host then r, err = real.netns_host() else r, err = real.netns_open(self._name) end
    if not r then error(("node namespace %s: %s"):format(self._name, tostring(err)), 0) end
    self._real = r
  end
  return self._real
end

function Ns:close()
  if self._real then self._real:close() self._real = false end
  return true
end
function Ns:name() return self._name end
function Ns:is_host() return self._host end
function Ns:fd() local r = self:_live() return r and r:fd() or -1 end

function Ns:_new_link(n)
  self._next = self._next + 1
  self._links[#self._links + 1] = { index = self._next, name = n }
  return self._next
end

function Ns:link_index(n)
  local r = self:_live()
  if r then return r:link_index(n) end
  for _, l in ipairs(self._links) do if l.name == n then return l.index end end
  if self._host then return self:_new_link(n) end -- the machine's own interfaces: assume they exist
  return nil, ("no interface %s in %s (dry run)"):format(n, self._name), 19
end

-- What a lab declares (interfaces, addresses, routes, shaping, sysctls):
-- kept in a dry run (the methods named _WHAT); refused once live (nslab
-- check only observes).
function Ns:_bridge(n) return self:_new_link(n) end
function Ns:_link_set() return true end
function Ns:_link_delete() return true end
function Ns:_addr_add(index, _, cidr)
  self._addrs[#self._addrs + 1] = { ifindex = index, cidr = cidr,
    family = cidr:find(":") and 6 or 4, scope = "global" }
  return true
end
function Ns:_addr_del() return true end
function Ns:_route_add(dst, gw, oif, _, metric, _, family)
  self._routes[#self._routes + 1] = { dst = dst, via = gw, oif = oif ~= 0 and oif or nil,
    metric = metric >= 0 and metric or nil, family = family, table = 254, type = "unicast",
    proto = "static", scope = gw and "global" or "link" }
  return true
end
function Ns:_route_del() return true end
-- shaping (nslab.shape): taken as done; read back from the real namespace when live
function Ns:_shape_set() return true end
function Ns:_shape_clear() return true end
function Ns:_sysctl_set(key, value)
  local old = self._sysctl[key] or "0"
  self._sysctl[key] = value
  return old
end
for _, what in ipairs { "bridge", "link_set", "link_delete", "addr_add", "addr_del", "route_add",
                        "route_del", "shape_set", "shape_clear", "sysctl_set" } do
  local declare = Ns["_" .. what]
  Ns[what] = function(self, ...)
    if self._state.live then
      return nil, ("%s: nslab check only observes a lab; it does not change it"):format(what)
    end
    return declare(self, ...)
  end
end

-- What a lab reads back: what it declared in a dry run, the real
-- namespace once live.
local READS = {
  shape_get = function() return false end,
  sysctl_get = function(self, key) return self._sysctl[key] or "0" end,
  links = function(self) return self._links end,
  addresses = function(self) return self._addrs end,
  routes = function(self) return self._routes end,
  peer_of = function() return nil, "dry run: no peer" end,
}
for what, declared in pairs(READS) do
  Ns[what] = function(self, ...)
    local r = self:_live()
    if r then return r[what](r, ...) end
    return declared(self, ...)
  end
end

function Ns:nft(script)
  local r = self:_live()
  if r then
    if not script:match("^%s*list ") then
      return nil, "nft: nslab check only observes a lab; it does not change its rules"
    end
    return r:nft(script)
  end
  if script:match("^%s*list ") then return table.concat(self._nft, "\n") end
  self._nft[#self._nft + 1] = script
  return ""
end

-- private files (nslab.private): a dry run keeps none; nslab check adds none
function Ns:private_add(path)
  if self._state.live then return nil, "private: nslab check only observes a lab; it does not change it" end
  return "/nonexistent/private" .. path
end

function Ns:nsid_for(other)
  local r = self:_live()
  if r and getmetatable(other) == NsMeta then return r:nsid_for(other:_live()) end
  return -1
end

---- the stand-in core -----------------------------------------------------------

-- What is passed through (names, parsing, paths) and what only seems to
-- happen: root, /run/netns, time (instant in a dry run, real once live).
local function core_basics(f, state)
  local clock = 0
  f.version = real.version
  f.netns_dir = real.netns_dir
  f.etc_netns_dir = real.etc_netns_dir
  f.cidr = real.cidr
  f.state_dir = real.state_dir
  f.lab_dir = real.lab_dir
  f.valid_name = real.valid_name
  f.valid_lab = real.valid_lab
  f.lab_ns = real.lab_ns
  function f.privileged() return true end
  function f.prepare() return true end
  function f.clock()
    if state.live then return real.clock() end
    return clock
  end
  function f.sleep(s)
    if state.live then return real.sleep(s) end
    clock = clock + (s or 0)
  end
  function f.block_signals(on) return real.block_signals(on) end
  function f.isatty() return false end
  function f.exists(p) return real.exists(p) end
  function f.mkdir(p)
    if state.live then return real.mkdir(p) end
    return true
  end
  -- daemons (nslab.frr, nslab.bird) are not started on a stand-in core
  f.simulated = true
  f.private_check = real.private_check
  f.private_owner = real.private_owner
  function f.private_write() return true end
end

-- A journal that records nothing: a dry run owns no lab, and attach mode
-- must never touch the journal of the lab that is up.
local function core_journal(f, state)
  function f.journal_begin(name)
    state.name = name
    local j = {}
    -- the real journal's typed methods (src/kernel/journal.c), writing nothing
    local function ok() return true end
    for _, kind in ipairs(real.journal_kinds) do
      j[kind], j["del_" .. kind] = ok, ok
    end
    function j.release() return true end
    function j.close() return true end
    function j.dir()
      return (state.mode == "attach" and real.state_dir() or "/nonexistent") .. "/" .. name
    end
    return j
  end
  function f.journal_down() return 0 end
  function f.journal_owner() return nil end
  function f.journal_list() return {} end
  function f.journal_count() return 0 end
  function f.journal_records() return {} end
  function f.journal_read() return {} end
end

-- Namespaces and interfaces: stand-ins (fake_ns); in attach mode each
-- node's namespace must exist, as the lab file describes it.
local function core_links(f, state)
  function f.netns_create(name)
    if state.mode == "attach" and not real.netns_exists(name) then
      return nil, ("namespace %s does not exist: the lab is not up as this file describes it " ..
        "(was the file changed since `nslab up`?)"):format(name), 2
    end
    local ns = fake_ns(state, name, false)
    state.namespaces[#state.namespaces + 1] = ns
    return ns
  end
  function f.netns_open(name) return f.netns_create(name) end
  function f.netns_host()
    local ns = fake_ns(state, "host", true)
    state.namespaces[#state.namespaces + 1] = ns
    return ns
  end
  function f.netns_delete() return true end
  function f.netns_exists(name) return real.netns_exists(name) end
  function f.netns_etc_remove() end
  function f.procs_kill() return 0 end

  function f.veth(nsa, namea, nsb, nameb)
    if state.live then return nil, "nslab check only observes a lab; it does not change it" end
    return nsa:_new_link(namea), nsb:_new_link(nameb)
  end

  -- other kinds of interface (nslab.kinds): made in the second namespace
  local function made(ns, name)
    if state.live then return nil, "nslab check only observes a lab; it does not change it" end
    return ns:_new_link(name)
  end
  function f.vxlan(_, ns, name) return made(ns, name) end
  function f.link_kind(_, ns, _, name) return made(ns, name) end
  function f.macvlan(_, _, ns, name) return made(ns, name) end
  function f.vlan(_, _, ns, name) return made(ns, name) end
end

-- Commands: "succeed" with no output in a dry run (counted in
-- state.commands); run for real in the real namespaces once live.
local function core_procs(f, state)
  local fake_pid = 1000000000
  local real_pids = {}
  local function live_opts(opts)
    local o = {}
    for k, v in pairs(opts or {}) do o[k] = v end
    if o.ns then o.ns = o.ns:_live() end
    return o
  end
  function f.exec(argv, opts)
    if state.live then return real.exec(argv, live_opts(opts)) end
    state.commands = state.commands + 1
    return 0, "", "", false
  end
  function f.spawn(argv, opts, log)
    if state.live then
      local pid, start = real.spawn(argv, live_opts(opts), log)
      if pid then real_pids[pid] = true end
      return pid, start
    end
    state.commands = state.commands + 1
    fake_pid = fake_pid + 1
    return fake_pid, 0
  end
  -- a capture (nslab.capture) is a process that writes nothing here
  function f.capture()
    if state.live then return nil, "nslab check only observes a lab; it does not change it" end
    fake_pid = fake_pid + 1
    return fake_pid, 0
  end
  function f.pcap_count() return 0 end
  function f.kill(pid, sig)
    local p = math.abs(pid)
    if real_pids[p] then return real.kill(pid, sig) end
    return true
  end
  function f.waitpid(pid, nohang)
    if real_pids[pid] then return real.waitpid(pid, nohang) end
    return 0
  end
end

-- The stand-in for nslab.core; anything else it is asked for answers
-- "not simulated".
local function fake_core(state)
  local f = {}
  core_basics(f, state)
  core_journal(f, state)
  core_links(f, state)
  core_procs(f, state)
  return setmetatable(f, { __index = function(_, k)
    local v = real[k]
    if type(v) ~= "function" then return v end
    return function()
      return nil, ("dry run: %s is not simulated"):format(k)
    end
  end })
end

-- M.load(mode) -> nslab (the library as a lab script sees it, its labs
-- on the stand-in core), state. mode: "dry" or "attach".
function M.load(mode)
  local state = { mode = mode or "dry", live = false, namespaces = {}, commands = 0 }
  local fake = fake_core(state)
  local nslab = require "nslab"
  local dry = setmetatable({ core = fake, labs = {} }, { __index = nslab })
  function dry.lab(name, opts)
    if opts ~= nil and type(opts) ~= "table" then return nslab.lab(name, opts) end -- its message
    -- hosts files belong to the lab that is up (attach) or to nobody (dry)
    local o = { core = fake, hosts = false }
    for k, v in pairs(opts or {}) do o[k] = v end
    local l = nslab.lab(name, o)
    dry.labs[#dry.labs + 1] = l
    return l
  end
  function dry.eventually(fn, opts) return util.eventually(fn, opts, fake) end
  -- nothing is proven in a dry run: checks are recorded, never fatal
  local expect = require "nslab.expect"
  expect.reporter = function() end
  state.expect = expect
  return dry, state
end

-- Attach mode: from now on, observation reaches the real namespaces.
function M.live(state)
  state.live = true
end

return M
