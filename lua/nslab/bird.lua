-- nslab.bird — BIRD 2 in a node: node:bird{config=} starts it the way
-- Debian's bird.service does (`bird -f -u bird -g bird`), with the node's
-- own /etc/bird and /run/bird (node:private), so `birdc` run anywhere in
-- the node (node:birdc, `r1 birdc` in the REPL, `nslab exec`) reaches that
-- node's BIRD and no other. lab:expect_bird_up waits for any of its
-- protocols; the convergence checks of nslab.converge (ospf_full,
-- bgp_established) read BIRD's view through M.reader.
-- The daemon is a process of the node: teardown ends it with everything
-- else running in the namespace.
local util = require "nslab.util"

local raise = util.raise

local M = {}

local CONF_DIR, RUN_DIR = "/etc/bird", "/run/bird"
local CONF, CTL = CONF_DIR .. "/bird.conf", RUN_DIR .. "/bird.ctl"
local NEXT = CONF_DIR .. "/.bird.conf.nslab-new"     -- a config being checked

-- Where a program is: PATH, then the sbin directories a root shell has.
local function which(core, prog)
  local path = (os.getenv("PATH") or "") .. ":/usr/local/sbin:/usr/sbin:/sbin"
  for dir in path:gmatch("[^:]+") do
    if core.exists(dir .. "/" .. prog) then return dir .. "/" .. prog end
  end
end

local function need_bird(core)
  local bird, birdc = which(core, "bird"), which(core, "birdc")
  if not bird or not birdc then
    raise("BIRD is not installed (no bird or birdc on PATH): install the Debian package bird2 "
      .. "(apt-get install bird2)")
  end
  return bird, birdc
end

-- The lab's record of BIRD per node (nodes keep their eight fields).
local function state(node)
  local all = node.lab.bird_nodes
  if not all then
    all = setmetatable({}, { __mode = "k" })
    node.lab.bird_nodes = all
  end
  return all, all[node]
end

-- "bird" -> "bird", "bird"; "bird:routing" -> "bird", "routing"
local function user_group(user)
  if user == nil then return "bird", "bird" end
  if user == false then return nil end
  if type(user) ~= "string" or not user:match("^[%w_][%w_.-]*$") and not user:match("^[%w_][%w_.-]*:[%w_][%w_.-]*$") then
    raise(("bird: user must be a user name like \"bird\" (or \"user:group\", or false for root), got %s")
      :format(util.shown(tostring(user))))
  end
  local u, g = user:match("^([^:]+):(.+)$")
  return u or user, g or user
end

-- The line of the lab file where line n of text is, when text is a literal
-- of that file (found there exactly once); else nil.
local function lab_line_of(where, text, n)
  local file = where:match("^(.-):%d+: $")
  local f = file and io.open(file, "r")
  if not f then return nil end
  local src = f:read("a")
  f:close()
  local at = src:find(text, 1, true)
  if not at or src:find(text, at + 1, true) then return nil end
  local _, before = src:sub(1, at - 1):gsub("\n", "")
  return ("%s:%d: "):format(file, before + n)
end

-- BIRD's complaint about a config as one line at the lab line it is about.
local function config_error(node, text, out)
  local line = out:match("[^\n]*%S[^\n]*") or "bird -p failed without a message"
  line = line:gsub("^bird: ", "")
  local where = util.where()
  local n, col, msg = line:match("^" .. NEXT:gsub("%p", "%%%0") .. ":(%d+):(%d+) (.*)$")
  if n then
    where = lab_line_of(where, text, tonumber(n)) or where
    line = ("%s (bird.conf line %s, column %s)"):format(msg, n, col)
  end
  error(("%sBIRD in node \"%s\" refused its config: %s"):format(where, node.name, util.oneline(line)), 0)
end

-- The text BIRD is given: the user's, plus its messages sent to standard
-- error (the node's log under the lab's state directory) unless the
-- config says where they go; BIRD's default is the host's syslog.
local function with_log(text)
  if ("\n" .. text):find("\n%s*log%s") then return text end
  return text .. (text:sub(-1) == "\n" and "" or "\n")
    .. "# nslab: BIRD's messages go to the node's log (nslab's logs directory)\nlog stderr all;\n"
end

local function is_private(node, path)
  for _, e in ipairs(node:privates()) do
    if e.path == path then return e end
  end
end

-- Have BIRD parse text as a file next to bird.conf, then make it
-- bird.conf: a config BIRD refuses never replaces the one in place.
local function put_config(node, text, user, group)
  local own = user and (user .. ":" .. group) or nil
  local opts = { mode = tonumber("640", 8), owner = own }
  local full = with_log(text)
  node:file(NEXT, full, opts)
  local r = node:exec({ "bird", "-p", "-c", NEXT }, { timeout = 10 })
  os.remove(is_private(node, CONF_DIR).backing .. NEXT:sub(#CONF_DIR + 1))
  if not r.ok then config_error(node, text, r.err .. r.out) end
  node:file(CONF, full, opts)
end

-- Refuse a node without its own /run/bird: the socket at that path would
-- be the host's BIRD's.
local function own_bird(node)
  local core = node.lab.core
  need_bird(core)
  local own = not node:is_root() and is_private(node, RUN_DIR)
  if not own and not node:is_root() then
    -- a lab this process attached (REPL, nslab check): its journal says
    for _, r in ipairs(core.journal_records(node.lab.name, "private") or {}) do
      if r == ("%s dir %s"):format(node.name, RUN_DIR) then own = true end
    end
  end
  if not own then
    raise(("birdc: node \"%s\" runs no BIRD of its own (start one with node:bird{ config = ... })")
      :format(node.name))
  end
end

-- birdc's answer to cmd in node, without the banner; nil, why when birdc
-- fails (no BIRD there, a command BIRD refuses).
local function ask(node, cmd)
  local r = node:exec({ "birdc", "-s", CTL, cmd }, { timeout = 10 })
  local out = r.out:gsub("^BIRD [^\n]* ready%.\n", "")
  if not r.ok then
    return nil, (out .. r.err):match("[^\n]*%S[^\n]*") or ("birdc exited with status " .. r.status)
  end
  return out
end

-- `show ospf neighbors [proto]` as { {router_id=, state=, iface=, addr=} }.
local function ospf_neighbors(node, proto)
  local out, err = ask(node, "show ospf neighbors" .. (proto and (" " .. proto) or ""))
  if not out then return nil, err end
  local list = {}
  for line in out:gmatch("[^\n]+") do
    local id, st, iface, addr = line:match("^(%d+%.%d+%.%d+%.%d+)%s+%d+%s+(%S+)%s+%S+%s+(%S+)%s+(%S+)")
    if id then list[#list + 1] = { router_id = id, state = st, iface = iface, addr = addr } end
  end
  return list
end

-- BGP sessions from `show protocols all`: each BGP protocol's block
-- names its neighbour address and BGP state.
local function bgp_sessions(node)
  local out, err = ask(node, "show protocols all")
  if not out then return nil, err end
  local list, cur = {}, nil
  for line in out:gmatch("[^\n]+") do
    local name, proto = line:match("^(%S+)%s+(%S+)")
    if name and name ~= "Name" then
      cur = proto == "BGP" and { name = name, state = "?" } or nil
      if cur then list[#list + 1] = cur end
    elseif cur then
      local st = line:match("^%s+BGP state:%s+(%S+)")
      local addr = line:match("^%s+Neighbor address:%s+(%S+)")
      if st then cur.state = st end
      if addr then cur.peer = addr:match("^[^%%]+") end
    end
  end
  local sessions = {}
  for _, p in ipairs(list) do
    if p.peer then sessions[#sessions + 1] = { peer = p.peer, state = p.state, name = p.name } end
  end
  return sessions
end

-- Neighbours and sessions for nslab.converge (its daemon_modules), from
-- birdc: a node whose BIRD this process started, or (a lab the REPL or
-- `nslab check` attached) one whose control socket is there.
M.reader = {
  runs = function(node)
    if node.lab.bird_nodes and node.lab.bird_nodes[node] then return true end
    if node:is_root() then return false end
    return node:exec({ "test", "-S", CTL }).ok
  end,
  ospf = function(node)
    local ns, err = ospf_neighbors(node)
    if not ns then return nil, err end
    local list = {}
    for _, n in ipairs(ns) do
      list[#list + 1] = { id = n.router_id, address = n.addr, state = n.state, iface = n.iface }
    end
    return list
  end,
  bgp = bgp_sessions,
}

local BIRD_OPTS = util.set { "config", "user", "timeout" }

function M.install(Node, Lab)
  -- node:bird{ config = TEXT [, user = "bird" | "user:group" | false,
  -- timeout = 10] } -> the process; returns once BIRD's control socket is
  -- open.
  function Node:bird(opts)
    if type(opts) == "string" then opts = { config = opts } end
    opts = util.check_opts(opts, BIRD_OPTS, "bird")
    if type(opts.config) ~= "string" then
      raise("bird needs config = [[ ... ]], the text of the node's bird.conf")
    end
    if opts.timeout ~= nil and (type(opts.timeout) ~= "number" or opts.timeout <= 0) then
      raise("bird timeout must be a positive number of seconds")
    end
    if self:is_root() then raise("bird: BIRD runs in a node of the lab, not in the host") end
    local core = self.lab.core
    need_bird(core)
    local all, st = state(self)
    if st and st.proc:running() then
      raise(("node \"%s\" already runs BIRD (started at %s)"):format(self.name, st.line:gsub(": $", "")))
    end
    local rootless = core.rootless and core.rootless()
    if rootless and opts.user then
      raise("bird: a rootless lab maps only your own uid, so BIRD cannot switch to another user there; " ..
        "leave user out (BIRD then runs as you) or run the lab as root (docs/rootless.md)")
    end
    -- rootless, the only user the namespace has is you (its root): BIRD
    -- stays that user rather than switching to an unmapped bird
    local user, group
    if not rootless then user, group = user_group(opts.user) end
    local own = user and (user .. ":" .. group) or nil
    if not is_private(self, CONF_DIR) then self:private(CONF_DIR, { mode = tonumber("750", 8), owner = own }) end
    local run = is_private(self, RUN_DIR)
    if not run then
      self:private(RUN_DIR, { mode = tonumber("775", 8), owner = own })
      run = is_private(self, RUN_DIR)
    end
    put_config(self, opts.config, user, group)
    local argv = { "bird", "-f", "-c", CONF, "-s", CTL }
    if user then
      table.move({ "-u", user, "-g", group }, 1, 4, #argv + 1, argv)
    end
    os.remove(run.backing .. "/bird.ctl")   -- a socket left by a BIRD that died
    local proc = self:spawn(argv)
    all[self] = { proc = proc, line = util.where(), user = user, group = group }
    if core.simulated then return proc end     -- nslab graph, nslab check: nothing runs
    local timeout = opts.timeout or 10
    local up = util.eventually(function()
      return core.exists(run.backing .. "/bird.ctl") or not proc:running()
    end, { timeout = timeout }, core)
    if not proc:running() then
      local said = proc:output():match("([^\n]*%S[^\n]*)\n?$") or ("exit status " .. tostring(proc.status))
      raise(("BIRD in node \"%s\" ended at start: %s"):format(self.name, said))
    end
    if not up then
      raise(("BIRD in node \"%s\" did not open %s within %g s"):format(self.name, CTL, timeout))
    end
    return proc
  end

  -- node:birdc(command) -> birdc's answer (without its "BIRD 2.x ready."
  -- banner); a command BIRD refuses, or no BIRD to ask, raises.
  function Node:birdc(cmd)
    if type(cmd) ~= "string" or cmd:match("^%s*$") then
      raise("birdc needs a command, like node:birdc \"show route\"")
    end
    own_bird(self)
    local out, err = ask(self, cmd)
    if not out then raise(("birdc \"%s\" in node \"%s\": %s"):format(cmd, self.name, err)) end
    return out
  end

  -- node:bird_configure(TEXT) -> birdc's answer: a new bird.conf, parsed
  -- first (a bad one is refused and the running one kept), then
  -- `birdc configure`.
  function Node:bird_configure(text)
    local _, st = state(self)
    if not st then raise(("node \"%s\" runs no BIRD started by node:bird"):format(self.name)) end
    if type(text) ~= "string" then raise("bird_configure needs the text of the new bird.conf") end
    put_config(self, text, st.user, st.group)
    return self:birdc("configure")
  end

  -- node:bird_protocols() -> { {name=, proto=, table=, state=, since=,
  -- info=}, ..., [name] = the same }: `birdc show protocols`.
  function Node:bird_protocols()
    local list = {}
    for line in self:birdc("show protocols"):gmatch("[^\n]+") do
      local name, proto, tbl, st, rest = line:match("^(%S+)%s+(%S+)%s+(%S+)%s+(%S+)%s+(.*)$")
      if name and name ~= "Name" then
        local since, info = rest:match("^(%d[%d-]*%s+%d[%d:.]*)%s*(.*)$")
        if not since then since, info = rest:match("^(%S+)%s*(.*)$") end
        local p = { name = name, proto = proto, table = tbl, state = st, since = since,
                    info = info and info:gsub("%s+$", "") or "" }
        list[#list + 1], list[name] = p, p
      end
    end
    return list
  end

  -- node:bird_ospf_neighbors([proto]) -> { {router_id=, state=, iface=,
  -- addr=}, ... } of `birdc show ospf neighbors`.
  function Node:bird_ospf_neighbors(proto)
    if proto ~= nil and (type(proto) ~= "string" or not proto:match("^[%a_][%w_]*$")) then
      raise("bird_ospf_neighbors: the protocol must be a BIRD protocol name like \"ospf1\"")
    end
    own_bird(self)
    local list, why = ospf_neighbors(self, proto)
    if not list then raise(("birdc in node \"%s\": %s"):format(self.name, why)) end
    return list
  end

  local function node_arg(lab, x, what)
    if type(x) == "string" then x = lab:get(x) end
    if type(x) ~= "table" or not x.is_node then raise(what .. ": the first argument must be a node or a node's name") end
    return x
  end

  local CHECK_OPTS = util.set { "timeout", "desc" }

  -- lab:expect_bird_up(node, proto [, {timeout=10, desc=}]): a check that
  -- waits until BIRD's protocol proto is up in node (for BGP: the session
  -- is Established); on timeout it says the protocol's last state.
  function Lab:expect_bird_up(node, proto, opts)
    opts = util.check_opts(opts, CHECK_OPTS, "expect_bird_up")
    node = node_arg(self, node, "expect_bird_up")
    if type(proto) ~= "string" then raise("expect_bird_up needs a BIRD protocol name like \"bgp1\"") end
    return self:expect_eventually(opts.desc or ("%s: BIRD protocol %s up"):format(node.name, proto), function()
      local ok, ps = pcall(node.bird_protocols, node)
      if not ok then return false, util.oneline(tostring(ps)):gsub("^.-:%d+: ", "") end
      local p = ps[proto]
      if not p then
        local names = {}
        for _, x in ipairs(ps) do names[#names + 1] = x.name end
        return false, ("no protocol %s (BIRD has: %s)"):format(proto, table.concat(names, ", "))
      end
      return p.state == "up", ("%s %s%s"):format(proto, p.state, p.info ~= "" and (", " .. p.info) or "")
    end, { timeout = opts.timeout or 10 })
  end
end

return M
