-- nslab.cli.progress — one line on the terminal while a lab builds:
--   building tree: 11/15 nodes, 8/14 links  1.2 s
-- Shown only when stderr is a terminal (never in pipes, logs or CI), only
-- once a build takes longer than a moment, redrawn at most ten times a
-- second, and wiped when the script starts doing something else (running
-- a command, printing) or ends. Topology generators announce how many
-- nodes and links are coming (M.expect), so the line can count down.
local core = require "nslab.core"

local M = {}

local state -- nil while not enabled

local function tty(fd)
  if core.isatty then return core.isatty(fd) end
  return os.execute(("test -t %d"):format(fd)) == true
end

local function draw(force)
  local s = state
  local now = core.clock()
  if not force and (now - s.started < s.delay or now - s.drawn < 0.1) then return end
  s.drawn = now
  local function count(n, total, what)
    if total and total >= n then return ("%d/%d %s"):format(n, total, what) end
    return ("%d %s"):format(n, what)
  end
  local line = ("building %s: %s, %s  %.1f s"):format(s.lab or "lab", count(s.nodes, s.total_nodes, "nodes"),
    count(s.links, s.total_links, "links"), now - s.started)
  io.stderr:write("\r\27[K", line)
  io.stderr:flush()
  s.shown = true
end

-- Wipe the line (the build phase is over, or output follows).
function M.clear()
  if state and state.shown then
    io.stderr:write("\r\27[K")
    io.stderr:flush()
    state.shown = false
  end
  if state then state.active = false end
end

local function bump(lab, what)
  local s = state
  if not s then return end
  if s.lab ~= lab.name then
    s.lab, s.nodes, s.links, s.started, s.drawn = lab.name, 0, 0, core.clock(), 0
    s.total_nodes, s.total_links = lab._progress_nodes, lab._progress_links
  end
  s.active = true
  s[what] = s[what] + 1
  s.total_nodes, s.total_links = lab._progress_nodes or s.total_nodes, lab._progress_links or s.total_links
  draw(false)
end

-- A generator says how many nodes and links it is about to make.
function M.expect(lab, nodes, links)
  lab._progress_nodes = (lab._progress_nodes or (state and state.lab == lab.name and state.nodes or 0)) + nodes
  lab._progress_links = (lab._progress_links or (state and state.lab == lab.name and state.links or 0)) + links
end

-- Turn the indicator on for this process if stderr is a terminal
-- (NSLAB_PROGRESS=0 turns it off, =1 forces it). Wraps the lab's
-- builders; returns true when enabled.
function M.auto(opts)
  if state then return true end
  local env = os.getenv("NSLAB_PROGRESS")
  if env == "0" then return false end
  if env ~= "1" and not tty(2) then return false end
  state = { nodes = 0, links = 0, started = core.clock(), drawn = 0,
            delay = (opts and opts.delay) or tonumber(os.getenv("NSLAB_PROGRESS_DELAY") or "") or 0.3 }
  local Lab = require "nslab.lab"
  local Node = require "nslab.node"
  local add_node, link = Lab._add_node, Lab.link
  Lab._add_node = function(self, ...)
    local n = add_node(self, ...)
    bump(self, "nodes")
    return n
  end
  Lab.link = function(self, ...)
    local l = link(self, ...)
    bump(self, "links")
    return l
  end
  for _, m in ipairs { "keep", "down" } do
    local f = Lab[m]
    Lab[m] = function(...)
      M.clear()
      return f(...)
    end
  end
  for _, m in ipairs { "exec", "spawn" } do
    local f = Node[m]
    Node[m] = function(...)
      if state.active then M.clear() end
      return f(...)
    end
  end
  local p = print
  print = function(...) -- luacheck: ignore
    if state.active then M.clear() end
    return p(...)
  end
  local w = io.write
  io.write = function(...)
    if state.active then M.clear() end
    return w(...)
  end
  return true
end

return M
