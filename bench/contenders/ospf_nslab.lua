-- ospf_nslab.lua - the nslab side of bench/ospf: the OSPF ring of
-- bench/contenders/ospf_ip.sh (the floor), N routers from
-- NSLAB_BENCH_ROUTERS, built by nslab and running FRR with node:frr.
-- Router i: lo 10.255.0.i/32; link i joins router i (eth1, 10.0.i.1/30)
-- and router i+1 (eth0, 10.0.i.2/30); frr.conf from ospf_conf.sh, as the
-- floor's. Every router's daemons start at once (wait = false, then
-- lab:frr_wait; then BENCH-STARTED is written); then the lab waits,
-- through netlink (node:has_route's check, unrecorded), until every
-- router has a route to every other loopback, writes BENCH-CONVERGED, and
-- reads one line before teardown.
local converge = require "nslab.converge"
local N = math.tointeger(tonumber(os.getenv("NSLAB_BENCH_ROUTERS") or ""))
assert(N and N >= 2, "set NSLAB_BENCH_ROUTERS to the number of routers")
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

local r = {}
for i = 1, N do
  r[i] = lab:router("r" .. i)
  r[i]:addr("lo", ("10.255.0.%d/32"):format(i))
end
for i = 1, N do
  lab:link(r[i], r[i % N + 1], { ("10.0.%d.1/30"):format(i), ("10.0.%d.2/30"):format(i) },
    { names = { "eth1", "eth0" } })
end
for i = 1, N do
  local p = assert(io.popen(("%s/ospf_conf.sh %d %d"):format(here, i, N)))
  local conf = p:read("a")
  p:close()
  r[i]:frr { config = conf, wait = false }
end
lab:frr_wait(30 + 2 * N)
io.stdout:write("BENCH-STARTED\n")
io.stdout:flush()
for i = 1, N do
  for j = 1, N do
    if i ~= j then
      local ok, found = converge.has_route(r[i], ("10.255.0.%d/32"):format(j), { timeout = 120 })
      assert(ok, found)
    end
  end
end
io.stdout:write("BENCH-CONVERGED\n")
io.stdout:flush()
io.stdin:read("l")
