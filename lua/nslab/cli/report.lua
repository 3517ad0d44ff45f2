-- nslab.cli.report — what `nslab test` reports: a TAP stream, and the
-- suites (one per lab file, one case per check) it fills, written out as
-- JUnit XML or as JSON (docs/test-results.schema.json). A suite is plain
-- data, so one run in a worker process (`test -j`) is replayed here as if
-- it had run in this one.
local core = require "nslab.core"

local M = {}

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

-- What an error case is, for JUnit's type= and the JSON's kind: the lab
-- could not be built, it ran out of time, or its script failed later.
M.ERROR_TYPES = { build = "BuildFailed", timeout = "Timeout", script = "ScriptError" }

-- JUnit XML, the shape Jenkins, GitLab and GitHub reporters read:
-- one <testsuite> per lab file, one <testcase> per check. A failed check
-- is a <failure>; a lab that could not be built, ran out of time or whose
-- script stopped is an <error>.
function M.junit(suites, total_time)
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
            c.status == "error" and M.ERROR_TYPES[c.kind or "script"] or "CheckFailed", xml(c.text or c.message), tag)
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

-- The outcome of a suite: "pass", "fail" (a check failed), or the kind of
-- its first error ("build", "timeout", "script").
local function suite_status(su)
  local fail
  for _, c in ipairs(su.cases) do
    if c.status == "error" then return c.kind or "script" end
    if c.status == "fail" then fail = true end
  end
  return fail and "fail" or "pass"
end
M.suite_status = suite_status

-- The run as JSON (schema nslab-test/1, docs/test-results.schema.json).
function M.json(suites, total_time, status)
  local json = require "nslab.json"
  local labs, sum = {}, { checks = 0, passed = 0, failed = 0, errors = 0, skipped = 0, labs = #suites }
  for _, su in ipairs(suites) do
    local checks = {}
    for _, c in ipairs(su.cases) do
      local d = c.diag or {}
      checks[#checks + 1] = { name = c.name, status = c.status, kind = c.status == "error" and (c.kind or "script") or nil,
        where = c.where, expected = d.expected, found = d.found, message = c.message, time = c.time or 0 }
      sum.checks = sum.checks + 1
      local k = ({ pass = "passed", fail = "failed", error = "errors", skip = "skipped" })[c.status]
      sum[k] = sum[k] + 1
    end
    labs[#labs + 1] = { file = su.file, name = su.name, lab = su.lab, status = suite_status(su),
      time = su.time, kept = su.kept or false, output = table.concat(su.output), checks = json.array(checks) }
  end
  return json.encode({ schema = "nslab-test/1", nslab = core.version, ok = status == 0, exit = status,
    time = total_time, summary = sum, labs = json.array(labs) }, { indent = "  " }) .. "\n"
end

-- A TAP stream on out and the suites it fills: one suite per lab file,
-- one point (test case) per check. Every case and comment is also kept
-- in order in su.events, to be replayed by another Tap.
local Tap = {}
Tap.__index = Tap
M.Tap = Tap

local QUIET = { clear = function() end, output = function() end }

function Tap.new(out, progress)
  return setmetatable({ out = out, progress = progress or QUIET, n = 0, failed = 0, skipped = 0, suites = {} }, Tap)
end

-- Start the suite of one lab file (its checks run in lab name).
function Tap:suite(file, base, name)
  local su = { name = base, lab = name, file = file, cases = {}, failures = 0, errors = 0, skipped = 0,
               output = {}, events = {}, timestamp = os.date("!%Y-%m-%dT%H:%M:%S"), t0 = core.clock(),
               failed = false }
  su.last = su.t0
  self.suites[#self.suites + 1] = su
  self.su = su
  self.out:write(("# %s (lab %s)\n"):format(file, name))
  return su
end

-- The JUnit message and text of case c from diag.
local function describe(c, desc, diag)
  local msg = {}
  for _, k in ipairs { "message", "expected", "found", "detail" } do
    if diag[k] then msg[#msg + 1] = (k == "message" and "" or (k .. ": ")) .. diag[k] end
  end
  if diag.message then
    c.message = diag.message
  elseif diag.expected or diag.found then
    c.message = ("expected %s; found %s"):format(diag.expected or desc, diag.found or "otherwise")
  else
    c.message = diag.detail or desc
  end
  c.text = table.concat(msg, "\n")
  if diag.at and c.text:sub(1, #diag.at) ~= diag.at then c.text = diag.at .. ": " .. c.text end
end

-- Write case c as TAP point n (and its YAML block when it failed).
function Tap:emit(c, base)
  local ok = c.status == "pass" or (c.status == "skip" and not c.todo)
  local directive = c.directive and (" # " .. (c.todo and "TODO " or "SKIP ") .. c.directive) or ""
  self.out:write(("%s %d - %s: %s%s\n"):format(ok and "ok" or "not ok", self.n, base,
    c.name:gsub("\n", " "), directive))
  if not ok and c.diag and not c.todo then
    local lines = { "  ---" }
    for _, k in ipairs { "message", "at", "expected", "found", "detail" } do
      if c.diag[k] then lines[#lines + 1] = ("  %s: %s"):format(k, yaml_str(c.diag[k])) end
    end
    lines[#lines + 1] = "  ..."
    self.out:write(table.concat(lines, "\n"), "\n")
  end
  self.out:flush()
end

-- Count case c in the current suite and the run.
function Tap:count(c)
  local su = self.su
  self.n = self.n + 1
  if c.status == "skip" then
    su.skipped = su.skipped + 1
    self.skipped = self.skipped + 1
  elseif c.status ~= "pass" then
    if c.status == "error" then su.errors = su.errors + 1 else su.failures = su.failures + 1 end
    self.failed = self.failed + 1
    su.failed = true
  end
  su.cases[#su.cases + 1] = c
  su.events[#su.events + 1] = { case = c }
end

-- One TAP point in the current suite. status: nil (pass or fail by ok),
-- "error", "skip" or "todo" (a TODO point may fail without failing the
-- run); kind, for an error: "build", "timeout" or "script".
function Tap:point(ok, desc, diag, status, directive, kind)
  local su = self.su
  self.progress.clear()
  local now = core.clock()
  local c = { name = desc, time = diag and diag.time or (now - su.last), where = diag and diag.at,
              directive = directive }
  su.last = now
  if status == "skip" or (status == "todo" and not ok) then
    c.status, c.message, c.todo = "skip", directive, status == "todo" or nil
  elseif ok then
    c.status = "pass"
  else
    c.status = status or "fail"
    c.kind = c.status == "error" and (kind or "script") or nil
  end
  if not ok and diag and status ~= "todo" then
    c.diag = diag
    describe(c, desc, diag)
  end
  self:count(c)
  self:emit(c, su.name)
end

-- What the script printed: TAP comments, and the suite's system-out.
function Tap:comment(s)
  self.progress.clear()
  local su = self.su
  su.output[#su.output + 1] = s
  su.events[#su.events + 1] = { comment = s }
  for line in s:gmatch("[^\n]*\n?") do
    if line ~= "" then self.out:write("# ", line:gsub("\n$", ""), "\n") end
  end
end

-- Replay a suite run elsewhere (plain data: a worker's result) as the
-- next suite of this stream.
function Tap:replay(done)
  local su = self:suite(done.file, done.name, done.lab)
  su.timestamp, su.time, su.kept = done.timestamp, done.time, done.kept
  for _, ev in ipairs(done.events or {}) do
    if ev.comment then
      self:comment(ev.comment)
    else
      self:count(ev.case)
      self:emit(ev.case, su.name)
    end
  end
  for _, line in ipairs(done.notes or {}) do self.out:write(line) end
  su.notes = done.notes
  return su
end

-- A note under the suite (kept labs): in TAP, and replayed with it.
function Tap:note(line)
  local su = self.su
  su.notes = su.notes or {}
  su.notes[#su.notes + 1] = line
  self.out:write(line)
end

return M
