-- nslab.cli.tests — the command-line verbs for courses and CI:
--   test FILE...   build each lab, run its checks, tear down; TAP, JUnit
--   check LAB      which of a lab's exercises pass, with hints
--   graph FILE     the lab as DOT, SVG or PNG, without building it
--   inspect LAB    a lab that is up, as the kernel holds it (--json)
-- Dispatched from nslab.cli.
local core = require "nslab.core"

local M = {}

local function err(status, fmt, ...)
  io.stderr:write("nslab: ", fmt:format(...), "\n")
  return status
end

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

local function yaml_str(s)
  s = tostring(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub("\n", "\\n"):gsub("%c", "") .. '"'
end

local function xml(s)
  s = tostring(s or "")
  -- drop what XML 1.0 cannot carry at all
  s = s:gsub("[%z\1-\8\11\12\14-\31]", "")
  return (s:gsub("[&<>\"']", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;",
    ['"'] = "&quot;", ["'"] = "&apos;" }))
end

local function hostname()
  local f = io.open("/proc/sys/kernel/hostname")
  local h = f and f:read("l") or "localhost"
  if f then f:close() end
  return h
end

-- JUnit XML, the shape Jenkins, GitLab and GitHub reporters read:
-- one <testsuite> per lab file, one <testcase> per check.
local function junit(suites, total_time)
  local out = { '<?xml version="1.0" encoding="UTF-8"?>' }
  local t, f, e, s = 0, 0, 0, 0
  for _, su in ipairs(suites) do
    t, f, e, s = t + #su.cases, f + su.failures, e + su.errors, s + su.skipped
  end
  out[#out + 1] = ('<testsuites name="nslab" tests="%d" failures="%d" errors="%d" skipped="%d" time="%.3f">')
    :format(t, f, e, s, total_time)
  local host = xml(hostname())
  for id, su in ipairs(suites) do
    out[#out + 1] = ('  <testsuite id="%d" name="%s" package="nslab" hostname="%s" timestamp="%s" tests="%d" failures="%d" errors="%d" skipped="%d" time="%.3f">')
      :format(id - 1, xml(su.name), host, su.timestamp, #su.cases, su.failures, su.errors, su.skipped, su.time)
    out[#out + 1] = ('    <properties><property name="file" value="%s"/><property name="lab" value="%s"/></properties>')
      :format(xml(su.file), xml(su.lab))
    for _, c in ipairs(su.cases) do
      local open = ('    <testcase classname="%s" name="%s" time="%.3f"'):format(xml(su.name), xml(c.name), c.time or 0)
      if c.where then open = open .. (' file="%s" line="%s"'):format(xml(c.where:match("^(.*):%d+$") or c.where),
        c.where:match(":(%d+)$") or "0") end
      if c.status == "pass" then
        out[#out + 1] = open .. "/>"
      else
        out[#out + 1] = open .. ">"
        if c.status == "skip" then
          out[#out + 1] = ('      <skipped message="%s"/>'):format(xml(c.message))
        else
          local tag = c.status == "error" and "error" or "failure"
          out[#out + 1] = ('      <%s message="%s" type="%s">%s</%s>'):format(tag, xml(c.message),
            c.status == "error" and "ScriptError" or "CheckFailed", xml(c.text or c.message), tag)
        end
        out[#out + 1] = "    </testcase>"
      end
    end
    out[#out + 1] = ("    <system-out>%s</system-out>"):format(xml(table.concat(su.output)))
    out[#out + 1] = "  </testsuite>"
  end
  out[#out + 1] = "</testsuites>"
  return table.concat(out, "\n") .. "\n"
end

-- The command line of `nslab test`: pos, opt, or nil and the exit status
-- (the message printed).
local function test_args(opt)
  local pos = opt.files
  local prefix = opt.prefix or ""
  for _, file in ipairs(pos) do
    if not readable(file) then return nil, err(EXIT.build, "test: cannot open lab file %s (check the path)", file) end
    local name = prefix .. lab_name_of(file)
    if not valid_name(name) then
      return nil, err(2, "test: %s: cannot use \"%s\" as a lab name (letters, digits, '-', '_'); rename the file or pass --prefix",
        file, name)
    end
  end
  if not core.privileged() then
    return nil, err(1, "test needs root to build labs; run it as root (sudo nslab test ...)")
  end
  return pos, opt
end

-- A TAP stream on out and the JUnit suites it fills: one suite per lab
-- file, one point (test case) per check.
local Tap = {}
Tap.__index = Tap

function Tap.new(out, progress)
  return setmetatable({ out = out, progress = progress, n = 0, failed = 0, skipped = 0, suites = {} }, Tap)
end

-- Start the suite of one lab file (its checks run in lab name).
function Tap:suite(file, base, name)
  local su = { name = base, lab = name, file = file, cases = {}, failures = 0, errors = 0, skipped = 0,
               output = {}, timestamp = os.date("!%Y-%m-%dT%H:%M:%S"), t0 = core.clock(), failed = false }
  su.last = su.t0
  self.suites[#self.suites + 1] = su
  self.su = su
  self.out:write(("# %s (lab %s)\n"):format(file, name))
  return su
end

-- The YAML block under a failed point, and the JUnit message and text of
-- case c from diag.
local function diagnose(out, c, desc, diag)
  local lines = { "  ---" }
  local msg = {}
  for _, k in ipairs { "message", "at", "expected", "found", "detail" } do
    if diag[k] then
      lines[#lines + 1] = ("  %s: %s"):format(k, yaml_str(diag[k]))
      if k ~= "at" then msg[#msg + 1] = (k == "message" and "" or (k .. ": ")) .. diag[k] end
    end
  end
  lines[#lines + 1] = "  ..."
  out:write(table.concat(lines, "\n"), "\n")
  if diag.message then
    c.message = diag.message
  elseif diag.expected or diag.found then
    c.message = ("expected %s; found %s"):format(diag.expected or desc, diag.found or "otherwise")
  else
    c.message = diag.detail or desc
  end
  c.text = table.concat(msg, "\n")
  if diag.at then c.text = diag.at .. ": " .. c.text end
end

-- One TAP point in the current suite. status: nil (pass or fail by ok),
-- "error", "skip" or "todo" (a TODO point may fail without failing the run).
function Tap:point(ok, desc, diag, status, directive)
  local su = self.su
  self.progress.clear()
  self.n = self.n + 1
  local now = core.clock()
  local c = { name = desc, time = diag and diag.time or (now - su.last), where = diag and diag.at }
  su.last = now
  if status == "skip" or (status == "todo" and not ok) then
    c.status, c.message = "skip", directive
    su.skipped = su.skipped + 1
    self.skipped = self.skipped + 1
  elseif ok then
    c.status = "pass"
  else
    c.status = status or "fail"
    if c.status == "error" then su.errors = su.errors + 1 else su.failures = su.failures + 1 end
    self.failed = self.failed + 1
    su.failed = true
  end
  self.out:write(("%s %d - %s: %s%s\n"):format((ok or status == "skip") and "ok" or "not ok", self.n, su.name,
    desc:gsub("\n", " "), directive and (" # " .. (status == "skip" and "SKIP " or "TODO ") .. directive) or ""))
  if not ok and diag and status ~= "todo" then diagnose(self.out, c, desc, diag) end
  self.out:flush()
  su.cases[#su.cases + 1] = c
end

-- What the script printed: TAP comments, and the suite's system-out.
function Tap:comment(s)
  self.progress.clear()
  local su = self.su
  su.output[#su.output + 1] = s
  for line in s:gmatch("[^\n]*\n?") do
    if line ~= "" then self.out:write("# ", line:gsub("\n$", ""), "\n") end
  end
end

-- Run the lab file's script into lab name; returns whether it ran to its
-- end and the signal that interrupted it, if one did.
local function run_script(nslab, tap, file, name, opt)
  if core.journal_owner(name) ~= nil then
    tap:point(false, "build the lab", { message = ("lab \"%s\" is already up; `nslab down %s`, or test under another --prefix")
      :format(name, name) }, "error")
    return false
  end
  local env = tap.progress.output() or {}
  env.print = function(...)
    local t = table.pack(...)
    for i = 1, t.n do t[i] = tostring(t[i]) end
    tap:comment(table.concat(t, "\t") .. "\n")
  end
  local chunk, lerr = load_lab(nslab, file, name, env)
  local ok, msg
  if not chunk then
    ok, msg = false, lerr
  else
    ok, msg = xpcall(chunk, handler(opt.verbose))
  end
  if ok then return true end
  msg = tostring(msg)
  tap:point(false, "the lab script runs to its end", { message = msg, at = msg:match("^([^:\n]+:%d+):") }, "error")
  return false, msg:match("interrupted by (%S+)")
end

-- The exercises of lab l: each must start unsolved and be solved by its
-- solution (one without a solution is a TODO until it passes).
local function run_exercises(tap, l, opt)
  for _, e in ipairs(l:exercises() or {}) do
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

-- Tear down the labs the file made (newest first), or keep them up for
-- inspection when it failed and --keep-on-fail asks for that.
local function finish_labs(nslab, first_lab, tap, opt, interrupted)
  core.block_signals(true)
  for li = #nslab.labs, first_lab, -1 do
    local l = nslab.labs[li]
    if tap.su.failed and opt.keep_on_fail and l:is_up() and not interrupted then
      l:keep()
      tap.out:write(("# kept lab %s up for inspection: nslab inspect %s | nslab check %s | nslab down %s\n")
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

-- One lab file: its script, its checks as they come, its exercises, a
-- point if it has no checks at all, then teardown. Returns the signal
-- that interrupted it, if one did.
local function test_file(nslab, tap, file, opt)
  local expect = require "nslab.expect"
  local base = lab_name_of(file)
  local name = (opt.prefix or "") .. base
  local su = tap:suite(file, base, name)
  local first_lab = #nslab.labs + 1
  expect.reporter = function(res)
    tap:point(res.ok, res.desc, { at = res.where, expected = res.expected, found = res.found,
      detail = res.detail, time = res.time })
  end
  local script_ok, interrupted = run_script(nslab, tap, file, name, opt)
  if not interrupted then
    for li = first_lab, #nslab.labs do run_exercises(tap, nslab.labs[li], opt) end
  end
  expect.reporter = nil
  local nchecks = 0
  for li = first_lab, #nslab.labs do
    nchecks = nchecks + #nslab.labs[li]:checks() + #(nslab.labs[li]:exercises() or {})
  end
  if script_ok and nchecks == 0 then
    tap:point(false, "the lab carries checks", { message =
      "the lab declares no checks; prove what it builds with lab:check or lab:expect_* (docs/testing.md)" })
  end
  finish_labs(nslab, first_lab, tap, opt, interrupted)
  su.time = core.clock() - su.t0
  return interrupted
end

-- nslab test [--junit FILE] [--keep-on-fail] [--prefix P] [--verbose] FILE...
function M.test(opt)
  local pos, status = test_args(opt)
  if not pos then return status end
  local nslab = require "nslab"
  local progress = require "nslab.cli.progress"
  progress.auto(nslab)
  local tap = Tap.new(io.stdout, progress)
  local t_start = core.clock()
  local interrupted
  tap.out:write("TAP version 13\n")
  for _, file in ipairs(pos) do
    interrupted = test_file(nslab, tap, file, opt)
    if interrupted then break end
  end
  local total = core.clock() - t_start
  local n, failed, skipped = tap.n, tap.failed, tap.skipped
  tap.out:write(("1..%d\n"):format(n))
  tap.out:write(("# %d checks, %d passed, %d failed%s, %d lab file%s, %.1f s\n"):format(n, n - failed - skipped,
    failed, skipped > 0 and (", " .. skipped .. " skipped") or "", #tap.suites, #tap.suites == 1 and "" or "s", total))
  tap.out:flush()
  if opt.junit then
    local f, ferr = io.open(opt.junit, "w")
    if not f then return err(1, "test: cannot write JUnit file: %s", ferr) end
    f:write(junit(tap.suites, total))
    f:close()
  end
  if interrupted then
    io.stderr:write(("nslab: test interrupted by %s; labs torn down\n"):format(interrupted))
    return interrupted:find("INT") and 130 or 143
  end
  local errors = 0
  for _, su in ipairs(tap.suites) do errors = errors + su.errors end
  if errors > 0 then return EXIT.build end
  return failed > 0 and EXIT.failed or EXIT.ok
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
  return graph.dot(nslab.labs[1])
end

-- The DOT of lab target that is up, read from the kernel.
local function graph_of_running(graph, target)
  if not core.privileged() then
    return nil, err(1, "graph of a lab that is up needs root to read its nodes; run it as root, or graph its file")
  end
  local data, ierr = require("nslab.live.inspect").lab(target)
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
    dot, status = graph_of_running(graph, target)
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

-- nslab inspect LAB [--json]
function M.inspect(opt)
  if not core.privileged() then
    return err(1, "inspect needs root to read the lab's nodes; run it as root (sudo nslab inspect ...)")
  end
  local inspect = require "nslab.live.inspect"
  local data, ierr = inspect.lab(opt.lab)
  if not data then return err(1, "inspect: %s", ierr) end
  for _, s in ipairs(ierr) do err(0, "inspect: %s: %s (skipped)", s.node, s.error) end
  if opt.json then
    io.stdout:write(require("nslab.json").encode(data, { indent = "  " }), "\n")
  else
    inspect.text(data)
  end
  return 0
end

return M
