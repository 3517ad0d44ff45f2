-- Lifecycle: run, up, ls, down, clean; crash safety with kill -9 in the
-- middle of a build; signals; two processes racing for one lab name.
local T = require "nslab_test"
local core = require "nslab.core"

local bg, wait_exit = T.bg, T.wait_exit

local function count_netns(prefix)
  local _, out = T.sh("ip netns list")
  local n = 0
  for l in out:gmatch("[^\n]+") do
    if l:sub(1, #prefix) == prefix then n = n + 1 end
  end
  return n
end

describe("lifecycle", function()
  local before
  before_each(function() before = T.snapshot() end)
  after_each(function()
    T.nslab("clean")
    local same, d = T.same_as(before)
    assert(same, d)
  end)

  it("run builds, runs and tears down; exit status says if the script succeeded", function()
    local ok = T.write_lab("lc-ok", 'local a = lab:host "a"\nprint(a:exec("hostname").out)\n')
    local st, out = T.nslab("run", ok)
    assert.are.equal(0, st)
    assert.are.equal("a\n\n", out)
    local bad = T.write_lab("lc-bad", 'lab:host "a"\nos.exit(false)\n')
    st = T.nslab("run", bad)
    assert.are_not.equal(0, st)
  end)

  it("up leaves the lab up; ls lists it; down removes it", function()
    local st, out, err = T.nslab("up", "--name", "lc-up", "labs/client-router-server.lua")
    assert.are.equal(0, st, err)
    assert.is_truthy(out:find("lab lc-up is up", 1, true), out)
    assert.are.equal(3, count_netns("lc-up."))
    assert.are.equal(0, T.sh("ip netns exec lc-up.client ping -c1 -W2 10.0.2.2"))
    local _, ls = T.nslab("ls")
    assert.is_truthy(ls:find("lc%-up%s+root%s+3%s+kept %(nslab up%)"), ls)
    -- the same lab name cannot be built twice
    local st2, _, err2 = T.nslab("up", "--name", "lc-up", "labs/client-router-server.lua")
    assert.are.equal(4, st2)
    assert.are.equal('labs/client-router-server.lua:6: lab "lc-up" is already up (left by `nslab up` or a crash); ' ..
      "run `nslab down lc-up` first\n", err2)
    assert.are.equal(3, count_netns("lc-up."))
    local st3, out3 = T.nslab("down", "lc-up")
    assert.are.equal(0, st3)
    assert.is_truthy(out3:find("lab lc-up is down", 1, true), out3)
    assert.are.equal(0, count_netns("lc-up."))
    local st4, _, err4 = T.nslab("down", "lc-up")
    assert.are.equal(1, st4)
    assert.is_truthy(err4:find("no lab named", 1, true))
  end)

  it("kill -9 in the middle of a build, then clean, leaves the host as it was", function()
    local lab = T.write_lab("lc-crash", [[
local prev
for i = 1, 60 do
  local n = lab:host("n" .. i)
  if prev then lab:link(prev, n, { ("10.20.%d.1/30"):format(i), ("10.20.%d.2/30"):format(i) }) end
  prev = n
end
lab:host("host")
lab.nodes.host:sysctl("net.ipv4.conf.lo.arp_ignore", 1)
prev:exec "sleep 60"
]])
    local points = { 5, 20, 45 }
    for _, k in ipairs(points) do
      local pid = bg(T.q(T.NSLAB) .. " run " .. lab)
      assert(T.eventually(function() return count_netns("lc-crash.") >= k end, 20), "build never reached " .. k)
      T.sh("kill -9 " .. pid)
      wait_exit(pid)
      local _, ls = T.nslab("ls")
      assert.is_truthy(ls:find("lc-crash", 1, true), ls)
      local st, out = T.nslab("clean")
      assert.are.equal(0, st)
      assert.is_truthy(out:find("removed lab lc-crash", 1, true), out)
      local same, d = T.same_as(before)
      assert(same, "after kill -9 at " .. k .. " nodes: " .. tostring(d))
    end
    -- clean is idempotent
    local st, out = T.nslab("clean")
    assert.are.equal(0, st)
    assert.are.equal("nothing to clean\n", out)
  end)

  it("SIGTERM and SIGINT during run tear the lab down and exit non-zero", function()
    local lab = T.write_lab("lc-sig", 'local a = lab:host "a"\nlab:host "b"\nio.stdout:write("built\\n") io.stdout:flush()\na:exec "sleep 60"\n')
    for _, sig in ipairs { "TERM", "INT" } do
      local pid = bg(("setsid %s run %s"):format(T.q(T.NSLAB), lab))
      assert(T.eventually(function() return count_netns("lc-sig.") == 2 end, 10))
      T.eventually(function() return T.sh("grep -q built /tmp/nslab-bg.*.log") == 0 end, 5)
      T.sh("kill -" .. sig .. " " .. pid)
      assert(wait_exit(pid), "nslab did not exit on SIG" .. sig)
      assert.are.equal(0, count_netns("lc-sig."))
    end
  end)

  it("two processes racing for one lab name: one wins, the other gets a clear error", function()
    local lab = T.write_lab("lc-race", 'lab:host "a"\nlab:host("b"):exec "sleep 3"\n')
    local pid = bg(T.q(T.NSLAB) .. " run " .. lab)
    assert(T.eventually(function() return count_netns("lc-race.") == 2 end, 10))
    local st, _, err = T.nslab("run", lab)
    assert.are.equal(4, st)
    assert.is_truthy(err:match('^/tmp/nslab%-labs/lc%-race%.lua:1: lab "lc%-race" is in use by nslab process %d+'), err)
    assert.are.equal(2, count_netns("lc-race."))
    -- and `down` will not pull it from under its owner
    local st2, _, err2 = T.nslab("down", "lc-race")
    assert.are.equal(1, st2)
    assert.is_truthy(err2:find("is running in nslab process", 1, true), err2)
    assert(wait_exit(pid, 15))
  end)

  it("raises its own open-file soft limit, and past the hard limit fails early and clearly", function()
    local lab = T.write_lab("lc-fd", 'for i = 1, 40 do lab:host("n" .. i) end\n')
    local st, out, err = T.sh(("ulimit -Sn 48; %s run %s"):format(T.q(T.NSLAB), lab))
    assert.are.equal(0, st, out .. err)
    st, out, err = T.sh(("ulimit -n 48; ulimit -Hn 48; %s run %s"):format(T.q(T.NSLAB), lab))
    assert.are.equal(4, st)
    assert.is_truthy(err:match("^/tmp/nslab%-labs/lc%-fd%.lua:1: [%w ]+ lc%-fd%.n%d+: " ..
      "the open%-file limit %(48, hard limit 48%) is reached; each node holds 2%-3 files: raise it " ..
      "%(ulimit %-Hn / %-n%) or build a smaller lab\n$"), err)
    assert.are.equal(0, count_netns("lc-fd."))
  end)

  it("two labs with the same node names, built at the same time, do not collide", function()
    local text = 'local p\nfor i = 1, 25 do local n = lab:host("n" .. i)\n' ..
      'if p then lab:link(p, n, { ("10.40.%d.1/30"):format(i), ("10.40.%d.2/30"):format(i) }) end p = n end\n' ..
      'assert(lab.nodes.n1:ping "10.40.2.1")\n'
    local a, b = T.write_lab("lc-twin-a", text), T.write_lab("lc-twin-b", text)
    local st, out, err = T.sh(("%s run %s & %s run %s; s1=$?; wait $!; s2=$?; exit $((s1 + s2))")
      :format(T.q(T.NSLAB), a, T.q(T.NSLAB), b))
    assert.are.equal(0, st, out .. err)
  end)

  -- /etc/netns: nslab makes it for node hosts files; it must go when the
  -- last lab using it ends, in whatever order labs end, and one the user
  -- made must stay.
  it("overlapping labs: /etc/netns goes with the last of them, a user's stays", function()
    local text = 'local a = lab:host "a"\nassert(a:exec("true").ok)\n'
    local la, lb = T.write_lab("lc-etc-a", text), T.write_lab("lc-etc-b", text)
    local function etc() return T.sh("test -d /etc/netns") == 0 end
    assert.is_false(etc(), "this test needs a host without /etc/netns")
    assert.are.equal(0, (T.nslab("up", la)))
    assert.is_true(etc())
    assert.are.equal(0, (T.nslab("up", lb)))
    assert.are.equal(0, (T.nslab("down", "lc-etc-a")))       -- the lab that made it ends first
    assert.is_true(etc(), "lab lc-etc-b still uses /etc/netns")
    assert.are.equal(0, T.sh("test -d /etc/netns/lc-etc-b.a"))
    assert.are.equal(0, (T.nslab("down", "lc-etc-b")))
    assert.is_false(etc(), "the last lab must remove the /etc/netns nslab made")
    -- the user's own, empty or not, is left as it was
    T.sh("mkdir /etc/netns")
    local ok, err = pcall(function()
      assert.are.equal(0, (T.nslab("up", la)))
      assert.are.equal(0, (T.nslab("down", "lc-etc-a")))
      assert.is_true(etc(), "a user's /etc/netns must stay")
      assert.are.equal(0, T.sh("test -z \"$(ls -A /etc/netns)\""))
    end)
    T.sh("rmdir /etc/netns")
    assert(ok, err)
  end)
end)
