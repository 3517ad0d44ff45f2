-- nslab.cli.progress — one line on the terminal while a lab builds:
--   building tree: 11/15 nodes, 8/14 links  1.2 s
-- Shown only when stderr is a terminal (never in pipes, logs or CI), only
-- once a build takes longer than a moment, redrawn at most ten times a
-- second, and wiped when the script starts doing something else (running
-- a command, recording a check, printing) or ends. It follows the lab's
-- events (lab:on): "node" and "link" count, "plan" (a topology generator
-- announcing how many are coming) lets the line count down, the others
-- wipe it. A script's print and io.write wipe it through the script's
-- environment (M.output), not by replacing Lua's globals.
local core = require "nslab.core"

local M = {}

local state -- nil while not enabled

local function tty(fd)
  if core.isatty then return core.isatty(fd) end
  return os.execute(("test -t %d"):format(fd)) == true
end

local function count(n, total, what)
  if total and total >= n then return ("%d/%d %s"):format(n, total, what) end
  return ("%d %s"):format(n, what)
end

local function draw(force)
  local s = state
  local now = core.clock()
  if not force and (now - s.started < s.delay or now - s.drawn < 0.1) then return end
  s.drawn = now
  local plan = s.plans[s.lab] or {}
  local line = ("building %s: %s, %s  %.1f s"):format(s.lab.name, count(s.nodes, plan.nodes, "nodes"),
    count(s.links, plan.links, "links"), now - s.started)
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

-- Wipe the line only while a build is being shown (before output).
local function before_output()
  if state.active then M.clear() end
end

-- A node or link was added to lab: count it (a new lab starts a new line).
local function added(lab, what)
  local s = state
  if s.lab ~= lab then
    s.lab, s.nodes, s.links, s.started, s.drawn = lab, 0, 0, core.clock(), 0
  end
  s.active = true
  s[what] = s[what] + 1
  draw(false)
end

local function on_node(lab) added(lab, "nodes") end
local function on_link(lab) added(lab, "links") end

-- A generator says how many nodes and links it is about to make: they
-- come on top of what the lab has so far.
local function on_plan(lab, nodes, links)
  local s = state
  local plan = s.plans[lab]
  if not plan then
    local here = s.lab == lab
    plan = { nodes = here and s.nodes or 0, links = here and s.links or 0 }
    s.plans[lab] = plan
  end
  plan.nodes, plan.links = plan.nodes + nodes, plan.links + links
end

-- Follow one lab's events.
function M.watch(lab)
  lab:on("node", on_node):on("link", on_link):on("plan", on_plan)
     :on("exec", before_output):on("check", before_output)
     :on("keep", M.clear):on("down", M.clear)
end

-- Turn the indicator on for this process if stderr is a terminal
-- (NSLAB_PROGRESS=0 turns it off, =1 forces it) and follow every lab
-- nslab (the library) makes from now on; returns true when enabled.
function M.auto(nslab, opts)
  if state then return true end
  local env = os.getenv("NSLAB_PROGRESS")
  if env == "0" then return false end
  if env ~= "1" and not tty(2) then return false end
  state = { nodes = 0, links = 0, started = core.clock(), drawn = 0,
            plans = setmetatable({}, { __mode = "k" }),
            delay = (opts and opts.delay) or tonumber(os.getenv("NSLAB_PROGRESS_DELAY") or "") or 0.3 }
  nslab.on("lab", M.watch)
  return true
end

-- What a lab script gets as print and io while the line may be shown:
-- Lua's own, wiping the line first. Nil when the indicator is off.
function M.output()
  if not state then return nil end
  return {
    print = function(...)
      before_output()
      return print(...)
    end,
    io = setmetatable({
      write = function(...)
        before_output()
        return io.write(...)
      end,
    }, { __index = io }),
  }
end

return M
