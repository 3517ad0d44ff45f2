-- OSPF on a ring of N FRR routers (N=6 by default; `N=20 nslab run
-- labs/ospf-ring.lua` for another size). Fast timers: hello 1 s, dead
-- 3 s, point-to-point links, SPF and LSA throttling at their floor.
--
--   r1 - r2 - r3 - ... - rN - (back to r1)
--   link i joins ri and ri+1 on 10.1.i.0/24 (.1 and .2); ri's loopback
--   is 10.255.0.i/32, announced by OSPF.
--
-- Checks: every router holds a route to every loopback (netlink) and
-- reaches it (ping); then the link r1 - r2 goes down, and r1's traffic to
-- r2 takes the other way round (the route's next hop is rN, and ping's
-- record-route option shows the packet passing rN); how long that took is
-- printed; the link comes back and the short way returns.
local core = require "nslab.core"
local converge = require "nslab.converge"

local N = math.tointeger(tonumber(os.getenv("N") or "6"))
if not N or N < 3 or N > 200 then error("N must be a whole number from 3 to 200", 0) end

local function lo(i) return ("10.255.0.%d"):format(i) end

local t_start = core.clock()
local routers, links = {}, {}
for i = 1, N do routers[i] = lab:router("r" .. i) end
for i = 1, N do
  local j = i % N + 1
  links[i] = lab:link(routers[i], routers[j], { ("10.1.%d.1/24"):format(i), ("10.1.%d.2/24"):format(i) })
end

for i, r in ipairs(routers) do
  r:addr("lo", lo(i) .. "/32")
  local conf = { "hostname r" .. i }
  for _, ifname in ipairs { "eth0", "eth1" } do
    conf[#conf + 1] = ("interface %s\n ip ospf network point-to-point\n ip ospf hello-interval 1\n" ..
      " ip ospf dead-interval 3"):format(ifname)
  end
  conf[#conf + 1] = ("router ospf\n ospf router-id %s\n network 10.0.0.0/8 area 0\n" ..
    " timers throttle spf 0 50 1000\n timers throttle lsa all 0\n timers lsa min-arrival 0"):format(lo(i))
  -- all routers start together; lab:frr_wait() below loads every config
  r:frr { config = table.concat(conf, "\n") .. "\n", wait = false }
end
lab:frr_wait()
print(("%d routers built and their FRR configs loaded in %.1f s"):format(N, core.clock() - t_start))

-- The loopbacks ri still lacks a route to (one netlink read).
local function missing(i)
  local want = {}
  for j = 1, N do if j ~= i then want[#want + 1] = lo(j) .. "/32" end end
  return converge.missing_routes(routers[i], want) or want
end

local t0 = core.clock()
for i, r in ipairs(routers) do
  lab:expect_eventually(("r%d has a route to every other loopback"):format(i), function()
    local m = missing(i)
    return #m == 0, #m > 0 and ("missing " .. table.concat(m, " ")) or nil
  end, { timeout = 20 })
end
print(("every router holds a route to every loopback %.1f s after the configs were loaded")
  :format(core.clock() - t0))

-- Real packets: each router pings every loopback from its own (three
-- tries each: a multipath route may be replaced while the first flies),
-- all routers at once; each prints the loopbacks that never answered.
local pingers = {}
for i, r in ipairs(routers) do
  local targets = {}
  for j = 1, N do if j ~= i then targets[#targets + 1] = lo(j) end end
  pingers[i] = r:spawn(("for a in %s; do for t in 1 2 3; do ping -n -q -c 1 -W 1 -I %s $a >/dev/null && break; " ..
    "[ $t = 3 ] && echo $a; done; done; echo done"):format(table.concat(targets, " "), lo(i)))
end
for i, p in ipairs(pingers) do
  local status = p:wait(10 + 3 * N)
  local out = p:output()
  lab:check(("r%d reaches every loopback (ping)"):format(i), status == 0 and out == "done\n",
    "no reply from " .. out:gsub("done\n$", ""):gsub("\n", " "))
end

-- The short way from r1 to r2 is the direct link.
local r1, r2, rN = routers[1], routers[2], routers[N]
r1:has_route(lo(2) .. "/32", { via = r2 })

-- Link r1 - r2 goes down: r1 reaches r2 the other way round, through rN.
local t_down = core.clock()
links[1]:down()
r1:has_route(lo(2) .. "/32", { via = rN, timeout = 10 })
print(("rerouted the other way round in %.2f s"):format(core.clock() - t_down))
lab:expect_reach(r1, lo(2), { timeout = 5 })
local rr = r1:exec(("ping -n -c 1 -W 2 -R -I %s %s"):format(lo(1), lo(2)))
-- record route lists the address of each router's outgoing interface:
-- rN's on the link to r(N-1) shows the packet went round through rN
local via_rN = ("10.1.%d.2"):format(N - 1)
lab:check(("r1's ping to r2 passes rN (record route shows %s)"):format(via_rN),
  rr.out:find(via_rN, 1, true) ~= nil, (rr.out:match("RR:.-\n\n") or rr.out):gsub("%s+", " "))

-- The link comes back: the short way returns.
local t_up = core.clock()
links[1]:up()
r1:has_route(lo(2) .. "/32", { via = r2, timeout = 10 })
print(("back on the direct link in %.2f s"):format(core.clock() - t_up))
r1:ospf_full(r2, { timeout = 10 })
