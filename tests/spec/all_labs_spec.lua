-- Every lab under labs/ (and the course steps in labs/course/) carries checks and passes them under `nslab test`,
-- the way CI runs them: one run over the glob (new labs join by being
-- there), exit 0, a JUnit report with one suite per lab file and no
-- failure, and nothing left behind.
local T = require "nslab_test"

local PY = io.open("/usr/bin/python3") and "/usr/bin/python3" or "python3"

describe("all labs under labs/", function()
  it("pass `nslab test labs/*.lua`", function()
    local before = T.snapshot()
    local _, list = T.sh("ls " .. T.q(T.SRC) .. "/labs/*.lua " .. T.q(T.SRC) .. "/labs/course/*.lua")
    local files = {}
    for f in list:gmatch("[^\n]+") do files[#files + 1] = f end
    assert.is_true(#files >= 5, list)
    local junit = os.tmpname()
    local st, out, err = T.sh(("%s test --prefix t8l- --junit %s %s/labs/*.lua %s/labs/course/*.lua")
      :format(T.q(T.NSLAB), T.q(junit), T.q(T.SRC), T.q(T.SRC)))
    assert.are.equal(0, st, out .. err)
    assert.is_falsy(out:find("\nnot ok ", 1, true), out)
    local cst, cout, cerr = T.sh(("%s %s %s"):format(PY, T.q(T.SRC .. "/tests/tools/junit_check.py"), T.q(junit)))
    assert.are.equal(0, cst, cerr)
    assert.is_truthy(cout:find(" failures=0 errors=0 ", 1, true), cout)
    -- one suite per lab file, each with checks of its own
    local xml = T.slurp(junit)
    os.remove(junit)
    for _, f in ipairs(files) do
      local base = f:match("([^/]+)%.lua$")
      local tests = xml:match(('<testsuite id="%%d+" name="%s" [^>]- tests="(%%d+)"'):format((base:gsub("%-", "%%-"))))
      assert.is_truthy(tests, base .. " has no suite in the report")
      assert.is_true(tonumber(tests) > 0, base .. " has no checks")
    end
    local same, d = T.same_as(before)
    assert(same, d)
  end)
end)
