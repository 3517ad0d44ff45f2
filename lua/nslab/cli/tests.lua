-- nslab.cli.tests — the command-line verbs for courses and CI:
--   test FILE...   build each lab, run its checks, tear down; TAP, JUnit
--   check LAB      which of a lab's exercises pass, with hints
--   graph FILE     the lab as DOT, SVG or PNG, without building it
--   inspect LAB    a lab that is up, as the kernel holds it (--json)
-- Dispatched from nslab.cli.
local core = require "nslab.core"

local M = {}

local err = require("nslab.cli.say").fail   -- err(status, fmt, ...) -> status

local util = require "nslab.util"
local runner = require "nslab.cli.runner"
local EXIT = require("nslab.cli.verbs").EXIT
local lab_name_of, valid_name = util.lab_name_of, util.valid_name

local readable = util.readable_file

-- The file a lab that is up was built from.
local function file_of(name)
  local dir = core.lab_dir(name)
  local f = dir and io.open(dir .. "/file")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  s = s:gsub("\n$", "")
  return s ~= "" and s or nil
end

local function is_up(name)
  return core.journal_records(name, "netns") ~= nil
end

local load_lab, handler = runner.load, runner.handler

---- nslab test ------------------------------------------------------------------

local report = require "nslab.cli.report"

local SIGALRM = 14 -- core.alarm's signal (Linux)

-- The per-lab limit of `nslab test` when --timeout is not given (the
-- verb table documents it).
M.DEFAULT_TIMEOUT = 600

-- Lab names for files: the prefix and each file's name; two files of the
-- same name (a/x.lua, b/x.lua) get x and x-2, so that they never share a
-- lab, also when they run side by side.
local function lab_names(files, prefix)
  local names, used = {}, {}
  for i, file in ipairs(files) do
    local base = prefix .. lab_name_of(file)
    local name, k = base, 1
    while used[name] do
      k = k + 1
      name = ("%s-%d"):format(base, k)
    end
    used[name] = true
    names[i] = name
  end
  return names
end

-- The options of `nslab test` (opt, as nslab.cli.args made it): files,
-- opt (opt.names: the lab names), or nil and the exit status (the
-- message printed). Flag values are checked by the verb table.
local function test_args(opt)
  local pos = opt.files
  opt.timeout = opt.timeout or M.DEFAULT_TIMEOUT
  opt.jobs = opt.jobs or 1
  if opt.exec_timeout then util.defaults.exec_timeout = opt.exec_timeout > 0 and opt.exec_timeout or false end
  opt.names = opt.lab and { opt.lab } or lab_names(pos, opt.prefix or "")
  if opt.worker and #pos ~= 1 then return nil, err(EXIT.usage, "test: --worker takes one lab file") end
  for i, file in ipairs(pos) do
    if not readable(file) then return nil, err(EXIT.build, "test: cannot open lab file %s (check the path)", file) end
    if not valid_name(opt.names[i]) then
      return nil, err(2, "test: %s: cannot use \"%s\" as a lab name (letters, digits, '-', '_'); rename the file or pass --prefix",
        file, util.shown(opt.names[i]))
    end
  end
  if not core.privileged() then
    return nil, err(1, "test needs root to build labs; run it as root (sudo nslab test ...)")
  end
  return pos, opt
end

-- What stopped a script: "timeout", "build" (before any check: the lab
-- was never built as written) or "script".
local function error_kind(su, msg)
  if core.cancelled() == SIGALRM or msg:find("timed out after [%d.]+ s") or msg:find(": timed out$") then
    return "timeout"
  end
  -- a signal is no fault of the lab's, wherever it lands
  if msg:find("interrupted by %S+") then return "script" end
  return #su.cases == 0 and "build" or "script"
end

local ERROR_POINT = { build = "the lab builds", timeout = "the lab finishes in time",
                      script = "the lab script runs to its end" }

local function timeout_message(at, opt)
  return ("%stimed out after %g s (nslab test --timeout %g)"):format(at and (at .. ": ") or "", opt.timeout, opt.timeout)
end

-- Run the lab file's script into lab name; returns whether it ran to its
-- end and the signal that interrupted it, if one did.
local function run_script(nslab, tap, file, name, opt)
  if core.journal_owner(name) ~= nil then
    tap:point(false, "the lab builds", { message = ("lab \"%s\" is already up; `nslab down %s`, or test under another --prefix")
      :format(name, name) }, "error", nil, "build")
    return false
  end
  local env = tap.progress.output() or {}
  env.print = function(...)
    local t = table.pack(...)
    for i = 1, t.n do t[i] = tostring(t[i]) end
    tap:comment(table.concat(t, "\t") .. "\n")
  end
  -- --machines: where each node goes, from a dry run (nslab.cli.place)
  local place, plan, perr = opt.machines and require "nslab.cli.place"
  if place then
    plan, perr = place.dry_lab(file, name, opt.verbose)
    if plan then plan, perr = place.plan(plan, opt.machines) end
  end
  local chunk, lerr, lenv
  if place and not plan then
    lerr = tostring(perr)
  else
    chunk, lerr, lenv = load_lab(nslab, file, name, env)
    if chunk and plan then
      perr = place.apply(lenv.lab, plan)
      if perr then chunk, lerr = nil, perr else tap:comment(place.summary(plan) .. "\n") end
    end
  end
  local ok, msg
  if not chunk then
    ok, msg = false, lerr
  else
    ok, msg = xpcall(chunk, handler(opt.verbose))
  end
  if ok then return true end
  msg = tostring(msg)
  local at = msg:match("^([^:\n]+:%d+):")
  local kind = error_kind(tap.su, msg)
  if kind == "timeout" and core.cancelled() == SIGALRM then msg = timeout_message(at, opt) end
  tap:point(false, ERROR_POINT[kind], { message = msg, at = at }, "error", nil, kind)
  return false, msg:match("interrupted by (%S+)")
end

-- Whether --only lets check desc of suite su be reported.
local function selected(opt, su, desc)
  return not opt.only or (su.name .. ": " .. desc):find(opt.only) ~= nil
end

-- The exercises of lab l: each must start unsolved and be solved by its
-- solution (one without a solution is a TODO until it passes).
local function run_exercises(tap, l, opt)
  for _, e in ipairs(l:exercises() or {}) do
    if selected(opt, tap.su, ("exercise %d: %s"):format(e.n, e.goal)) then
      tap.su.matched = tap.su.matched + 1
      local ok1, before = pcall(l.run_exercise, l, e)
      if not ok1 then before = { ok = false, found = tostring(before) } end
      if e.solution then
        tap:point(not before.ok, ("exercise %d starts unsolved: %s"):format(e.n, e.goal),
          { at = e.where, found = before.ok and "its check already passes before any fix" or nil })
        local sok, serr = xpcall(e.solution, handler(opt.verbose), l)
        if not sok then
          tap:point(false, ("exercise %d: its solution runs"):format(e.n), { at = e.where, message = serr }, "error")
        else
          local after = l:run_exercise(e)
          tap:point(after.ok, ("exercise %d is solved by its solution: %s"):format(e.n, e.goal),
            { at = e.where, found = after.found })
        end
      else
        tap:point(before.ok, ("exercise %d: %s"):format(e.n, e.goal), nil, before.ok and nil or "todo",
          before.ok and nil or "not solved yet (no solution= to prove it can be)")
      end
    end
  end
end

-- Tear down the labs the file made (newest first), or keep them up for
-- inspection when it failed and --keep-on-fail asks for that.
local function finish_labs(nslab, first_lab, tap, opt, interrupted)
  core.block_signals(true)
  for li = #nslab.labs, first_lab, -1 do
    local l = nslab.labs[li]
    if tap.su.failed and opt.keep_on_fail and l:is_up() and not interrupted then
      l:keep()
      tap.su.kept = true
      tap:note(("# kept lab %s up for inspection: nslab inspect %s | nslab check %s | nslab down %s\n")
        :format(l.name, l.name, l.name, l.name))
    else
      local ok, derr = pcall(l.down, l)
      if not ok then
        tap:point(false, "the lab tears down", { message = tostring(derr) }, "error")
      end
    end
  end
  core.block_signals(false)
end

-- One lab file, in lab name: its script, its checks as they come, its
-- exercises, a point if it has no checks at all, then teardown; all of it
-- under the --timeout alarm but the teardown. Returns the signal that
-- interrupted it, if one did.
local function test_file(nslab, tap, file, name, opt)
  local expect = require "nslab.expect"
  local su = tap:suite(file, lab_name_of(file), name)
  su.matched = 0
  local first_lab = #nslab.labs + 1
  expect.reporter = function(res)
    if not selected(opt, su, res.desc) then return end
    su.matched = su.matched + 1
    tap:point(res.ok, res.desc, { at = res.where, expected = res.expected, found = res.found,
      detail = res.detail, time = res.time })
  end
  -- the whole timed part in one protected call, so that the alarm's error
  -- cannot land outside it; core.alarm(0) takes back one that came late
  local script_ok, interrupted = false, nil
  local ok, msg = xpcall(function()
    if opt.timeout > 0 then core.alarm(opt.timeout) end
    script_ok, interrupted = run_script(nslab, tap, file, name, opt)
    if not interrupted then
      for li = first_lab, #nslab.labs do run_exercises(tap, nslab.labs[li], opt) end
    end
    core.alarm(0)
  end, handler(opt.verbose))
  core.alarm(0)
  if not ok then
    interrupted = interrupted or msg:match("interrupted by (%S+)")
    if not interrupted and core.cancelled() ~= SIGALRM then
      tap:point(false, "the exercises run", { message = msg, at = msg:match("^([^:\n]+:%d+):") }, "error")
    end
  end
  expect.reporter = nil
  if core.cancelled() == SIGALRM then
    -- the alarm went off where a pcall swallowed its error, or in the exercises
    core.cancelled(true)
    local last = su.cases[#su.cases]
    if not (last and last.kind == "timeout") then
      tap:point(false, ERROR_POINT.timeout, { message = timeout_message(nil, opt) }, "error", nil, "timeout")
    end
    script_ok = false
  end
  local nchecks = 0
  for li = first_lab, #nslab.labs do
    nchecks = nchecks + #nslab.labs[li]:checks() + #(nslab.labs[li]:exercises() or {})
  end
  if script_ok and nchecks == 0 then
    tap:point(false, "the lab carries checks", { message =
      "the lab declares no checks; prove what it builds with lab:check or lab:expect_* (docs/testing.md)" })
  elseif script_ok and su.matched == 0 then
    tap:point(true, ("no check matches --only %s"):format(opt.only), nil, "skip", "not selected")
  end
  finish_labs(nslab, first_lab, tap, opt, interrupted)
  su.time = core.clock() - su.t0
  return interrupted
end

-- The exit status of a run: a timeout (EXIT.timeout), then a lab that
-- could not be built or whose script stopped (EXIT.build), then a failed
-- check (EXIT.failed) decide it.
local function run_status(tap, interrupted)
  if interrupted then return interrupted:find("INT") and 130 or 143 end
  local worst
  for _, su in ipairs(tap.suites) do
    local s = report.suite_status(su)
    if s == "timeout" then return EXIT.timeout end
    if s ~= "pass" and s ~= "fail" then worst = EXIT.build end
  end
  return worst or (tap.failed > 0 and EXIT.failed or EXIT.ok)
end

local function write_file(path, what, text)
  if path == "-" then
    io.stdout:write(text)
    return true
  end
  local f, ferr = io.open(path, "w")
  if not f then return false, err(1, "test: cannot write %s file: %s", what, ferr) end
  f:write(text)
  f:close()
  return true
end

-- A worker of `test -j`: one file, its suite written as JSON to opt.worker.
local function test_worker(nslab, file, opt)
  local tap = report.Tap.new(io.stdout)
  local interrupted = test_file(nslab, tap, file, opt.names[1], opt)
  local su = tap.suites[1]
  local events = {}
  for _, ev in ipairs(su.events) do
    events[#events + 1] = ev.comment and { comment = ev.comment } or
      { case = { name = ev.case.name, status = ev.case.status, kind = ev.case.kind, where = ev.case.where,
                 time = ev.case.time, message = ev.case.message, text = ev.case.text, diag = ev.case.diag,
                 directive = ev.case.directive, todo = ev.case.todo } }
  end
  local json = require "nslab.json"
  local ok, status = write_file(opt.worker, "result", json.encode({ file = su.file, name = su.name, lab = su.lab,
    timestamp = su.timestamp, time = su.time, kept = su.kept or false, notes = su.notes,
    interrupted = interrupted, events = json.array(events) }))
  if not ok then return status end
  return interrupted and (interrupted:find("INT") and 130 or 143) or 0
end

-- nslab test [--junit FILE] [--json FILE|-] [-j N] [--timeout S] [--only P]
--            [--keep-on-fail] [--prefix P] [--exec-timeout S] [--verbose] FILE...
function M.test(opt)
  local files, status = test_args(opt)
  if not files then return status end
  local nslab = require "nslab"
  if opt.worker then return test_worker(nslab, files[1], opt) end
  local progress = require "nslab.cli.progress"
  -- with --json -, stdout carries the JSON alone
  local out = opt.json == "-" and { write = function() end, flush = function() end } or io.stdout
  if opt.jobs == 1 and out == io.stdout then progress.auto(nslab) end
  local tap = report.Tap.new(out, progress)
  local t_start = core.clock()
  local interrupted
  tap.out:write("TAP version 13\n")
  if opt.jobs > 1 and #files > 1 then
    interrupted = require("nslab.cli.parallel").run(files, opt, function(done) tap:replay(done) end)
  else
    for i, file in ipairs(files) do
      interrupted = test_file(nslab, tap, file, opt.names[i], opt)
      if interrupted then break end
    end
  end
  local total = core.clock() - t_start
  local n, failed, skipped = tap.n, tap.failed, tap.skipped
  tap.out:write(("1..%d\n"):format(n))
  tap.out:write(("# %d checks, %d passed, %d failed%s, %d lab file%s, %.1f s\n"):format(n, n - failed - skipped,
    failed, skipped > 0 and (", " .. skipped .. " skipped") or "", #tap.suites, #tap.suites == 1 and "" or "s", total))
  tap.out:flush()
  local status = run_status(tap, interrupted)
  if opt.only and status == EXIT.ok and not interrupted then
    local picked = 0
    for _, su in ipairs(tap.suites) do
      for _, c in ipairs(su.cases) do if c.directive ~= "not selected" then picked = picked + 1 end end
    end
    if picked == 0 then status = err(EXIT.failed, "test: --only \"%s\" matches no check of these labs", opt.only) end
  end
  if opt.junit then
    local ok, st = write_file(opt.junit, "JUnit", report.junit(tap.suites, total))
    if not ok then return st end
  end
  if opt.json then
    local ok, st = write_file(opt.json, "JSON", report.json(tap.suites, total, status))
    if not ok then return st end
  end
  if interrupted then
    io.stderr:write(("nslab: test interrupted by %s; labs torn down\n"):format(interrupted))
  end
  return status
end

---- nslab check -----------------------------------------------------------------

-- Resolve LAB | FILE [--name NAME] to a lab that is up and its file.
local function resolve_up(verb, arg, name)
  local file
  if arg:match("%.lua$") and readable(arg) then
    file = arg
    name = name or lab_name_of(arg)
    if not is_up(name) then
      return nil, ("lab \"%s\" is not up; build it first: nslab up %s%s"):format(name,
        name ~= lab_name_of(arg) and ("--name " .. name .. " ") or "", arg)
    end
  else
    name = name or arg
    if not is_up(name) then return nil, ("no lab named \"%s\" is up (see `nslab ls`)"):format(util.shown(name)) end
    file = file_of(name)
    if not file then return nil, ("lab \"%s\" has no lab file on record"):format(name) end
    if not readable(file) then return nil, ("lab \"%s\": cannot open its file %s"):format(name, file) end
  end
  return name, file
end

-- The lab name up for --with (grading): the student's lab, checked by
-- the teacher's file, never by the lab's own (the student may edit it).
local function resolve_with(arg, name, with)
  name = name or (arg:match("%.lua$") and lab_name_of(arg)) or arg
  if not readable(with) then return nil, ("cannot open the checks file %s (check the path)"):format(with) end
  if not is_up(name) then return nil, ("no lab named \"%s\" is up (see `nslab ls`)"):format(util.shown(name)) end
  return name, with
end

-- nslab check LAB | FILE [--name NAME] [--with CHECKS.lua]
function M.check(opt)
  if not core.privileged() then
    return err(1, "check needs root to look into the lab's nodes; run it as root (sudo nslab check ...)")
  end
  local name, file
  if opt.with then
    name, file = resolve_with(opt.lab, opt.name, opt.with)
  else
    name, file = resolve_up("check", opt.lab, opt.name)
  end
  if not name then return err(1, "check: %s", file) end
  local mine, merr = require("nslab.live").owned(name)
  if not mine then return err(1, "check: %s", merr) end
  local dry = require "nslab.cli.dry"
  local nslab, state = dry.load("attach")
  local chunk, lerr = load_lab(nslab, file, name, { print = function() end })
  if not chunk then return err(EXIT.build, "check: %s", lerr) end
  local ok, msg = xpcall(chunk, handler(opt.verbose))
  if not ok then return err(EXIT.build, "check: replaying %s: %s", file, tostring(msg)) end
  dry.live(state)
  local labs = {}
  for _, l in ipairs(nslab.labs) do
    if #(l:exercises() or {}) > 0 then labs[#labs + 1] = l end
  end
  if #labs == 0 then
    return err(1, "check: lab \"%s\" (%s) declares no exercises (lab:exercise{goal=, hint=, check=})", name, file)
  end
  local all, rc = true, 0
  local cok, cerr = xpcall(function()
    for _, l in ipairs(labs) do
      local passed, total = l:check_exercises(io.stdout)
      if passed < total then all = false end
    end
  end, handler(opt.verbose))
  core.block_signals(true)
  for _, l in ipairs(nslab.labs) do pcall(l.down, l) end
  core.block_signals(false)
  if not cok then
    local sig = cerr:match("interrupted by (%S+)")
    if sig then return sig:find("INT") and 130 or 143 end
    rc = err(1, "check: %s", cerr)
  end
  if rc ~= 0 then return rc end
  return all and 0 or 1
end

---- nslab graph -----------------------------------------------------------------

-- The DOT of lab file target, run dry; nil and the exit status when it
-- cannot be drawn (the message printed).
local function graph_of_file(graph, target, opt)
  local name = opt.name or lab_name_of(target)
  if not valid_name(name) then
    return nil, err(EXIT.usage, "graph: %s: cannot use \"%s\" as a lab name; pass --name NAME", target, name)
  end
  local dry = require "nslab.cli.dry"
  local nslab, state = dry.load("dry")
  local chunk, lerr = load_lab(nslab, target, name, { print = function() end })
  if not chunk then return nil, err(EXIT.build, "graph: %s", lerr) end
  local ok, msg = xpcall(chunk, handler(opt.verbose))
  if not ok then
    -- an error before the script ran any command is an error in the
    -- lab's declarations; after, it is most likely the script using
    -- output a dry run cannot give (the topology is declared by then)
    if state.commands == 0 then return nil, err(EXIT.build, "graph: %s", msg) end
    if opt.verbose then
      io.stderr:write(("nslab: graph: the dry run stopped at %s (the lab is drawn as declared until then)\n")
        :format(msg))
    end
  end
  local lab = nslab.labs[1]
  -- --machines: the nodes labelled with the machine they would go to
  if opt.machines and lab then
    local place = require "nslab.cli.place"
    local plan, perr = place.plan(lab, opt.machines)
    if not plan then return nil, err(EXIT.usage, "graph: %s", perr) end
    place.label(lab, plan)
    io.stderr:write(place.summary(plan), "\n")
  end
  return graph.dot(lab)
end

-- The DOT of lab target that is up, read from the kernel.
local function graph_of_running(graph, target, here)
  if not core.privileged() then
    return nil, err(1, "graph of a lab that is up needs root to read its nodes; run it as root, or graph its file")
  end
  local data, ierr = require("nslab.live.inspect").lab(target, { here = here })
  if not data then return nil, err(1, "graph: %s", ierr) end
  return graph.dot_inspect(data)
end

-- nslab graph LAB.lua | LAB [-o FILE.dot|.svg|.png] [--name NAME]
function M.graph(opt)
  local graph = require "nslab.cli.graph"
  local target = opt.lab
  local dot, status
  if readable(target) and not (is_up(target) and not target:match("%.lua$")) then
    dot, status = graph_of_file(graph, target, opt)
  elseif is_up(target) then
    if opt.machines then
      return err(EXIT.usage, "graph: --machines draws where a lab file's nodes would go; lab \"%s\" is up: " ..
        "graph it without --machines (its nodes say their machine)", target)
    end
    dot, status = graph_of_running(graph, target, opt.here)
  else
    return err(1, "graph: no lab file %s, and no lab of that name is up", util.shown(target))
  end
  if not dot then return status end
  if opt.output then
    local ok, rerr = graph.render(dot, opt.output)
    if not ok then return err(1, "graph: %s", rerr) end
    return 0
  end
  io.stdout:write(dot)
  return 0
end

---- nslab inspect ---------------------------------------------------------------

-- inspect LAB --compare FILE: the lab against the state saved in FILE,
-- as a diff (nslab.state); 0 when they agree, 1 when they differ.
function M.compare(name, file, saved, live)
  local state = require "nslab.state"
  local lines = state.diff(saved, live)
  if #lines == 0 then
    io.stdout:write(("lab %s matches the state saved in %s\n"):format(name, file))
    return EXIT.ok
  end
  io.stdout:write(("lab %s differs from the state saved in %s (%s):\n"):format(name, file, state.summary(lines)))
  for _, l in ipairs(lines) do io.stdout:write("  ", l, "\n") end
  return EXIT.failed
end

-- nslab inspect LAB [--json]
function M.inspect(opt)
  if not core.privileged() then
    return err(1, "inspect needs root to read the lab's nodes; run it as root (sudo nslab inspect ...)")
  end
  local inspect = require "nslab.live.inspect"
  local saved
  if opt.compare then
    -- read first: a bad file is a usage error whatever the lab
    local serr
    saved, serr = require("nslab.state").load(opt.compare)
    if not saved then return err(EXIT.usage, "inspect: --compare: %s", serr) end
  end
  local data, ierr = inspect.lab(opt.lab, { here = opt.here })
  if not data then return err(1, "inspect: %s", ierr) end
  if saved then return M.compare(opt.lab, opt.compare, saved, data) end
  for _, s in ipairs(ierr) do err(0, "inspect: %s: %s (skipped)", s.node, s.error) end
  if opt.json then
    io.stdout:write(require("nslab.json").encode(data, { indent = "  " }), "\n")
  else
    inspect.text(data)
  end
  return 0
end

return M
