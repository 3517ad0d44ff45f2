-- The simulated machines multi-host specs run on (tests/lib/machines.lua,
-- tests/tools/sim-machines): real sshd reached over the underlay, a /run
-- of each machine's own, and nothing left in the sandbox after down.
local T = require "nslab_test"
local M = require "machines"

local q = T.q

-- What of the sandbox the machines could leave behind: the T.snapshot
-- (namespaces, links, routes, state) and any mount of theirs (sources
-- sim-*, or under a machine directory) seen here. (Not the whole mount
-- table: it holds copies of the host's mounts that others' labs change.)
local function sandbox()
  local s = T.snapshot()
  s.mounts = select(2, T.sh("grep -E ' sim-(run|vartmp|sys|etc) |nslab-sim-' /proc/self/mountinfo | sort"))
  return s
end

local function same_sandbox(before)
  local diff
  local same = T.eventually(function()
    local now = sandbox()
    diff = {}
    for k, v in pairs(before) do
      if now[k] ~= v then diff[#diff + 1] = ("%s changed:\n--- before\n%s--- after\n%s"):format(k, v, now[k]) end
    end
    return #diff == 0
  end, 5)
  return same, table.concat(diff, "\n")
end

local function ns_of(pid, kind)
  local st, out = T.sh(("readlink /proc/%d/ns/%s"):format(pid, kind))
  return st == 0 and out:match("%S+") or nil
end

-- Live processes (not zombies) in any of the namespaces given.
local function living_in(set)
  local _, out = T.sh("find /proc/[0-9]*/ns/ -maxdepth 1 \\( -name net -o -name mnt -o -name pid \\) " ..
    "-printf '%h %l\\n' 2>/dev/null")
  local found = {}
  for pid, ns in out:gmatch("/proc/(%d+)/ns (%S+)") do
    if set[ns] then found[#found + 1] = pid .. " " .. ns end
  end
  return found
end

describe("simulated machines", function()
  local sim, before
  before_each(function() before = sandbox() end)
  after_each(function()
    if sim then sim:down() end
    sim = nil
    local same, diff = same_sandbox(before)
    assert(same, diff)
  end)

  it("are reached over SSH on the underlay, each with its own /run/netns", function()
    sim = M.up(3)
    assert.are.equal("192.168.77.12", sim.machines.m2.addr)
    assert.are.equal(sim.machines[2], sim.machines.m2)
    -- the coordinator's view: from m1, ssh -F reaches m2 itself
    local st, out, err = sim:ssh("m1", "m2", "hostname; ip -br -4 addr show eth0; cat /sys/class/net/eth0/mtu")
    assert.are.equal(0, st, err)
    assert.matches("^m2\neth0@%S+%s+UP%s+192%.168%.77%.12/24%s*\n1500\n$", out)
    -- the underlay is a bridge of its own: m1 reaches m3 directly
    st, out = sim:run("m1", "ping -c1 -W2 192.168.77.13 && ip neigh show dev eth0")
    assert.are.equal(0, st, out)
    assert.matches("192.168.77.13 lladdr", out)
    -- root by the test key only; the refused hosts of ssh_config
    st, _, err = sim:ssh("m1", "m2-denied", "true")
    assert.are.equal(255, st)
    assert.matches("Permission denied %(publickey%)", err)
    st, _, err = sim:ssh("m1", "m3-closed", "true")
    assert.are.equal(255, st)
    assert.matches("Connection refused", err)
    -- a namespace named on m2 exists on m2 only
    assert.are.equal(0, (sim:run("m2", "ip netns add simtest")))
    assert.are.equal("simtest\n", select(2, sim:run("m2", "ip netns list")))
    assert.are.equal("", select(2, sim:run("m1", "ip netns list")))
    assert.are.equal("", select(2, T.sh("ip netns list")))
    -- lab files a test writes are readable on every machine (shared /tmp)
    local lab = T.write_lab("simshared", "-- shared\n")
    assert.are.equal("-- shared\n", select(2, sim:run("m3", "cat " .. q(lab))))
  end)

  it("down ends every process of the machines, however it got there", function()
    sim = M.up(2)
    local m2 = sim.machines.m2
    assert.are.equal(0, (sim:run("m2", "ip netns add held")))
    local sets = {}
    for _, m in ipairs(sim.machines) do
      for _, kind in ipairs { "net", "mnt", "pid" } do sets[ns_of(m.pid, kind)] = true end
    end
    local pins = select(2, sim:run("m2", "stat -L -c 'net:[%i]' /run/netns/held")):match("%S+")
    sets[pins] = true
    local pids = {}
    -- left behind by an SSH session (detached, as a daemon does)
    assert.are.equal(0, (sim:ssh("m1", "m2", "setsid sleep 1001 </dev/null >/dev/null 2>&1 &")))
    -- in a lab namespace of m2, by its PID namespace
    local inner = sim:bg("m2", "exec ip netns exec held sleep 1002")
    -- (its pid as we see it: ip netns exec becomes sleep)
    assert(T.eventually(function() return T.slurp(("/proc/%d/comm"):format(inner)) == "sleep\n" end),
      "sim:bg gave the pid of something else")
    -- outside every namespace of m2 but its pinned lab namespace, and
    -- outside all but m1's network namespace: only found by namespace
    pids[#pids + 1] = T.bg(("exec nsenter --net=/proc/%d/root/run/netns/held sleep 1003"):format(m2.pid))
    pids[#pids + 1] = T.bg(("exec nsenter -t %d -n sleep 1004"):format(sim.machines.m1.pid))
    local sleeps
    assert(T.eventually(function()
      sleeps = {}
      for pid in select(2, T.sh("pgrep -f '^sleep 100[1-4]$'")):gmatch("%d+") do sleeps[#sleeps + 1] = pid end
      return #sleeps == 4
    end), "the sleeps did not start")
    -- each is in a namespace down looks for (with the sshds, the shells)
    local living = living_in(sets)
    local all = " " .. table.concat(living, " ") .. " "
    for _, pid in ipairs(sleeps) do assert.matches(" " .. pid .. " ", all, 1, true) end
    local dir = sim.dir
    sim:down()
    sim = nil
    for _, pid in ipairs(pids) do assert(T.wait_exit(pid), "process " .. pid .. " still running") end
    -- every one of them ended (not "nothing in those namespaces now": a
    -- freed namespace's number may already serve someone else's)
    for _, l in ipairs(living) do
      local pid = tonumber(l:match("%d+"))
      assert(T.wait_exit(pid), "process " .. l .. " still running")
    end
    assert.are.equal("", select(2, T.sh("pgrep -f '^sleep 100[1-4]$'")))
    assert.are.equal(1, (T.sh("test -e " .. q(dir))))
  end)

  it("the tool refuses a bad count or a directory in use, making nothing", function()
    local st, _, err = T.sh(q(M.TOOL) .. " up /tmp/nslab-sim-bad 0")
    assert.are.equal(1, st)
    assert.are.equal("sim-machines: N must be a number from 1 to 89, not '0'\n", err)
    assert.are.equal(1, (T.sh("test -e /tmp/nslab-sim-bad")))
    assert(T.sh("mkdir -p /tmp/nslab-sim-used && touch /tmp/nslab-sim-used/x") == 0)
    st, _, err = T.sh(q(M.TOOL) .. " up /tmp/nslab-sim-used 2")
    assert.are.equal(1, st)
    assert.matches("^sim%-machines: /tmp/nslab%-sim%-used is in use %(sim%-machines down", err)
    assert.are.equal("x\n", select(2, T.sh("ls -A /tmp/nslab-sim-used")))
    T.sh("rm -rf /tmp/nslab-sim-used")
  end)
end)
