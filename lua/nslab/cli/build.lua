-- nslab.cli.build — the verbs that build and tear down labs: run, up,
-- down, ls, clean; and version, help. Each takes the parsed command line
-- (nslab.cli.args) and returns the exit status (nslab.cli.verbs.EXIT).
local core = require "nslab.core"
local util = require "nslab.util"
local verbs = require "nslab.cli.verbs"
local runner = require "nslab.cli.runner"

local EXIT = verbs.EXIT
local M = {}

local function err(status, fmt, ...)
  io.stderr:write("nslab: ", fmt:format(...), "\n")
  return status
end

-- Run a lab file. mode "run" tears down at the end, "up" leaves it up.
local function run_file(file, mode, opt)
  local nslab = require "nslab"
  local progress = require "nslab.cli.progress"
  progress.auto(nslab)
  local name, status = runner.lab_name(file, opt)
  if not name then return status end
  local chunk, lerr = runner.load(nslab, file, name, progress.output())
  if not chunk then
    io.stderr:write(lerr, "\n")
    return EXIT.build
  end
  local ok, msg = xpcall(chunk, runner.handler(opt.verbose))
  if not ok then return runner.fail(nslab, file, msg, opt.verbose) end
  core.block_signals(true)
  if mode == "up" then
    for _, l in ipairs(nslab.labs) do
      if l:is_up() then
        l:keep()
        local names = {}
        for _, n in ipairs(l.order) do names[#names + 1] = n.name end
        io.stdout:write(("lab %s is up: %s\n  enter a node: ip netns exec %s.NODE bash  |  remove it: nslab down %s\n")
          :format(l.name, table.concat(names, " "), l.name, l.name))
      end
    end
  else
    local derr = nslab.down_all()
    if derr then io.stderr:write("nslab: ", derr, "\n") end
  end
  core.block_signals(false)
  return EXIT.ok
end

function M.run(a) return run_file(a.file, "run", a) end
function M.up(a) return run_file(a.file, "up", a) end

-- The file a lab that is up was built from ("" when none is recorded).
local function file_of(name)
  local f = io.open((core.lab_dir(name) or "") .. "/file")
  local file = f and f:read("a") or ""
  if f then f:close() end
  return (file:gsub("\n$", ""))
end

-- `down LAB.lua`: the labs that are up from that file (a lab brought up
-- with --name is found by its recorded file, even once the file is gone),
-- else the file's own name; nil when there is no such file either.
local function labs_of_file(arg)
  local path, found = util.abspath(arg), {}
  for _, name in ipairs(core.journal_list()) do
    if file_of(name) == path then found[#found + 1] = name end
  end
  table.sort(found)
  if #found == 0 then
    if not util.readable_file(arg) then return nil end
    found[1] = util.lab_name_of(arg)
  end
  return found
end

function M.down(a)
  if not core.privileged() then return err(EXIT.failed, "down needs root; run it as root (sudo nslab down ...)") end
  local rc, names = EXIT.ok, {}
  for _, arg in ipairs(a.labs) do
    if arg:match("%.lua$") then
      local labs = labs_of_file(arg)
      if not labs then
        rc = err(EXIT.failed, "no lab file %s, and no lab that is up was built from it (see `nslab ls`)",
          util.shown(arg))
      end
      for _, n in ipairs(labs or {}) do names[#names + 1] = n end
    else
      names[#names + 1] = arg
    end
  end
  for _, arg in ipairs(names) do
    local name, bad = util.lab_arg("down", arg)
    local owner = name and core.journal_owner(name)
    if not name then
      rc = err(EXIT.failed, "%s", bad)
    elseif owner == nil then
      rc = err(EXIT.failed, "no lab named \"%s\" is up (see `nslab ls`)", name)
    elseif owner > 0 and not a.force then
      rc = err(EXIT.failed, "lab \"%s\" is running in nslab process %d; stop that process (it tears the lab down) " ..
        "or use --force", name, owner)
    else
      if owner > 0 then core.kill(owner, 15) end
      local n, e = core.journal_down(name)
      if n then
        io.stdout:write(("lab %s is down (%d records undone)\n"):format(name, n))
      else
        rc = err(EXIT.failed, "down %s: %s", name, e)
      end
    end
  end
  return rc
end

-- The labs that are up: { name, nodes, owner, state, file } each.
local function lab_list()
  local labs = core.journal_list()
  table.sort(labs)
  local list = {}
  for _, name in ipairs(labs) do
    local owner = core.journal_owner(name)
    if owner then
      local file = file_of(name)
      list[#list + 1] = { name = name, nodes = core.journal_count(name, "netns"), owner = owner > 0 and owner or nil,
                          state = owner > 0 and "running" or "up", file = file ~= "" and file or nil }
    end
  end
  return list
end

function M.ls(a)
  local list = lab_list()
  if a.json then
    local json = require "nslab.json"
    for _, l in ipairs(list) do
      l.owner, l.file = l.owner or json.null, l.file or json.null
    end
    io.stdout:write(json.encode({ labs = json.array(list) }, { indent = "  " }), "\n")
    return EXIT.ok
  end
  if #list == 0 then
    io.stdout:write("no labs are up\n")
    return EXIT.ok
  end
  io.stdout:write(("%-20s %5s  %-22s %s\n"):format("LAB", "NODES", "STATE", "FILE"))
  for _, l in ipairs(list) do
    local state = l.owner and ("running (pid %d)"):format(l.owner) or "up (no owner)"
    io.stdout:write(("%-20s %5d  %-22s %s\n"):format(l.name, l.nodes, state, l.file or "-"))
  end
  return EXIT.ok
end

function M.clean()
  if not core.privileged() then return err(EXIT.failed, "clean needs root; run it as root (sudo nslab clean)") end
  local labs, rc, done = core.journal_list(), EXIT.ok, 0
  table.sort(labs)
  for _, name in ipairs(labs) do
    local owner = core.journal_owner(name)
    if owner and owner > 0 then
      io.stdout:write(("lab %s is in use by nslab process %d; left alone\n"):format(name, owner))
    elseif owner then
      local n, e = core.journal_down(name)
      if n then
        done = done + 1
        io.stdout:write(("removed lab %s (%d records undone)\n"):format(name, n))
      else
        rc = err(EXIT.failed, "clean %s: %s", name, e)
      end
    end
  end
  if done == 0 and rc == EXIT.ok then io.stdout:write("nothing to clean\n") end
  return rc
end

function M.version()
  io.stdout:write("nslab ", core.version, " (", _VERSION, ")\n")
  -- where the library was read from (the package test checks it)
  if core.lua_dir then io.stdout:write("library: ", core.lua_dir, "\n") end
  return EXIT.ok
end

function M.help(a)
  local args = require "nslab.cli.args"
  if not a.verb then
    io.stdout:write(args.overview(), "\n")
    return EXIT.ok
  end
  local v = verbs.by_name[a.verb]
  if not v then return args.usage_error("help", "no verb \"%s\" (try `nslab help`)", util.shown(a.verb)) end
  io.stdout:write(args.help(v), "\n")
  return EXIT.ok
end

return M
