-- nslab.repl.loop — a REPL session on one lab: its Lua environment (the
-- user's globals, Lua's, then every node by name), the prompt and banner,
-- the read loop (GNU readline through nslab.core: history, Emacs keys,
-- Tab), Lua run as lua.c does (an expression first, then a statement; an
-- unfinished one continues on ">> "), and leaving.
local core = require "nslab.core"
local nslab = require "nslab"
local display = require "nslab.repl.display"
local verbs = require "nslab.repl.verbs"
local complete = require "nslab.repl.complete"

local out = display.out

local S = {}
S.__index = S

function S.new(lab, env, mode, keep)
  local self = setmetatable({ lab = lab, mode = mode, keep = keep }, S)
  local nocolor = os.getenv("NO_COLOR")
  self.c = display.palette(core.isatty(1) and (nocolor == nil or nocolor == ""))
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

function S:classify(line) return verbs.classify(self, line) end
function S:run_line(line) return verbs.run_line(self, line) end
function S:complete(text, line, start) return complete.complete(self, text, line, start) end

function S:report(e)
  -- os.exit(N) typed at the prompt (or run by a verb): leave, with N
  local code = require("nslab.cli.runner").exit_status(e)
  if code then
    self.done, self.exit_code = true, code
    return
  end
  local msg = errtext(e)
  -- the terminal echoed ^C where the cursor was
  if msg == "interrupted (Ctrl-C)" and core.isatty(1) then out("\n") end
  io.stdout:flush()
  io.stderr:write(self.c.red(msg), "\n")
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
    self.lab:keep()      -- closes its journal (if it grew) and namespaces
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
  if not self.signals_held then core.block_signals(false) end
  return derr
end

S.compile, S.errtext = compile, errtext

return S
