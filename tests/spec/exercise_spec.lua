-- Teaching: an exercise lab starts broken; `nslab check` tells which
-- exercises pass and gives hints for the others; a student's repairs made
-- with plain `ip netns exec` (as from the REPL or a shell in the node)
-- turn them into passes. `nslab test` proves each exercise fails as built
-- and passes once its solution is applied.
local T = require "nslab_test"
local H = require "labhold"

local LAB = T.SRC .. "/labs/exercise-broken-route.lua"
local HOLD_ENV = "NSLAB_HOLD_FILE=" .. T.q(LAB)

-- `nslab check NAME`, run the way a student runs it (the lab's recorded
-- file is tests/labs/hold.lua, which includes the exercise lab)
local function check(name)
  return T.sh(("%s %s check %s"):format(HOLD_ENV, T.q(T.NSLAB), name))
end

describe("exercises and nslab check", function()
  local snap_host, check_host = T.host_guard()
  before_each(snap_host)
  after_each(check_host)

  it("nslab test: each exercise starts unsolved and its solution solves it", function()
    local st, out, err = T.nslab("test", "--prefix", "t8x-", LAB)
    assert.are.equal(0, st, out .. err)
    assert.is_truthy(out:find("ok 4 - exercise-broken-route: exercise 1 starts unsolved: client reaches the server 10.0.2.2 (ping)\n", 1, true), out)
    assert.is_truthy(out:find("ok 5 - exercise-broken-route: exercise 1 is solved by its solution", 1, true), out)
    assert.is_truthy(out:find("ok 7 - exercise-broken-route: exercise 2 is solved by its solution", 1, true), out)
    assert.is_falsy(out:find("not ok", 1, true), out)
  end)

  it("check fails with hints before the fix, passes after fixes made with ip netns exec", function()
    local lab = H.hold("t8ex", LAB)
    local ok, e = pcall(function()
      -- as built: both exercises fail, each with its hint and what was found
      local st, out, err = check("t8ex")
      assert.are.equal(1, st, out .. err)
      assert.is_truthy(out:find("^lab t8ex: 0 of 2 exercises pass\n"), out)
      assert.is_truthy(out:find("not yet  1. client reaches the server 10.0.2.2 (ping)\n", 1, true), out)
      assert.is_truthy(out:find("hint: client knows only its own network 10.0.1.0/24", 1, true), out)
      assert.is_truthy(out:find("expected client routes 10.0.2.2 via 10.0.1.1, found no route: Network is unreachable", 1, true), out)
      assert.is_truthy(out:find("not yet  2. client opens a TCP connection", 1, true), out)
      -- the student's first repair, from outside nslab
      assert.are.equal(0, (T.sh("ip netns exec t8ex.client ip route add default via 10.0.1.1")))
      st, out = check("t8ex")
      assert.are.equal(1, st, out)
      assert.is_truthy(out:find("^lab t8ex: 1 of 2 exercises pass\n"), out)
      assert.is_truthy(out:find("pass     1. client reaches the server", 1, true), out)
      assert.is_truthy(out:find("hint: ping works but TCP to port 8080 does not", 1, true), out)
      -- the second: the rule that drops port 8080 in the router
      local _, rules = T.sh("ip netns exec t8ex.router nft list chain inet nslab forward")
      assert.is_truthy(rules:find("tcp dport 8080 drop", 1, true), rules)
      assert.are.equal(0, (T.sh("ip netns exec t8ex.router nft flush chain inet nslab forward")))
      st, out = check("t8ex")
      assert.are.equal(0, st, out)
      assert.is_truthy(out:find("^lab t8ex: 2 of 2 exercises pass\n"), out)
      assert.is_truthy(out:find("all exercises pass", 1, true), out)
      -- independently of nslab: the TCP connection really works now
      local _, got = T.sh("ip netns exec t8ex.client socat -T2 - TCP:10.0.2.2:8080,connect-timeout=2 </dev/null")
      assert.are.equal("hello from server\n", got)
      -- check only observed: the lab holds what the student made, no more
      local _, rt = T.sh("ip netns exec t8ex.client ip route show default")
      assert.are.equal("default via 10.0.1.1 dev cl-rt0 \n", rt)
      -- also by file, and the helper processes check started are gone
      st, out = T.nslab("check", "--name", "t8ex", LAB)
      assert.are.equal(0, st, out)
      local _, pids = T.sh("ip netns pids t8ex.client")
      assert.are.equal("", pids)
    end)
    lab.stop()
    assert(ok, e)
  end)

  it("check: clear lines for a lab that is not up, without exercises, and not root", function()
    local st, _, err = T.nslab("check", "t8-nosuch")
    assert.are.equal(1, st)
    assert.are.equal("nslab: check: no lab named \"t8-nosuch\" is up (see `nslab ls`)\n", err)
    st, _, err = T.nslab("check", LAB)
    assert.are.equal(1, st)
    assert.are.equal(("nslab: check: lab \"exercise-broken-route\" is not up; build it first: nslab up %s\n"):format(LAB), err)
    local lab = H.hold("t8xn", T.SRC .. "/tests/labs/pass.lua")
    local out
    st, out, err = T.sh(("NSLAB_HOLD_FILE=%s %s check t8xn"):format(T.q(T.SRC .. "/tests/labs/pass.lua"), T.q(T.NSLAB)))
    lab.stop()
    assert.are.equal(1, st, out)
    assert.is_truthy(err:find("declares no exercises", 1, true), err)
    -- another user (rootless, in a namespace of their own) does not see it
    st, _, err = T.as_nobody(function(nslab) return nslab .. " check t8ex" end)
    assert.are.equal(1, st)
    assert.is_truthy(err:find('no lab named "t8ex" is up', 1, true), err)
  end)
end)
