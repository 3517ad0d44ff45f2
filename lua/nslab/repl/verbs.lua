-- nslab.repl.verbs — what a REPL line does: the verbs (data: name,
-- arguments, help text, function; `help` lists them), and Mininet-style
-- lines (`client ping -c1 server`: run in node client, node names among
-- the words replaced by their addresses). nslab.repl.kernel adds the verbs
-- that show the kernel's view, nslab.repl.links those on links.
local core = require "nslab.core"
local display = require "nslab.repl.display"
local kernel = require "nslab.repl.kernel"

local out, table_out, split_words = display.out, display.table_out, display.split_words

local M = {}

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

kernel.register(kernel.looking, verb)

-- The address that stands for node `t` in a command run in node `from`.
local function address_for(t, from)
  if t.is_switch then t = t.node end
  return t:ip_towards(from) or t:ip()
end

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
  if n.remote then
    -- a node on another machine (nslab.machine): its shell over the lab's
    -- ssh connection, with a terminal
    local st, e = core.run_interactive(n:_ssh_argv({ "shell", self.lab.name, n.name }, true), {})
    if not st then error("enter: " .. e, 0) end
    out(self.c.dim(("back in the REPL (left %s on machine %s)"):format(n.name, n.machine.name)), "\n")
    return
  end
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

kernel.register(kernel.processes, verb)

-- shape, unshape, link, capture (nslab.repl.links)
require("nslab.repl.links")(verb, out)

verb("exit", "", "leave the REPL (as Ctrl-D does)", [[
Leaves the REPL. A lab this REPL built is torn down unless it was started
with --keep; an attached lab stays up.]],
function(self) self.done = true end)
VERBS.quit = VERBS.exit

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

-- Run a Mininet-style line in node: a shell line, its status shown when
-- it is not 0.
function M.command(self, node, rest)
  local line = substitute(rest, function(w)
    local t = self.lab.switches[w] or self.lab.nodes[w]
    return t and address_for(t, node) or nil
  end)
  -- a simple command replaces the shell, so its own status comes back
  -- (ping stopped by Ctrl-C reports, a shell would just die of SIGINT)
  if not line:find("[|&;<>()$`\\\"'*?%[#~=%%{}\n]") then line = "exec " .. line end
  local st, e
  if node.remote then
    -- a node on another machine (nslab.machine): `nslab exec` there, with
    -- a terminal when we have one (Ctrl-C reaches the command)
    st, e = core.run_interactive(node:_ssh_argv({ "exec", self.lab.name, node.name, "--", "/bin/sh", "-c", line },
      core.isatty(0)), {})
  else
    st, e = core.run_interactive({ "/bin/sh", "-c", line }, node:_exec_opts({}))
  end
  if not st then error(e, 0) end
  if st == 130 then
    if core.isatty(1) then out("\n") end          -- after the ^C the terminal echoed
  elseif st > 128 then
    out(self.c.dim(("(ended by signal %d)"):format(st - 128)), "\n")
  elseif st ~= 0 then
    out(self.c.dim(("(exit status %d)"):format(st)), "\n")
  end
end

-- What a first line is: "verb", "command", "lua" or "empty". A word
-- glued to `.`, `:`, `(`, `[`, `{` or a quote, or followed by `=`, starts
-- Lua (`client:ping(server)`, `nodes = 3`); then come verbs; then a node
-- name followed by more words is a command (`client ping server`).
function M.classify(self, line)
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

function M.run_line(self, line)
  local kind, w = M.classify(self, line)
  if kind == "verb" then
    VERBS[w[1]].fn(self, table.move(w, 2, #w, 1, {}))
  elseif kind == "command" then
    local t = self.lab.switches[w[1]] or self.lab.nodes[w[1]]
    local node = t.is_switch and t.node or t
    M.command(self, node, line:match("^%s*%S+%s+(.*)$"))
  end
end

M.VERBS, M.ORDER, M.substitute = VERBS, ORDER, substitute

return M
