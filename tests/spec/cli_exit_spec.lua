-- Exit statuses, the same for every verb (nslab.cli.verbs.EXIT, docs/cli.md):
-- 0 ok, 1 a check failed or the request failed, 2 usage, 4 the lab could
-- not be built, N for os.exit(N) in a lab (after teardown), the command's
-- own status for exec. Each case is run for real, and the host compared
-- with `ip` before and after.
local T = require "nslab_test"

local AB = 'local a = lab:host "a"\nlocal b = lab:host "b"\nlab:link(a, b, { "10.77.0.1/24", "10.77.0.2/24" })\n'

local function lab(name, tail)
  return T.write_lab(name, AB .. (tail or ""))
end

describe("exit statuses", function()
  local snap, check = T.host_guard()
  before_each(snap)
  after_each(check)

  it("run: 0 ok, 1 a failed check, 4 a lab that cannot be built, 2 usage", function()
    local cases = {
      { 0, { "run", lab("ex-ok", 'lab:check("a reaches b", a:ping("10.77.0.2"))\n') } },
      { 1, { "run", lab("ex-fail", 'lab:check("a reaches 10.77.0.9", a:ping("10.77.0.9", { timeout = 1 }))\n') } },
      { 4, { "run", lab("ex-err", 'a:route("10.99.0.0/16", { via = "10.77.0.200" })\n') } },
      { 4, { "run", "/nonexistent/lab.lua" } },
      { 2, { "run" } },
      { 2, { "run", lab("ex-stray"), "stray" } },
      { 2, { "run", "--no-such-flag", lab("ex-flag") } },
      { 2, { "up", "--name", "bad/name", lab("ex-name") } },
      { 2, { "frobnicate" } },
      { 2, {} },
    }
    for _, c in ipairs(cases) do
      local st, out, err = T.nslab(table.unpack(c[2]))
      assert.are.equal(c[1], st, table.concat(c[2], " ") .. "\n" .. out .. err)
      if c[1] ~= 0 then
        local n = select(2, err:gsub("\n", ""))
        assert.are.equal(1, n, "one line on stderr for " .. table.concat(c[2], " ") .. ":\n" .. err)
      end
    end
  end)

  it("os.exit(N) in a lab under run: the lab is torn down, then nslab exits N", function()
    for _, c in ipairs { { "os.exit(3)", 3 }, { "os.exit(true)", 0 }, { "os.exit(false)", 1 }, { "os.exit(300)", 44 } } do
      local file = lab("ex-exit", 'assert(a:ping("10.77.0.2"))\n' .. c[1] .. '\nerror("not reached")\n')
      local st, out, err = T.nslab("run", file)
      assert.are.equal(c[2], st, c[1] .. ": " .. out .. err)
      assert.are.equal("", err)
      local _, ns = T.sh("ip netns list")
      assert.is_falsy(ns:find("ex-exit.", 1, true), ns)
      local _, ls = T.nslab("ls")
      assert.are.equal("no labs are up\n", ls)
    end
  end)

  it("os.exit in a lab under up: torn down too (nothing left up without an owner)", function()
    local st, out, err = T.nslab("up", lab("ex-upexit", "os.exit(6)\n"))
    assert.are.equal(6, st, out .. err)
    local _, ls = T.nslab("ls", "--json")
    assert.are.equal(nil, ls:find("ex-upexit", 1, true), ls)
  end)

  it("os.exit(N) typed in the REPL leaves it with N, through the teardown", function()
    local file = lab("ex-repl")
    local st, out, err = T.sh(("printf 'print(40 + 2)\\nos.exit(9)\\nprint(7 * 6 + 1)\\n' | %s repl %s")
      :format(T.q(T.NSLAB), file))
    assert.are.equal(9, st, out .. err)
    assert.is_truthy(out:find("42\n", 1, true), out)
    assert.is_falsy(out:find("43", 1, true), out)
    assert.is_truthy(out:find("lab ex-repl torn down", 1, true), out)
    local _, ns = T.sh("ip netns list")
    assert.is_falsy(ns:find("ex-repl.", 1, true), ns)
  end)

  it("test: 0 all pass, 1 a check failed, 4 a lab could not be built or called os.exit", function()
    local pass = lab("ex-tpass", 'lab:check("a reaches b", a:ping("10.77.0.2"))\n')
    local fail = lab("ex-tfail", 'lab:check("a reaches .9", a:ping("10.77.0.9", { timeout = 1 }))\n')
    local exit = lab("ex-texit", 'lab:check("a reaches b", a:ping("10.77.0.2"))\nos.exit(0)\n')
    assert.are.equal(0, (T.nslab("test", pass)))
    assert.are.equal(1, (T.nslab("test", pass, fail)))
    local st, out = T.nslab("test", exit, pass)
    assert.are.equal(4, st, out)
    -- the os.exit is an error point, and the next lab file still runs
    assert.is_truthy(out:find("not ok 2 - ex-texit: the lab script runs to its end", 1, true), out)
    assert.is_truthy(out:find("called os.exit(0)", 1, true), out)
    assert.is_truthy(out:find("ok 3 - ex-tpass: a reaches b", 1, true), out)
  end)

  it("exec passes the command's status; 125 when nslab cannot run it; 2 for usage", function()
    local file = lab("ex-exec")
    assert.are.equal(0, (T.nslab("up", file)))
    local ok, e = pcall(function()
      assert.are.equal(7, (T.nslab("exec", "ex-exec", "a", "--", "sh", "-c", "exit 7")))
      assert.are.equal(0, (T.nslab("exec", "ex-exec", "a", "ping", "-c1", "-W2", "10.77.0.2")))
      assert.are.equal(1, (T.nslab("exec", "ex-exec", "a", "ping", "-c1", "-W1", "10.77.0.9")))
      -- the command's own flags are its own, not nslab's
      local st, out = T.nslab("exec", "ex-exec", "b", "ip", "-br", "addr", "show", "eth0")
      assert.are.equal(0, st)
      assert.is_truthy(out:find("10.77.0.2/24", 1, true), out)
      assert.are.equal(125, (T.nslab("exec", "ex-exec", "zz", "true")))
      assert.are.equal(127, (T.nslab("exec", "ex-exec", "a", "no-such-command-ex")))
      assert.are.equal(2, (T.nslab("exec", "ex-exec", "a")))
      assert.are.equal(2, (T.nslab("exec", "--bogus", "ex-exec", "a", "true")))
      -- other verbs on a lab that is up: 1 when the request fails, 2 for usage
      assert.are.equal(1, (T.nslab("pids", "ex-exec", "zz")))
      assert.are.equal(2, (T.nslab("pids", "ex-exec", "a", "stray")))
      assert.are.equal(2, (T.nslab("nodes", "ex-exec", "stray")))
      assert.are.equal(2, (T.nslab("link", "ex-exec", "a:eth0", "sideways")))
      assert.are.equal(2, (T.nslab("shape", "ex-exec", "a:eth0", "speed")))
      assert.are.equal(1, (T.nslab("shape", "ex-exec", "a:eth9")))
      assert.are.equal(2, (T.nslab("identify", "not-a-pid")))
      assert.are.equal(2, (T.nslab("inspect", "ex-exec", "stray")))
      assert.are.equal(1, (T.nslab("down", "ex-no-such-lab")))
    end)
    assert.are.equal(0, (T.nslab("down", "ex-exec")))
    assert(ok, e)
  end)
end)
