-- `nslab test` as a CI gate: --timeout per lab and node:exec's default
-- limit end a hung lab at its line; JUnit types a timeout and a lab that
-- could not be built as <error>, a failed check as <failure> (read by
-- python3's XML parser); -j runs labs in worker processes under distinct
-- names with their output kept per lab; --only picks checks; --json is
-- read by python3's json and validated against its schema. Nothing is
-- left behind, hung commands included.
local T = require "nslab_test"

local LABS = T.SRC .. "/tests/labs/"
local PY = io.open("/usr/bin/python3") and "/usr/bin/python3" or "python3"

local function py(script, ...)
  local args = {}
  for _, a in ipairs { ... } do args[#args + 1] = T.q(a) end
  local st, out, err = T.sh(("%s -c %s %s"):format(PY, T.q(script), table.concat(args, " ")))
  assert.are.equal(0, st, out .. err)
  return out
end

-- The JUnit cases of a report as "suite/case=tag:type" lines (tag pass,
-- failure, error or skipped), by python3's XML parser.
local function junit_cases(file)
  return py([[
import sys, xml.etree.ElementTree as ET
for s in ET.parse(sys.argv[1]).getroot().findall("testsuite"):
    for c in s.findall("testcase"):
        kids = [k for k in c if k.tag in ("failure", "error", "skipped")]
        tag = kids[0].tag + ":" + kids[0].get("type", "") if kids else "pass"
        print("%s/%s=%s" % (s.get("name"), c.get("name"), tag))
]], file)
end

local function no_sleepers(n)
  -- the hung commands are killed with their lab (pgrep is independent)
  local ok = T.eventually(function() return (T.sh("pgrep -f '^sleep " .. n .. "$'")) ~= 0 end, 5)
  assert.is_truthy(ok, "sleep " .. n .. " still running")
end

describe("nslab test as a CI gate", function()
  local snap, check = T.host_guard()
  before_each(snap)
  after_each(function()
    for _, n in ipairs { "g15-hang", "g15-hangwait", "g15-nobuild", "g15-pass", "g15-pass-2", "g15-fail", "g15-slowexec" } do
      T.nslab("down", "--force", n)
    end
    check()
  end)

  it("--timeout ends a hung lab at its line (exit 5); JUnit: Timeout and BuildFailed errors, a failure", function()
    local junit = os.tmpname()
    local t0 = os.time()
    local st, out, err = T.nslab("test", "--prefix", "g15-", "--timeout", "2", "--junit", junit,
      LABS .. "hang.lua", LABS .. "nobuild.lua", LABS .. "fail.lua", LABS .. "hangwait.lua")
    assert.are.equal(5, st, out .. err)
    assert.is_true(os.time() - t0 < 60, "the hung lab was not cut short")
    assert.is_truthy(out:find('not ok 2 - hang: the lab finishes in time\n', 1, true), out)
    assert.is_truthy(out:find(('message: "%shang.lua:5: timed out after 2 s (nslab test --timeout 2)"'):format(LABS),
      1, true), out)
    assert.is_truthy(out:find(('at: "%snobuild.lua:5"'):format(LABS), 1, true), out)
    -- the labs after the hung one ran
    assert.is_truthy(out:find("ok %d+ %- fail: a reaches b"), out)
    local cases = junit_cases(junit)
    assert.is_truthy(cases:find("hang/a exists=pass\n", 1, true), cases)
    assert.is_truthy(cases:find("hang/the lab finishes in time=error:Timeout\n", 1, true), cases)
    assert.is_truthy(cases:find("nobuild/the lab builds=error:BuildFailed\n", 1, true), cases)
    assert.is_truthy(cases:find("fail/a reaches 10.89.0.9=failure:CheckFailed\n", 1, true), cases)
    -- a wait for a process that never ends is cut short too
    assert.is_truthy(out:find(('message: "%shangwait.lua:6: timed out after 2 s'):format(LABS), 1, true), out)
    assert.is_truthy(cases:find("hangwait/the lab finishes in time=error:Timeout\n", 1, true), cases)
    os.remove(junit)
    no_sleepers(997)
    no_sleepers(995)
  end)

  it("a lab that cannot be built exits 4, whatever passed beside it", function()
    local st, out, err = T.nslab("test", "--prefix", "g15-", LABS .. "nobuild.lua", LABS .. "pass.lua")
    assert.are.equal(4, st, out .. err)
  end)

  it("node:exec's default limit fails a command that names no timeout, at its line", function()
    local st, out, err = T.nslab("test", "--prefix", "g15-", "--exec-timeout", "1", LABS .. "slowexec.lua")
    assert.are.equal(5, st, out .. err)
    assert.is_truthy(out:find(('%sslowexec.lua:5: command \\"sleep 996\\" in node \\"a\\" timed out after 1 s ' ..
      '(the default limit of node:exec'):format(LABS), 1, true), out)
    -- NSLAB_EXEC_TIMEOUT sets the same limit, also under `nslab run`
    st, out, err = T.sh(("NSLAB_EXEC_TIMEOUT=1 %s run --name g15-slowexec %s"):format(T.q(T.NSLAB),
      T.q(LABS .. "slowexec.lua")))
    assert.are.equal(5, st, out .. err)
    assert.is_truthy(err:find(('slowexec.lua:5: command "sleep 996" in node "a" timed out after 1 s'), 1, true), err)
    no_sleepers(996)
  end)

  it("-j 3 runs labs in workers under distinct names, each lab's output in one block", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir .. " && cp " .. T.q(LABS .. "pass.lua") .. " " .. dir .. "/pass.lua"))
    local json = os.tmpname()
    local st, out, err = T.nslab("test", "-j", "3", "--prefix", "g15-", "--json", json,
      LABS .. "pass.lua", LABS .. "fail.lua", dir .. "/pass.lua")
    assert.are.equal(1, st, out .. err)
    -- blocks in file order; every point under a header belongs to that lab
    local headers = {}
    local current
    for line in out:gmatch("[^\n]+") do
      local file, lab = line:match("^# (%S+) %(lab (%S+)%)$")
      if file then
        headers[#headers + 1] = lab
        current = file:match("([^/]+)%.lua$")
      else
        local base = line:match("^n?o?t? ?ok %d+ %- ([^:]+):")
        if base then assert.are.equal(current, base, out) end
      end
    end
    assert.are.same({ "g15-pass", "g15-fail", "g15-pass-2" }, headers)
    local s = py([[
import sys, json
d = json.load(open(sys.argv[1]))
print(d["schema"], d["exit"], d["ok"], d["summary"]["checks"], d["summary"]["failed"], d["summary"]["labs"])
for l in d["labs"]:
    print(l["lab"], l["status"], len(l["checks"]), ",".join(c["status"] for c in l["checks"]))
]], json)
    assert.are.equal("nslab-test/1 1 False 9 1 3\n" ..
      "g15-pass pass 3 pass,pass,pass\ng15-fail fail 3 pass,fail,pass\ng15-pass-2 pass 3 pass,pass,pass\n", s)
    local vst, vout, verr = T.sh(("%s %s %s %s"):format(PY, T.q(T.SRC .. "/tests/tools/jsonschema_check.py"),
      T.q(T.SRC .. "/docs/test-results.schema.json"), T.q(json)))
    assert.are.equal(0, vst, vout .. verr)
    os.remove(json)
    os.execute("rm -rf " .. dir)
  end)

  it("-j: SIGTERM stops every worker, each tears its lab down (exit 143)", function()
    local st, out, err = T.sh(("%s test -j 2 --prefix g15- %s %s & p=$!; " ..
      "for i in $(seq 100); do [ \"$(%s ls | grep -c running)\" = 2 ] && break; sleep 0.1; done; " ..
      "kill -TERM $p; wait $p"):format(T.q(T.NSLAB), T.q(LABS .. "hang.lua"), T.q(LABS .. "pass.lua"), T.q(T.NSLAB)))
    assert.are.equal(143, st, out .. err)
    assert.is_truthy(out:find("hang: the lab script runs to its end", 1, true), out)
    assert.is_truthy(err:find("test interrupted by SIGTERM; labs torn down", 1, true), err)
    no_sleepers(997)
  end)

  it("--only picks checks by name; a pattern that picks none fails; --json - is JSON alone", function()
    local st, out, err = T.nslab("test", "--prefix", "g15-", "--only", "reaches", "--json", "-",
      LABS .. "pass.lua", LABS .. "fail.lua")
    assert.are.equal(1, st, out .. err)
    local f = os.tmpname()
    local h = io.open(f, "w"); h:write(out); h:close()
    local s = py([[
import sys, json
d = json.load(open(sys.argv[1]))
for l in d["labs"]:
    print(l["lab"], ";".join(c["name"] + "=" + c["status"] for c in l["checks"]))
]], f)
    os.remove(f)
    assert.are.equal("g15-pass pass: a reaches b (10.88.0.2) by ping=pass\n" ..
      "g15-fail a reaches b (10.89.0.2) by ping=pass;a reaches 10.89.0.9=fail\n",
      s:gsub("g15%-pass ", "g15-pass pass: "))
    st, out, err = T.nslab("test", "--prefix", "g15-", "--only", "^fail: .*10%.89%.0%.9", LABS .. "fail.lua")
    assert.are.equal(1, st, out .. err)
    assert.is_truthy(out:find("# 1 checks, 0 passed, 1 failed", 1, true), out)
    st, out, err = T.nslab("test", "--prefix", "g15-", "--only", "no such check", LABS .. "pass.lua")
    assert.are.equal(1, st, out .. err)
    assert.is_truthy(err:find('--only "no such check" matches no check of these labs', 1, true), err)
  end)

  it("docs/ci.md shows the CI examples of docs/examples/ as they are (YAML compared by python3)", function()
    py([[
import sys, re, yaml
md = open(sys.argv[1]).read()
blocks = re.findall(r"```yaml\n(.*?)```", md, re.S)
assert len(blocks) == 2, "want 2 yaml blocks, found %d" % len(blocks)
for block, path in zip(blocks, sys.argv[2:]):
    want = yaml.safe_load(open(path))
    assert yaml.safe_load(block) == want, "docs/ci.md differs from " + path
]], T.SRC .. "/docs/ci.md", T.SRC .. "/docs/examples/github-actions.yml", T.SRC .. "/docs/examples/gitlab-ci.yml")
  end)
end)
