-- nslab.repl — `nslab repl`: explore a live lab at a terminal.
--
-- A line is, in this order: a verb (`nodes`, `pingall`, `enter r1`, ...),
-- a Mininet-style command (`client ping -c1 server`: run in node client,
-- node names in the arguments replaced by their addresses), or Lua run
-- against the live lab (`lab`, and every node by its name). GNU readline
-- (nslab.core) gives history, Emacs keys and Tab completion; Ctrl-C stops
-- what runs and never the REPL; Ctrl-D or `exit` leaves.
local core = require "nslab.core"
local nslab = require "nslab"
local Lab = require "nslab.lab"
local Node = require "nslab.node"
local Switch = require "nslab.switch"
local Link = require "nslab.link"
local util = require "nslab.util"
local runner = require "nslab.runner"
local live = require "nslab.live"

local M = {}

local USAGE = [[
usage: nslab repl LAB.lua [--name NAME] [--keep] [--verbose]
       nslab repl NAME

  LAB.lua   build the lab, then open the REPL; leaving tears it down
            (--keep leaves it up for `nslab down NAME` later)
  NAME      attach to a lab left up by `nslab up` (or `repl --keep`);
            leaving keeps it up]]

local function err(fmt, ...)
  io.stderr:write("nslab: ", fmt:format(...), "\n")
  return 1
end

---- presentation ------------------------------------------------------------

local function palette(on)
  local function c(code)
    if not on then return function(s) return s end end
    return function(s) return ("\27[%sm%s\27[0m"):format(code, s) end
  end
  return {
    on = on, bold = c "1", dim = c "2", red = c "31", green = c "32",
    yellow = c "33", blue = c "34", cyan = c "36", head = c "1;36",
  }
end

local function out(...) io.stdout:write(...) end

-- Columns padded to the widest cell (cells may carry colour codes).
local function visible_len(s) return #(s:gsub("\27%[[%d;]*m", "")) end
local function table_out(rows, indent)
  local w = {}
  for _, r in ipairs(rows) do
    for i, cell in ipairs(r) do w[i] = math.max(w[i] or 0, visible_len(cell)) end
  end
  for _, r in ipairs(rows) do
    local parts = {}
    for i, cell in ipairs(r) do
      parts[i] = i < #r and cell .. (" "):rep(w[i] - visible_len(cell)) or cell
    end
    out(indent or "", table.concat(parts, "  "), "\n")
  end
end

local function split_words(s)
  local t = {}
  for w in s:gmatch("%S+") do t[#t + 1] = w end
  return t
end

---- the kernel's view of a node ---------------------------------------------

-- A node as the kernel holds it now (nslab.live.namespace: its rules);
-- in the root namespace only what the lab made.
local function kernel_view(node, routes)
  local only
  if node:is_root() then
    only = {}
    for _, i in ipairs(node.ifaces) do only[i.name] = true end
  end
  return live.namespace(node.ns, { only = only, routes = routes or false, root = node:is_root() })
end

-- Interfaces of a node, each with .addrs.
local function kernel_ifaces(node)
  local v, e = kernel_view(node)
  if not v then return nil, e end
  return v.links
end

-- A route the way `ip route` prints it.
local function route_text(r, names)
  local p = { r.dst }
  if r.type ~= "unicast" then table.insert(p, 1, r.type) end
  if r.via then p[#p + 1] = "via " .. r.via end
  if r.oif then p[#p + 1] = "dev " .. (names[r.oif] or r.oif) end
  if r.table ~= 254 then p[#p + 1] = "table " .. r.table end
  if r.proto and r.proto ~= "boot" then p[#p + 1] = "proto " .. r.proto end
  if r.scope ~= "global" then p[#p + 1] = "scope " .. r.scope end
  if r.src then p[#p + 1] = "src " .. r.src end
  if r.metric then p[#p + 1] = "metric " .. r.metric end
  return table.concat(p, " ")
end

-- The routes of a node by nslab.live's rule (every table but local),
-- IPv4 first, without the IPv6 link-local route every interface carries.
local function node_routes(node)
  local v, e = kernel_view(node, true)
  if not v then return nil, e end
  local lines = {}
  for _, r in ipairs(v.routes) do
    if not live.link_local_route(r) then lines[#lines + 1] = route_text(r, v.names) end
  end
  return lines
end

---- building the session -----------------------------------------------------


-- Run the lab file; returns the lab, or nil and the exit status.
local function build(file, opt)
  local name, status = runner.lab_name(file, opt)
  if not name then return nil, status end
  local chunk, lerr, env = runner.load(nslab, file, name)
  if not chunk then
    io.stderr:write(lerr, "\n")
    return nil, 1
  end
  local ok, msg = xpcall(chunk, runner.handler(opt.verbose))
  if not ok then return nil, runner.fail(nslab, file, msg, opt.verbose) end
  return env.lab, env
end

-- The lab's nodes, switches and links, for a lab another process built
-- (`nslab up`), read back by nslab.live (its rules for node kind, routes
-- and links). Re-running the lab file is no option: it would build
-- everything a second time. The lab is made with `attach`: what is added
-- from the REPL is recorded in its journal, so `nslab down` undoes it.
local function attach(name)
  local snap, e = live.read(name, { keep = true, routes = false })
  if not snap then return nil, e end
  for _, s in ipairs(snap.skipped) do
    io.stderr:write(("nslab: %s: %s (skipped)\n"):format(s.node, s.error))
  end
  local lab = Lab.new(name, { file = snap.file, attach = true })
  local node_of = {}
  for _, en in ipairs(snap.nodes) do
    local node = Node.new(lab, en.name, en.ns, en.kind, en.netns)
    node_of[en] = node
    lab.nodes[en.name] = node
    if en.root then
      lab.host_ns = en.ns
      table.insert(lab.order, 1, node)
    else
      lab.order[#lab.order + 1] = node
    end
    local bridges = {}
    for _, l in ipairs(en.links) do
      if l.name ~= "lo" then
        local i = node:_add_iface(l.name, l.index, { kind = l.kind })
        if l.kind ~= "veth" then i.foreign = l.kind ~= "bridge" or nil end
        for _, a in ipairs(l.addrs) do
          if (a.scope == "global" or a.scope == "site") and core.cidr(a.cidr) then
            i.addrs[#i.addrs + 1] = a.cidr
          end
        end
        if l.kind == "bridge" then bridges[#bridges + 1] = l end
      end
    end
    for _, b in ipairs(bridges) do
      local swname = node.kind == "switch" and #bridges == 1 and node.name or b.name
      if not lab.switches[swname] then Switch.adopt(lab, swname, node, b.name, b.index) end
    end
    node:_hosts_version(lab.addr_version)    -- its hosts file is there already
  end
  local function end_of(en, l)
    local node, sw = node_of[en], nil
    for _, s in pairs(lab.switches) do
      if s.node == node and l.master and s.index == l.master then sw = s end
    end
    return { node = node, ifname = l.name, sw = sw }
  end
  for _, p in ipairs(snap.links) do
    if p.b then
      lab.links[#lab.links + 1] = Link.adopt(lab, end_of(p.a[1], p.a[2]), end_of(p.b[1], p.b[2]))
    end
  end
  return lab
end

---- the session --------------------------------------------------------------

local S = {}
S.__index = S

local KEYWORDS = { "and", "break", "do", "else", "elseif", "end", "false", "for", "function",
  "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while" }

function S.new(lab, env, mode, keep)
  local self = setmetatable({ lab = lab, mode = mode, keep = keep }, S)
  local nocolor = os.getenv("NO_COLOR")
  self.c = palette(core.isatty(1) and (nocolor == nil or nocolor == ""))
  -- the Lua environment: the user's globals, then Lua's, then nodes
  local G = setmetatable({ lab = lab, nslab = nslab }, {
    __index = function(_, k)
      local v = _G[k]
      if v ~= nil then return v end
      if type(k) == "string" then return lab.switches[k] or lab.nodes[k] end
    end,
  })
  if env then
    for k, v in pairs(env) do if k ~= "lab" and k ~= "nslab" then rawset(G, k, v) end end
  end
  self.env = G
  return self
end

-- Nodes the user works with (switch namespaces are shown as switches).
function S:hosts()
  local t = {}
  for _, n in ipairs(self.lab.order) do
    if n.kind ~= "switch" then t[#t + 1] = n end
  end
  return t
end

function S:node_names()
  local t = {}
  for _, n in ipairs(self.lab.order) do t[#t + 1] = n.name end
  for name in pairs(self.lab.switches) do
    if not self.lab.nodes[name] then t[#t + 1] = name end
  end
  return t
end

-- A node by name, or an error naming the ones there are.
function S:node(name, verb)
  if not name then
    error(("%s: which node? (%s)"):format(verb, table.concat(self:node_names(), ", ")), 0)
  end
  local n = self.lab.nodes[name] or (self.lab.switches[name] and self.lab.switches[name].node)
  if not n then
    error(("%s: no node \"%s\" in lab %s (nodes: %s)"):format(verb, name, self.lab.name,
      table.concat(self:node_names(), ", ")), 0)
  end
  return n
end

-- The address that stands for node `t` in a command run in node `from`.
local function address_for(t, from)
  if t.is_switch then t = t.node end
  return t:ip_towards(from) or t:ip()
end

function S:prompt(cont)
  local c = self.c
  local p = cont and ">> " or (self.lab.name .. "> ")
  if not c.on then return p end
  -- \1 \2 tell readline which bytes take no room on the screen
  local col = cont and "2" or "1;34"
  return ("\1\27[%sm\2%s\1\27[0m\2"):format(col, p)
end

function S:banner()
  local c, lab = self.c, self.lab
  local names = {}
  for _, n in ipairs(lab.order) do names[#names + 1] = n.name end
  out(c.bold(("nslab %s"):format(core.version)), " — lab ", c.cyan(lab.name), ": ",
    #lab.order, " nodes (", table.concat(names, ", "), "), ", #lab.links, " links\n")
  local leave = self.mode == "attach" and "leaves; the lab stays up"
    or self.keep and "leaves; --keep: the lab stays up"
    or "leaves and tears the lab down"
  out(c.dim("`help` lists the commands; `NODE CMD` runs CMD in NODE; `enter NODE` opens a shell;\n"
    .. "any other line is Lua (`lab`, nodes by name). Ctrl-D or `exit` " .. leave .. "."), "\n")
end

---- verbs ---------------------------------------------------------------------

local VERBS, ORDER = {}, {}
local function verb(name, args, brief, long, fn)
  VERBS[name] = { name = name, args = args, brief = brief, long = long, fn = fn }
  ORDER[#ORDER + 1] = name
end

verb("help", "[VERB]", "list the commands, or explain one", [[
Without an argument, every verb with a line about it; with one, what that
verb does. Lines that are no verb are Mininet-style commands (NODE CMD ...)
or Lua.]], function(self, a)
  local c = self.c
  if a[1] then
    local v = VERBS[a[1]]
    if not v then error(("help: no verb \"%s\" (try `help`)"):format(a[1]), 0) end
    out(c.bold(v.name .. (v.args ~= "" and (" " .. v.args) or "")), "\n  ", v.brief, "\n\n", v.long, "\n")
    return
  end
  local rows = {}
  for _, name in ipairs(ORDER) do
    local v = VERBS[name]
    rows[#rows + 1] = { c.bold(name) .. (v.args ~= "" and (" " .. v.args) or ""), v.brief }
  end
  table_out(rows, "  ")
  out([[

  NODE CMD [ARG...]   run CMD in NODE (a shell line: pipes and quotes work);
                      node names among the arguments become their addresses,
                      e.g. `client ping -c1 server`. Ctrl-C stops it.
  anything else       Lua against the live lab: `lab`, every node by name
                      (`client:ping(server)`, `router:route("default", "10.0.9.1")`),
                      results printed; an unfinished statement continues on ">> ".
  Tab completes verbs, node names, a node's interfaces and Lua names
  (`lab.ro<Tab>`, `router:ro<Tab>`). History is kept in ~/.nslab_history.
]])
end)

verb("nodes", "", "every node: its kind, namespace and addresses", [[
One line per node: name, kind (host, router, switch, root for the machine's
own namespace), its namespace (ip netns exec NAMESPACE ...), and the
addresses the kernel has on its interfaces (link-local ones left out).]],
function(self)
  local c = self.c
  local rows = { { c.dim "NODE", c.dim "KIND", c.dim "NAMESPACE", c.dim "ADDRESSES" } }
  for _, n in ipairs(self.lab.order) do
    local addrs = {}
    for _, l in ipairs(kernel_ifaces(n) or {}) do
      if l.name ~= "lo" then
        for _, a in ipairs(l.addrs) do
          if a.scope ~= "link" then addrs[#addrs + 1] = a.cidr end
        end
      end
    end
    rows[#rows + 1] = { c.bold(n.name), n.kind, n.netns or "(host)", table.concat(addrs, " ") }
  end
  table_out(rows)
end)

local function end_text(e)
  return (e.sw and e.sw.name or e.node.name) .. ":" .. e.ifname
end

verb("links", "", "every link: its two ends and their state", [[
One line per veth link: NODE:IFNAME at each end (a switch end names the
switch and its port) and whether both ends are up as the kernel says.]],
function(self)
  local c = self.c
  local rows = {}
  for _, l in ipairs(self.lab.links) do
    local state = {}
    for _, e in ipairs { l.a, l.b } do
      local up = false
      for _, k in ipairs(e.node.ns:links() or {}) do
        if k.name == e.ifname then up = k.up end
      end
      state[#state + 1] = up
    end
    local s = (state[1] and state[2]) and c.green "up" or c.red "down"
    rows[#rows + 1] = { end_text(l.a), "<->", end_text(l.b), s }
  end
  if #rows == 0 then out("no links\n") return end
  table_out(rows)
end)

verb("net", "", "each node with its interfaces and what they lead to", [[
Like Mininet's `net`: one line per node listing IFNAME:PEER-NODE:PEER-IFNAME
for each of its links (a switch port shows the switch).]],
function(self)
  local c = self.c
  for _, n in ipairs(self.lab.order) do
    local parts = {}
    for _, i in ipairs(n.ifaces) do
      if i.peer then
        parts[#parts + 1] = ("%s:%s"):format(i.name, end_text(i.peer))
      elseif i.bridge then
        parts[#parts + 1] = i.name .. ":" .. c.dim("bridge " .. i.bridge.name)
      else
        parts[#parts + 1] = i.name
      end
    end
    out(c.bold(n.name), " ", table.concat(parts, " "), "\n")
  end
end)

local function dump_node(self, n)
  local c = self.c
  out(c.head(n.name), " ", c.dim(("(%s%s)"):format(n.kind, n.netns and (", netns " .. n.netns) or "")), "\n")
  local v = kernel_view(n, true)
  local links, names = v and v.links, v and v.names
  if not links then
    out("  ", c.red "cannot list interfaces", "\n")
    return
  end
  local rows = {}
  for _, l in ipairs(links) do
    local addrs = {}
    for _, a in ipairs(l.addrs) do addrs[#addrs + 1] = a.cidr end
    local extra = {}
    if l.kind then extra[#extra + 1] = l.kind end
    if l.master then extra[#extra + 1] = "master " .. (names[l.master] or l.master) end
    extra[#extra + 1] = "mtu " .. l.mtu
    local st = l.up and (l.state == "down" and c.yellow "NO-CARRIER" or c.green(l.state:upper()))
      or c.red "DOWN"
    rows[#rows + 1] = { l.name, st, table.concat(addrs, " "), c.dim(table.concat(extra, " ")) }
  end
  table_out(rows, "  ")
  local routes = {}
  for _, r in ipairs(v.routes) do
    if not live.link_local_route(r) then routes[#routes + 1] = route_text(r, names) end
  end
  for k, r in ipairs(routes) do
    out("  ", k == 1 and c.dim "route " or "      ", r, "\n")
  end
end

verb("dump", "[NODE...]", "interfaces, addresses and routes of every node", [[
For each node (or the ones named): every interface with its state,
addresses, kind and MTU, then its routes as `ip route` shows them. All of
it read from the kernel, so changes made by hand show up too.]],
function(self, a)
  if #a == 0 then
    for _, n in ipairs(self.lab.order) do dump_node(self, n) end
  else
    for _, name in ipairs(a) do dump_node(self, self:node(name, "dump")) end
  end
end)

verb("route", "NODE...", "the routing table of a node", [[
The node's main routing table, IPv4 then IPv6, in `ip route` form
(IPv6 link-local routes left out).]],
function(self, a)
  if #a == 0 then self:node(nil, "route") end
  for _, name in ipairs(a) do
    local n = self:node(name, "route")
    if #a > 1 then out(self.c.head(n.name), "\n") end
    local lines, e = node_routes(n)
    if not lines then error("route: " .. e, 0) end
    if #lines == 0 then out("(no routes)\n") end
    for _, r in ipairs(lines) do out(r, "\n") end
  end
end)

verb("nft", "NODE", "the nftables ruleset of a node", [[
The whole ruleset of the node's namespace, as `nft list ruleset` prints
it (NAT and filter rules made by masquerade, dnat, forward, nft_rule, or
by hand). On the host, only the lab's own table.]],
function(self, a)
  local n = self:node(a[1], "nft")
  local text = n:ruleset()
  out(text ~= "" and text or "(no rules)\n")
  if text ~= "" and text:sub(-1) ~= "\n" then out("\n") end
end)

verb("pingall", "", "ping between every pair of nodes: a matrix and a summary", [[
Every node (switches left out) pings every other once (ping -c1 -W1), all
targets of one node at once. The address used for a target is the one on a
network it shares with the pinging node, else its first. The matrix shows
who reaches whom; the last line, how many of the pairs answered.]],
function(self)
  local c = self.c
  local nodes = {}
  for _, n in ipairs(self:hosts()) do
    if not n:is_root() and n:ip() then nodes[#nodes + 1] = n end
  end
  if #nodes < 2 then out("pingall: needs two nodes with addresses\n") return end
  local ok, total, res = 0, 0, {}
  for _, src in ipairs(nodes) do
    local script, targets = {}, {}
    for _, dst in ipairs(nodes) do
      if dst ~= src then
        local addr = address_for(dst, src)
        targets[dst] = addr
        script[#script + 1] = ("(ping -n -q -c1 -W1 %s >/dev/null 2>&1 && echo ok %s || echo no %s) &")
          :format(addr, dst.name, dst.name)
      end
    end
    script[#script + 1] = "wait"
    local r = src:exec(table.concat(script, "\n"), { timeout = 10 })
    res[src] = {}
    for verdict, name in r.out:gmatch("(%a+) (%S+)") do res[src][name] = verdict == "ok" end
  end
  local rows = { { c.dim "from \\ to" } }
  for _, d in ipairs(nodes) do rows[1][#rows[1] + 1] = c.bold(d.name) end
  for _, s in ipairs(nodes) do
    local row = { c.bold(s.name) }
    for _, d in ipairs(nodes) do
      if s == d then
        row[#row + 1] = c.dim "-"
      else
        total = total + 1
        if res[s][d.name] then
          ok = ok + 1
          row[#row + 1] = c.green "ok"
        else
          row[#row + 1] = c.red "X"
        end
      end
    end
    rows[#rows + 1] = row
  end
  table_out(rows)
  local lost = total - ok
  local line = ("%d/%d pairs reached, %d%% dropped"):format(ok, total, math.floor(lost * 100 / total + 0.5))
  out(lost == 0 and c.green(line) or c.red(line), "\n")
end)

local function shell_rc(self, node, sh)
  local c = self.c
  local label = self.lab.name .. ":" .. node.name
  local env = { NSLAB_LAB = self.lab.name, NSLAB_NODE = node.name }
  local argv = { sh }
  local base = sh:match("[^/]+$")
  local rcfile
  if base == "bash" then
    -- bash reads ~/.bashrc, which sets its own PS1: ours comes after it
    local ps1 = (c.on and "\\[\\e[1;36m\\]%s\\[\\e[0m\\]:\\w\\$ " or "%s:\\w\\$ "):format(label)
    rcfile = os.tmpname()
    local f = io.open(rcfile, "w")
    if f then
      f:write("[ -f /etc/bash.bashrc ] && . /etc/bash.bashrc\n",
        "[ -f ~/.bashrc ] && . ~/.bashrc\n",
        ("PS1='%s'\n"):format(ps1:gsub("'", "'\\''")))
      f:close()
      argv = { sh, "--rcfile", rcfile, "-i" }
    end
    env.PS1 = ps1
  else
    env.PS1 = ("%s%s "):format(label, (core.privileged() and "#" or "$"))
  end
  return argv, env, rcfile
end

verb("enter", "NODE", "open your shell inside a node; exit returns here", [[
Runs your $SHELL (else /bin/sh) inside the node: its network namespace, its
hostname, and its /etc/hosts (every node of the lab by name), like
`ip netns exec`. The prompt shows LAB:NODE; NSLAB_LAB and NSLAB_NODE are
set. Leave the shell (exit, Ctrl-D) to come back to the REPL.]],
function(self, a)
  local n = self:node(a[1], "enter")
  local sh = os.getenv("SHELL")
  if not sh or sh == "" or not core.exists(sh) then sh = "/bin/sh" end
  local argv, env, rcfile = shell_rc(self, n, sh)
  local o = n:_exec_opts({})
  o.setenv = env
  local st, e = core.run_interactive(argv, o)
  if rcfile then os.remove(rcfile) end
  if not st then error("enter: " .. e, 0) end
  out(self.c.dim(("back in the REPL (left %s)"):format(n.name)), "\n")
end)

verb("pids", "NODE", "the processes running inside a node", [[
Every process whose network namespace is the node's (what
`ip netns pids` answers), with its command line.]],
function(self, a)
  local n = self:node(a[1], "pids")
  if n:is_root() then error("pids: \"host\" is the machine's own namespace: every process is there", 0) end
  local pids, e = core.pids_in(core.netns_dir .. "/" .. n.netns)
  if not pids then error("pids: " .. e, 0) end
  if #pids == 0 then out("(no processes)\n") return end
  local rows = {}
  for _, pid in ipairs(pids) do
    local f = io.open("/proc/" .. pid .. "/cmdline")
    local cmd = f and f:read("a") or ""
    if f then f:close() end
    rows[#rows + 1] = { tostring(pid), (cmd:gsub("%z$", ""):gsub("%z", " ")) }
  end
  table_out(rows)
end)

verb("identify", "PID", "which node a process is in", [[
The node whose network namespace holds process PID (what
`ip netns identify` answers), or that it is in none of this lab's.]],
function(self, a)
  local pid = tonumber(a[1] or "")
  if not pid then error("identify: give a process id, like `identify 1234`", 0) end
  local id, e = core.nsid_of_pid(pid)
  if not id then error("identify: " .. e, 0) end
  for _, n in ipairs(self.lab.order) do
    local nid = n:is_root() and core.nsid_of_pid(1) or core.nsid(core.netns_dir .. "/" .. n.netns)
    if nid == id then
      out(("%d is in node %s%s\n"):format(pid, self.c.bold(n.name), n.netns and (" (" .. n.netns .. ")") or ""))
      return
    end
  end
  out(("%d is in none of lab %s's nodes\n"):format(pid, self.lab.name))
end)

-- shape, unshape, link, capture (nslab.repl.links)
require("nslab.repl.links")(verb, out)

verb("exit", "", "leave the REPL (as Ctrl-D does)", [[
Leaves the REPL. A lab this REPL built is torn down unless it was started
with --keep; an attached lab stays up.]],
function(self) self.done = true end)
VERBS.quit = VERBS.exit

---- running lines ---------------------------------------------------------------

-- Replace bare words that name a node with its address; quoted and
-- escaped words are left alone.
local function substitute(rest, resolve)
  local parts, i, n = {}, 1, #rest
  while i <= n do
    local s, e = rest:find("^%s+", i)
    if s then
      parts[#parts + 1] = rest:sub(s, e)
      i = e + 1
    else
      local j, q, plain = i, nil, true
      while j <= n do
        local ch = rest:sub(j, j)
        if q then
          if ch == q then q = nil end
        elseif ch == "'" or ch == '"' then
          q, plain = ch, false
        elseif ch == "\\" then
          j, plain = j + 1, false
        elseif ch:match("%s") then
          break
        end
        j = j + 1
      end
      local w = rest:sub(i, j - 1)
      parts[#parts + 1] = plain and resolve(w) or w
      i = j
    end
  end
  return table.concat(parts)
end

function S:command(node, rest)
  local line = substitute(rest, function(w)
    local t = self.lab.switches[w] or self.lab.nodes[w]
    return t and address_for(t, node) or nil
  end)
  -- a simple command replaces the shell, so its own status comes back
  -- (ping stopped by Ctrl-C reports, a shell would just die of SIGINT)
  if not line:find("[|&;<>()$`\\\"'*?%[#~=%%{}\n]") then line = "exec " .. line end
  local st, e = core.run_interactive({ "/bin/sh", "-c", line }, node:_exec_opts({}))
  if not st then error(e, 0) end
  if st == 130 then
    if core.isatty(1) then out("\n") end          -- after the ^C the terminal echoed
  elseif st > 128 then
    out(self.c.dim(("(ended by signal %d)"):format(st - 128)), "\n")
  elseif st ~= 0 then
    out(self.c.dim(("(exit status %d)"):format(st)), "\n")
  end
end

-- Lua's own way (lua.c): an expression first, then a statement; a syntax
-- error at <eof> means "go on reading".
local function compile(src, env)
  local f = load("return " .. src, "=repl", "t", env)
  if f then return f end
  local g, e = load(src, "=repl", "t", env)
  if g then return g end
  if e:sub(-5) == "<eof>" then return nil, e, true end
  return nil, e
end

local function show_results(...)
  local n = select("#", ...)
  if n == 0 then return end
  local t = {}
  for i = 1, n do
    local v = select(i, ...)
    local ok, s = pcall(tostring, v)
    t[i] = ok and s or ("(%s)"):format(type(v))
  end
  local s = table.concat(t, "\t")
  if s:sub(-1) == "\n" then s = s:sub(1, -2) end
  out(s, "\n")
end

local function errtext(e)
  if type(e) == "string" then return e end
  local mt = getmetatable(e)
  if mt and mt.__tostring then return tostring(e) end
  return ("(error object is a %s value)"):format(type(e))
end

-- What a first line is: "verb", "command", "lua" or "empty". A word
-- glued to `.`, `:`, `(`, `[`, `{` or a quote, or followed by `=`, starts
-- Lua (`client:ping(server)`, `nodes = 3`); then come verbs; then a node
-- name followed by more words is a command (`client ping server`).
function S:classify(line)
  local w = split_words(line)
  if #w == 0 then return "empty", w end
  if line:match("^%s*[%a_][%w_]*[%.:%(%[{\"']") or line:match("^%s*[%a_][%w_]*%s*=")
     or line:match("^%s*[%a_][%w_]*%s+%.%.%s") then
    return "lua", w
  end
  if VERBS[w[1]] then return "verb", w end
  if (self.lab.nodes[w[1]] or self.lab.switches[w[1]]) and #w >= 2 then return "command", w end
  return "lua", w
end

function S:run_line(line)
  local kind, w = self:classify(line)
  if kind == "verb" then
    VERBS[w[1]].fn(self, table.move(w, 2, #w, 1, {}))
  elseif kind == "command" then
    local t = self.lab.switches[w[1]] or self.lab.nodes[w[1]]
    local node = t.is_switch and t.node or t
    self:command(node, line:match("^%s*%S+%s+(.*)$"))
  end
end

function S:report(e)
  local msg = errtext(e)
  -- the terminal echoed ^C where the cursor was
  if msg == "interrupted (Ctrl-C)" and core.isatty(1) then out("\n") end
  io.stdout:flush()
  io.stderr:write(self.c.red(msg), "\n")
end

-- Completion: verbs, node names, a node's interfaces, Lua names.
function S:lua_names(prefix)
  local seen, t = {}, {}
  local function add(k)
    if type(k) == "string" and k:match("^[%a_][%w_]*$") and k:sub(1, #prefix) == prefix and not seen[k] then
      seen[k] = true
      t[#t + 1] = k
    end
  end
  for k in pairs(self.env) do add(k) end
  for k in pairs(_G) do add(k) end
  for _, n in ipairs(self:node_names()) do add(n) end
  for _, k in ipairs(KEYWORDS) do add(k) end
  return t
end

-- Fields of v: its own keys, then those its metatables' __index tables
-- offer (methods of nodes, labs, strings).
local function fields(v, methods_only)
  local t, seen = {}, {}
  local function scan(x, depth)
    if depth > 5 then return end
    if type(x) == "table" then
      for k, val in pairs(x) do
        if type(k) == "string" and not seen[k] and (not methods_only or type(val) == "function") then
          seen[k] = true
          t[#t + 1] = k
        end
      end
    end
    local mt = getmetatable(x)
    if type(mt) == "table" and type(rawget(mt, "__index")) == "table" then
      scan(mt.__index, depth + 1)
    end
  end
  if type(v) == "string" then v = string end
  scan(v, 0)
  return t
end

function S:complete_lua(text)
  local base, sep, part = text:match("^(.*)([%.:])([%w_]*)$")
  if not base then return self:lua_names(text), "" end
  -- walk NAME(.NAME)* from the environment; nothing is called
  local v
  for name, s in (base .. "."):gmatch("([%a_][%w_]*)([%.:])") do
    if v == nil then
      v = self.env[name]
    elseif type(v) == "table" then
      v = v[name]
    else
      v = nil
    end
    if v == nil or s == ":" then break end
  end
  if v == nil or not base:match("^[%a_][%w_%.]*$") then return {}, "" end
  local t = {}
  for _, k in ipairs(fields(v, sep == ":")) do
    if k:sub(1, #part) == part and k:match("^[%a_][%w_]*$") and (k:sub(1, 1) ~= "_" or part:sub(1, 1) == "_") then
      t[#t + 1] = base .. sep .. k
    end
  end
  table.sort(t)
  return t, ""
end

function S:complete(text, line, start)
  local before = line:sub(1, start)
  local w = split_words(before)
  local function pick(list, append)
    local t = {}
    for _, x in ipairs(list) do
      if x:sub(1, #text) == text then t[#t + 1] = x end
    end
    table.sort(t)
    return t, append or " "
  end
  if text:find("[%.:]") then return self:complete_lua(text) end
  if #w == 0 then
    local t, words = {}, {}
    for _, v in ipairs(ORDER) do words[v] = true end
    for _, n in ipairs(self:node_names()) do words[n] = true end
    for k in pairs(words) do
      if k:sub(1, #text) == text then t[#t + 1] = k end
    end
    local lua = self:lua_names(text)
    for _, k in ipairs(lua) do
      if not words[k] then t[#t + 1] = k end
    end
    table.sort(t)
    return t, (#t == 1 and words[t[1]]) and " " or ""
  end
  local first = w[1]
  if first == "help" and #w == 1 then return pick(ORDER) end
  if (first == "enter" or first == "nft" or first == "pids") and #w == 1 then
    return pick(self:node_names())
  end
  if first == "route" or first == "dump" then return pick(self:node_names()) end
  local t = self.lab.switches[first] or self.lab.nodes[first]
  if t and not before:match("^%s*[%w_%-]+[%.:%(]") then
    local node = t.is_switch and t.node or t
    local list = self:node_names()
    for _, l in ipairs(node.ns:links() or {}) do list[#list + 1] = l.name end
    return pick(list)
  end
  return self:lua_names(text), ""
end

function S:histfile()
  local h = os.getenv("NSLAB_HISTFILE")
  if h and h ~= "" then return h end
  local home = os.getenv("HOME")
  if home and home ~= "" then return home .. "/.nslab_history" end
end

function S:loop()
  local buf, last
  while not self.done do
    io.stdout:flush()
    local line, why = core.readline(self:prompt(buf ~= nil))
    if line == false then
      buf = nil                         -- Ctrl-C at the prompt
    elseif line == nil then
      -- Ctrl-D; or why == "signal": SIGTERM/SIGHUP, and the program's
      -- hook raises "interrupted by ..." at the next instruction
      self.ended_by = why
      break
    else
      if line:match("%S") and line ~= last then
        core.add_history(line)
        last = line
      end
      if buf then
        buf = buf .. "\n" .. line
        local f, e, more = compile(buf, self.env)
        if f then
          buf = nil
          self:eval(f)
        elseif not more then
          buf = nil
          self:report(e)
        end
      else
        local kind = self:classify(line)
        if kind == "verb" or kind == "command" then
          local ok, e = core.interruptible(self.run_line, self, line)
          if not ok then self:report(e) end
        elseif kind == "lua" then
          local f, e, more = compile(line, self.env)
          if f then
            self:eval(f)
          elseif more then
            buf = line
          else
            self:report(e)
          end
        end
      end
    end
  end
end

function S:eval(f)
  local function pack(ok, ...)
    return ok, select("#", ...), { ... }
  end
  local ok, n, res = pack(core.interruptible(f))
  if ok then
    show_results(table.unpack(res, 1, n))
  else
    self:report(res[1])
  end
end

-- Leave: tear down what we built, unless kept or attached.
function S:finish()
  if self.mode == "attach" then
    self.lab:_close_handles()
    out(("left lab %s up (nslab down %s removes it)\n"):format(self.lab.name, self.lab.name))
    return nil
  end
  core.block_signals(true)
  local derr
  if self.keep then
    for _, l in ipairs(nslab.labs) do
      if l:is_up() then
        l:keep()
        out(("lab %s is left up: `nslab repl %s` attaches, `nslab down %s` removes it\n")
          :format(l.name, l.name, l.name))
      end
    end
  else
    derr = nslab.down_all()
    if not derr then out(("lab %s torn down\n"):format(self.lab.name)) end
  end
  core.block_signals(false)
  return derr
end

---- entry ------------------------------------------------------------------------

local function parse(args)
  return util.parse_args(args, { keep = "flag", verbose = "flag", name = "value", help = "flag" },
    { v = "verbose", h = "help" })
end

function M.main(args)
  local pos, opt = parse(args)
  if not pos then return err("repl: %s", opt) end
  if opt.help then out(USAGE, "\n") return 0 end
  if #pos ~= 1 then
    return err("repl: give one lab file or the name of a lab that is up, like `nslab repl labs/client-router-server.lua`")
  end
  if not core.privileged() then
    return err("repl needs root to enter network namespaces; run it as root (sudo nslab repl ...)")
  end
  local target, lab, env, mode = pos[1], nil, nil, "built"
  if target:match("%.lua$") or target:find("/") or core.exists(target) then
    local st
    lab, st = build(target, opt)
    if not lab then return st end
    env = st
  else
    if opt.keep or opt.name then
      return err("repl: --keep and --name go with a lab file; an attached lab stays up anyway")
    end
    if core.journal_owner(target) == nil then
      return err("repl: no lab file \"%s\" and no lab of that name is up (see `nslab ls`)", util.shown(target))
    end
    local e
    lab, e = attach(target)
    if not lab then return err("repl: attach to %s: %s", target, e) end
    mode = "attach"
    local owner = core.journal_owner(target)
    if owner and owner > 0 then
      io.stderr:write(("nslab: lab %s belongs to nslab process %d; it goes when that process ends\n")
        :format(target, owner))
    end
  end
  local self = S.new(lab, env, mode, opt.keep)
  local hist = self:histfile()
  local editing, why = core.rl_setup { complete = function(text, line, start, stop)
    local ok, list, append = pcall(self.complete, self, text, line, start, stop)
    if ok then return list, append end
    return {}, ""
  end }
  if not editing then
    -- readline is opened on first use; without it lines are read plainly
    io.stderr:write("nslab: repl without line editing or history: ", why, "\n")
    hist = nil
  end
  if hist then core.history_load(hist, 1000) end
  core.repl_signals(true)
  self:banner()
  local ok, e = pcall(self.loop, self)
  core.repl_signals(false)
  core.rl_done()
  if hist then core.history_save(hist, 1000) end
  local derr = self:finish()
  if derr then io.stderr:write("nslab: ", derr, "\n") end
  if not ok then
    local sig = tostring(e):match("interrupted by (%S+)")
    if sig then
      io.stderr:write(("nslab: repl interrupted by %s%s\n"):format(sig,
        mode == "attach" and "" or (opt.keep and "; lab left up" or "; lab torn down")))
      return sig:find("HUP") and 129 or 143
    end
    io.stderr:write("nslab: repl: ", errtext(e), "\n")
    return 1
  end
  return derr and 1 or 0
end

-- for tests and embedding
M.substitute = substitute

-- How a line would be read, without running it (for the fuzzer): its
-- words, and the command text with every word offered for node-name
-- replacement (here replaced by itself, upper-cased, to exercise quoting).
function M.parse_line(line)
  local words = split_words(line)
  return words, substitute(line, function(w) return w:upper() end)
end
M.compile = compile
M.attach = attach

return M
