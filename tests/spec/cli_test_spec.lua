-- `nslab test`: TAP on stdout, JUnit XML parsed by an independent checker
-- (python3's XML parser, counts cross-checked), exit codes, a failing
-- check that does not stop the run, script errors, labs without checks,
-- --keep-on-fail, and nothing left behind.
local T = require "nslab_test"

local LABS = T.SRC .. "/tests/labs/"
local JUNIT_CHECK = T.SRC .. "/tests/tools/junit_check.py"
local PY = io.open("/usr/bin/python3") and "/usr/bin/python3" or "python3"

-- TAP: points in order, the plan, and that they agree.
local function tap(out)
  local points = {}
  for status, n, desc in out:gmatch("\n(n?o?t? ?ok) (%d+) %- ([^\n]*)") do
    points[#points + 1] = { ok = status == "ok", n = tonumber(n), desc = desc }
  end
  local plan = tonumber(out:match("\n1%.%.(%d+)\n"))
  assert(out:sub(1, 15) == "TAP version 13\n", "no TAP header:\n" .. out)
  assert.are.equal(#points, plan, "plan and points disagree:\n" .. out)
  for i, p in ipairs(points) do assert.are.equal(i, p.n, out) end
  return points
end

local function junit_check(file, tests, failures, errors)
  local st, out, err = T.sh(("%s %s %s %d %d %d"):format(PY, T.q(JUNIT_CHECK), T.q(file), tests, failures, errors))
  assert.are.equal(0, st, out .. err)
  return out
end

describe("nslab test", function()
  local before
  before_each(function() before = T.snapshot() end)
  after_each(function()
    for _, n in ipairs { "t8k-fail", "t8k-pass" } do T.nslab("down", n) end
    local same, d = T.same_as(before)
    assert(same, d)
  end)

  it("a passing lab: every check a TAP point, exit 0, valid JUnit", function()
    local junit = os.tmpname()
    local st, out, err = T.nslab("test", "--prefix", "t8k-", "--junit", junit, LABS .. "pass.lua")
    assert.are.equal(0, st, out .. err)
    local pts = tap(out)
    assert.are.equal(3, #pts)
    assert.are.same({ true, true, true }, { pts[1].ok, pts[2].ok, pts[3].ok })
    assert.are.equal("pass: a reaches b (10.88.0.2) by ping", pts[1].desc)
    assert.are.equal("pass: b has 10.88.0.2/24 on eth0", pts[2].desc)
    assert.are.equal("tests=3 failures=0 errors=0 skipped=0\n", junit_check(junit, 3, 0, 0))
    os.remove(junit)
  end)

  it("a passing and a deliberately failing lab: the run goes on, exit 1, the failure located", function()
    local junit = os.tmpname()
    local st, out, err = T.nslab("test", "--prefix", "t8k-", "--junit", junit, LABS .. "pass.lua", LABS .. "fail.lua")
    assert.are.equal(1, st, out .. err)
    local pts = tap(out)
    assert.are.equal(6, #pts)
    local bad = {}
    for _, p in ipairs(pts) do if not p.ok then bad[#bad + 1] = p.desc end end
    assert.are.same({ "fail: a reaches 10.89.0.9" }, bad)
    -- the check after the failed one ran too
    assert.is_true(pts[6].ok)
    assert.are.equal("fail: a is on 10.89.0.0/24", pts[6].desc)
    -- YAML diagnostics: where, what was expected, what was found
    local diag = out:match("not ok 5 [^\n]*\n(  %-%-%-\n.-\n  %.%.%.)\n")
    assert.is_truthy(diag, out)
    assert.is_truthy(diag:find(('at: "%sfail.lua:8"'):format(LABS), 1, true), diag)
    assert.is_truthy(diag:find('expected: "a reaches 10.89.0.9 by ping"', 1, true), diag)
    assert.is_truthy(diag:find('found: "', 1, true), diag)
    assert.is_truthy(out:find("# 6 checks, 5 passed, 1 failed, 2 lab files", 1, true), out)
    junit_check(junit, 6, 1, 0)
    local xml = T.slurp(junit)
    assert.is_truthy(xml:find('<testsuite id="1" name="fail"', 1, true), xml)
    assert.is_truthy(xml:find('<failure message="expected a reaches 10.89.0.9 by ping', 1, true), xml)
    assert.is_truthy(xml:find(('file="%sfail.lua" line="8"'):format(LABS), 1, true), xml)
    os.remove(junit)
  end)

  it("a script error is an error case at its line; the lab is torn down", function()
    local junit = os.tmpname()
    local st, out, err = T.nslab("test", "--prefix", "t8k-", "--junit", junit, LABS .. "broken.lua")
    -- a lab that could not be built: exit 4, not 1 (a failed check)
    assert.are.equal(4, st, out .. err)
    local pts = tap(out)
    assert.are.equal(2, #pts)
    assert.is_true(pts[1].ok)
    assert.are.equal("broken: the lab script runs to its end", pts[2].desc)
    assert.is_truthy(out:find(('message: "%sbroken.lua:6: bad address \\"10.91.0.300/24\\"'):format(LABS), 1, true), out)
    junit_check(junit, 2, 0, 1)
    os.remove(junit)
  end)

  it("a lab that checks nothing fails", function()
    local st, out, err = T.nslab("test", "--prefix", "t8k-", LABS .. "nochecks.lua")
    assert.are.equal(1, st, out .. err)
    local pts = tap(out)
    assert.are.equal(1, #pts)
    assert.are.equal("nochecks: the lab carries checks", pts[1].desc)
    assert.is_truthy(out:find("declares no checks", 1, true), out)
  end)

  it("an exercise without a solution is a TODO point and a JUnit skip, not a failure", function()
    local junit = os.tmpname()
    local file = T.write_lab("t8k-todo", [[
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.95.0.1/24", "10.95.0.2/24" })
lab:expect_reach(a, b)
lab:exercise { goal = "a reaches 10.95.0.9", check = function() return a:ping("10.95.0.9", { timeout = 1 }) end }
]])
    local st, out, err = T.nslab("test", "--junit", junit, file)
    assert.are.equal(0, st, out .. err)
    local pts = tap(out)
    assert.are.equal(2, #pts)
    assert.is_truthy(out:find("\nnot ok 2 - t8k-todo: exercise 1: a reaches 10.95.0.9 # TODO not solved yet", 1, true), out)
    assert.are.equal("tests=2 failures=0 errors=0 skipped=1\n", junit_check(junit, 2, 0, 0))
    os.remove(junit)
  end)

  it("--keep-on-fail leaves the failed lab up, and only that one", function()
    local st, out, err = T.nslab("test", "--prefix", "t8k-", "--keep-on-fail", LABS .. "pass.lua", LABS .. "fail.lua")
    assert.are.equal(1, st, out .. err)
    assert.is_truthy(out:find("# kept lab t8k-fail up for inspection", 1, true), out)
    local _, list = T.sh("ip netns list")
    assert.is_truthy(list:find("t8k-fail.a", 1, true), list)
    assert.is_falsy(list:find("t8k-pass.", 1, true), list)
    -- the kept lab is what the failure was about: a really has no 10.89.0.9
    assert.are_not.equal(0, (T.sh("ip netns exec t8k-fail.a ping -c1 -W1 10.89.0.9")))
    local _, ls = T.nslab("ls")
    assert.is_truthy(ls:find("t8k-fail", 1, true), ls)
    assert.are.equal(0, (T.nslab("down", "t8k-fail")))
  end)

  it("usage: no files, a missing file, an unknown option; not root: rootless", function()
    local st, _, err = T.nslab("test")
    assert.are.equal(2, st)
    assert.are.equal("nslab: test: missing argument 'LAB.lua'; see `nslab test --help`\n", err)
    st, _, err = T.nslab("test", "/nonexistent/x.lua")
    assert.are.equal(4, st)
    assert.are.equal("nslab: test: cannot open lab file /nonexistent/x.lua (check the path)\n", err)
    st, _, err = T.nslab("test", "--junitt", "x", LABS .. "pass.lua")
    assert.are.equal(2, st)
    assert.are.equal("nslab: test: unknown option '--junitt' (did you mean '--junit'?); see `nslab test --help`\n", err)
    -- an ordinary user tests rootless (docs/rootless.md)
    local out
    st, out, err = T.as_nobody(function(nslab, src)
      return nslab .. " test " .. T.q(src .. "/" .. LABS:sub(#T.SRC + 2) .. "pass.lua")
    end)
    assert.are.equal(0, st, out .. err)
    assert.is_truthy(out:find("\nok 1 ", 1, true), out)
  end)
end)
