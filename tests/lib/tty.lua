-- tty — a program driven the way a person uses it: through a real
-- terminal, a private tmux server (its own socket) per Tty. Keys go in
-- with send-keys, the screen is read with capture-pane; every wait polls.
--   local tty = Tty.start({ "repl", file }, { "VAR=x" })
--   tty.prompt = "lab> "; tty:wait_for(tty.prompt); tty:run("nodes")
local T = require "nslab_test"

local function q(s) return T.q(s) end

local CONF = "/tmp/nslab-repl-tmux.conf"
local seq = 0

-- A REPL in a terminal of its own.
local Tty = {}
Tty.__index = Tty

-- args: nslab's arguments; env: more VAR=value words; wrap (optional):
-- makes the shell command that starts tmux run elsewhere (a simulated
-- machine: tests/lib/machines.lua Sim:cmd; tmux's socket is in /tmp).
function Tty.start(args, env, wrap)
  local f = assert(io.open(CONF, "w"))
  f:write("set -g remain-on-exit on\nset -g history-limit 20000\nset -g status off\n")
  f:close()
  seq = seq + 1
  local self = setmetatable({
    sock = ("nslab-repl-%d-%d-%d"):format(os.time(), math.random(1e6), seq),
    hist = ("/tmp/nslab-repl-hist-%d-%d"):format(os.time(), seq),
  }, Tty)
  local e = { "NO_COLOR=1", "NSLAB_HISTFILE=" .. self.hist, "SHELL=/bin/bash", "HOME=/tmp" }
  for _, x in ipairs(env or {}) do e[#e + 1] = x end
  local words = {}
  for i, a in ipairs(args) do words[i] = q(a) end
  -- a shell in between writes the exit status to a file: tmux 3.3a now
  -- and then misses the exit of a pane's own process
  self.status = self.hist .. ".status"
  os.remove(self.status)
  local cmd = ("env %s %s %s; echo $? >%s"):format(table.concat(e, " "), q(T.NSLAB),
    table.concat(words, " "), self.status)
  local start = ("tmux -L %s -f %s new-session -d -s t -x 180 -y 50 -c %s %s")
    :format(self.sock, CONF, q(T.SRC), q(cmd))
  local st, _, err = T.sh(wrap and wrap(start) or start)
  assert(st == 0, "tmux: " .. err)
  return self
end

function Tty:tmux(args)
  return T.sh(("tmux -L %s %s"):format(self.sock, args))
end

-- Everything the terminal showed so far (scrollback included).
function Tty:screen(escapes)
  local _, out = self:tmux("capture-pane -p -J " .. (escapes and "-e " or "") .. "-t t -S -")
  return out
end

function Tty:type(text) self:tmux("send-keys -t t -l " .. q(text)) end
function Tty:key(k) self:tmux("send-keys -t t " .. k) end

-- Wait until the screen matches pattern (plain text unless lua is set).
function Tty:wait_for(pattern, timeout, lua)
  local s = T.eventually(function()
    local scr = self:screen()
    return scr:find(pattern, 1, not lua) and scr
  end, timeout or 10)
  if not s then
    error(("screen never showed %q; it shows:\n%s"):format(pattern, self:screen()), 2)
  end
  return s
end

function Tty.count(s, plain)
  local n, i = 0, 1
  while true do
    local a, b = s:find(plain, i, true)
    if not a then return n end
    n, i = n + 1, b + 1
  end
end

local function last_find(s, plain)
  local at, i = nil, 1
  while true do
    local a = s:find(plain, i, true)
    if not a then return at end
    at, i = a, a + 1
  end
end

-- Type a line and wait for the next prompt; returns what the line printed.
function Tty:run(line, prompt, timeout)
  prompt = prompt or self.prompt
  local n = Tty.count(self:screen(), prompt)
  self:type(line)
  self:key("Enter")
  local s = T.eventually(function()
    local scr = self:screen()
    return Tty.count(scr, prompt) > n and scr
  end, timeout or 15)
  if not s then error(("no prompt after %q; the screen:\n%s"):format(line, self:screen()), 2) end
  -- between the line that held the command and the new prompt
  local head = s:sub(1, last_find(s, prompt) - 1)
  local p = math.max(last_find(head, "\n" .. self.prompt) or 0, last_find(head, "\n>> ") or 0) + 1
  local nl = head:find("\n", p, true) or #head
  return head:sub(nl + 1)
end

-- Whether the REPL ended, and its exit status.
function Tty:dead()
  local st = T.slurp(self.status)
  if not st or not st:match("%d") then return false end
  return true, tonumber(st:match("%d+"))
end

function Tty:wait_exit(timeout)
  local ok = T.eventually(function() return self:dead() end, timeout or 15)
  if not ok then error("the REPL did not end; the screen:\n" .. self:screen(), 2) end
  return select(2, self:dead())
end

function Tty:close()
  self:tmux("kill-server")
  os.remove(self.hist)
  os.remove(self.status)
end

return Tty
