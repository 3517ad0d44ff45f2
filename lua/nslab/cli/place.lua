-- nslab.cli.place — `--machines a,b` on run, up and graph: a lab file's
-- nodes spread over machines without editing it (docs/multi-host.md).
--
-- The file is first run dry (nslab.cli.dry, as `nslab graph` does) to
-- learn its nodes and links; the machines named are found (the lab's own
-- lab:machine, else the inventory file, nslab.placement); the nodes the
-- file does not place are spread (placement.partition); the real run then
-- gets the machines declared and lab.placement = {NODE = MACHINE}, which
-- Lab:_add_node uses for every node made without on=.
local util = require "nslab.util"
local placement = require "nslab.placement"

local M = {}

-- This machine, when neither the lab nor the inventory names it.
local NOWHERE = "\0here"

-- What the script does outside nslab is left out of the dry run (the
-- real run does it): it prints nothing, reads nothing from standard
-- input (end of input at once: a script waiting for Enter goes on),
-- writes no file (io.open for writing gives /dev/null), removes and
-- renames nothing, runs no os.execute. Reading files and io.popen work.
local function quiet_env()
  local noop = function() end
  local std = {
    write = function(self) return self end, flush = function(self) return self end,
    read = noop, lines = function() return noop end, close = function() return true end,
    setvbuf = function() return true end, seek = function() return 0 end,
  }
  local dio = setmetatable({
    write = noop, read = noop, stdin = std, stdout = std, stderr = std,
    lines = function(path, ...)
      if path == nil then return noop end
      return io.lines(path, ...)
    end,
    output = function() return std end, input = function() return std end,
    open = function(path, mode)
      if mode and mode:find("[wa+]") then return io.open("/dev/null", "w") end
      return io.open(path, mode)
    end,
  }, { __index = io })
  local dos = setmetatable({
    execute = function(cmd) if cmd == nil then return true end return true, "exit", 0 end,
    remove = function() return true end,
    rename = function() return true end,
  }, { __index = os })
  return { print = noop, io = dio, os = dos }
end

-- M.dry_lab(file, name, verbose) -> the lab run dry, or nil and the
-- script's error (one that stopped it before it ran any command: what
-- the real run would stop at too). What the dry run left in this process
-- (its labs, its check reporter, the lab's own modules) is put back.
function M.dry_lab(file, name, verbose)
  local nslab = require "nslab"
  local dry = require "nslab.cli.dry"
  local runner = require "nslab.cli.runner"
  local expect = require "nslab.expect"
  local reporter, before, loaded = expect.reporter, #nslab.labs, {}
  for k in pairs(package.loaded) do loaded[k] = true end
  local dnslab, state = dry.load("dry")
  local chunk, lerr = runner.load(dnslab, file, name, quiet_env())
  local ok, msg = false, lerr
  if chunk then ok, msg = xpcall(chunk, runner.handler(verbose)) end
  expect.reporter, expect.last_failure = reporter, nil
  for i = #nslab.labs, before + 1, -1 do nslab.labs[i] = nil end
  local dir = file:match("^(.*)/[^/]*$") or "."
  for k in pairs(package.loaded) do
    if not loaded[k] and package.searchpath(k, dir .. "/?.lua;" .. dir .. "/?/init.lua") then
      package.loaded[k] = nil
    end
  end
  local lab = dnslab.labs[1]
  -- an error after the first command is most likely the script using
  -- output a dry run cannot give: the topology is declared by then
  if not ok and (not lab or (state.commands == 0 and not runner.exit_status(msg))) then
    return nil, msg
  end
  return lab
end

-- The graph placement.partition takes, from a lab run dry; here: this
-- machine's name (or NOWHERE).
local function graph_of(lab, here)
  local g = { nodes = {}, edges = {} }
  local holders = {}
  for _, sw in pairs(lab.switches) do
    if sw.node.kind ~= "switch" then holders[sw.node.name] = true end
  end
  for _, n in ipairs(lab.order) do
    local e = { name = n.name, counts = n.kind ~= "switch" and not n:is_root() }
    -- switches (and nodes holding one) and "host" stay on this machine
    if n:is_root() or n.kind == "switch" or holders[n.name] then
      e.pin = here
    elseif lab.on_given and lab.on_given[n.name] then
      local m = lab.machines and lab.machines[lab.on_given[n.name]]
      e.pin = m and m.here and here or lab.on_given[n.name]
    end
    g.nodes[#g.nodes + 1] = e
  end
  local function edge(a, b, tight)
    if a and b and a ~= b then g.edges[#g.edges + 1] = { a = a.name, b = b.name, tight = tight } end
  end
  for _, l in ipairs(lab.links) do
    -- a tunnel kind (nslab.kinds) is made by one machine: both ends and
    -- the nodes they ride on go together
    local tight = l.kind ~= nil
    edge(l.a.node, l.b.node, tight)
    if tight then
      edge(l.a.node, l.a.via, true)
      edge(l.b.node, l.b.via, true)
    end
  end
  return g
end

-- M.plan(lab, words) -> plan, or nil and one line saying what to do.
-- lab: the lab run dry; words: --machines (placement.parse_list). plan:
-- { declare = {inventory entries to declare}, on = {NODE = MACHINE},
--   load = {MACHINE = nodes}, machines = {names}, cut = links between
--   machines, here = this machine's name or nil }
function M.plan(lab, words)
  local path = placement.inventory_path()
  local inv, ierr = placement.read_inventory(path)
  if not inv then return nil, "--machines: " .. ierr end
  local declared = lab.machines or {}
  local here
  for _, m in ipairs(lab.machine_list or {}) do
    if m.here then here = { name = m.name } end
  end
  if not here and inv.here then here = { name = inv.here.name, entry = inv.here } end
  local function where_to_add(name)
    if inv.missing then
      return ("there is no inventory file %s: write one with a line `%s ssh=TARGET underlay=ADDRESS` " ..
        "(or set NSLAB_MACHINES_FILE; docs/multi-host.md)"):format(path, name)
    end
    return ("add a line `%s ssh=TARGET underlay=ADDRESS` to %s"):format(name, path)
  end
  local names, declare, seen = {}, {}, {}
  local function add(e)
    if declare[e.name] then return end
    for _, m in ipairs(lab.machine_list or {}) do
      if m.underlay == e.opts.underlay then
        return ("--machines: machine \"%s\" (%s:%d) has the underlay address %s of the lab's machine \"%s\"")
          :format(e.name, path, e.line, m.underlay, m.name)
      end
    end
    if e.here and here.name ~= e.name then
      return ("--machines: machine \"%s\" is `here` in %s, but the lab declares machine \"%s\" as this machine")
        :format(e.name, path, here.name)
    end
    declare[e.name] = true
    declare[#declare + 1] = e
  end
  for _, w in ipairs(words) do
    local name = w
    if w == "here" then
      if not here and inv.missing then
        return nil, ("--machines: \"here\" is this machine, but the lab does not declare it and there is no " ..
          "inventory file %s: write one with a line `NAME here underlay=ADDRESS` (or set NSLAB_MACHINES_FILE)"):format(path)
      elseif not here then
        return nil, ("--machines: \"here\" is this machine, but neither the lab nor %s names it: mark its line " ..
          "`NAME here underlay=ADDRESS`"):format(path)
      end
      name = here.name
    end
    if seen[name] then return nil, ("--machines names machine \"%s\" twice"):format(name) end
    seen[name] = true
    if not declared[name] then
      local e = inv.by[name]
      if not e then
        return nil, ("--machines: no machine \"%s\": the lab does not declare it; %s"):format(name, where_to_add(name))
      end
      local aerr = add(e)
      if aerr then return nil, aerr end
    end
    names[#names + 1] = name
  end
  local herepin = here and here.name or NOWHERE
  local g = graph_of(lab, herepin)
  local on, load, cut, where = placement.partition(g, names)
  -- a node here linked to another machine needs this machine's underlay
  for _, e in ipairs(g.edges) do
    local a, b = where[e.a], where[e.b]
    if a ~= b and (a == herepin or b == herepin) then
      local local_end, other = e.a, b
      if b == herepin then local_end, other = e.b, a end
      if not here then
        return nil, ("--machines: %s \"%s\" stays on this machine and is linked to machine \"%s\": give this " ..
          "machine's underlay address, a line `NAME here underlay=ADDRESS` in %s"):format(
          lab.switches[local_end] and "switch" or "node", local_end, other, path)
      end
      if here.entry then
        local aerr = add(here.entry)
        if aerr then return nil, aerr end
      end
      break
    end
  end
  return { declare = declare, on = on, load = load, machines = names, cut = cut,
           here = here and here.name or nil }
end

-- One line: how many nodes on each machine, how many links between them.
function M.summary(plan)
  local parts = {}
  for i, m in ipairs(plan.machines) do
    local n = plan.load[m] or 0
    parts[#parts + 1] = i == 1 and ("%d node%s on %s"):format(n, n == 1 and "" or "s", m) or ("%d on %s"):format(n, m)
  end
  return ("--machines: %s; %d link%s between machines"):format(table.concat(parts, ", "),
    plan.cut, plan.cut == 1 and "" or "s")
end

-- The real run's lab gets the machines and the placement (before its
-- script runs); nil, or an error message.
function M.apply(lab, plan)
  local ok, err = pcall(function()
    for _, e in ipairs(plan.declare) do lab:machine(e.name, e.opts) end
  end)
  if not ok then return "--machines: " .. util.oneline(tostring(err)) end
  lab.placement = plan.on
  return nil
end

-- A dry lab (nslab graph --machines) shows the placement: its nodes
-- placed on another machine are labelled with it.
function M.label(lab, plan)
  lab.placed = lab.placed or {}
  for node, m in pairs(plan.on) do
    if m ~= plan.here then lab.placed[node] = m end
  end
end

return M
