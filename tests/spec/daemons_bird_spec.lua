-- BIRD 2 in nodes (node:bird, node:birdc, lab:expect_bird_*): real daemons
-- forming a real OSPF adjacency, checked from outside nslab with ip, ps,
-- ping and birdc; a config BIRD refuses, BIRD missing, and nslab killed
-- with -9 then `nslab clean`. The host's /etc/bird and /run/bird must hold
-- exactly what they held before every test.
local nslab = require "nslab"
local T = require "nslab_test"

-- (T.snapshot compares their names, modes, owners, sizes and times)
local HOST_DIRS = "find /etc/bird /run/bird -type f -exec md5sum {} + 2>&1 | sort"

local function conf(i) return T.bird_ospf_conf(i) end

-- Two routers, each with a loopback, joined by a /30 (lab text for files).
local PAIR = [[
local r1, r2 = lab:router "r1", lab:router "r2"
r1:addr("lo", "10.255.0.1/32")
r2:addr("lo", "10.255.0.2/32")
lab:link(r1, r2, { "10.0.1.1/30", "10.0.1.2/30" })
]]

-- The pids of the processes named comm inside namespace ns (ip netns pids).
local function pids_of(ns, comm)
  local _, out = T.sh(("for p in $(ip netns pids %s); do [ \"$(cat /proc/$p/comm)\" = %s ] && echo $p; done")
    :format(ns, comm))
  local list = {}
  for p in out:gmatch("%d+") do list[#list + 1] = tonumber(p) end
  return list
end

-- Gone, or a zombie nobody reaped yet: either way it runs no more.
local function ended(pid)
  local s = T.slurp(("/proc/%d/stat"):format(pid))
  return s == nil or s:match("^%d+ %b() (%a)") == "Z"
end

describe("BIRD in nodes", function()
  local snap, check = T.lab_guard()
  local dirs
  before_each(function()
    snap()
    dirs = select(2, T.sh(HOST_DIRS))
  end)
  after_each(function()
    T.nslab("down", "--force", "t13bk")
    check()
    assert.are.equal(dirs, select(2, T.sh(HOST_DIRS)), "the host's /etc/bird or /run/bird changed")
  end)

  it("forms OSPF with another BIRD: routes in the kernel, packets through, each node its own daemon", function()
    local lab = nslab.lab "t13bird"
    lab._quiet = true
    local r1, r2 = lab:router "r1", lab:router "r2"
    r1:addr("lo", "10.255.0.1/32")
    r2:addr("lo", "10.255.0.2/32")
    lab:link(r1, r2, { "10.0.1.1/30", "10.0.1.2/30" })
    local p1 = r1:bird { config = conf(1) }
    r2:bird { config = conf(2) }
    -- the generic checks read BIRD's view: neighbour Full, route in the kernel
    assert.is_true(lab:expect_ospf_full(r1, r2, { timeout = 20 }))
    assert.is_true(r2:ospf_full(r1))
    assert.is_true(r1:has_route("10.255.0.2/32", { via = r2, timeout = 20 }))
    -- the ping below needs the way back as well
    assert.is_true(r2:has_route("10.255.0.1/32", { via = r1, timeout = 20 }))
    assert.is_true(lab:expect_bird_up(r2, "ospf1") and true)
    -- the route BIRD installed, as ip sees it, and a packet that uses it
    assert.is_truthy(T.eventually(function()
      return select(2, T.sh("ip -n t13bird.r1 -4 route show 10.255.0.2")):find("proto bird", 1, true)
    end, 10))
    assert.are.equal(0, (T.sh("ip netns exec t13bird.r1 ping -n -c1 -W2 -I 10.255.0.1 10.255.0.2")))
    -- one BIRD per node, running as the bird user, the one node:bird started
    local b1 = pids_of("t13bird.r1", "bird")
    assert.are.same({ p1.pid }, b1)
    assert.are.equal("bird\n", select(2, T.sh("ps -o user= -p " .. b1[1])))
    -- birdc reaches the node's own daemon: from the library, and from
    -- outside nslab with `nslab exec` (the node's /run/bird)
    assert.matches("Router ID is 10.255.0.1", r1:birdc "show status")
    local st, out = T.nslab("exec", "t13bird", "r2", "--", "birdc", "show status")
    assert.are.equal(0, st, out)
    assert.matches("Router ID is 10.255.0.2", out)
    st, out = T.nslab("exec", "t13bird", "r1", "--", "cat", "/etc/bird/bird.conf")
    assert.matches("router id 10.255.0.1;", out, 1, true)
    assert.are.equal("up", r1:bird_protocols().ospf1.state)
    assert.matches("^Full", r1:bird_ospf_neighbors("ospf1")[1].state)
    -- while two BIRDs run, the host's BIRD directories are as they were
    assert.are.equal(dirs, select(2, T.sh(HOST_DIRS)))
    -- a command BIRD does not know: one line naming it and the node
    local ok, err = pcall(r1.birdc, r1, "show nonsense")
    assert.is_false(ok)
    assert.matches("^[^\n]*daemons_bird_spec%.lua:%d+: birdc \"show nonsense\" in node \"r1\": [^\n]+$", err)
    -- BIRD's messages are in the node's log, not the host's syslog
    assert.matches("Started", p1:output(), 1, true)
    -- a new config BIRD refuses leaves the running one in place
    ok, err = pcall(r1.bird_configure, r1, "router id 10.255.0.1;\nprotocol devic { }\n")
    assert.is_false(ok)
    assert.matches("BIRD in node \"r1\" refused its config: syntax error", err, 1, true)
    st, out = T.nslab("exec", "t13bird", "r1", "--", "cat", "/etc/bird/bird.conf")
    assert.matches("protocol ospf v2 ospf1", out, 1, true)
    assert.matches("Reconfigured", r1:bird_configure(conf(1)), 1, true)
    assert.are.equal("up", r1:bird_protocols().ospf1.state)
    -- a second BIRD in the same node is refused
    ok, err = pcall(r1.bird, r1, { config = conf(1) })
    assert.is_false(ok)
    assert.matches("node \"r1\" already runs BIRD %(started at [^\n]*daemons_bird_spec%.lua:%d+%)$", err)
    lab:down()
    assert.is_true(ended(b1[1]))
  end)

  it("a failed check says what BIRD shows", function()
    local lab = nslab.lab "t13bird"
    lab._quiet = true
    local r1 = lab:router "r1"
    r1:bird { config = conf(1) }
    local ok, err = pcall(lab.expect_bird_up, lab, r1, "bgp9", { timeout = 0.3 })
    assert.is_false(ok)
    assert.matches("check failed: r1: BIRD protocol bgp9 up %(found still false after 0%.3 s %(last: "
      .. "no protocol bgp9 %(BIRD has: device1, kernel1, ospf1%)%)%)", err)
    -- r1 has no neighbour: the generic check says so from BIRD's view
    ok, err = pcall(lab.expect_ospf_full, lab, r1, { timeout = 0.3 })
    assert.is_false(ok)
    assert.matches("check failed: r1 has every OSPF neighbour Full %(expected r1 has every OSPF neighbour "
      .. "Full; found no OSPF neighbours %(still, after 0%.%d s%)%)", err)
  end)

  it("a config BIRD refuses: one line at the lab line of the mistake, nothing left", function()
    local file = T.write_lab("t13bbad", PAIR .. [[
r1:bird { config = [[
router id 10.255.0.1;
protocol device { }
protocol ospf v2 ospf1 {
  ipv4 { import al; };
}
]] .. "]]" .. [[ }
]])
    local st, out, err = T.nslab("run", "--name", "t13bk", file)
    assert.are.equal(4, st, out .. err)  -- the lab could not be built
    -- the typo is on line 4 of the config, line 9 of the lab file
    assert.are.equal(file .. ":9: BIRD in node \"r1\" refused its config: syntax error, unexpected "
      .. "CF_SYM_UNDEFINED (bird.conf line 4, column 17)\n", err)
  end)

  it("BIRD not installed: one line naming the Debian package", function()
    local file = T.write_lab("t13bnone", PAIR .. "r1:bird { config = 'router id 1.1.1.1;' }\n")
    -- /usr/sbin (where bird and birdc live) hidden in a mount namespace of the run
    local st, out, err = T.sh(("unshare -m sh -c 'mount -t tmpfs t13b /usr/sbin && exec %s run --name t13bk %s'")
      :format(T.q(T.NSLAB), T.q(file)))
    assert.are.equal(4, st, out .. err)  -- the lab could not be built
    assert.are.equal(file .. ":5: BIRD is not installed (no bird or birdc on PATH): install the Debian "
      .. "package bird2 (apt-get install bird2)\n", err)
  end)

  it("a dry run (nslab graph) goes past node:bird: nothing starts, every node is drawn", function()
    local file = T.write_lab("t13bdry", PAIR .. "r1:bird { config = 'router id 1.1.1.1;' }\nlab:host 'h3'\n")
    local st, out, err = T.nslab("graph", file)
    assert.are.equal(0, st, err)
    assert.matches('"h3"', out, 1, true)
  end)

  it("a lab left up and attached by the REPL: birdc and the checks reach each node's BIRD", function()
    local file = T.write_lab("t13bup", PAIR .. [[
r1:bird { config = "router id 10.255.0.1;\nprotocol device { }\n" }
r2:bird { config = "router id 10.255.0.2;\nprotocol device { }\n" }
]])
    local st, out, err = T.nslab("up", "--name", "t13bk", file)
    assert.are.equal(0, st, out .. err)
    local lines = [[print(r2:birdc("show status"))
r1 birdc show status
print(r2:bird_protocols().device1.state)
]]
    st, out, err = T.sh(("printf '%%s' %s | %s repl t13bk"):format(T.q(lines), T.q(T.NSLAB)))
    assert.are.equal(0, st, out .. err)
    assert.matches("Router ID is 10%.255%.0%.2\n.*Router ID is 10%.255%.0%.1\n.*> up\n", out)
  end)

  it("nslab killed with -9: BIRD keeps running until `nslab clean` ends it", function()
    local file = T.write_lab("t13bkill", PAIR .. [[
r1:bird { config = "router id 10.255.0.1;\nprotocol device { }\n" }
r2:bird { config = "router id 10.255.0.2;\nprotocol device { }\n" }
io.stdout:write("READY\n")
io.stdout:flush()
while true do lab.core.sleep(1) end
]])
    local log = os.tmpname()
    local _, pid = T.sh(("%s run --name t13bk %s >%s 2>&1 & echo $!"):format(T.q(T.NSLAB), T.q(file), log))
    pid = tonumber(pid:match("%d+"))
    assert.is_truthy(T.eventually(function() return (T.slurp(log) or ""):find("READY") end, 60),
      T.slurp(log))
    local birds = {}
    for _, n in ipairs { "r1", "r2" } do
      local b = pids_of("t13bk." .. n, "bird")
      assert.are.equal(1, #b)
      birds[#birds + 1] = b[1]
    end
    T.sh("kill -9 " .. pid)
    assert.is_truthy(T.eventually(function() return ended(pid) end, 20))
    -- the daemons do not die with nslab: they run on, in their namespaces
    for _, b in ipairs(birds) do assert.is_false(ended(b)) end
    local st, out, err = T.nslab("clean")
    assert.are.equal(0, st, out .. err)
    for _, b in ipairs(birds) do assert.is_true(ended(b), "bird " .. b .. " still runs") end
    assert.are.equal("", select(2, T.sh("ls /run/nslab 2>/dev/null | grep t13bk")))
    os.remove(log)
  end)
end)
