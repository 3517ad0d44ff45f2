-- FRR in nodes with real daemons and real packets: OSPF converges (routes
-- seen by `ip route`, ping between loopbacks), the daemons run as frr,
-- vtysh reaches each node's own daemons from every way into a node (exec,
-- the REPL's `NODE cmd` and `enter`, `nslab exec`), a missing FRR is one
-- line, and the daemons end at teardown, also after kill -9 and `nslab
-- clean`. The host's /etc/frr, /run/frr and /tmp stay as they were.
local nslab = require "nslab"
local converge = require "nslab.converge"
local T = require "nslab_test"

local function host_tmp()
  return select(2, T.sh("ls -A /tmp | grep -v -e '^nslab-test-' -e '^nslab-labs$' -e '^nslab-bg\\.' | sort"))
end

-- OSPF config of router i (loopback 10.255.0.i), fast timers.
local function ospf(i)
  return ([[
interface eth0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 3
router ospf
 ospf router-id 10.255.0.%d
 network 10.0.0.0/8 area 0
 timers throttle spf 0 50 1000
 timers throttle lsa all 0
]]):format(i)
end

local TWO = [[
local r1, r2 = lab:router "r1", lab:router "r2"
lab:link(r1, r2, { "10.0.12.1/24", "10.0.12.2/24" })
r1:addr("lo", "10.255.0.1/32")
r2:addr("lo", "10.255.0.2/32")
r1:frr { wait = false, config = %q }
r2:frr { wait = false, config = %q }
lab:frr_wait()
]]

-- Users and names of the processes in a namespace, as ps sees them;
-- their pids are kept in seen (the machine is shared: other FRR daemons
-- may run outside our labs, so only these are checked after each test).
local seen = {}
local function procs_in(ns)
  local _, pids = T.sh("ip netns pids " .. ns)
  local list = {}
  for p in pids:gmatch("%d+") do seen[#seen + 1] = tonumber(p) list[#list + 1] = p end
  if #list == 0 then return "" end
  local _, out = T.sh(("ps -o user=,comm= -p %s | sort"):format(table.concat(list, ",")))
  return out
end

describe("FRR in nodes", function()
  local snap_host, check_host = T.lab_guard()
  local tmp_before, vartmp_before
  before_each(function()
    snap_host()
    tmp_before = host_tmp()
    vartmp_before = select(2, T.sh("ls /var/tmp/frr 2>/dev/null"))
  end)
  after_each(function()
    check_host()
    assert.are.equal(tmp_before, host_tmp())
    -- every daemon seen in a node has ended, and left nothing in the
    -- host's /var/tmp/frr (FRR's per-process log buffers, NAME.PID; the
    -- machine's own FRR may have left some before)
    local old = {}
    for n in vartmp_before:gmatch("%S+") do old[n] = true end
    for _, pid in ipairs(seen) do
      assert(T.wait_exit(pid, 5), "process " .. pid .. " outlived its lab")
      local _, left = T.sh("cd /var/tmp/frr 2>/dev/null && ls -d *." .. pid .. " 2>/dev/null")
      for n in left:gmatch("%S+") do assert(old[n], "/var/tmp/frr/" .. n .. " left on the host") end
    end
    seen = {}
  end)

  it("converges OSPF (routes, ping), runs as frr, vtysh reaches each node's own daemons", function()
    local lab = nslab.lab "dfr1"
    local r1, r2 = lab:router "r1", lab:router "r2"
    lab:link(r1, r2, { "10.0.12.1/24", "10.0.12.2/24" })
    r1:addr("lo", "10.255.0.1/32")
    r2:addr("lo", "10.255.0.2/32")
    r1:frr { config = ospf(1), wait = false }
    r2:frr { config = ospf(2), wait = false }
    lab:frr_wait()
    local ok, found = converge.ospf_full(r1, r2, { timeout = 15 })
    assert(ok, found)
    ok, found = converge.has_route(r1, "10.255.0.2/32", { via = r2, dev = "eth0", timeout = 10 })
    assert(ok, found)
    ok, found = converge.has_route(r2, "10.255.0.1/32", { via = "10.0.12.1", timeout = 10 })
    assert(ok, found)
    -- seen by iproute2 too, installed by OSPF, and real packets flow
    local _, route = T.ns_sh("dfr1.r1", "ip route show 10.255.0.2")
    assert.is_truthy(route:find("via 10.0.12.2 dev eth0 proto ospf", 1, true), route)
    assert(T.eventually(function()
      return T.ns_sh("dfr1.r1", "ping -c 1 -W 1 -I 10.255.0.1 10.255.0.2") == 0
    end, 5), "no ping reply between the loopbacks")
    -- zebra, staticd, ospfd, each dropped to the user frr
    assert(T.eventually(function() return procs_in("dfr1.r2") ~= "" end))
    assert.are.equal("frr      ospfd\nfrr      staticd\nfrr      zebra\n", procs_in("dfr1.r1"))
    -- each node's vtysh talks to its own daemons
    assert.is_truthy(r1:vtysh("show ip ospf"):find("Router ID: 10.255.0.1", 1, true))
    assert.is_truthy(r2:vtysh("show ip ospf"):find("Router ID: 10.255.0.2", 1, true))
    -- vtysh's errors are one line naming the node
    local pok, err = pcall(r1.vtysh, r1, "show nonsense")
    assert.is_false(pok)
    assert.is_truthy(tostring(err):find('vtysh in node "r1": % Unknown command', 1, true), err)
    -- a BGP check on a router that runs no BGP says so
    local bok, bfound = converge.bgp_established(r1, "10.0.12.2", { timeout = 0.2 })
    assert.is_false(bok)
    assert.is_truthy(bfound:find("no such peer", 1, true) or bfound:find("vtysh", 1, true), bfound)
    -- the config and sockets live in the node only
    assert.are.equal(ospf(1), r1:exec("cat /etc/frr/frr.conf").out)
    assert.is_true(r1:exec("test -S /var/run/frr/ospfd.vty").ok)
    lab:down()
  end)

  it("vtysh from `nslab exec`, the REPL's `NODE vtysh` and `enter NODE` reach that node only", function()
    local file = T.write_lab("dfr2", TWO:format(ospf(1), ospf(2)))
    local st, out, err = T.nslab("up", "--name", "dfr2", file)
    assert.are.equal(0, st, out .. err)
    st, out = T.nslab("exec", "dfr2", "r2", "--", "vtysh", "-c", "show ip ospf")
    assert.are.equal(0, st, out)
    assert.is_truthy(out:find("Router ID: 10.255.0.2", 1, true), out)
    -- the REPL, attached: `r1 vtysh ...` runs in r1
    st, out = T.sh(("printf '%%s\\n' %s | NO_COLOR=1 %s repl dfr2"):format(
      T.q("r1 vtysh -c 'show ip ospf'"), T.q(T.NSLAB)))
    assert.is_truthy(out:find("Router ID: 10.255.0.1", 1, true), out)
    -- `enter r2` runs the user's shell in r2: a "shell" that asks vtysh
    local sh = "/tmp/nslab-labs/dfr2-shell"
    local f = assert(io.open(sh, "w"))
    f:write("#!/bin/sh\nvtysh -c 'show ip ospf' | grep 'Router ID'\n")
    f:close()
    T.sh("chmod 755 " .. sh)
    st, out = T.sh(("printf 'enter r2\\n' | NO_COLOR=1 SHELL=%s %s repl dfr2"):format(sh, T.q(T.NSLAB)))
    os.remove(sh)
    assert.is_truthy(out:find("Router ID: 10.255.0.2", 1, true), out)
    assert.is_falsy(out:find("10.255.0.1", 1, true), out)
    st, out = T.nslab("down", "dfr2")
    assert.are.equal(0, st, out)
  end)

  it("daemons outlive a kill -9 of nslab and end with `nslab clean`", function()
    local file = T.write_lab("dfr3", TWO:format(ospf(1), ospf(2)) .. 'r1:exec "sleep 300"\n')
    local pid = T.bg(T.q(T.NSLAB) .. " run --name dfr3 " .. file)
    assert(T.eventually(function()
      return procs_in("dfr3.r2"):find("ospfd", 1, true) and procs_in("dfr3.r1"):find("sleep", 1, true)
    end, 20), "the daemons never started")
    T.sh("kill -9 " .. pid)
    assert(T.wait_exit(pid))
    -- still running, owned by nobody
    assert.is_truthy(procs_in("dfr3.r1"):find("frr      zebra", 1, true))
    local st, out = T.nslab("clean")
    assert.are.equal(0, st, out)
    assert.is_truthy(out:find("removed lab dfr3", 1, true), out)
  end)

  it("FRR not installed: one line naming the Debian package", function()
    local file = T.write_lab("dfr4", 'local r1 = lab:router "r1"\nr1:frr { config = "router ospf\\n" }\n')
    local st, out, err = T.sh(("NSLAB_FRR_DIR=/nonexistent/frr %s run %s"):format(T.q(T.NSLAB), T.q(file)))
    assert.are.equal(1, st, out)
    assert.are.equal(file .. ":2: FRR is not installed (no /nonexistent/frr/zebra): install the Debian " ..
      "package frr (apt-get install frr)\n", err)
  end)
end)
