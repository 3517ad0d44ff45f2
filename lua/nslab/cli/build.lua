-- nslab.cli.build — the verbs that build and tear down labs: run, up,
-- down, ls, clean; and version, help. Each takes the parsed command line
-- (nslab.cli.args) and returns the exit status (nslab.cli.verbs.EXIT).
-- A lab belongs to the user who built it (core.user: behind sudo, or
-- behind a rootless namespace); down, ls and clean act on the caller's
-- own, root on anyone's with --all-users (nslab.live.owned holds the rule).
local core = require "nslab.core"
local util = require "nslab.util"
local live = require "nslab.live"
local verbs = require "nslab.cli.verbs"
local runner = require "nslab.cli.runner"

local EXIT = verbs.EXIT
local M = {}

local err = require("nslab.cli.say").fail   -- err(status, fmt, ...) -> status

-- Run a lab file. mode "run" tears down at the end, "up" leaves it up.
local function run_file(file, mode, opt)
  local nslab = require "nslab"
  local progress = require "nslab.cli.progress"
  local name, status = runner.lab_name(file, opt)
  if not name then return status end
  -- --machines: where each node goes, from a dry run (nslab.cli.place)
  local plan
  if opt.machines then
    plan, status = M.place(file, name, opt)
    if not plan then return status end
  end
  progress.auto(nslab)
  local chunk, lerr, env = runner.load(nslab, file, name, progress.output())
  if not chunk then
    io.stderr:write(lerr, "\n")
    return EXIT.build
  end
  if plan then
    local perr = require("nslab.cli.place").apply(env.lab, plan)
    if perr then return err(EXIT.usage, "%s", perr) end
    io.stdout:write(require("nslab.cli.place").summary(plan), "\n")
  end
  local ok, msg = xpcall(chunk, runner.handler(opt.verbose))
  -- (what other machines were sent last may still fail: lab:sync)
  if ok then ok, msg = xpcall(function() for _, l in ipairs(nslab.labs) do l:sync() end end, runner.handler(opt.verbose)) end
  if not ok then return runner.fail(nslab, file, msg, opt.verbose) end
  core.block_signals(true)
  local rootless = require "nslab.cli.rootless"
  rootless.host_note(nslab.labs, io.stderr)
  if mode == "up" then
    for _, l in ipairs(nslab.labs) do
      if l:is_up() then
        l:keep()
        local names = {}
        for _, n in ipairs(l.order) do names[#names + 1] = n.name end
        local enter = rootless.info() and ("nslab shell %s NODE"):format(l.name)
          or ("ip netns exec %s.NODE bash"):format(core.lab_ns(l.name))
        io.stdout:write(("lab %s is up: %s\n  enter a node: %s  |  remove it: nslab down %s\n")
          :format(l.name, table.concat(names, " "), enter, l.name))
      end
    end
  else
    local derr = nslab.down_all()
    if derr then io.stderr:write("nslab: ", derr, "\n") end
  end
  core.block_signals(false)
  return EXIT.ok
end

-- The placement of file's nodes over a.machines (a dry run first), or
-- nil and the exit status, the line said.
function M.place(file, name, a)
  local place = require "nslab.cli.place"
  local lab, derr = place.dry_lab(file, name, a.verbose)
  if not lab then
    io.stderr:write(a.verbose and tostring(derr) or util.oneline(tostring(derr)), "\n")
    return nil, EXIT.build
  end
  local plan, perr = place.plan(lab, a.machines)
  if not plan then return nil, err(EXIT.usage, "%s", perr) end
  return plan, lab
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

-- The caller's own labs (every user's with --all-users), sorted; and how
-- many labs of other users were left out.
local function my_labs()
  local mine, others = {}, 0
  for _, name in ipairs(core.journal_list()) do
    if live.all_users or core.journal_user(name) == (core.user()) then
      mine[#mine + 1] = name
    else
      others = others + 1
    end
  end
  table.sort(mine)
  return mine, others
end

-- `down LAB.lua`: the labs that are up from that file (a lab brought up
-- with --name is found by its recorded file, even once the file is gone),
-- else the file's own name; nil when there is no such file either.
local function labs_of_file(arg)
  local path, found = util.abspath(arg), {}
  for _, name in ipairs((my_labs())) do
    if file_of(name) == path then found[#found + 1] = name end
  end
  if #found == 0 then
    if not util.readable_file(arg) then return nil end
    found[1] = util.lab_name_of(arg)
  end
  return found
end

-- A lab placed over machines (nslab.machine) has its parts there taken
-- down first, by the record in its state directory; false when one failed
-- (said; the part here still goes).
local function down_machines(name, verb)
  if not core.exists((core.lab_dir(name) or "") .. "/machines") then return true end
  local fails = require("nslab.machine").down_recorded(name, function(s) io.stdout:write(s, "\n") end)
  for _, f in ipairs(fails) do err(EXIT.failed, "%s %s: %s", verb, name, f) end
  return #fails == 0
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
    local mine, merr
    if name then mine, merr = live.owned(name) end
    local owner = mine and core.journal_owner(name)
    if not name then
      rc = err(EXIT.failed, "%s", bad)
    elseif not mine then
      rc = err(EXIT.failed, "%s", merr)
    elseif owner == nil then
      rc = err(EXIT.failed, "no lab named \"%s\" is up (see `nslab ls`)", name)
    elseif owner > 0 and not a.force then
      rc = err(EXIT.failed, "lab \"%s\" is running in nslab process %d; stop that process (it tears the lab down) " ..
        "or use --force", name, owner)
    else
      if owner > 0 then core.kill(owner, 15) end
      if not down_machines(name, "down") then rc = EXIT.failed end
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

-- Rootless: a lab whose pins are plain files again lost its namespaces
-- with the keeper that held them (killed); what is left is debris.
local function lost(name)
  if not core.rootless() then return false end
  local recs = core.journal_records(name, "netns")
  if not recs or not recs[1] then return false end
  local pin = core.nsid(core.netns_dir .. "/" .. recs[1])
  local nsfs = core.nsid("/proc/self/ns/net")
  return not pin or pin:match("^%d+") ~= nsfs:match("^%d+")
end

-- What a lab is doing: "running" (an nslab process, its pid second),
-- "up" (kept with `nslab up`), "crashed" (left by a crash: what `nslab
-- clean` removes) or "lost" (rootless, its keeper killed: debris too).
local STATE_TEXT = { up = "kept (nslab up)", crashed = "left by a crash", lost = "lost (keeper ended)" }
local function state_of(name)
  local owner = core.journal_owner(name)
  if owner and owner > 0 then return "running", owner end
  if lost(name) then return "lost" end
  if core.journal_kept(name) then return "up" end
  return "crashed"
end

-- A lab placed over machines (nslab.machine): {MACHINE = nodes there}
-- for the other machines; nil for a lab on this machine alone.
local function machines_of(name)
  if not core.exists((core.lab_dir(name) or "") .. "/machines") then return nil end
  local t = {}
  for _, m in ipairs((require("nslab.machine").recorded(name))) do t[m.name] = #m.nodes end
  return next(t) and t or nil
end

-- The caller's labs that are up: { name, nodes, owner, state, user, uid,
-- file, machines } each; and how many of other users' were left out.
local function lab_list()
  local labs, others = my_labs()
  local list = {}
  for _, name in ipairs(labs) do
    if core.journal_owner(name) then
      local file = file_of(name)
      local state, pid = state_of(name)
      local uid = core.journal_user(name)
      list[#list + 1] = { name = name, nodes = core.journal_count(name, "netns"), owner = pid,
                          state = state, uid = uid, user = uid and core.user_name(uid) or nil,
                          file = file ~= "" and file or nil, machines = machines_of(name) }
    end
  end
  return list, others
end

local function others_note(n)
  if n > 0 then
    io.stdout:write(("(%d lab%s of other users not shown; root sees them with --all-users)\n")
      :format(n, n == 1 and "" or "s"))
  end
end

-- Rootless with nothing up (src/main.c found no keeper and no lab left):
-- ls and clean answer without entering namespaces made for nothing.
local function idle() return os.getenv("NSLAB_ROOTLESS_IDLE") == "1" end

function M.ls(a)
  local list, others = {}, 0
  if not idle() then list, others = lab_list() end
  if a.json then
    local json = require "nslab.json"
    for _, l in ipairs(list) do
      l.owner, l.file = l.owner or json.null, l.file or json.null
      l.uid, l.user = l.uid or json.null, l.user or json.null
    end
    io.stdout:write(json.encode({ labs = json.array(list) }, { indent = "  " }), "\n")
    return EXIT.ok
  end
  if #list == 0 then
    io.stdout:write("no labs are up\n")
    others_note(others)
    return EXIT.ok
  end
  io.stdout:write(("%-20s %-10s %5s  %-22s %s\n"):format("LAB", "OWNER", "NODES", "STATE", "FILE"))
  for _, l in ipairs(list) do
    local state = l.owner and ("running (pid %d)"):format(l.owner) or STATE_TEXT[l.state]
    local elsewhere = ""
    if l.machines then
      local names = {}
      for m, n in pairs(l.machines) do names[#names + 1] = ("%d on %s"):format(n, m) end
      table.sort(names)
      elsewhere = "  (+" .. table.concat(names, ", ") .. ")"
    end
    io.stdout:write(("%-20s %-10s %5d  %-22s %s%s\n"):format(l.name, l.user or "-", l.nodes, state, l.file or "-",
      elsewhere))
  end
  others_note(others)
  return EXIT.ok
end

-- nslab clean [-n]: tear down the caller's labs that a crash left (no
-- nslab process owns them and none was kept with `nslab up`); say which,
-- and why each other lab stays. -n: only say.
function M.clean(a)
  if idle() then
    io.stdout:write("nothing to clean\n")
    return EXIT.ok
  end
  if not core.privileged() then return err(EXIT.failed, "clean needs root; run it as root (sudo nslab clean)") end
  local labs, others = my_labs()
  local rc, done = EXIT.ok, 0
  for _, name in ipairs(labs) do
    local state, pid = state_of(name)
    local ok, terr = core.journal_trusted(name)
    if not ok then
      rc = err(EXIT.failed, "clean %s: %s", name, terr)
    elseif pid then
      io.stdout:write(("lab %s is in use by nslab process %d; left alone\n"):format(name, pid))
    elseif state == "up" then
      io.stdout:write(("lab %s was kept with `nslab up`; left alone (`nslab down %s` removes it)\n")
        :format(name, name))
    elseif a.dry_run then
      done = done + 1
      io.stdout:write(("would remove lab %s (%s)\n"):format(name, STATE_TEXT[state]))
    else
      if not down_machines(name, "clean") then rc = EXIT.failed end
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
  if others > 0 then
    io.stdout:write(("%d lab%s of other users left alone\n"):format(others, others == 1 and "" or "s"))
  end
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
